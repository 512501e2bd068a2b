"""Sessions, rosters and attendance: planning, the marking rules, corrections, paper, access per project."""
import itertools
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import event, func, select

from portal.domain import clock
from portal.demo import load_demo
from portal.domain.activities import services as activities
from portal.domain.activities.models import (
    ActivitySession, Attendance, AttendanceChange, AttendanceStatus, RosterEntry,
)
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditEntry
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, Person, RiskReason, Sex
from portal.domain.projects.models import Activity, Project

EVERYTHING = frozenset({"activities.manage", "attendance.record", "attendance.correct", "people.sensitive"})
MANAGER = Actor(user=None, address="test", everywhere=EVERYTHING, permissions=EVERYTHING)
RECORDER = Actor(user=None, address="test", everywhere=frozenset({"attendance.record"}))
TODAY = date(2026, 11, 24)  # a Tuesday
P, A, E = AttendanceStatus.present, AttendanceStatus.absent, AttendanceStatus.excused


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.flush()
    return db_session


def project(db, code="155550") -> Project:
    return db.scalar(select(Project).where(Project.code == code))


def activity(db, code="A2.1", project_code="155550") -> Activity:
    return db.scalar(select(Activity).join(Project).where(Project.code == project_code, Activity.code == code))


def enrolled(db, last: str, first: str = "Ana", project_code: str = "155550") -> Person:
    """A person in the project's target group (consent, address in the zone)."""
    proj = project(db, project_code)
    street = proj.zones[0].streets[0].name
    person = people.create_person(db, people.PersonData(
        last_name=last, first_name=first, locality=proj.town, street=street, birth_date=date(2015, 5, 5),
        sex=Sex.female), MANAGER, confirm_new=True).person
    people.record_consent(db, person, MANAGER, kind=ConsentKind.data_processing, given_by=ConsentGiver.guardian,
                          given_on=date(2023, 1, 10), guardian_name="Părinte", document_ref="F-1")
    people.enroll(db, person, proj, people.EntryData(
        zone_id=proj.zones[0].id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
        labour_status=LabourStatus.inactive, isced_level=1, answers={}), MANAGER)
    return person


def plan(**changes) -> activities.SessionPlan:
    return activities.SessionPlan(**{"start_time": time(12, 30), "end_time": time(16, 30), "place": "Sala 2",
                                     **changes})


_minutes = itertools.count()


def one_session(db, day=TODAY, act=None) -> ActivitySession:
    """A session on `day`; each at its own hour, since a second one at the same hour is a double click."""
    return activities.create_sessions(db, act or activity(db), plan(start_time=time(8, next(_minutes) % 60)), MANAGER,
                                      on=day)[0]


def group(db, names=("Ionescu", "Barbu", "Constantin"), act=None, joined=date(2024, 1, 1)) -> list[Person]:
    act = act or activity(db)
    persons = [enrolled(db, name) for name in names]
    for person in persons:
        activities.add_to_roster(db, act, person, joined, MANAGER)
    return persons


# Planning ----------------------------------------------------------------------------------------

def test_weekday_sessions_skip_the_given_days(demo):
    sessions = activities.create_sessions(demo, activity(demo), plan(), MANAGER, repeat=activities.Repeat(
        first_date=date(2026, 11, 23), last_date=date(2026, 12, 6), weekdays={1, 2, 3, 4, 5},
        skipped={date(2026, 11, 30), date(2026, 12, 1)}))
    days = [session.date for session in sessions]
    assert days == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26),
                    date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]
    assert len({session.series_id for session in sessions}) == 1 and sessions[0].series.weekdays == "1,2,3,4,5"


@pytest.mark.parametrize("repeat, code", [
    (activities.Repeat(date(2026, 12, 5), date(2026, 12, 1), {1}), "repeat_order"),
    (activities.Repeat(date(2026, 12, 1), date(2026, 12, 5), set()), "repeat_weekdays"),
    (activities.Repeat(date(2026, 12, 5), date(2026, 12, 6), {1, 2}), "repeat_empty"),
    (activities.Repeat(date(2024, 1, 1), date(2027, 6, 1), {1, 2, 3, 4, 5}), "repeat_too_long"),
    (activities.Repeat(date(2027, 6, 1), date(2027, 7, 30), {1}), "session_outside_project"),
])
def test_impossible_plans_are_refused_with_a_reason(demo, repeat, code):
    with pytest.raises(DomainError) as refused:
        activities.create_sessions(demo, activity(demo), plan(), MANAGER, repeat=repeat)
    assert refused.value.code == code


def test_a_session_needs_an_order_of_times_and_staff_of_the_project(demo, make_user):
    with pytest.raises(DomainError, match="session_times"):
        activities.create_sessions(demo, activity(demo), plan(end_time=time(12, 0)), MANAGER, on=TODAY)
    outsider = make_user("staff")
    with pytest.raises(DomainError, match="session_facilitators"):
        activities.create_sessions(demo, activity(demo), plan(facilitator_ids=[outsider.id]), MANAGER, on=TODAY)
    with pytest.raises(DomainError, match="activity_without_sessions"):
        activities.create_sessions(demo, activity(demo, "A1.2"), plan(), MANAGER, on=TODAY)


# Marking -----------------------------------------------------------------------------------------

def test_marks_change_and_every_change_is_kept(demo):
    session = one_session(demo)
    ana, *_ = group(demo)
    assert activities.mark(demo, session, ana, P, RECORDER, today=TODAY) is True
    assert activities.mark(demo, session, ana, P, RECORDER, today=TODAY) is False  # nothing new
    activities.mark(demo, session, ana, E, RECORDER, today=TODAY)
    assert demo.scalar(select(Attendance.status).where(Attendance.person_id == ana.id)) == E
    changes = demo.execute(select(AttendanceChange.old_status, AttendanceChange.new_status)
                           .where(AttendanceChange.person_id == ana.id).order_by(AttendanceChange.id)).all()
    assert changes == [(None, P), (P, E)]


def test_no_marks_before_the_day_on_cancelled_sessions_or_for_people_not_expected(demo):
    ana, *_ = group(demo)
    tomorrow = one_session(demo, TODAY + timedelta(days=1))
    with pytest.raises(DomainError, match="session_in_future"):
        activities.mark(demo, tomorrow, ana, P, RECORDER, today=TODAY)
    cancelled = one_session(demo)
    activities.cancel_session(demo, cancelled, MANAGER)
    with pytest.raises(DomainError, match="session_cancelled"):
        activities.mark(demo, cancelled, ana, P, RECORDER, today=TODAY)
    stranger = enrolled(demo, "Străin")
    session = one_session(demo)
    with pytest.raises(DomainError, match="attendance_not_expected"):
        activities.mark(demo, session, stranger, P, RECORDER, today=TODAY)
    with pytest.raises(DomainError, match="attendance_no_walk_ins"):
        activities.mark(demo, session, stranger, P, RECORDER, today=TODAY, walk_in=True)


def test_open_events_take_walk_ins_who_then_appear_after_the_list(demo):
    event_activity = activity(demo, "A3.7")
    session = one_session(demo, act=event_activity)
    listed = group(demo, ("Zamfir",), act=event_activity)[0]
    walker = enrolled(demo, "Albu")
    activities.mark(demo, session, walker, P, RECORDER, today=TODAY, walk_in=True)
    rows = activities.sheet_rows(demo, session)
    assert [(row.number, row.person.last_name, row.walk_in) for row in rows] == [(1, listed.last_name, False),
                                                                                (2, "Albu", True)]


def test_roster_dates_decide_who_is_on_each_sheet(demo):
    act = activity(demo)
    early, late = group(demo, ("Avram",), joined=date(2026, 11, 1))[0], group(demo, ("Bratu",), joined=TODAY)[0]
    before = one_session(demo, date(2026, 11, 20))
    today = one_session(demo, TODAY)
    assert [row.person.id for row in activities.sheet_rows(demo, before)] == [early.id]
    assert [row.person.id for row in activities.sheet_rows(demo, today)] == [early.id, late.id]
    entry = demo.scalar(select(RosterEntry).where(RosterEntry.person_id == early.id))
    activities.remove_from_roster(demo, entry, TODAY, MANAGER, act)
    assert [row.person.id for row in activities.sheet_rows(demo, before)] == [early.id]  # the past keeps them
    assert [row.person.id for row in activities.sheet_rows(demo, today)] == [late.id]


def test_only_the_target_group_goes_on_a_roster_and_only_once(demo):
    act = activity(demo)
    outsider = people.create_person(demo, people.PersonData(
        last_name="Neînscris", first_name="Ion", locality="Botoșani", street="Strada Nouă", birth_date=date(1990, 1, 1),
        sex=Sex.male), MANAGER, confirm_new=True).person
    with pytest.raises(DomainError, match="roster_not_enrolled"):
        activities.add_to_roster(demo, act, outsider, TODAY, MANAGER)
    ana = group(demo, ("Ene",))[0]
    with pytest.raises(DomainError, match="roster_duplicate"):
        activities.add_to_roster(demo, act, ana, TODAY, MANAGER)


def test_mark_all_present_leaves_rows_already_marked(demo):
    session = one_session(demo)
    ana, bogdan, carmen = group(demo)
    activities.mark(demo, session, bogdan, A, RECORDER, today=TODAY)
    assert activities.mark_all_present(demo, session, RECORDER, today=TODAY) == 2
    statuses = dict(demo.execute(select(Attendance.person_id, Attendance.status)).all())
    assert statuses == {ana.id: P, bogdan.id: A, carmen.id: P}


def test_a_closed_sheet_needs_a_coordinator_and_the_correction_is_flagged_and_audited(demo):
    proj = project(demo)
    proj.attendance_lock_days = 3
    session = one_session(demo, TODAY - timedelta(days=4))
    ana = group(demo, ("Ilie",))[0]
    with pytest.raises(DomainError, match="attendance_locked"):
        activities.mark(demo, session, ana, P, RECORDER, today=TODAY)
    assert activities.mark(demo, one_session(demo, TODAY - timedelta(days=3)), ana, P, RECORDER, today=TODAY)
    activities.mark(demo, session, ana, A, MANAGER, today=TODAY)
    change = demo.scalar(select(AttendanceChange).where(AttendanceChange.session_id == session.id))
    assert change.late is True
    assert demo.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.person_id == ana.id, AuditEntry.details.like("late attendance correction%"))) == 1


# Paper -------------------------------------------------------------------------------------------

def test_row_numbers_are_read_with_ranges_and_bad_ones_named():
    assert activities.parse_row_numbers("1, 3-5 8;10", 10) == {1, 3, 4, 5, 8, 10}
    with pytest.raises(DomainError) as refused:
        activities.parse_row_numbers("1, 12, 4-2, x", 10)
    assert "12, 4-2, x" in str(refused.value.message)


def test_the_signed_rows_become_present_and_the_rest_absent_keeping_excused(demo):
    session = one_session(demo)
    ana, bogdan, carmen, dan = group(demo, ("Anghel", "Bucur", "Cazacu", "Dinu"))
    activities.mark(demo, session, dan, E, RECORDER, today=TODAY)
    preview = activities.record_from_paper(demo, session, "1, 3", RECORDER, today=TODAY, apply=False)
    assert [row.person.id for row in preview.present] == [ana.id, carmen.id]
    assert demo.scalar(select(func.count()).select_from(Attendance)) == 1  # a preview writes nothing
    activities.record_from_paper(demo, session, "1, 3", RECORDER, today=TODAY)
    statuses = dict(demo.execute(select(Attendance.person_id, Attendance.status)).all())
    assert statuses == {ana.id: P, bogdan.id: A, carmen.id: P, dan.id: E}
    assert set(demo.scalars(select(AttendanceChange.source).where(AttendanceChange.person_id != dan.id))) == {"paper"}


# Merge and lists ---------------------------------------------------------------------------------

def test_a_merge_keeps_one_mark_per_session_the_stronger_one(demo):
    session = one_session(demo)
    keep, absorb = group(demo, ("Gavrilă", "Gavrila"))
    activities.mark(demo, session, keep, A, RECORDER, today=TODAY)
    activities.mark(demo, session, absorb, P, RECORDER, today=TODAY)
    people.merge_persons(demo, keep, absorb, MANAGER)
    demo.flush()
    assert demo.execute(select(Attendance.person_id, Attendance.status)).all() == [(keep.id, P)]
    assert demo.scalar(select(func.count()).select_from(RosterEntry)) == 1


def test_my_sessions_lists_what_i_facilitate_with_the_sheet_progress(demo, make_user):
    from portal.domain.projects.models import ProjectMember

    me = make_user("staff")
    demo.add(ProjectMember(project_id=project(demo).id, user_id=me.id, role="staff"))
    demo.flush()
    mine = activities.create_sessions(demo, activity(demo), plan(facilitator_ids=[me.id], start_time=time(11, 0)), MANAGER,
                                      on=TODAY)[0]
    one_session(demo)  # someone else's
    ana, bogdan, _ = group(demo)
    activities.mark(demo, mine, ana, P, RECORDER, today=TODAY)
    lines = activities.my_sessions(demo, me.id, TODAY, TODAY)
    assert [(line.session.id, line.expected, line.marked, line.present) for line in lines] == [(mine.id, 3, 1, 1)]


# Through the portal ------------------------------------------------------------------------------

def pressed(page: str, person_id: int) -> set[str]:
    """Which of a row's buttons the page shows as pressed."""
    buttons = re.findall(rf'<button[^>]*id="mark-{person_id}-(\w+)"[^>]*aria-pressed="(true|false)"', page)
    assert len(buttons) == 3
    return {status for status, state in buttons if state == "true"}


def _counted_queries(client, url, engine):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_marking_a_row_with_htmx_returns_the_row_and_the_counts(demo, client, login_as):
    session = one_session(demo, clock.today())
    ana, *_ = group(demo)
    demo.commit()
    login_as("staff")
    response = client.post_form(f"/portal/sesiuni/{session.id}/prezenta", {"mark": f"{ana.id}:absent"},
                                headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="row-{ana.id}"')
    assert pressed(body, ana.id) == {"absent"}
    assert 'id="counts"' in body and 'hx-swap-oob="true"' in body


def test_marking_without_javascript_redirects_back_to_the_row(demo, client, login_as):
    session = one_session(demo, clock.today())
    ana, *_ = group(demo)
    demo.commit()
    login_as("staff")
    response = client.post_form(f"/portal/sesiuni/{session.id}/prezenta", {"mark": f"{ana.id}:present"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#row-{ana.id}")
    page = client.get(f"/portal/sesiuni/{session.id}").get_data(as_text=True)
    assert pressed(page, ana.id) == {"present"}


def test_a_refused_mark_with_htmx_keeps_the_row_and_says_why(demo, client, login_as):
    session = one_session(demo, clock.today() + timedelta(days=1))
    ana, *_ = group(demo)
    demo.commit()
    login_as("staff")
    response = client.post_form(f"/portal/sesiuni/{session.id}/prezenta", {"mark": f"{ana.id}:present"},
                                headers={"HX-Request": "true"})
    assert response.status_code == 422 and response.headers["HX-Reswap"] == "none"
    assert "mark-error" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, page, mark", [("viewer", 200, 403), ("staff", 200, 303), ("coordinator", 200, 303)])
def test_attendance_rights_follow_the_role_in_the_project(demo, client, login_as, role, page, mark):
    session = one_session(demo, clock.today())
    ana, *_ = group(demo)
    demo.commit()
    login_as("staff", member_of={project(demo): role})
    assert client.get(f"/portal/sesiuni/{session.id}").status_code == page
    assert client.post_form(f"/portal/sesiuni/{session.id}/prezenta",
                            {"mark": f"{ana.id}:present"}).status_code == mark


def test_another_projects_sessions_do_not_exist_for_a_member_of_one_project(demo, client, login_as):
    session = one_session(demo, clock.today())
    demo.commit()
    login_as("coordinator", member_of={project(demo, "BC-SDL-2022"): "coordinator"})
    assert client.get(f"/portal/sesiuni/{session.id}").status_code == 404
    assert client.get(f"/portal/sesiuni/{session.id}/foaie").status_code == 404
    assert client.get(f"/portal/activitati/{session.activity_id}/participanti").status_code == 404
    assert client.post_form(f"/portal/activitati/{session.activity_id}/sesiuni/nou", {}).status_code == 404


def test_staff_record_but_only_coordinators_plan_sessions(demo, client, login_as):
    act = activity(demo)
    demo.commit()
    login_as("staff")
    assert client.get(f"/portal/activitati/{act.id}/sesiuni/nou").status_code == 403


def test_planning_repeating_sessions_in_the_portal_keeps_a_bad_form(demo, client, login_as):
    act = activity(demo)
    demo.commit()
    login_as("coordinator")
    form = {"repeat": "weekly", "first_date": "01.12.2026", "last_date": "12.12.2026", "weekdays": ["1", "3"],
            "skipped": "09.12.2026, mâine", "start_time": "12:30", "end_time": "16:30", "place": "Sala mare"}
    response = client.post_form(f"/portal/activitati/{act.id}/sesiuni/nou", form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "mâine" in body and "Sala mare" in body
    form["skipped"] = "09.12.2026"
    response = client.post_form(f"/portal/activitati/{act.id}/sesiuni/nou", form)
    assert response.status_code == 303
    days = list(demo.scalars(select(ActivitySession.date).where(ActivitySession.activity_id == act.id)
                             .order_by(ActivitySession.date)))
    assert days == [date(2026, 12, 2), date(2026, 12, 7)]  # Wednesdays and Mondays, 9 December skipped


def test_the_printable_sheet_has_the_funder_header_numbered_rows_and_blank_rows(demo, client, login_as):
    session = one_session(demo, clock.today())
    group(demo, ("Ionescu", "Barbu"))
    demo.commit()
    login_as("viewer")
    body = client.get(f"/portal/sesiuni/{session.id}/foaie?randuri-goale=3").get_data(as_text=True)
    proj = project(demo)
    assert proj.code in body and proj.funder_line in body and proj.title in body
    assert "A2.1" in body and "Sala 2" in body
    assert body.index("Barbu") < body.index("Ionescu")
    assert body.count('<td class="sign"></td>') == 5  # two people and three blank rows
    assert '<td class="no">5</td>' in body and '<td class="no">6</td>' not in body


def test_paper_re_entry_in_the_portal_previews_then_saves(demo, client, login_as):
    session = one_session(demo, clock.today())
    ana, bogdan = group(demo, ("Ardelean", "Bodea"))
    demo.commit()
    login_as("staff")
    url = f"/portal/sesiuni/{session.id}/din-foaie"
    bad = client.post_form(url, {"numbers": "1, 9"})
    assert bad.status_code == 422 and "9" in bad.get_data(as_text=True)
    preview = client.post_form(url, {"numbers": "2"})
    assert preview.status_code == 200 and 'name="confirmed" type="hidden" value="1"' in preview.get_data(as_text=True)
    assert demo.scalar(select(func.count()).select_from(Attendance)) == 0
    changed = client.post_form(url, {"numbers": "1", "confirmed": "1", "previewed": "2"})  # edited after the check
    assert changed.status_code == 200 and demo.scalar(select(func.count()).select_from(Attendance)) == 0
    assert client.post_form(url, {"numbers": "2", "confirmed": "1", "previewed": "2"}).status_code == 303
    assert dict(demo.execute(select(Attendance.person_id, Attendance.status)).all()) == {ana.id: A, bogdan.id: P}


def test_the_session_page_query_count_does_not_grow_with_the_group(demo, client, login_as, app):
    from portal.db import db as database

    small, large = one_session(demo, clock.today()), one_session(demo, clock.today(), act=activity(demo, "A2.3"))
    group(demo, ("Unu", "Doi"))
    group(demo, [f"Persoana{index}" for index in range(12)], act=activity(demo, "A2.3"))
    demo.commit()
    login_as("staff")
    engine = database.engine(app)
    for session in (small, large):
        client.get(f"/portal/sesiuni/{session.id}")  # warm the caches
    counts = [_counted_queries(client, f"/portal/sesiuni/{session.id}", engine) for session in (small, large)]
    assert counts[0] == counts[1]


def test_a_toggle_costs_the_same_queries_on_a_small_and_a_large_sheet(demo, client, login_as, app):
    from portal.db import db as database

    small, large = one_session(demo, clock.today()), one_session(demo, clock.today(), act=activity(demo, "A2.3"))
    first_small = group(demo, ("Unu", "Doi"))[0]
    first_large = group(demo, [f"Persoana{index}" for index in range(12)], act=activity(demo, "A2.3"))[0]
    demo.commit()
    login_as("staff")
    engine = database.engine(app)
    counts = []
    for session, person in ((small, first_small), (large, first_large)):
        statements = []

        def count(*_args, into=statements):
            into.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.post_form(f"/portal/sesiuni/{session.id}/prezenta", {"mark": f"{person.id}:present"},
                                        headers={"HX-Request": "true"})
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
        assert response.status_code == 200 and f'id="row-{person.id}"' in response.get_data(as_text=True)
    assert counts[0] == counts[1]


def test_a_plan_sent_twice_does_not_double_the_sessions(demo):
    repeat = activities.Repeat(date(2026, 12, 7), date(2026, 12, 11), {1, 2, 3, 4, 5})
    assert len(activities.create_sessions(demo, activity(demo), plan(), MANAGER, repeat=repeat)) == 5
    with pytest.raises(DomainError, match="sessions_already_planned"):
        activities.create_sessions(demo, activity(demo), plan(), MANAGER, repeat=repeat)
    longer = activities.Repeat(date(2026, 12, 7), date(2026, 12, 15), {1, 2, 3, 4, 5})
    added = activities.create_sessions(demo, activity(demo), plan(), MANAGER, repeat=longer)
    assert [session.date for session in added] == [date(2026, 12, 14), date(2026, 12, 15)]


def test_the_lock_counts_whole_days_and_a_marked_session_keeps_its_day(demo):
    project(demo).attendance_lock_days = 3
    session = one_session(demo, TODAY - timedelta(days=3))
    assert activities.locked_since(session) == TODAY + timedelta(days=1)
    assert not activities.is_locked(session, TODAY) and activities.is_locked(session, TODAY + timedelta(days=1))
    ana = group(demo, ("Lupu",))[0]
    activities.mark(demo, session, ana, P, RECORDER, today=TODAY)
    with pytest.raises(DomainError, match="session_has_attendance"):
        activities.update_session(demo, session, plan(), TODAY, MANAGER)


def test_paper_never_turns_a_walk_in_absent(demo):
    event_activity = activity(demo, "A3.7")
    session = one_session(demo, act=event_activity)
    listed = group(demo, ("Anghel",), act=event_activity)[0]
    walker = enrolled(demo, "Zamfir")
    activities.mark(demo, session, walker, P, RECORDER, today=TODAY, walk_in=True)
    activities.record_from_paper(demo, session, "1", RECORDER, today=TODAY)
    assert dict(demo.execute(select(Attendance.person_id, Attendance.status)).all()) == {listed.id: P, walker.id: P}


def test_an_erased_person_leaves_the_lists_and_takes_no_more_marks(demo):
    ana, bogdan = group(demo, ("Stan", "Tudor"))
    people.erase_person(demo, ana, MANAGER)
    demo.flush()
    session = one_session(demo, clock.today())
    assert [row.person.id for row in activities.sheet_rows(demo, session)] == [bogdan.id]
    with pytest.raises(DomainError, match="person_inactive"):
        activities.mark(demo, session, ana, P, RECORDER, walk_in=True)


def test_impossible_ids_are_not_found_rather_than_errors(demo, client, login_as):
    session = one_session(demo, clock.today())
    demo.commit()
    login_as("staff")
    assert client.get("/portal/sesiuni/99999999999999999999").status_code == 404
    assert client.get("/portal/servicii?persoana=99999999999999999999").status_code == 404
    assert client.post_form(f"/portal/sesiuni/{session.id}/prezenta", {"mark": "²:present"}).status_code == 400
    assert client.post_form(f"/portal/sesiuni/{session.id}/ocazional", {"person_id": "²"}).status_code == 404


def test_times_typed_on_an_old_browser_are_understood(demo, client, login_as):
    act = activity(demo)
    demo.commit()
    login_as("coordinator")
    form = {"repeat": "once", "date": "10.12.2026", "start_time": "9.30", "end_time": "12 00"}
    assert client.post_form(f"/portal/activitati/{act.id}/sesiuni/nou", form).status_code == 303
    assert demo.execute(select(ActivitySession.start_time, ActivitySession.end_time)).all() == [(time(9, 30),
                                                                                               time(12, 0))]
    form["start_time"] = "25.70"
    body = client.post_form(f"/portal/activitati/{act.id}/sesiuni/nou", form).get_data(as_text=True)
    assert "25.70" in body and "hh:mm" in body


def test_the_printed_list_code_tells_when_the_list_changed_before_re_entry(demo, client, login_as):
    session = one_session(demo, clock.today())
    group(demo, ("Ardelean", "Cazacu"))
    demo.commit()
    login_as("staff")
    code = re.compile(r"([0-9A-F]{6})")
    printed = code.findall(client.get(f"/portal/sesiuni/{session.id}/foaie").get_data(as_text=True))
    shown = code.findall(client.get(f"/portal/sesiuni/{session.id}/din-foaie").get_data(as_text=True))
    assert printed and printed[-1] in shown
    group(demo, ("Bucur",), joined=clock.today())
    demo.commit()
    assert printed[-1] not in code.findall(client.get(f"/portal/sesiuni/{session.id}/din-foaie").get_data(as_text=True))
