"""The site and the portal in a real browser, with JavaScript on (htmx) and off, on both backends.

Every page a test visits is checked with axe-core for WCAG 2.1 A/AA violations.
"""
import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN, DEMO_PASSWORD, STAFF, VIEWER, assert_no_axe_violations

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/voluntariat", "/evenimente", "/rezultate", "/accesibilitate", "/confidentialitate"]
PORTAL_PAGES = ["/portal/", "/portal/utilizatori", "/portal/utilizatori/nou", "/portal/cont/parola"]

# What the pages say, per language (from portal/translations).
TEXT = {
    "ro": {"projects": "Proiecte", "users": "Utilizatori", "volunteering": "Voluntariat",
           "email": "Adresă de e-mail", "password": "Parolă", "sign_in": "Autentificare",
           "sign_in_heading": "Autentificare în portalul personalului",
           "wrong_login": "Adresa de e-mail sau parola nu este corectă.",
           "search_box": "Nume sau e-mail", "search": "Caută", "portal_menu": "Meniul portalului",
           "main_menu": "Meniul principal", "no_access": "Nu aveți acces la această pagină",
           "one_user": "1 utilizator"},
    "en": {"projects": "Projects", "users": "Users", "volunteering": "Volunteering",
           "email": "E-mail address", "password": "Password", "sign_in": "Sign in",
           "sign_in_heading": "Sign in to the staff portal",
           "wrong_login": "Wrong e-mail address or password.",
           "search_box": "Name or e-mail", "search": "Search", "portal_menu": "Portal menu",
           "main_menu": "Main menu", "no_access": "You do not have access to this page",
           "one_user": "1 user"},
}
RO, EN = TEXT["ro"], TEXT["en"]


def visit(page, url: str, status: int = 200):
    """A full page load, then axe on the page."""
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url}: HTTP {response and response.status}"
    assert_no_axe_violations(page)
    return response


def expect_lang(page, code: str):
    expect(page.locator("html")).to_have_attribute("lang", code)


def mark_document(page):
    """Tag the current document; a full page load loses the tag, an htmx swap keeps it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def sign_in(page, live_server, email: str, password: str = DEMO_PASSWORD, text=RO):
    """Through the form, from the portal home: the redirect to the sign-in page, then the dashboard."""
    visit(page, live_server("/portal/"))
    expect(page).to_have_url(re.compile(r"/portal/autentificare\?next=/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(text["sign_in_heading"])
    page.get_by_label(text["email"]).fill(email)
    page.get_by_label(text["password"], exact=True).fill(password)
    page.get_by_role("button", name=text["sign_in"], exact=True).click()


def sign_in_ok(page, live_server, email: str, text=RO):
    sign_in(page, live_server, email, text=text)
    expect(page.get_by_role("heading", level=1)).to_have_text(text["projects"])
    expect(page).to_have_url(live_server("/portal/"))
    assert_no_axe_violations(page)


# a. Signing in ---------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_sign_in_through_the_form(open_page, live_server, javascript):
    page = open_page(javascript=javascript)
    sign_in(page, live_server, ADMIN)
    if javascript:
        mark_document(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Proiecte")
    expect(page).to_have_url(live_server("/portal/"))
    expect(page.get_by_role("heading", name=re.compile("ZUM BT PLUS"))).to_be_visible()
    expect(page.get_by_text("Ana Administrator")).to_be_visible()
    assert_no_axe_violations(page)
    if javascript:
        # hx-boost: the next link swaps the body in place of loading a new document.
        page.get_by_role("navigation", name=RO["portal_menu"]).get_by_role("link", name=RO["users"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(RO["users"])
        expect(page).to_have_url(live_server("/portal/utilizatori"))
        assert same_document(page), "hx-boost did not take over the navigation"
        assert_no_axe_violations(page)


# b. Switching language -------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_switch_language_on_the_public_site(open_page, live_server, javascript):
    page = open_page(javascript=javascript)
    visit(page, live_server("/"))
    expect_lang(page, "ro")
    menu = page.get_by_role("navigation", name=RO["main_menu"])
    expect(menu.get_by_role("link", name=RO["volunteering"])).to_be_visible()
    expect(page.get_by_role("link", name="Română")).to_have_attribute("aria-current", "true")

    page.get_by_role("link", name="English").click()
    expect_lang(page, "en")
    expect(page).to_have_url(live_server("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Together for a better community")
    expect(page.get_by_role("navigation", name=EN["main_menu"]).get_by_role("link", name=EN["volunteering"])) \
        .to_be_visible()
    expect(page.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")
    assert_no_axe_violations(page)

    # The choice is remembered on the next page.
    page.get_by_role("link", name=EN["volunteering"]).click()
    expect(page).to_have_url(live_server("/voluntariat"))
    expect_lang(page, "en")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Română").click()
    expect(page).to_have_url(live_server("/voluntariat"))
    expect_lang(page, "ro")
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["volunteering"])
    assert_no_axe_violations(page)


# c. Every page, in both languages --------------------------------------------------------------

def test_every_page_passes_axe_in_both_languages(open_page, live_server):
    page = open_page()
    sign_in_ok(page, live_server, ADMIN)
    page.goto(live_server("/portal/utilizatori"))
    edit_href = page.get_by_role("link", name="Ioana Auditoare").get_attribute("href")
    assert re.fullmatch(r"/portal/utilizatori/\d+", edit_href), edit_href
    pages = PUBLIC_PAGES + PORTAL_PAGES + [edit_href]

    for code in ("ro", "en"):
        if code == "en":
            # Switch through the header link of the portal, as a user would.
            page.goto(live_server("/portal/"))
            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("heading", level=1)).to_have_text(EN["projects"])
        for path in pages:
            visit(page, live_server(path))
            expect_lang(page, code)


def test_boosted_language_switch_updates_the_html_lang(open_page, live_server):
    """In the portal (hx-boost) the language link swaps the body: <html lang> must follow."""
    page = open_page()
    sign_in_ok(page, live_server, ADMIN)
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EN["projects"])
    assert_no_axe_violations(page)
    expect_lang(page, "en")


# d. Search as you type -------------------------------------------------------------------------

def _expect_only_the_viewer(page):
    results = page.locator("#results")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results.locator("tbody tr")).to_contain_text("Ioana Auditoare")
    expect(results.locator("tbody tr")).to_contain_text(VIEWER)
    expect(results.get_by_text(RO["one_user"], exact=True)).to_be_visible()


def test_users_search_as_you_type(open_page, live_server):
    page = open_page()
    sign_in_ok(page, live_server, ADMIN)
    visit(page, live_server("/portal/utilizatori"))
    expect(page.locator("#results tbody tr")).to_have_count(4)
    mark_document(page)
    with page.expect_response(lambda r: "/portal/utilizatori?q=auditoare" in r.url) as answer:
        page.get_by_label(RO["search_box"]).press_sequentially("auditoare", delay=20)
    response = answer.value
    assert response.request.headers.get("hx-request") == "true"
    assert "<html" not in response.text(), "htmx asked for #results, the server sent a whole page"
    _expect_only_the_viewer(page)
    expect(page).to_have_url(re.compile(r"/portal/utilizatori\?q=auditoare"))
    assert same_document(page), "the search reloaded the page instead of swapping #results"
    assert_no_axe_violations(page)


def test_users_search_without_javascript(open_page, live_server):
    page = open_page(javascript=False)
    sign_in_ok(page, live_server, ADMIN)
    visit(page, live_server("/portal/utilizatori"))
    expect(page.locator("#results tbody tr")).to_have_count(4)
    page.get_by_label(RO["search_box"]).fill("auditoare")
    page.get_by_role("button", name=RO["search"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/portal/utilizatori\?q=auditoare"))
    _expect_only_the_viewer(page)
    assert_no_axe_violations(page)


# e. A viewer cannot manage users ---------------------------------------------------------------

def test_viewer_has_no_user_administration(open_page, live_server):
    page = open_page()
    sign_in_ok(page, live_server, VIEWER)
    menu = page.get_by_role("navigation", name=RO["portal_menu"])
    expect(menu.get_by_role("link", name=RO["projects"])).to_be_visible()
    expect(menu.get_by_role("link", name=RO["users"])).to_have_count(0)
    expect(page.get_by_role("link", name=RO["users"], exact=True)).to_have_count(0)

    visit(page, live_server("/portal/utilizatori"), status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["no_access"])
    expect(page.locator("#results")).to_have_count(0)


# f. A failed sign-in ---------------------------------------------------------------------------
# Each run makes two failed attempts on the staff account (limit: 5 per account, 20 per address),
# on a fresh database; no other test signs in as that account.

@pytest.mark.parametrize(("javascript", "code"), [(True, "ro"), (False, "en")], ids=["js-ro", "nojs-en"])
def test_failed_sign_in_keeps_the_email(open_page, live_server, javascript, code):
    text = TEXT[code]
    page = open_page(javascript=javascript)
    if code == "en":
        visit(page, live_server("/portal/autentificare"))
        page.get_by_role("link", name="English").click()
        expect_lang(page, "en")
    sign_in(page, live_server, STAFF, password="not-the-password", text=text)

    expect(page.get_by_text(text["wrong_login"])).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["sign_in_heading"])
    expect(page.get_by_label(text["email"])).to_have_value(STAFF)
    expect(page.get_by_label(text["password"], exact=True)).to_have_value("")
    expect_lang(page, code)
    assert_no_axe_violations(page)
