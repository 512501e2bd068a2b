"""Results in Chromium: a present mark clicked on a session page moves the figure the public reads on
/rezultate/<code> (and the staff dashboard, and the open data) at once; indicator adjustments with
JavaScript on (htmx swaps the form back with its error) and off (a plain POST); axe on the public
results pages in both languages and on every results page of the portal; the public pages' figures
and bars drawn by the server, the same with JavaScript off; the public pages' weight budget.

The people, sessions and earlier marks are made through the domain services, in the live server's
own database, before any page is opened: five seniors who came to a past session of the Botoșani
demo's "Poliția Seniorilor" (A3.2, counted by the public indicator I6) and a sixth, on the list of
today's session, who has never come. Five is the smallest count the public sees exactly ("<5" below).
The checks read ids, classes and numbers, not labels, whose words may still change with the translations.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from portal.domain import clock

from .conftest import COORDINATOR, STAFF, assert_no_axe_violations

BOTOSANI, BACAU = "155550", "BC-SDL-2022"
ATTENDED = "I6"  # persons who attended A3.2 "Poliția Seniorilor"
ADJUSTED = {True: "I12", False: "I7"}  # the indicator each JavaScript mode adjusts
SENIORS = [("Rezultatescu", name) for name in ("Aurel", "Betina", "Costache", "Domnica", "Eftimie")]
NEWCOMER = ("Rezultatescu", "Filofteia")  # on today's list, never came before
PAGE_BUDGET = 60 * 1024  # bytes a public page may bring (HTML, CSS, images), as sent
SYSTEM_RIGHTS = frozenset({"activities.manage", "attendance.record", "attendance.correct", "people.sensitive"})
HTMX_IDLE = '() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")'


# Set-up: the live server's database, through the domain services --------------------------------

@dataclass(frozen=True)
class Seeded:
    botosani: int  # the project id
    indicators: dict[str, int]  # Botoșani's indicator code -> id
    session: int  # today's A3.2 session, where the newcomer is marked
    newcomer: int


@pytest.fixture(scope="module")
def seeded(live_server) -> Seeded:
    from sqlalchemy import select

    from portal.domain.accounts.models import User
    from portal.domain.activities import services as activities
    from portal.domain.activities.models import AttendanceStatus
    from portal.domain.actor import system_actor
    from portal.domain.people import services as people
    from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, RiskReason, Sex
    from portal.domain.projects.models import Activity, Indicator, Project
    from portal.extensions import db

    actor = system_actor(SYSTEM_RIGHTS, address="browser-test")
    today = clock.today()
    with live_server.app.app_context():
        session = db.session
        project = session.scalar(select(Project).where(Project.code == BOTOSANI))
        zone = project.zones[0]
        seniors_police = session.scalar(select(Activity).where(Activity.project_id == project.id,
                                                               Activity.code == "A3.2"))

        def enrolled(last: str, first: str):
            person = people.create_person(session, people.PersonData(
                last_name=last, first_name=first, locality=project.town, street=zone.streets[0].name,
                birth_date=date(1952, 5, 17), sex=Sex.female if first.endswith("a") else Sex.male),
                actor, confirm_new=True).person
            people.record_consent(session, person, actor, kind=ConsentKind.data_processing,
                                  given_by=ConsentGiver.person, given_on=date(2023, 1, 10), document_ref="F-6")
            people.enroll(session, person, project, people.EntryData(
                zone_id=zone.id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
                labour_status=LabourStatus.inactive, isced_level=2, answers={}), actor)
            activities.add_to_roster(session, seniors_police, person, date(2023, 1, 10), actor)
            return person

        users = list(session.scalars(select(User).where(User.email.in_([STAFF, COORDINATOR]))))

        def one_session(day: date):
            plan = activities.SessionPlan(start_time=time(10), end_time=time(12), place="Sala de consiliu",
                                          facilitator_ids=[user.id for user in users])
            return activities.create_sessions(session, seniors_police, plan, actor, on=day)[0]

        seniors = [enrolled(*name) for name in SENIORS]
        earlier = one_session(today - timedelta(days=2))
        for person in seniors:
            activities.mark(session, earlier, person, AttendanceStatus.present, actor, today=today)
        newcomer = enrolled(*NEWCOMER)
        today_session = one_session(today)
        session.commit()
        indicators = dict(session.execute(select(Indicator.code, Indicator.id).where(
            Indicator.project_id == project.id)).all())
        return Seeded(botosani=project.id, indicators=indicators, session=today_session.id, newcomer=newcomer.id)


# Helpers -----------------------------------------------------------------------------------------

def visit(page, url: str, *, axe: bool = True):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    if axe:
        assert_no_axe_violations(page)
    return response


def leading_number(text: str) -> int:
    """The number a figure starts with: "6", "20 de persoane", "1.110 din 1.110 persoane" (Romanian
    thousands) or "1,110 of 1,110 persons"."""
    match = re.match(r"\s*(\d[\d.,\u00a0\u202f]*)", text)
    assert match, f"no number in {text!r}"
    return int(re.sub(r"\D", "", match.group(1)))


def public_row(page, code: str):
    """The project page's table row of a public indicator: "I6 · Pensionari …", target, achieved, %."""
    return page.locator("table tbody tr").filter(
        has=page.locator("th[scope=row]", has_text=re.compile(rf"^\s*{re.escape(code)} ·")))


def public_figure(page, code: str, name: str) -> int:
    """The achieved value of an indicator as the public page shows it, in its table and in its list
    of figures; the two must agree."""
    row = public_row(page, code)
    expect(row).to_have_count(1)
    achieved = row.locator("td").nth(1).inner_text()
    assert not achieved.startswith("<"), f"{code} shows {achieved!r}: the count is hidden"
    value = leading_number(achieved)
    item = page.locator("ul.figures > li").filter(has=page.locator(".figure-name", has_text=name))
    expect(item).to_have_count(1)
    assert leading_number(item.locator(".figure-value").inner_text()) == value
    return value


def dashboard_figure(page, code: str) -> int:
    """The staff dashboard's achieved value of an indicator."""
    row = page.locator("table.results-table tbody tr").filter(
        has=page.get_by_role("link", name=code, exact=True))
    expect(row).to_have_count(1)
    return leading_number(row.locator("td").nth(2).inner_text())


def indicator_achieved(page) -> int:
    """The indicator page's achieved value ("Achieved: <strong>6 persoane</strong>")."""
    return leading_number(page.locator("dl.facts dd strong").inner_text())


def open_data_figure(page, live_server, code: str) -> int | None:
    response = page.request.get(live_server(f"/rezultate/{BOTOSANI}.json"))
    assert response.ok, response.status
    found = [item for item in json.loads(response.text())["indicators"] if item["code"] == code]
    assert len(found) == 1, found
    return found[0]["achieved"]


def indicator_name(live_server, code: str, language: str = "ro") -> str:
    from sqlalchemy import select

    from portal.domain.projects.models import Indicator, Project
    from portal.extensions import db

    with live_server.app.app_context():
        indicator = db.session.scalar(select(Indicator).join(Project).where(
            Project.code == BOTOSANI, Indicator.code == code))
        return indicator.name_en if language == "en" and indicator.name_en else indicator.name_ro


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def set_language(page, live_server, code: str):
    from portal.i18n import LOCALE_COOKIE

    page.context.add_cookies([{"name": LOCALE_COOKIE, "value": code, "url": live_server.url}])


def page_weight(page) -> int:
    """Bytes the document and what it loaded took on the wire (bodies as sent, compressed)."""
    return page.evaluate("""() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .reduce((total, entry) => total + (entry.encodedBodySize || 0), 0)""")


# 1. A mark clicked in the portal moves the public figure -----------------------------------------

def test_a_present_mark_moves_the_public_figure_at_once(open_page, live_server, staff_state, seeded):
    name = indicator_name(live_server, ATTENDED)
    public = open_page()
    visit(public, live_server(f"/rezultate/{BOTOSANI}"), axe=False)
    before = public_figure(public, ATTENDED, name)
    assert before >= len(SENIORS), before  # the seeded seniors at least: shown exactly, not "<5"
    assert open_data_figure(public, live_server, ATTENDED) == before

    staff = open_page(storage_state=staff_state)
    dashboard = live_server(f"/portal/proiecte/{seeded.botosani}/rezultate")
    visit(staff, dashboard, axe=False)
    assert dashboard_figure(staff, ATTENDED) == before  # the staff and the public see one figure

    # Today's session: the newcomer is on the list, not marked; one click marks her present (htmx).
    visit(staff, live_server(f"/portal/sesiuni/{seeded.session}"), axe=False)
    present = staff.locator(f"#mark-{seeded.newcomer}-present")
    expect(present).to_have_attribute("aria-pressed", "false")
    with staff.expect_response(lambda response: response.request.method == "POST") as answer:
        present.click()
    assert answer.value.ok, answer.value.status
    expect(staff.locator(f"#mark-{seeded.newcomer}-present")).to_have_attribute("aria-pressed", "true")
    staff.wait_for_function(HTMX_IDLE, polling=20)

    # The public page, asked again (the browser revalidates its copy): one person more, at once.
    public.reload()
    assert public_figure(public, ATTENDED, name) == before + 1
    assert open_data_figure(public, live_server, ATTENDED) == before + 1  # a request with no copy to revalidate
    fresh = open_page(javascript=False)  # another visitor, never here before
    visit(fresh, live_server(f"/rezultate/{BOTOSANI}"), axe=False)
    assert public_figure(fresh, ATTENDED, name) == before + 1
    visit(staff, dashboard, axe=False)
    assert dashboard_figure(staff, ATTENDED) == before + 1


# 2. axe on every results page --------------------------------------------------------------------

@pytest.mark.parametrize("language", ["ro", "en"])
def test_public_results_pages_pass_axe_and_keep_their_budget(open_page, live_server, seeded, language):
    page = open_page()
    set_language(page, live_server, language)
    for path in ("/rezultate", f"/rezultate/{BOTOSANI}", f"/rezultate/{BACAU}"):
        visit(page, live_server(path), axe=False)
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("ul.figures > li").first).to_be_visible()
        weight = page_weight(page)  # measured before axe, which the page itself never loads
        assert 0 < weight <= PAGE_BUDGET, f"{path}: {weight} bytes"
        if path == f"/rezultate/{BOTOSANI}":
            # Its participants are counted (the seeded seniors, with whoever other tests enrolled: in
            # tables, or only in all when a table would give a small count away).
            participants = page.locator("section[aria-labelledby=participants]")
            expect(participants.locator("p.muted")).to_have_count(0)  # not "No participants … yet."
            expect(participants.locator("table, p:not([class])").first).to_contain_text(re.compile(r"\d"))
        assert_no_axe_violations(page)


def test_portal_results_pages_pass_axe(open_page, live_server, coordinator_state, seeded):
    page = open_page(storage_state=coordinator_state)
    visit(page, live_server(f"/portal/proiecte/{seeded.botosani}/rezultate"))
    expect(page.locator("table.results-table tbody tr")).to_have_count(len(seeded.indicators))

    # An indicator with the persons it counts listed (the seeded seniors at least).
    visit(page, live_server(f"/portal/indicatori/{seeded.indicators[ATTENDED]}?persoane=1"), axe=False)
    persons = page.locator("#persoane tbody tr")
    expect(persons.first).to_be_visible()
    assert persons.count() >= len(SENIORS)
    for last, first in SENIORS:
        expect(persons.filter(has_text=f"{last} {first}")).to_have_count(1)
    assert_no_axe_violations(page)

    # The indicator form, sent empty: its errors.
    visit(page, live_server(f"/portal/proiecte/{seeded.botosani}/indicatori/nou"))
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page)

    visit(page, live_server(f"/portal/proiecte/{seeded.botosani}/raport-fse"))
    expect(page.locator("table.esf-table").first).to_be_visible()
    visit(page, live_server(f"/portal/proiecte/{seeded.botosani}/raport-fse?de_la=31.02.2024&benzi=2021"))
    expect(page.locator("#de_la-error")).to_be_visible()
    # (The adjustment form with its error: test 3, with JavaScript on and off.)


# 3. Adjustments, with JavaScript on and off ------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_adjustment_needs_a_reason_then_moves_the_figure(open_page, live_server, coordinator_state, seeded,
                                                         javascript):
    indicator = seeded.indicators[ADJUSTED[javascript]]
    url = live_server(f"/portal/indicatori/{indicator}")
    page = open_page(javascript=javascript, storage_state=coordinator_state)
    visit(page, url, axe=False)
    before = indicator_achieved(page)
    lines = page.locator("#ajustari tbody tr")
    lines_before = lines.count()
    form = page.locator("#adjustment-form")
    submit = form.locator("button[type=submit]")

    # No reason: refused, with the error next to the field and the amount kept as typed.
    page.evaluate("window.__sameDocument = true")
    form.locator("#amount").fill("12")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        submit.click()
    refused = answer.value
    assert refused.status == 422, refused.status
    expect(page.locator("#reason-error")).to_be_visible()
    expect(page.locator("#reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reason")).to_have_attribute("aria-describedby", re.compile(r"\breason-error\b"))
    expect(page.locator("#amount")).to_have_value("12")
    expect(page.locator("#adjustment-form [role=alert]")).to_be_visible()
    if javascript:
        # htmx sent the form and swapped only its block: the same document, no page load.
        assert refused.request.headers.get("hx-request") == "true"
        assert "<html" not in refused.text(), "htmx should get the form's block, not a whole page"
        assert same_document(page), "the refused form came as a new page"
        page.wait_for_function(HTMX_IDLE, polling=20)
    else:
        assert "<html" in refused.text()
        assert not same_document(page), "without JavaScript the browser itself must have sent the form"
    assert indicator_achieved(page) == before
    expect(lines).to_have_count(lines_before)
    assert_no_axe_violations(page)

    # With a reason: a new logged line, and the achieved value moves by the amount.
    reason = f"Participanți numărați pe listele de hârtie ({'js' if javascript else 'fără js'}), dosarul 3/2023."
    page.locator("#reason").fill(reason)
    submit = page.locator("#adjustment-form button[type=submit]")
    with page.expect_navigation():
        submit.click()
    expect(page).to_have_url(re.compile(rf"/portal/indicatori/{indicator}#ajustari$"))
    expect(lines).to_have_count(lines_before + 1)
    line = lines.filter(has_text=reason)
    expect(line).to_have_count(1)
    expect(line.locator("td").first).to_have_text("+12")
    assert indicator_achieved(page) == before + 12
    expect(page.locator("#amount")).to_have_value("")  # a fresh form for the next line
    expect(page.locator("#reason")).to_have_value("")


# 4. The public figures are drawn by the server -----------------------------------------------------

def test_public_results_are_the_same_without_javascript(open_page, live_server, seeded):
    with_js, without_js = open_page(), open_page(javascript=False)
    for path in ("/rezultate", f"/rezultate/{BOTOSANI}", f"/rezultate/{BACAU}"):
        shown = {}
        for mode, page in (("js", with_js), ("nojs", without_js)):
            visit(page, live_server(path), axe=False)
            figures = page.locator("ul.figures > li .figure-value")
            expect(figures.first).to_be_visible()
            texts = figures.all_inner_texts()
            assert all(re.search(r"\d", text) for text in texts), texts
            bars = page.locator("ul.figures svg.meter rect.meter-fill")
            assert bars.count() > 0
            shown[mode] = (page.locator("main").inner_text(), texts,
                           [bars.nth(index).get_attribute("width") for index in range(bars.count())],
                           page.locator("ul.figures").first.bounding_box(),
                           page.locator("ul.figures").first.screenshot())
        assert shown["js"][:4] == shown["nojs"][:4], path
        assert shown["js"][4] == shown["nojs"][4], f"{path}: the figures look different without JavaScript"
