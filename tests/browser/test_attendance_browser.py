"""Attendance in Chromium: marking rows with the keyboard (htmx on, and plain forms with JavaScript
off), "mark all present", axe on every attendance page, and the printed A4 sheet.

The sessions, rosters and earlier marks are made through the domain services, in the live server's
own database, before any page is opened. Each test works on its own session of today, so the tests
do not depend on each other's marks. The pages are in Romanian and their words may still change with
the translations: the checks read ids, aria attributes and numbers, not labels.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.domain import clock

from .conftest import COORDINATOR, STAFF, assert_no_axe_violations

PROJECT_CODE = "155550"
MARKING_NAMES = [("Anghel", "Maria"), ("Bălan", "Ioana"), ("Cazacu", "Radu"), ("Dinu", "Elena")]
SHEET_ROWS = 45  # more than one A4 page holds
BLANK_ROWS = 5  # the sheet's default number of blank rows for walk-ins
SYSTEM_RIGHTS = frozenset({"activities.manage", "attendance.record", "attendance.correct", "people.sensitive"})

# Pages with htmx: no request running, nothing being swapped or settled.
HTMX_IDLE = '() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")'


# Set-up: the live server's database, through the domain services --------------------------------

@dataclass(frozen=True)
class Seeded:
    a21: int  # A2.1 After-school: the activity whose sessions are marked
    a23: int  # A2.3 Second Chance: the long roster printed on more than one page
    marking: list[int]  # the A2.1 roster, in the order of the sheet (by name)
    js_session: int
    nojs_session: int
    all_present_session: int
    sheet_session: int
    funder_line: str
    staff_name: str  # personal@: facilitates every session, signs in to mark


@pytest.fixture(scope="module")
def seeded(live_server) -> Seeded:
    from sqlalchemy import select

    from portal.domain.accounts.models import User
    from portal.domain.activities import services as activities
    from portal.domain.activities.models import AttendanceStatus
    from portal.domain.actor import system_actor
    from portal.domain.people import services as people
    from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, Person, RiskReason, Sex
    from portal.domain.projects.models import Activity, Project
    from portal.extensions import db

    actor = system_actor(SYSTEM_RIGHTS, address="browser-test")
    today = clock.today()
    with live_server.app.app_context():
        session = db.session
        project = session.scalar(select(Project).where(Project.code == PROJECT_CODE))
        zone = project.zones[0]

        def activity(code: str) -> Activity:
            return session.scalar(select(Activity).where(Activity.project_id == project.id, Activity.code == code))

        def enrolled(last: str, first: str) -> Person:
            person = people.create_person(session, people.PersonData(
                last_name=last, first_name=first, locality=project.town, street=zone.streets[0].name,
                birth_date=date(2014, 3, 9), sex=Sex.female), actor, confirm_new=True).person
            people.record_consent(session, person, actor, kind=ConsentKind.data_processing,
                                  given_by=ConsentGiver.guardian, given_on=date(2023, 1, 10),
                                  guardian_name="Părinte", document_ref="F-1")
            people.enroll(session, person, project, people.EntryData(
                zone_id=zone.id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
                labour_status=LabourStatus.inactive, isced_level=1, answers={}), actor)
            return person

        def one_session(act: Activity, start: int, facilitators: list[User], topic: str = ""):
            plan = activities.SessionPlan(start_time=time(start), end_time=time(start + 1), place="Sala 2",
                                          topic=topic, facilitator_ids=[user.id for user in facilitators])
            return activities.create_sessions(session, act, plan, actor, on=today)[0]

        staff = session.scalar(select(User).where(User.email == STAFF))
        coordinator = session.scalar(select(User).where(User.email == COORDINATOR))
        a21, a23 = activity("A2.1"), activity("A2.3")

        marking = [enrolled(last, first) for last, first in MARKING_NAMES]
        for person in marking:
            activities.add_to_roster(session, a21, person, date(2024, 1, 1), actor)
        # The tests count rows: the demo data must not have put anyone else on these lists.
        assert [entry.person_id for entry in activities.roster(session, a21)] == [person.id for person in marking]
        assert not activities.roster(session, a23)
        # Names that sort as they are numbered: "Elev Număr01" … "Elev Număr45".
        for number in range(1, SHEET_ROWS + 1):
            activities.add_to_roster(session, a23, enrolled("Elev", f"Număr{number:02d}"), date(2024, 1, 1), actor)

        js_session = one_session(a21, 8, [staff, coordinator])
        nojs_session = one_session(a21, 9, [staff, coordinator])
        all_present = one_session(a21, 10, [staff, coordinator])
        # Marks made before the page is opened: "mark all present" must leave them as they are.
        activities.mark(session, all_present, marking[0], AttendanceStatus.absent, actor, today=today)
        activities.mark(session, all_present, marking[1], AttendanceStatus.excused, actor, today=today)
        sheet_session = one_session(a23, 17, [staff], topic="Matematică, recapitulare")
        session.commit()
        return Seeded(a21=a21.id, a23=a23.id, marking=[person.id for person in marking],
                      js_session=js_session.id, nojs_session=nojs_session.id,
                      all_present_session=all_present.id, sheet_session=sheet_session.id,
                      funder_line=project.funder_line, staff_name=staff.full_name)


# Helpers -----------------------------------------------------------------------------------------

def open_session(page, live_server, session_id: int):
    response = page.goto(live_server(f"/portal/sesiuni/{session_id}"))
    assert response.ok, response.status
    return response


def button(page, person_id: int, status: str):
    return page.locator(f"#mark-{person_id}-{status}")


def expect_marked(page, person_id: int, status: str | None):
    """The chosen button is pressed, the two others are not (status None: none is)."""
    for choice in ("present", "absent", "excused"):
        expect(button(page, person_id, choice)).to_have_attribute("aria-pressed", "true" if choice == status else "false")


def expect_counts(page, present: int, absent: int, excused: int, unmarked: int, total: int):
    """#counts: "Present: 1 · Absent: 0 · Excused: 0 · Not marked: 3 (4 persons)", in any language."""
    numbers = r"\D*".join(str(number) for number in (present, absent, excused, unmarked, total))
    expect(page.locator("#counts")).to_have_text(re.compile(rf"^\D*{numbers}\D*$"))


def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def focused_is_name_link(page, person_id: int) -> bool:
    return page.evaluate("id => document.activeElement === document.querySelector(`#row-${id} th a`)", person_id)


def wait_htmx_idle(page):
    page.wait_for_function(HTMX_IDLE, polling=20)


# 1. Keyboard marking with htmx -------------------------------------------------------------------

def test_keyboard_marking_swaps_only_the_row_and_keeps_focus(open_page, live_server, staff_state, seeded):
    first, second, third, fourth = seeded.marking
    page = open_page(storage_state=staff_state)
    open_session(page, live_server, seeded.js_session)
    url = page.url
    rows = page.locator("table.attendance tbody tr")
    expect(rows).to_have_count(4)
    for index, person_id in enumerate(seeded.marking):  # numbered by name, as on paper
        expect(rows.nth(index)).to_have_id(f"row-{person_id}")
    expect_counts(page, 0, 0, 0, 4, 4)
    assert_no_axe_violations(page)  # before marking

    # A full page load forgets the window's marker; an htmx swap of the body (hx-boost) would drop
    # the one on the table; only a swap of the row keeps both.
    page.evaluate("window.__marker = 1; document.querySelector('table.attendance').dataset.marker = 'kept'")
    posts, loads = [], []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.on("load", lambda _page: loads.append(1))

    def press(key: str, person_id: int, status: str, counts: tuple):
        assert focused_id(page) == f"mark-{person_id}-{status}"
        page.keyboard.press(key)
        expect_marked(page, person_id, status)
        expect_counts(page, *counts)
        wait_htmx_idle(page)
        # htmx put the focus back on the pressed button (same id in the new row).
        assert focused_id(page) == f"mark-{person_id}-{status}", focused_id(page)

    def tab(times: int = 1):
        for _ in range(times):
            page.keyboard.press("Tab")

    button(page, first, "present").focus()  # the only step not done with keys
    press("Enter", first, "present", (1, 0, 0, 3, 4))
    tab(2)
    assert focused_id(page) == f"mark-{first}-excused"
    tab()  # the next row starts with the person's name, a link
    assert focused_is_name_link(page, second)
    tab(2)
    press("Space", second, "absent", (1, 1, 0, 2, 4))
    tab(2)
    assert focused_is_name_link(page, third)
    tab(3)
    press("Enter", third, "excused", (1, 1, 1, 1, 4))
    expect_marked(page, first, "present")  # the earlier rows kept their marks
    expect_marked(page, second, "absent")
    expect_marked(page, fourth, None)

    assert page.evaluate("window.__marker") == 1, "the page was loaded again"
    assert page.evaluate("document.querySelector('table.attendance').dataset.marker") == "kept", \
        "more than the row was swapped"
    assert not loads and page.url == url
    assert len(posts) == 3 and all(post.endswith(f"/sesiuni/{seeded.js_session}/prezenta") for post in posts), posts
    expect(page.locator(f"#row-{first}")).to_have_class(re.compile(r"\bis-present\b"))
    expect(page.locator(f"#row-{third}")).to_have_class(re.compile(r"\bis-excused\b"))
    assert_no_axe_violations(page)  # after marking, as htmx left the page

    page.reload()  # saved: the server renders the same marks
    expect_marked(page, first, "present")
    expect_marked(page, second, "absent")
    expect_marked(page, third, "excused")
    expect_marked(page, fourth, None)
    expect_counts(page, 1, 1, 1, 1, 4)


# 2. The same without JavaScript ------------------------------------------------------------------

def test_keyboard_marking_without_javascript(open_page, live_server, staff_state, seeded):
    first, second, third, fourth = seeded.marking
    page = open_page(javascript=False, storage_state=staff_state)
    open_session(page, live_server, seeded.nojs_session)  # the same markup as with JavaScript: axe ran there

    def press(key: str, person_id: int, status: str, counts: tuple):
        assert focused_id(page) == f"mark-{person_id}-{status}"
        with page.expect_navigation():
            page.keyboard.press(key)  # submits the page's form with this button's name and value
        expect(page).to_have_url(re.compile(rf"/portal/sesiuni/{seeded.nojs_session}#row-{person_id}$"))
        expect_marked(page, person_id, status)
        expect_counts(page, *counts)

    def tab(times: int = 1):
        for _ in range(times):
            page.keyboard.press("Tab")

    button(page, first, "present").focus()
    press("Enter", first, "present", (1, 0, 0, 3, 4))
    # The page came back at #row-<id>: the keyboard goes on from that row, not from the top.
    tab()
    assert focused_is_name_link(page, first)
    tab(6)
    press("Space", second, "absent", (1, 1, 0, 2, 4))
    tab()
    assert focused_is_name_link(page, second)
    tab(7)
    press("Enter", third, "excused", (1, 1, 1, 1, 4))
    expect_marked(page, first, "present")
    expect_marked(page, second, "absent")
    expect_marked(page, fourth, None)

    open_session(page, live_server, seeded.nojs_session)
    expect_marked(page, first, "present")
    expect_marked(page, second, "absent")
    expect_marked(page, third, "excused")
    expect_counts(page, 1, 1, 1, 1, 4)


# 3. Mark all present -----------------------------------------------------------------------------

def test_mark_all_present_leaves_marked_rows_alone(open_page, live_server, staff_state, seeded):
    first, second, third, fourth = seeded.marking
    page = open_page(storage_state=staff_state)
    open_session(page, live_server, seeded.all_present_session)
    expect_marked(page, first, "absent")  # marked through the services before
    expect_marked(page, second, "excused")
    expect_counts(page, 0, 1, 1, 2, 4)
    page.evaluate("window.__marker = 1")

    page.locator(f"form[action$='/sesiuni/{seeded.all_present_session}/toti-prezenti'] button[type=submit]").click()
    expect_counts(page, 2, 1, 1, 0, 4)
    expect_marked(page, first, "absent")
    expect_marked(page, second, "excused")
    expect_marked(page, third, "present")
    expect_marked(page, fourth, "present")
    assert page.evaluate("window.__marker") == 1, "hx-boost should have sent the form"
    # Only the rows not yet marked were written, by the signed-in staff member.
    for person_id in (first, second):
        expect(page.locator(f"#row-{person_id} td.muted")).not_to_contain_text(seeded.staff_name)
    for person_id in (third, fourth):
        expect(page.locator(f"#row-{person_id} td.muted")).to_contain_text(seeded.staff_name)
    assert_no_axe_violations(page)

    open_session(page, live_server, seeded.all_present_session)
    expect_counts(page, 2, 1, 1, 0, 4)
    expect_marked(page, first, "absent")
    expect_marked(page, second, "excused")
    expect_marked(page, third, "present")
    expect_marked(page, fourth, "present")


# 4. axe on the other attendance pages ------------------------------------------------------------

def visit(page, url: str):
    response = page.goto(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    assert_no_axe_violations(page)


def test_attendance_pages_pass_axe(open_page, live_server, coordinator_state, seeded):
    """As a coordinator, who sees every form these pages have (planning, the roster's search)."""
    page = open_page(storage_state=coordinator_state)
    visit(page, live_server(f"/portal/activitati/{seeded.a21}"))
    expect(page.locator(f"a[href$='/sesiuni/{seeded.js_session}']")).to_have_count(1)  # today's sessions listed
    visit(page, live_server(f"/portal/activitati/{seeded.a21}/participanti?q=Anghel"))  # the list and a search
    expect(page.locator("table tbody tr")).to_have_count(len(seeded.marking))
    expect(page.locator("#found li")).to_have_count(1)
    visit(page, live_server("/portal/sesiunile-mele?perioada=saptamana"))
    expect(page.locator(f"a[href$='/sesiuni/{seeded.js_session}']")).to_have_count(1)
    visit(page, live_server(f"/portal/activitati/{seeded.a21}/sesiuni/nou"))

    sheet = seeded.sheet_session
    visit(page, live_server(f"/portal/sesiuni/{sheet}/din-foaie"))
    page.locator("#numbers").fill("1-20, 22")
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("#preview-heading")).to_be_visible()  # the preview: nothing saved yet
    expect(page.locator("section.panel ol").first.locator("li")).to_have_count(21)
    expect(page.locator("section.panel ol").last.locator("li")).to_have_count(SHEET_ROWS - 21)
    assert_no_axe_violations(page)
    page.locator("form.stack button[type=submit]").click()  # confirmed
    expect(page).to_have_url(live_server(f"/portal/sesiuni/{sheet}"))
    expect_counts(page, 21, SHEET_ROWS - 21, 0, 0, SHEET_ROWS)
    visit(page, live_server(f"/portal/sesiuni/{sheet}/istoric"))
    expect(page.locator("tbody tr")).to_have_count(SHEET_ROWS)
    visit(page, live_server(f"/portal/sesiuni/{sheet}/foaie"))


# 5. The printed sheet ----------------------------------------------------------------------------

def pdf_pages_text(pdf: bytes) -> list[str]:
    """The text of each page of the PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def squeeze(text: str) -> str:
    """Text as extracted from a PDF, comparable: ligatures undone (ﬁ), runs of white space as one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def unspaced(text: str) -> str:
    """For lines the PDF may wrap anywhere ("2014-\n2020"): no white space at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_printed_sheet_repeats_its_header_on_every_page(open_page, live_server, coordinator_state, seeded,
                                                        tmp_path):
    page = open_page(storage_state=coordinator_state)
    response = page.goto(live_server(f"/portal/sesiuni/{seeded.sheet_session}/foaie"))
    assert response.ok
    # What the screen shows around the sheet (site header, menu, the sheet's own form) must not print.
    screen_only = page.evaluate("""() => {
      const texts = [...document.querySelectorAll('.site-header a, .site-header button, .site-header .user-menu span,'
                                                + ' .site-footer a, .sheet-screen-only a, .sheet-screen-only label')]
        .map(element => element.innerText.trim()).filter(text => text.length > 3);
      const sheet = document.querySelector('table.sheet').innerText;
      return texts.filter(text => !sheet.includes(text));
    }""")
    assert any("Raluca" in text for text in screen_only), screen_only  # the signed-in user's name, at least

    page.emulate_media(media="print")
    layout = page.evaluate("""() => {
      const shown = selector => [...document.querySelectorAll(selector)].some(element => getComputedStyle(element).display !== 'none');
      const sheet = document.querySelector('table.sheet');
      return {
        header: shown('.site-header'), nav: shown('nav'), footer: shown('.site-footer'), screenOnly: shown('.sheet-screen-only'),
        theadDisplay: getComputedStyle(sheet.tHead).display,
        thead: sheet.tHead.innerText,
        rows: [...sheet.tBodies[0].rows].map(row => [...row.cells].map(cell => cell.innerText.trim())),
      };
    }""")
    assert not layout["header"] and not layout["nav"] and not layout["footer"] and not layout["screenOnly"], layout
    assert layout["theadDisplay"] == "table-header-group"
    assert PROJECT_CODE in layout["thead"] and squeeze(seeded.funder_line) in squeeze(layout["thead"])
    rows = layout["rows"]
    assert len(rows) == SHEET_ROWS + BLANK_ROWS
    assert [row[0] for row in rows] == [str(number) for number in range(1, SHEET_ROWS + BLANK_ROWS + 1)]
    assert all(row[1].startswith("Elev") for row in rows[:SHEET_ROWS])
    assert all(row[1:] == ["", "", ""] for row in rows[SHEET_ROWS:])

    pdf = page.pdf(format="A4")
    pages = pdf_pages_text(pdf)
    assert len(pages) >= 2, f"{len(pages)} page(s)"
    funder = unspaced(seeded.funder_line)
    for number, text in enumerate(pages, start=1):
        flat = unspaced(text)
        assert PROJECT_CODE in flat, f"page {number} has no project code"
        assert funder in flat, f"page {number} has no funder line"
        for screen_text in screen_only:
            assert unspaced(screen_text) not in flat, f"page {number} prints {screen_text!r}"
    everything = squeeze(" ".join(pages))
    for number in range(1, SHEET_ROWS + 1):
        assert re.search(rf"\b{number}\s*Elev Număr{number:02d}\b", everything), f"row {number} missing"
    assert seeded.staff_name in everything  # the footer: facilitators sign
    last_page = squeeze(pages[-1])
    for number in range(SHEET_ROWS + 1, SHEET_ROWS + BLANK_ROWS + 1):
        assert re.search(rf"\b{number}\b", last_page), f"blank row {number} missing"
