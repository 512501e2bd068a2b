"""The public site and the staff portal in Chromium, with JavaScript on (htmx) and off.

Each test runs once per database backend against that backend's live server. Every page a test
visits is checked with axe-core for WCAG 2.1 A/AA violations.
"""
import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN, STAFF, VIEWER, assert_no_axe_violations, sign_in_with_form

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", "/voluntariat", "/evenimente", "/rezultate", "/accesibilitate", "/confidentialitate"]
PORTAL_PAGES = ["/portal/", "/portal/utilizatori", "/portal/utilizatori/nou", "/portal/cont/parola"]

# What the pages say in each language (portal/translations).
TEXT = {
    "ro": {"projects": "Proiecte", "users": "Utilizatori", "volunteering": "Voluntariat",
           "email": "Adresă de e-mail", "password": "Parolă", "sign_in": "Autentificare",
           "sign_in_heading": "Autentificare în portalul personalului",
           "wrong_login": "Adresa de e-mail sau parola nu este corectă.",
           "search_box": "Nume sau e-mail", "search": "Caută", "portal_menu": "Meniul portalului",
           "main_menu": "Meniul principal", "no_access": "Nu aveți acces la această pagină",
           "one_user": "1 utilizator", "home_heading": "Împreună pentru o comunitate mai bună"},
    "en": {"projects": "Projects", "users": "Users", "volunteering": "Volunteering",
           "email": "E-mail address", "password": "Password", "sign_in": "Sign in",
           "sign_in_heading": "Sign in to the staff portal",
           "wrong_login": "Wrong e-mail address or password.",
           "search_box": "Name or e-mail", "search": "Search", "portal_menu": "Portal menu",
           "main_menu": "Main menu", "no_access": "You do not have access to this page",
           "one_user": "1 user", "home_heading": "Together for a better community"},
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
    """Tag the current document: a full page load loses the tag, an htmx swap keeps it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


# a. Signing in -----------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_sign_in_through_the_form(open_page, live_server, javascript):
    page = open_page(javascript=javascript)
    sign_in_with_form(page, live_server, ADMIN, before_submit=mark_document if javascript else None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Proiecte")
    expect(page).to_have_url(live_server("/portal/"))
    expect(page.get_by_role("heading", level=2, name=re.compile("ZUM BT PLUS"))).to_be_visible()
    expect(page.locator(".user-menu")).to_contain_text("Ana Administrator")
    assert_no_axe_violations(page)
    if javascript:
        assert same_document(page), "hx-boost did not send the sign-in form: a new document was loaded"
        # hx-boost: a link swaps the body too, instead of loading a new document.
        menu = page.get_by_role("navigation", name=RO["portal_menu"])
        menu.get_by_role("link", name=RO["users"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(RO["users"])
        expect(page).to_have_url(live_server("/portal/utilizatori"))
        assert same_document(page), "hx-boost did not take over the navigation"
        assert_no_axe_violations(page)


# b. Switching language ---------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_switch_language_on_the_public_site(open_page, live_server, javascript):
    page = open_page(javascript=javascript)
    visit(page, live_server("/"))
    expect_lang(page, "ro")
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["home_heading"])
    expect(page.get_by_role("navigation", name=RO["main_menu"]).get_by_role("link", name=RO["volunteering"])) \
        .to_be_visible()
    expect(page.get_by_role("link", name="Română")).to_have_attribute("aria-current", "true")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(live_server("/"))
    expect_lang(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(EN["home_heading"])
    expect(page.get_by_role("navigation", name=EN["main_menu"]).get_by_role("link", name=EN["volunteering"])) \
        .to_be_visible()
    expect(page.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")
    assert_no_axe_violations(page)

    # The choice holds on the next page, and the way back works from there.
    page.get_by_role("link", name=EN["volunteering"], exact=True).click()
    expect(page).to_have_url(live_server("/voluntariat"))
    expect_lang(page, "en")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Română").click()
    expect(page).to_have_url(live_server("/voluntariat"))
    expect_lang(page, "ro")
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["volunteering"])
    assert_no_axe_violations(page)


# c. Every page, in both languages ----------------------------------------------------------------

def test_every_page_passes_axe_in_both_languages(open_page, live_server, admin_state):
    page = open_page(storage_state=admin_state)
    visit(page, live_server("/portal/utilizatori"))
    edit_link = page.get_by_role("link", name="Ioana Auditoare").get_attribute("href")
    assert re.fullmatch(r"/portal/utilizatori/\d+", edit_link), edit_link
    pages = PUBLIC_PAGES + PORTAL_PAGES + [edit_link]

    for code in ("ro", "en"):
        if code == "en":
            page.get_by_role("link", name="English").click()
            expect(page.get_by_role("navigation", name=EN["portal_menu"])).to_be_visible()
        for path in pages:
            visit(page, live_server(path))
            expect_lang(page, code)


def test_language_switch_in_the_portal_sets_html_lang(open_page, live_server, admin_state):
    """The portal is hx-boosted, but a language link must load a whole new document: a boosted
    swap would replace the body and leave <html lang> in the old language (WCAG 3.1.1)."""
    page = open_page(storage_state=admin_state)
    visit(page, live_server("/portal/"))
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EN["projects"])
    expect(page.get_by_role("navigation", name=EN["portal_menu"])).to_be_visible()
    expect_lang(page, "en")
    assert_no_axe_violations(page)


# d. Searching users ------------------------------------------------------------------------------

def _expect_only_the_viewer(page):
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ioana Auditoare")
    expect(rows).to_contain_text(VIEWER)
    expect(page.locator("#results").get_by_text(RO["one_user"], exact=True)).to_be_visible()


def test_users_search_as_you_type(open_page, live_server, admin_state):
    page = open_page(storage_state=admin_state)
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
    assert same_document(page), "the search loaded a new page instead of swapping #results"
    assert_no_axe_violations(page)


def test_users_search_without_javascript(open_page, live_server, admin_state):
    page = open_page(javascript=False, storage_state=admin_state)
    visit(page, live_server("/portal/utilizatori"))
    expect(page.locator("#results tbody tr")).to_have_count(4)
    page.get_by_label(RO["search_box"]).fill("auditoare")
    page.get_by_role("button", name=RO["search"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/portal/utilizatori\?q=auditoare"))
    _expect_only_the_viewer(page)
    assert_no_axe_violations(page)


# e. A viewer cannot manage users -----------------------------------------------------------------

def test_viewer_has_no_user_administration(open_page, live_server):
    page = open_page()
    sign_in_with_form(page, live_server, VIEWER)
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["projects"])
    expect(page.locator(".user-menu")).to_contain_text("Ioana Auditoare")
    menu = page.get_by_role("navigation", name=RO["portal_menu"])
    expect(menu.get_by_role("link", name=RO["projects"])).to_be_visible()
    expect(menu.get_by_role("link", name=RO["users"])).to_have_count(0)
    expect(page.get_by_role("link", name=RO["users"], exact=True)).to_have_count(0)
    assert_no_axe_violations(page)

    visit(page, live_server("/portal/utilizatori"), status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text(RO["no_access"])
    expect(page.locator("#results")).to_have_count(0)


# f. A failed sign-in -----------------------------------------------------------------------------
# Two failed attempts per live server, on the staff account that no other test signs in with:
# the limits are 5 per account and 20 per address in 15 minutes.

@pytest.mark.parametrize(("javascript", "code"), [(True, "ro"), (False, "en")], ids=["js-ro", "nojs-en"])
def test_failed_sign_in_says_why_and_keeps_the_email(open_page, live_server, javascript, code):
    text = TEXT[code]
    page = open_page(javascript=javascript)
    if code == "en":
        visit(page, live_server("/portal/autentificare"))
        page.get_by_role("link", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(EN["sign_in_heading"])
    sign_in_with_form(page, live_server, STAFF, "not-the-password", email_label=text["email"],
                      password_label=text["password"], button=text["sign_in"])

    expect(page.get_by_role("status")).to_contain_text(text["wrong_login"])
    expect(page.get_by_role("heading", level=1)).to_have_text(text["sign_in_heading"])
    expect(page.get_by_label(text["email"])).to_have_value(STAFF)
    expect(page.get_by_label(text["password"], exact=True)).to_have_value("")
    expect_lang(page, code)
    assert_no_axe_violations(page)
