"""The public site in Chromium: signing up for a volunteering opportunity as an adult and as a minor with a
guardian, the waiting list and its promotion after a cancel link is used, with JavaScript on (htmx) and
off; then every public page in Romanian and English (signing up for an event on the way): axe finds
nothing, and no page shows the name or contact of anyone who signed up.

The project, its activities, the published sessions, a news post with a photo and a few earlier sign-ups
are made through the domain services, in the live server's own database, before any page is opened.
Each JavaScript mode signs up on listings of its own, so the two cases do not depend on each other.

The pages are in Romanian (the browser's language), and many of their words are still being translated:
the labels, buttons and messages looked for are the app's own msgids translated by the app's catalogue
at test time (`Words`), so a field is found by the label a Romanian visitor reads, whatever that
label becomes. The sign-up data typed here and made by the services are listed in PERSONAL_DATA: no
public page may show them (a person's own first name is allowed on their confirmation and cancel pages).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from portal.domain import clock

from .conftest import assert_no_axe_violations

PROJECT_CODE = "BRW-PUB-5"
PROJECT_SHORT_NAME = "CARTIER DESCHIS"
TODAY = clock.today()


# The people who sign up ---------------------------------------------------------------------------

def years_ago(years: int) -> date:
    if (TODAY.month, TODAY.day) == (2, 29):
        return date(TODAY.year - years, 3, 1)
    return TODAY.replace(year=TODAY.year - years)


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    sex: str  # "F" / "M"
    birth_date: date
    email: str = ""
    phone: str = ""
    school: str = ""
    school_class: str = ""
    guardian_name: str = ""
    guardian_contact: str = ""

    def personal(self) -> list[str]:
        """What identifies or reaches the person: never on a public page."""
        values = [self.last_name, self.first_name, self.email, self.phone, self.guardian_name, self.guardian_contact]
        values += [re.sub(r"\D", "", value) for value in (self.phone, self.guardian_contact)
                   if "@" not in value and len(re.sub(r"\D", "", value)) >= 9]  # a phone number as digits only
        return [value for value in values if value]


@dataclass(frozen=True)
class Cast:
    adult: Person  # takes the opportunity's only place, then cancels it with her link
    minor: Person  # 15: forgets the guardian, then waits for the place and gets it


CAST = {
    "js": Cast(
        adult=Person("Brâncoveanu", "Teodora", "F", date(1987, 4, 12), email="teodora.brancoveanu@exemplu.ro"),
        minor=Person("Zăvoianu", "Sorin", "M", years_ago(15), email="sorin.zavoianu@exemplu.ro", phone="0744 318 205",
                     school="Colegiul Național „Unirea”", school_class="a IX-a C",
                     guardian_name="Mirela Zăvoianu", guardian_contact="0745 902 117"),
    ),
    "nojs": Cast(
        adult=Person("Căpățână", "Viorica", "F", date(1964, 1, 23), email="viorica.capatana@exemplu.ro",
                     phone="0731 557 804"),
        minor=Person("Ursachi", "Ilinca", "F", years_ago(15), phone="0746 271 933",
                     school="Liceul Tehnologic „Dimitrie Leonida”", school_class="a X-a A",
                     guardian_name="Lăcrămioara Ursachi", guardian_contact="lacramioara.ursachi@exemplu.ro"),
    ),
}
# Who signs up on the axe test's event, in each language.
AXE_PEOPLE = {
    "ro": Person("Scârlătescu", "Despina", "F", date(1977, 6, 6), phone="0752 846 113"),
    "en": Person("Vâlcoveanu", "Octavian", "M", date(2001, 8, 8), email="octavian.valcoveanu@exemplu.ro"),
}
# Signed up through the services, before any page is opened.
EARLIER = {
    "past_opportunity": Person("Pălăgeanu", "Domnica", "F", date(1970, 5, 5), email="domnica.palageanu@exemplu.ro",
                               phone="0745 361 270"),
    "past_event": Person("Cojocaru-Ivănescu", "Laurențiu", "M", date(1999, 7, 7),
                         email="laurentiu.cojocaru@exemplu.ro"),
    "upcoming_minor": Person("Sârbulescu", "Tudor", "M", years_ago(16), phone="0762 493 018",
                             school="Școala Gimnazială nr. 7", school_class="a VIII-a B",
                             guardian_name="Elena Sârbulescu", guardian_contact="elena.sarbulescu@exemplu.ro"),
}
EVERYONE = [person for cast in CAST.values() for person in (cast.adult, cast.minor)] \
    + list(AXE_PEOPLE.values()) + list(EARLIER.values())
PERSONAL_DATA = sorted({value for person in EVERYONE for value in person.personal()})


# Set-up: the live server's database, through the domain services --------------------------------

@dataclass(frozen=True)
class Site:
    opportunity: dict[str, int]  # JavaScript mode -> listing id: a volunteering day with 1 place
    opportunity_title: dict[str, str]
    axe_event: int  # no limit on places: the axe test signs up here in each language
    past_event: int
    news_title: str


class _Links:
    """Where the services' messages point (the public site's own addresses are checked on its pages)."""

    def cancel(self, token: str) -> str:
        return f"https://test.invalid/inscriere/anulare/{token}"

    def listing(self, listing) -> str:
        return f"https://test.invalid/{listing.id}"


def photo_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (120, 180, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 400), fill=(70, 140, 60))
    for x in range(60, 640, 110):
        draw.rectangle((x, 220, x + 14, 300), fill=(110, 70, 40))
        draw.ellipse((x - 40, 150, x + 54, 240), fill=(40, 120, 50))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=85)
    return data.getvalue()


@pytest.fixture(scope="module")
def site(live_server) -> Site:
    from portal.domain.activities import services as activities
    from portal.domain.actor import system_actor
    from portal.domain.news import services as news
    from portal.domain.projects.models import Activity, ActivityKind, Project
    from portal.domain.projects.services import ACTIVITIES_MANAGE
    from portal.domain.volunteering import services as volunteering
    from portal.domain.volunteering.models import ListingCategory
    from portal.extensions import db

    app = live_server.app
    actor = system_actor(frozenset({ACTIVITIES_MANAGE, volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE}),
                         address="browser-test")
    # The services write messages and format dates with Babel: inside a request, as the site does.
    with app.test_request_context("/"):
        session = db.session
        project = Project(code=PROJECT_CODE, title="Cartier deschis: voluntariat și cultură în Bacău",
                          short_name=PROJECT_SHORT_NAME, programme="PEO", beneficiary="Asociația Comunitar",
                          funder_line="Proiect cofinanțat din FSE+", town="Bacău", start_date=date(2020, 1, 1),
                          end_date=date(2035, 12, 31), is_public=True,
                          summary_ro="Zile de voluntariat și seri culturale deschise tuturor.")
        session.add(project)
        session.flush()
        helpers = Activity(project=project, code="V1", name_ro="Zile de voluntariat", kind=ActivityKind.volunteering)
        events = Activity(project=project, code="E1", name_ro="Seri culturale", kind=ActivityKind.public_event)
        session.add_all([helpers, events])
        session.flush()

        def listing(activity, day: date, start: int, title: str, category, capacity=None, place="Parcul Cancicov"):
            plan = activities.SessionPlan(start_time=time(start), end_time=time(start + 2), place=place)
            planned = activities.create_sessions(session, activity, plan, actor, on=day)[0]
            return volunteering.publish(session, planned, volunteering.ListingData(
                category=category, title_ro=title, capacity=capacity,
                description_ro="Vă așteptăm cu drag.\n\nPunctul de întâlnire: la intrarea principală."), actor)

        opportunity_title = {"js": "Plantăm tei pe aleea Parcului Cancicov",
                             "nojs": "Curățenie pe malul Bistriței"}
        opportunities = {mode: listing(helpers, TODAY + timedelta(days=3 + offset), 9, opportunity_title[mode],
                                       ListingCategory.volunteering, capacity=1)
                         for offset, mode in enumerate(("js", "nojs"))}
        axe_event = listing(events, TODAY + timedelta(days=6), 18, "Spectacol de teatru de păpuși",
                            ListingCategory.show, place="Teatrul Municipal")
        listing(events, TODAY + timedelta(days=9), 17, "Atelier de olărit pentru toată familia",
                ListingCategory.workshop, capacity=12, place="Biblioteca Județeană")
        past_opportunity = listing(helpers, TODAY - timedelta(days=20), 9, "Colectare selectivă în cartierul CFR",
                                   ListingCategory.volunteering, capacity=30)
        past_event = listing(events, TODAY - timedelta(days=12), 18, "Seară de muzică tradițională",
                             ListingCategory.cultural_event, capacity=80)

        def signed_up(target, person: Person, now: datetime | None = None):
            data = volunteering.SignUpData(
                last_name=person.last_name, first_name=person.first_name, email=person.email, phone=person.phone,
                birth_date=person.birth_date, sex=person.sex, school=person.school,
                school_class=person.school_class, privacy_accepted=True, guardian_name=person.guardian_name,
                guardian_contact=person.guardian_contact, guardian_consent=bool(person.guardian_name))
            return volunteering.sign_up(session, target, data, secret_key=app.secret_key, links=_Links(), now=now)

        def before(target) -> datetime:
            return (volunteering.starts_at(target.session) - timedelta(days=3)).astimezone(UTC)

        signed_up(past_opportunity, EARLIER["past_opportunity"], now=before(past_opportunity))
        signed_up(past_event, EARLIER["past_event"], now=before(past_event))
        signed_up(axe_event, EARLIER["upcoming_minor"])

        post = news.create_post(session, news.NewsData(
            project_id=project.id, title_ro="Am plantat patruzeci de tei în cartier",
            published_on=TODAY - timedelta(days=2),
            title_en="We planted forty lime trees in the neighbourhood",
            summary_ro="O dimineață de voluntariat cu vecinii, elevii și bibliotecarii.",
            body_ro="Sâmbătă dimineață am plantat patruzeci de tei.\n\nMulțumim tuturor celor care au venit!",
            body_en="On Saturday morning we planted forty lime trees.\n\nThank you to everyone who came!",
            is_published=True), actor)
        for number in (1, 2):
            news.store_image(session, photo_bytes(), media_dir=news.media_dir_of(app), project_id=project.id,
                             actor=actor, alt_ro=f"Voluntari plantând tei pe alee ({number})",
                             alt_en=f"Volunteers planting lime trees along the alley ({number})", in_gallery=True,
                             news_post_id=post.id)
        session.commit()
        return Site(opportunity={mode: value.id for mode, value in opportunities.items()},
                    opportunity_title=opportunity_title, axe_event=axe_event.id, past_event=past_event.id,
                    news_title=post.title_ro)


class Words:
    """The page's words in a language: the app's msgids through the app's own catalogue."""

    def __init__(self, app, code: str):
        self.app, self.code, self._known = app, code, {}

    def __call__(self, msgid: str, **variables) -> str:
        from flask_babel import force_locale, gettext

        key = (msgid, tuple(sorted(variables.items())))
        if key not in self._known:
            with self.app.test_request_context("/"), force_locale(self.code):
                self._known[key] = gettext(msgid, **variables)
        return self._known[key]

    def plural(self, singular: str, plural: str, number: int, **variables) -> str:
        from flask_babel import force_locale, ngettext

        with self.app.test_request_context("/"), force_locale(self.code):
            return ngettext(singular, plural, number, **variables)


@pytest.fixture(scope="module")
def words(live_server) -> dict[str, Words]:
    return {code: Words(live_server.app, code) for code in ("ro", "en")}


def sign_ups_of(live_server, listing_id: int) -> dict[str, object]:
    """last name -> the sign-up, read from the live server's database."""
    from sqlalchemy import select

    from portal.domain.volunteering.models import SignUp
    from portal.extensions import db

    with live_server.app.app_context():
        entries = db.session.scalars(select(SignUp).where(SignUp.listing_id == listing_id).order_by(SignUp.id)).all()
        db.session.expunge_all()
        return {entry.last_name: entry for entry in entries}


def messages_to(live_server, sign_up_id: int) -> list[str]:
    from sqlalchemy import select

    from portal.domain.outbox.models import OutboxMessage
    from portal.extensions import db

    with live_server.app.app_context():
        return list(db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.sign_up_id == sign_up_id)
                                       .order_by(OutboxMessage.id)))


# Helpers -----------------------------------------------------------------------------------------

def expect_lang(page, code: str):
    expect(page.locator("html")).to_have_attribute("lang", code)


def expect_private(page, *, own: Person | None = None, typed: Person | None = None):
    """No sign-up's name, e-mail or phone anywhere in the page. `own`: the page of that person's own
    sign-up, which may greet them by first name. `typed`: the form that person filled in, whose fields
    (and only those) keep what was typed."""
    allowed = set()
    if own is not None:
        allowed.add(own.first_name)
    markup = page.content()
    if typed is not None:
        allowed.update(typed.personal())
        visible = page.locator("body").inner_text().casefold()
        shown = [value for value in typed.personal() if value.casefold() in visible]
        assert not shown, f"{page.url} shows {shown} as text"
    found = [value for value in PERSONAL_DATA if value not in allowed and value.casefold() in markup.casefold()]
    assert not found, f"{page.url} shows personal data of sign-ups: {found}"
    return markup


def visit(page, url: str, code: str = "ro", *, own: Person | None = None, axe: bool = True):
    """A full page load, then axe (unless this document was checked in another test) and the privacy check."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: HTTP {response and response.status}"
    markup = expect_private(page, own=own)
    assert re.match(rf'<!DOCTYPE html><html lang="{code}"', markup, re.IGNORECASE), markup[:80]
    if axe:
        assert_no_axe_violations(page)
    return response


def mark_document(page):
    """Tag the current document: a full page load loses the tag, an htmx swap keeps it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def label(page, text: str):
    return page.get_by_label(text, exact=True)


def fill_in(page, t: Words, person: Person, *, guardian: bool = True):
    """The form filled in as a visitor does, field by field, found by their labels."""
    label(page, t("Last name")).fill(person.last_name)
    label(page, t("First name")).fill(person.first_name)
    if person.email:
        label(page, t("E-mail address")).fill(person.email)
    if person.phone:
        label(page, t("Phone")).fill(person.phone)
    label(page, t("Date of birth")).fill(person.birth_date.isoformat())  # the browser's date picker
    label(page, t("Female") if person.sex == "F" else t("Male")).check()
    if person.school:
        label(page, t("School")).fill(person.school)
        label(page, t("Class")).fill(person.school_class)
    if guardian:
        fill_in_guardian(page, t, person)
    label(page, t("I have read the privacy notice and agree that these data are used for this sign-up.")).check()


def fill_in_guardian(page, t: Words, person: Person):
    if person.guardian_name:
        label(page, t("Name of the parent or guardian")).fill(person.guardian_name)
        label(page, t("Phone or e-mail of the parent or guardian")).fill(person.guardian_contact)
        label(page, t("As parent or guardian, I agree to this sign-up.")).check()


def submit(page, t: Words, button: str = "Sign up"):
    """The form's button, pressed with the keyboard. Returns the answer to the POST."""
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name=t(button), exact=True).press("Enter")
    return answer.value


def cancel_link(page) -> str:
    link = page.locator(".cancel-link a")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/inscriere/anulare/[\w.-]+", href), href
    expect(link).to_have_text(href)  # shown in full: it can be written down
    return href


def expect_confirmation(page, live_server, t: Words, listing_id: int, person: Person, *, waitlisted=False,
                        axe=True):
    expect(page).to_have_url(live_server(f"/inscriere/confirmare/{listing_id}"))
    heading = t("You are on the waiting list") if waitlisted else t("Your place is confirmed")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    if person.email or "@" in person.guardian_contact:  # a minor's message may go to the guardian's e-mail
        # No mail server on the test server: the message waits in the outbox, and the page says so.
        expect(page.get_by_text(t("We will also write to you, but the message may take a while: keep the link "
                                  "below (write it down or take a photo of this page)."))).to_be_visible()
    else:
        expect(page.get_by_text(t("You gave no e-mail address, so no message will come: keep the link below "
                                  "(write it down or take a photo of this page)."))).to_be_visible()
    if axe:
        assert_no_axe_violations(page)
    expect_private(page, own=person)
    return cancel_link(page)


# 1. Signing up: an adult, a minor with a guardian, the waiting list ------------------------------
# axe runs here on the states only this test reaches (the form refused, with JavaScript and without;
# the full listing; the waiting list's confirmation); test 2 checks every kind of page in both languages.

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_sign_up_as_adult_and_as_minor_with_guardian_then_waiting_list(open_page, live_server, site, words,
                                                                       javascript):
    mode = "js" if javascript else "nojs"
    adult, minor, t = CAST[mode].adult, CAST[mode].minor, words["ro"]
    title, opportunity = site.opportunity_title[mode], site.opportunity[mode]
    page = open_page(javascript=javascript)

    # a. An adult finds the opportunity on /voluntariat and takes its only place, with a cancel link.
    visit(page, live_server("/voluntariat"), axe=False)
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(live_server(f"/voluntariat/{opportunity}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    places = page.locator("dl.facts dd").nth(2)
    expect(places).to_contain_text(t.plural("%(count)s place left", "%(count)s places left", 1, count="1"))
    expect_private(page)
    fill_in(page, t, adult)
    assert submit(page, t).status in (200, 303)
    adult_cancel = expect_confirmation(page, live_server, t, opportunity, adult, axe=False)
    entry = sign_ups_of(live_server, opportunity)[adult.last_name]
    assert entry.status.value == "confirmed" and not entry.guardian_name
    assert messages_to(live_server, entry.id) == [t("Sign-up received: %(title)s", title=title)]

    # b. A 15-year-old, on the same computer: the place is taken, and the guardian's part is forgotten.
    page.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(live_server(f"/voluntariat/{opportunity}"))
    expect(places).to_contain_text(t("Full — waiting list"))
    assert_no_axe_violations(page)
    expect_private(page)
    fill_in(page, t, minor, guardian=False)
    form_url = page.url
    mark_document(page)
    refused = submit(page, t, "Join the waiting list")
    assert refused.status == 422, refused.status
    guardian_fields = {"guardian_name": t("Under 18: write the name of your parent or guardian."),
                       "guardian_contact": t("Under 18: write a phone number or e-mail of your parent or guardian."),
                       "guardian_consent": t("Under 18: your parent or guardian must agree to your sign-up.")}
    for field_id, message in guardian_fields.items():
        expect(page.locator(f"#{field_id}-error")).to_have_text(message)
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))
    expect(page.locator(".error-text")).to_have_count(len(guardian_fields))  # nothing else was wrong
    expect(page.get_by_role("alert")).to_contain_text(t("Please correct the fields marked below."))
    # Everything typed is still there.
    expect(label(page, t("Last name"))).to_have_value(minor.last_name)
    expect(label(page, t("First name"))).to_have_value(minor.first_name)
    expect(label(page, t("E-mail address"))).to_have_value(minor.email)
    expect(label(page, t("Phone"))).to_have_value(minor.phone)
    expect(label(page, t("Date of birth"))).to_have_value(minor.birth_date.isoformat())
    expect(label(page, t("School"))).to_have_value(minor.school)
    expect(label(page, t("Class"))).to_have_value(minor.school_class)
    expect(label(page, t("Female") if minor.sex == "F" else t("Male"))).to_be_checked()
    expect(label(page, t("I have read the privacy notice and agree that these data are used for this "
                         "sign-up."))).to_be_checked()
    assert page.url == form_url
    if javascript:
        # htmx sent the form and swapped the form's section in place: the same document, no page load.
        assert refused.request.headers.get("hx-request") == "true", refused.request.headers
        assert same_document(page), "the form with its errors came as a new page, not swapped in by htmx"
        assert "<html" not in refused.text(), "htmx should get the form's block, not a whole page"
    else:
        assert not same_document(page), "without JavaScript the browser itself must have sent the form"
        assert "<html" in refused.text()
    # The visitor is taken to the message that says what is wrong.
    expect(page.get_by_role("alert")).to_be_focused()
    assert_no_axe_violations(page)
    expect_private(page, typed=minor)
    assert minor.last_name not in sign_ups_of(live_server, opportunity)  # nothing kept

    fill_in_guardian(page, t, minor)
    assert submit(page, t, "Join the waiting list").status in (200, 303)
    expect_confirmation(page, live_server, t, opportunity, minor, waitlisted=True)
    entry = sign_ups_of(live_server, opportunity)[minor.last_name]
    assert entry.status.value == "waitlisted"
    assert (entry.guardian_name, entry.guardian_contact) == (minor.guardian_name, minor.guardian_contact)
    assert entry.guardian_consent_at is not None
    assert (entry.school, entry.school_class) == (minor.school, minor.school_class)
    visit(page, live_server(f"/voluntariat/{opportunity}"), axe=False)
    waiting_list = page.locator("dl.facts dt", has_text=t("Waiting list"))
    expect(waiting_list).to_have_count(1)
    expect(page.locator("dl.facts dd").nth(3)).to_have_text(re.compile(r"^\D*1\D*$"))

    # c. The adult cannot come: her link shows what it cancels, then cancels; the minor gets the place.
    visit(page, adult_cancel, own=adult, axe=False)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Cancel a sign-up"))
    page.get_by_role("button", name=t("Cancel my sign-up"), exact=True).press("Enter")
    expect(page).to_have_url(adult_cancel)
    expect(page.get_by_text(t("This sign-up is cancelled: the place no longer belongs to it."))).to_be_visible()
    expect(page.get_by_role("button", name=t("Cancel my sign-up"), exact=True)).to_have_count(0)
    expect_private(page, own=adult)
    entries = sign_ups_of(live_server, opportunity)
    assert entries[adult.last_name].status.value == "cancelled"
    promoted = entries[minor.last_name]
    assert promoted.status.value == "confirmed"
    # Told by e-mail (without an e-mail of the minor's own, at the guardian's): waiting, then the place.
    assert messages_to(live_server, promoted.id) == [t("Sign-up received: %(title)s", title=title),
                                                     t("Your place is confirmed: %(title)s", title=title)]
    visit(page, live_server(f"/voluntariat/{opportunity}"), axe=False)
    expect(places).to_contain_text(t("Full — waiting list"))  # the promoted minor holds the place
    expect(waiting_list).to_have_count(0)
    # The browser remembers the minor's sign-up: its page now says the place is confirmed.
    page.goto(live_server(f"/inscriere/confirmare/{opportunity}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your place is confirmed"))
    expect_private(page, own=minor)


# 2. Every public page: axe and no personal data, in both languages --------------------------------
# With JavaScript on, as the other browser tests check pages: the server sends the same markup
# either way, and test 1 checks the states that differ (the refused form swapped in, or loaded).

def test_public_pages_pass_axe_and_show_no_sign_up_data(open_page, live_server, site, words):
    page = open_page()
    for code in ("ro", "en"):
        t = words[code]
        if code == "en":  # the language switch brings the visitor back to the page they were on
            here = page.url
            page.get_by_role("link", name="English").click()
            expect_lang(page, "en")
            expect(page).to_have_url(here)
        for path in ("/voluntariat", "/voluntariat/arhiva", "/evenimente", "/evenimente/arhiva"):
            visit(page, live_server(path), code)
        page.get_by_role("link", name="Seară de muzică tradițională", exact=True).click()
        expect(page).to_have_url(live_server(f"/evenimente/{site.past_event}"))
        expect(page.get_by_text(t("This session has already taken place."))).to_be_visible()
        assert_no_axe_violations(page)
        expect_private(page)

        visit(page, live_server("/noutati"), code)
        post_title = site.news_title if code == "ro" else "We planted forty lime trees in the neighbourhood"
        page.get_by_role("link", name=post_title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(post_title)
        expect(page.locator("main img")).to_have_count(2)
        assert_no_axe_violations(page)
        expect_private(page)

        visit(page, live_server("/rezultate"), code)
        page.get_by_role("link", name=t("See the photo gallery of %(project)s", project=PROJECT_SHORT_NAME)).click()
        expect(page).to_have_url(live_server(f"/rezultate/{PROJECT_CODE}/galerie"))
        expect(page.locator("main ul.photos img")).to_have_count(2)
        assert_no_axe_violations(page)
        expect_private(page)

        # The sign-up form, its errors, the confirmation, the cancel page before and after cancelling.
        visit(page, live_server(f"/evenimente/{site.axe_event}"), code)
        assert submit(page, t).status == 422  # nothing filled in
        expect(page.locator("#last_name-error")).to_be_visible()
        assert_no_axe_violations(page)
        expect_private(page)
        person = AXE_PEOPLE[code]
        fill_in(page, t, person)
        submit(page, t)
        link = expect_confirmation(page, live_server, t, site.axe_event, person)
        visit(page, link, code, own=person)
        page.get_by_role("button", name=t("Cancel my sign-up"), exact=True).click()
        expect(page.get_by_text(t("This sign-up is cancelled: the place no longer belongs to it."))).to_be_visible()
        assert_no_axe_violations(page)
        expect_private(page, own=person)
