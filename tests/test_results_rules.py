"""Indicator rules, adjustments, the records' version and the results cache, on hand-made records.

Every figure here is known in advance: a small project of our own (no demo load), people, sessions,
services and hours made through the services staff use, then the rule's count and its months.
"""
import itertools
from datetime import date, time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import literal, select, update

from portal.domain.accounts.models import LoginAttempt, Role
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus, RosterEntry
from portal.domain.actor import Actor, system_actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record as audit
from portal.domain.casework import services as casework
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.models import (
    Answer, ConsentGiver, ConsentKind, Enrollment, ExitResult, LabourStatus, Person, RiskReason, Sex,
)
from portal.domain.projects import services as projects
from portal.domain.projects.models import ActivityKind as K, Indicator, IndicatorUnit as U, RuleKind as R
from portal.domain.results import services as results
from portal.domain.results.rules import age_on
from portal.domain.results.services import IndicatorData, ResultsCache
from portal.domain.results.version import current_version
from portal.domain.volunteering import services as volunteering
from portal.staff.permissions import PROJECT_SCOPED, ROLE_PERMISSIONS

EVERYTHING = frozenset({projects.PROJECTS_MANAGE, projects.ACTIVITIES_MANAGE, activities.ATTENDANCE_RECORD,
                        activities.ATTENDANCE_CORRECT, casework.SERVICES_RECORD, volunteering.SIGNUPS_MANAGE,
                        results.RESULTS_MANAGE, people.SENSITIVE})
ALL = system_actor(EVERYTHING, address="test")
TODAY = date(2026, 11, 24)
ENTRY = date(2024, 3, 1)
STREET = "Strada Testului"
P, A, E = AttendanceStatus.present, AttendanceStatus.absent, AttendanceStatus.excused

_names = itertools.count(1)
_minutes = itertools.count()
_codes = itertools.count(1)


# The world: two small projects -----------------------------------------------------------------------

def new_project(db, code: str):
    project = projects.create_project(db, projects.ProjectData(
        code=code, title=f"Proiect {code}", short_name=code, programme="PEO 2021-2027", beneficiary="Asociația Test",
        funder_line="Proiect cofinanțat din FSE+", town="Botoșani", start_date=date(2024, 1, 1),
        end_date=date(2027, 12, 31), is_public=True), ALL)
    projects.save_zone(db, project, ALL, name="Cartierul de test", description="", streets_text=STREET)
    db.flush()
    return project


@pytest.fixture
def world(db_session, make_user):
    return make_world(db_session, make_user)


def make_world(db, make_user) -> SimpleNamespace:
    project, other = new_project(db, "T-RES"), new_project(db, "T-OTHER")

    def act(proj, code, kind):
        return projects.save_activity(db, proj, ALL, code=code, name_ro=f"Activitatea {code}", name_en="", kind=kind)

    return SimpleNamespace(
        db=db, project=project, other=other, staff=make_user("admin"),  # administrators are staff of every project
        a1=act(project, "A1", K.group_sessions), a2=act(project, "A2", K.group_sessions),
        s1=act(project, "S1", K.individual_service), s2=act(project, "S2", K.individual_service),
        e1=act(project, "E1", K.public_event), v1=act(project, "V1", K.volunteering),
        other_a1=act(other, "A1", K.group_sessions), other_s1=act(other, "S1", K.individual_service),
        type_a=casework.save_service_type(db, project, ALL, name_ro="Tip A de test", name_en="Type A"),
        type_b=casework.save_service_type(db, project, ALL, name_ro="Tip B de test", name_en="Type B"),
        other_type=casework.save_service_type(db, other, ALL, name_ro="Tip A de test", name_en="Type A"),
    )


def person(db, project=None, *, born=date(1990, 5, 5), sex=Sex.female, entry=ENTRY,
           labour=LabourStatus.inactive, isced=2, answers=None, last=None) -> Person:
    """A person, in the given project's target group from `entry` (no project: only in the register)."""
    created = people.create_person(db, people.PersonData(
        last_name=last or f"Testescu{next(_names)}", first_name="Ana", locality="Botoșani", street=STREET,
        birth_date=born, sex=sex), ALL, confirm_new=True).person
    people.record_consent(db, created, ALL, kind=ConsentKind.data_processing, given_by=ConsentGiver.guardian,
                          given_on=date(2024, 1, 2), guardian_name="Părinte Test", document_ref="F-1")
    if project is not None:
        enroll(db, created, project, entry=entry, labour=labour, isced=isced, answers=answers)
    db.flush()
    return created


def enroll(db, someone, project, *, entry=ENTRY, labour=LabourStatus.inactive, isced=2, answers=None) -> Enrollment:
    enrollment = people.enroll(db, someone, project, people.EntryData(
        zone_id=project.zones[0].id, entry_date=entry, risk_reason=RiskReason.minimum_income, labour_status=labour,
        isced_level=isced, answers=answers or {}), ALL)
    db.flush()
    return enrollment


def session_on(db, activity, day) -> ActivitySession:
    """The activity's session that day (made on first use)."""
    existing = db.scalar(select(ActivitySession).where(ActivitySession.activity_id == activity.id,
                                                       ActivitySession.date == day))
    if existing is not None:
        return existing
    return activities.create_sessions(db, activity, activities.SessionPlan(
        start_time=time(8, next(_minutes) % 60), end_time=time(11), place="Sala 1"), ALL, on=day)[0]


def attend(db, activity, someone, day, status=P) -> ActivitySession:
    """Mark `someone` at the activity's session of `day`: on the list for group sessions, a walk-in otherwise."""
    session = session_on(db, activity, day)
    open_event = activity.allows_walk_ins
    if not open_event and not db.scalar(select(RosterEntry.id).where(RosterEntry.activity_id == activity.id,
                                                                     RosterEntry.person_id == someone.id)):
        activities.add_to_roster(db, activity, someone, date(2024, 1, 1), ALL)
    activities.mark(db, session, someone, status, ALL, today=TODAY, walk_in=open_event)
    db.flush()
    return session


def serve(db, w, someone, activity, service_type, day):
    return casework.record_service(db, someone, casework.ServiceData(
        activity_id=activity.id, service_type_id=service_type.id, delivered_on=day, duration_minutes=30,
        staff_id=w.staff.id), ALL, today=TODAY)


def indicator(db, project, rule, *, activity=None, min_sessions=1, characteristic="", service_types=(),
              unit=U.persons, code=None, target=10) -> Indicator:
    return results.save_indicator(db, project, ALL, IndicatorData(
        code=code or f"I{next(_codes)}", name_ro="Indicator de test", name_en="Test indicator",
        target=Decimal(target), unit=unit, is_public=True, rule=rule, activity_id=activity.id if activity else None,
        min_sessions=min_sessions, characteristic=characteristic,
        service_type_ids=[service_type.id for service_type in service_types]))


def figures(db, project, rule, **options) -> results.IndicatorResult:
    """A new indicator with this rule, computed now."""
    return results.compute_indicator(db, indicator(db, project, rule, **options))


def count(db, project, rule, **options):
    result = figures(db, project, rule, **options)
    return result.computed, dict(result.by_month)


def months(**amounts) -> dict[str, Decimal]:
    """months(m2024_03=1) -> {"2024-03": Decimal(1)}"""
    return {f"{key[1:5]}-{key[6:8]}": Decimal(str(value)) for key, value in amounts.items()}


# enrolled_persons ------------------------------------------------------------------------------------

def test_enrolled_persons_once_per_person_through_reentry_and_merge(world):
    db, project = world.db, world.project
    back_again = person(db, project, entry=date(2024, 3, 1))
    enrollment = db.scalar(select(Enrollment).where(Enrollment.person_id == back_again.id))
    people.exit_enrollment(db, enrollment, ALL, exit_date=date(2024, 6, 1), result=ExitResult.dropped_out)
    people.enroll(db, back_again, project, people.EntryData(  # the second stay: one participant still
        zone_id=project.zones[0].id, entry_date=date(2025, 2, 1), risk_reason=RiskReason.minimum_income), ALL)
    twice_registered = person(db, project, entry=date(2024, 4, 10), last="Dublură", born=date(1980, 1, 1))
    duplicate = person(db, project, entry=date(2024, 5, 20), last="Dublura", born=date(1980, 1, 1))
    people.merge_persons(db, twice_registered, duplicate, ALL)
    person(world.db, world.other, entry=date(2024, 3, 5))  # another project's participant
    person(world.db, None)  # only in the register
    db.flush()

    assert count(db, project, R.enrolled_persons) == (2, months(m2024_03=1, m2024_04=1))
    assert len(enrollment.periods) == 2


def test_enrolled_persons_by_sex_and_age_band_at_entry(world):
    db, project = world.db, world.project
    # Ages on the entry day (2024-03-01): the day before a birthday, and the birthday itself.
    for born, sex in ((date(2006, 3, 2), Sex.female),  # 17
                      (date(2006, 3, 1), Sex.male),  # 18
                      (date(1999, 3, 2), Sex.female),  # 24
                      (date(1999, 3, 1), Sex.male),  # 25
                      (date(1969, 3, 2), Sex.female),  # 54
                      (date(1969, 3, 1), Sex.male)):  # 55
        person(db, project, born=born, sex=sex, entry=ENTRY)
    expected = {"sex:F": 3, "sex:M": 3,
                "age:under_18": 1, "age:18_29": 3, "age:30_54": 1, "age:55_plus": 1,  # 2021–2027
                "age:under_25": 3, "age:25_54": 2, "age:over_54": 1}  # 2014–2020
    got = {characteristic: figures(db, project, R.enrolled_persons, characteristic=characteristic).computed
           for characteristic in expected}
    assert got == expected
    # The age counted is the age at entry, not today's: the 17-year-old is 20 now.
    assert people.age_on(date(2006, 3, 2), TODAY) == 20


def test_enrolled_persons_by_labour_education_and_situation(world):
    db, project = world.db, world.project
    disability = (Answer.yes, Answer.refused, Answer.not_asked, Answer.no, Answer.yes)
    labour = (LabourStatus.employed, LabourStatus.unemployed, LabourStatus.long_term_unemployed, LabourStatus.inactive,
              LabourStatus.inactive_not_in_education)
    for answer, status, isced in zip(disability, labour, (0, 1, 2, 3, None)):
        person(db, project, labour=status, isced=isced, answers={"disability": answer, "rural": Answer.refused})
    expected = {"labour:employed": 1, "labour:unemployed": 2, "labour:long_term_unemployed": 1,
                "labour:inactive": 2, "labour:inactive_not_in_education": 1,
                "isced:0_2": 3, "isced:1_2": 2, "isced:3_4": 1, "isced:5_8": 0,
                "situation:disability": 2,  # yes only: refused, not asked and no are not counted
                "situation:rural": 0,  # everyone refused
                "": 5}
    got = {characteristic: figures(db, project, R.enrolled_persons, characteristic=characteristic).computed
           for characteristic in expected}
    assert got == expected


# attending_persons -----------------------------------------------------------------------------------

def test_attending_persons_once_present_only_held_sessions_own_project(world):
    db, w = world.db, world
    twice, late, excused, at_cancelled, elsewhere = (person(db, w.project) for _ in range(5))
    attend(db, w.a1, twice, date(2025, 1, 10))
    attend(db, w.a1, twice, date(2025, 2, 10))
    attend(db, w.a1, late, date(2025, 1, 10), A)
    attend(db, w.a1, late, date(2025, 2, 10))
    attend(db, w.a1, excused, date(2025, 1, 10), E)
    cancelled = attend(db, w.a1, at_cancelled, date(2025, 3, 10))
    cancelled.is_cancelled = True  # as if cancelled afterwards (the portal refuses it once someone is present)
    attend(db, w.a2, elsewhere, date(2025, 4, 1))
    stranger = person(db, w.other)
    attend(db, w.other_a1, stranger, date(2025, 1, 10))
    db.flush()

    assert count(db, w.project, R.attending_persons, activity=w.a1) == (2, months(m2025_01=1, m2025_02=1))
    assert count(db, w.project, R.attending_persons) == (3, months(m2025_01=1, m2025_02=1, m2025_04=1))
    assert count(db, w.other, R.attending_persons) == (1, months(m2025_01=1))


def test_attending_persons_from_the_nth_present_session(world):
    db, w = world.db, world
    steady, slower, rare = (person(db, w.project) for _ in range(3))
    days = [date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 20), date(2025, 2, 3), date(2025, 2, 10)]
    for day in days[:3]:
        attend(db, w.a1, steady, day)
    for day, status in zip(days, (P, A, P, P, P)):
        attend(db, w.a1, slower, day, status)
    attend(db, w.a1, rare, days[0])
    attend(db, w.a1, rare, days[1], E)
    attend(db, w.a1, rare, days[2])
    attend(db, w.a2, rare, days[3])  # another activity: not one of A1's sessions

    assert count(db, w.project, R.attending_persons, activity=w.a1, min_sessions=3) == (
        2, months(m2025_01=1, m2025_02=1))  # slower's third presence is on 3 February
    assert count(db, w.project, R.attending_persons, min_sessions=3) == (3, months(m2025_01=1, m2025_02=2))
    assert count(db, w.project, R.attending_persons, activity=w.a1, min_sessions=4)[0] == 1
    assert count(db, w.project, R.attending_persons, activity=w.a1)[0] == 3


def test_age_at_the_session_for_people_attending(world):
    db, w = world.db, world
    child = person(db, w.project, born=date(2008, 6, 15))  # 15 at entry, 18 on 15 June 2026
    attend(db, w.a1, child, date(2026, 6, 1))
    attend(db, w.a1, child, date(2026, 7, 1))
    assert count(db, w.project, R.attending_persons, characteristic="age:under_18") == (1, months(m2026_06=1))
    assert count(db, w.project, R.attending_persons, characteristic="age:18_29") == (1, months(m2026_07=1))
    assert count(db, w.project, R.enrolled_persons, characteristic="age:under_18")[0] == 1
    assert count(db, w.project, R.attending_persons, characteristic="sex:M")[0] == 0


def test_two_records_of_one_person_count_once_after_their_merge(world):
    db, w = world.db, world
    keep = person(db, w.project, last="Popa", born=date(1985, 2, 2), entry=date(2024, 5, 1))
    absorb = person(db, w.project, last="Pop", born=date(1985, 2, 2), entry=date(2024, 3, 1))
    for someone, day in ((keep, date(2025, 2, 3)), (absorb, date(2025, 1, 6)), (absorb, date(2025, 2, 3))):
        attend(db, w.a1, someone, day)
        serve(db, w, someone, w.s1, w.type_a, day)
        volunteering.log_hours(db, someone, w.project, Decimal(1), day, ALL, today=TODAY)
    rules = (R.enrolled_persons, R.attending_persons, R.service_recipients, R.volunteers)
    assert [count(db, w.project, rule)[0] for rule in rules] == [2, 2, 2, 2]

    people.merge_persons(db, keep, absorb, ALL)
    db.flush()
    assert [count(db, w.project, rule) for rule in rules] == [(1, months(m2024_03=1))] + [(1, months(m2025_01=1))] * 3
    assert count(db, w.project, R.attending_persons, min_sessions=2) == (1, months(m2025_02=1))  # one mark on 3 Feb
    assert count(db, w.project, R.services_delivered, unit=U.services)[0] == 3  # every service stays
    assert count(db, w.project, R.volunteer_hours, unit=U.hours)[0] == 3


# Services ------------------------------------------------------------------------------------------------

def test_services_delivered_and_their_recipients_by_type_and_activity(world):
    db, w = world.db, world
    regular, once, elsewhere = (person(db, w.project) for _ in range(3))
    serve(db, w, regular, w.s1, w.type_a, date(2025, 1, 5))
    serve(db, w, regular, w.s1, w.type_a, date(2025, 2, 5))
    serve(db, w, once, w.s1, w.type_b, date(2025, 2, 7))
    serve(db, w, elsewhere, w.s2, w.type_a, date(2025, 3, 1))
    stranger = person(db, w.other)
    serve(db, w, stranger, w.other_s1, w.other_type, date(2025, 1, 5))
    db.flush()
    delivered, recipients = R.services_delivered, R.service_recipients

    assert count(db, w.project, delivered, unit=U.services) == (4, months(m2025_01=1, m2025_02=2, m2025_03=1))
    assert count(db, w.project, delivered, unit=U.services, service_types=[w.type_a])[0] == 3
    assert count(db, w.project, delivered, unit=U.services, activity=w.s1)[0] == 3
    assert count(db, w.project, delivered, unit=U.services, activity=w.s1, service_types=[w.type_a]) == (
        2, months(m2025_01=1, m2025_02=1))
    assert count(db, w.project, recipients) == (3, months(m2025_01=1, m2025_02=1, m2025_03=1))
    assert count(db, w.project, recipients, service_types=[w.type_a]) == (2, months(m2025_01=1, m2025_03=1))
    assert count(db, w.project, recipients, activity=w.s1)[0] == 2
    assert count(db, w.project, recipients, activity=w.s1, service_types=[w.type_b]) == (1, months(m2025_02=1))
    assert count(db, w.project, recipients, service_types=[w.type_a, w.type_b])[0] == 3


# Volunteering ---------------------------------------------------------------------------------------------

def test_volunteers_once_and_their_hours_summed_exactly(world):
    db, w = world.db, world
    hours_only, came_only, both, group_only = (person(db, w.project) for _ in range(4))
    for hours, day in (("2.5", date(2025, 4, 5)), ("1.25", date(2025, 5, 5)), ("0.1", date(2025, 5, 6)),
                       ("0.2", date(2025, 5, 7))):
        volunteering.log_hours(db, hours_only, w.project, Decimal(hours), day, ALL, today=TODAY)
    attend(db, w.v1, came_only, date(2025, 4, 20))
    at_session = attend(db, w.v1, both, date(2025, 5, 10))
    volunteering.log_hours(db, both, w.project, Decimal(3), at_session.date, ALL, session=at_session, today=TODAY)
    attend(db, w.a1, group_only, date(2025, 4, 20))  # a group session is not volunteering
    stranger = person(db, w.other)
    volunteering.log_hours(db, stranger, w.other, Decimal(8), date(2025, 4, 5), ALL, today=TODAY)
    db.flush()

    assert count(db, w.project, R.volunteers) == (3, months(m2025_04=2, m2025_05=1))
    hours = figures(db, w.project, R.volunteer_hours, unit=U.hours)
    assert hours.computed == Decimal("7.05") == hours.achieved
    assert dict(hours.by_month) == {"2025-04": Decimal("2.5"), "2025-05": Decimal("4.55")}
    # One volunteering activity: only what happened at its sessions.
    assert count(db, w.project, R.volunteers, activity=w.v1) == (2, months(m2025_04=1, m2025_05=1))
    assert count(db, w.project, R.volunteer_hours, activity=w.v1, unit=U.hours)[0] == Decimal(3)
    assert count(db, w.other, R.volunteer_hours, unit=U.hours)[0] == Decimal(8)


def test_hours_of_a_session_count_on_its_day_and_not_once_it_is_cancelled(world):
    db, w = world.db, world
    volunteer = person(db, w.project)
    session = attend(db, w.v1, person(db, w.project), date(2025, 4, 20))
    volunteering.log_hours(db, volunteer, w.project, Decimal(3), session.date, ALL, session=session, today=TODAY)
    db.flush()
    assert count(db, w.project, R.volunteer_hours, unit=U.hours) == (Decimal(3), {"2025-04": Decimal(3)})
    session.date = date(2025, 6, 2)  # moved: the hours follow the session
    db.flush()
    assert count(db, w.project, R.volunteer_hours, unit=U.hours) == (Decimal(3), {"2025-06": Decimal(3)})
    session.is_cancelled = True
    db.flush()
    assert count(db, w.project, R.volunteer_hours, unit=U.hours)[0] == 0
    assert count(db, w.project, R.volunteers)[0] == 0


# Events and sessions held ---------------------------------------------------------------------------------

def test_event_attendees_and_sessions_held(world):
    db, w = world.db, world
    at_event, at_group, absent = (person(db, w.project) for _ in range(3))
    attend(db, w.e1, at_event, date(2025, 6, 1))
    attend(db, w.e1, at_event, date(2025, 7, 1))
    attend(db, w.a1, at_group, date(2025, 6, 2))
    attend(db, w.a1, absent, date(2025, 6, 9), A)  # nobody came: not held
    session_on(db, w.a1, date(2025, 6, 16))  # nothing marked: not held
    cancelled = attend(db, w.v1, at_group, date(2025, 6, 20))
    cancelled.is_cancelled = True
    db.flush()

    assert count(db, w.project, R.event_attendees) == (1, months(m2025_06=1))
    assert count(db, w.project, R.event_attendees, activity=w.e1)[0] == 1
    assert count(db, w.project, R.attending_persons)[0] == 2
    assert count(db, w.project, R.sessions_held, unit=U.sessions) == (3, months(m2025_06=2, m2025_07=1))
    assert count(db, w.project, R.sessions_held, unit=U.events, activity=w.e1) == (2, months(m2025_06=1, m2025_07=1))
    assert count(db, w.project, R.sessions_held, unit=U.sessions, activity=w.a1)[0] == 1


# Adjustments -------------------------------------------------------------------------------------------

def adjust(db, target, amount, on=date(2025, 3, 15), reason="Participanți înregistrați pe hârtie, dosarul 12.",
           actor=ALL):
    return results.add_adjustment(db, target, actor, amount=None if amount is None else Decimal(amount),
                                  effective_on=on, reason=reason)


def test_an_indicator_without_rule_has_no_figure_until_adjusted(world):
    db = world.db
    manual = indicator(db, world.project, None, code="I8")
    result = results.compute_indicator(db, manual)
    assert (result.computed, result.achieved, result.percent, result.by_month) == (None, None, None, ())
    adjust(db, manual, "12", on=date(2025, 2, 3))
    result = results.compute_indicator(db, manual)
    assert (result.computed, result.achieved, result.percent) == (None, Decimal(12), Decimal("120.0"))
    assert dict(result.by_month) == months(m2025_02=12)


def test_adjustments_add_to_the_rule_in_their_month(world):
    db, w = world.db, world
    for _ in range(3):
        person(db, w.project, entry=date(2024, 3, 1))
    enrolled = indicator(db, w.project, R.enrolled_persons)
    adjust(db, enrolled, "5", on=date(2024, 3, 20))
    adjust(db, enrolled, "-1", on=date(2025, 1, 2), reason="Persoană numărată de două ori în martie 2024.")
    adjust(db, enrolled, "0.5", on=date(2025, 1, 31))
    result = results.compute_indicator(db, enrolled)
    assert (result.computed, result.adjustment, result.achieved) == (3, Decimal("4.5"), Decimal("7.5"))
    assert dict(result.by_month) == months(m2024_03=8, m2025_01="-0.5")
    assert result.cumulative(["2024-03", "2024-04", "2025-01"]) == [8, 8, Decimal("7.5")]
    assert [line.amount for line in results.adjustments(db, enrolled)] == [5, -1, Decimal("0.5")]


@pytest.mark.parametrize("amount, reason, on, field", [
    ("0", "Participanți pe hârtie, dosarul 12.", date(2025, 1, 1), "amount"),
    (None, "Participanți pe hârtie, dosarul 12.", date(2025, 1, 1), "amount"),
    ("1.255", "Participanți pe hârtie, dosarul 12.", date(2025, 1, 1), "amount"),
    ("3", "", date(2025, 1, 1), "reason"),
    ("3", "   pe   hârtie ", date(2025, 1, 1), "reason"),  # too short once the spaces go
    ("3", "Participanți pe hârtie, dosarul 12.", None, "effective_on"),
])
def test_adjustments_are_refused_without_amount_day_or_reason(world, amount, reason, on, field):
    target = indicator(world.db, world.project, R.enrolled_persons)
    with pytest.raises(DomainError) as refused:
        adjust(world.db, target, amount, on=on, reason=reason)
    assert refused.value.field == field
    assert results.adjustments(world.db, target) == []


def project_actor(project, role: Role) -> Actor:
    """What actor_for gives a member with this role in the project."""
    return Actor(user=None, address="test", permissions=ROLE_PERMISSIONS[role] - PROJECT_SCOPED,
                 project_permissions={project.id: ROLE_PERMISSIONS[role] & PROJECT_SCOPED})


def test_only_coordinators_of_the_project_adjust_and_set_indicators(world):
    db, w = world.db, world
    target = indicator(db, w.project, R.enrolled_persons)
    data = IndicatorData(code="X1", name_ro="Altul", name_en="", target=Decimal(5), unit=U.persons, is_public=True,
                         rule=None)
    for outsider in (project_actor(w.project, Role.staff), project_actor(w.other, Role.coordinator)):
        with pytest.raises(DomainError, match="forbidden"):
            adjust(db, target, "2", actor=outsider)
        with pytest.raises(DomainError, match="forbidden"):
            results.save_indicator(db, w.project, outsider, data)
        with pytest.raises(DomainError, match="forbidden"):
            results.delete_indicator(db, target, outsider)
    coordinator = project_actor(w.project, Role.coordinator)
    adjust(db, target, "2", actor=coordinator)
    results.save_indicator(db, w.project, coordinator, data)
    assert results.compute_indicator(db, target).achieved == 2


# Indicator validation -----------------------------------------------------------------------------------

def test_impossible_rules_are_refused_with_the_field_to_fix(world):
    db, w = world.db, world
    indicator(db, w.project, R.enrolled_persons, code="I1")
    cases = [
        (dict(rule=R.attending_persons, activity_id=w.other_a1.id), "indicator_activity", "activity_id"),
        (dict(rule=R.services_delivered, activity_id=w.a1.id), "indicator_activity_kind", "activity_id"),
        (dict(rule=R.event_attendees, activity_id=w.a1.id), "indicator_activity_kind", "activity_id"),
        (dict(rule=R.volunteer_hours, activity_id=w.e1.id), "indicator_activity_kind", "activity_id"),
        (dict(rule=R.enrolled_persons, activity_id=w.a1.id), "indicator_activity_kind", "activity_id"),
        (dict(rule=R.enrolled_persons, min_sessions=2), "indicator_min_sessions", "min_sessions"),
        (dict(rule=R.event_attendees, min_sessions=2), "indicator_min_sessions", "min_sessions"),
        (dict(rule=R.attending_persons, min_sessions=0), "indicator_min_sessions", "min_sessions"),
        (dict(rule=R.services_delivered, characteristic="sex:F"), "indicator_characteristic", "characteristic"),
        (dict(rule=R.sessions_held, characteristic="age:under_18"), "indicator_characteristic", "characteristic"),
        (dict(rule=R.enrolled_persons, characteristic="age:old"), "indicator_characteristic", "characteristic"),
        (dict(rule=R.services_delivered, service_type_ids=[w.other_type.id]), "indicator_service_types",
         "service_type_ids"),
        (dict(rule=R.attending_persons, service_type_ids=[w.type_a.id]), "indicator_service_types",
         "service_type_ids"),
        (dict(code="i1"), "indicator_code_taken", "code"),
        (dict(code="I 2"), "indicator_code", "code"),
        (dict(target=Decimal(0)), "indicator_target", "target"),
    ]
    for changes, code, field in cases:
        data = IndicatorData(**{"code": "I2", "name_ro": "Indicator", "name_en": "", "target": Decimal(10),
                                "unit": U.persons, "is_public": True, "rule": R.enrolled_persons, **changes})
        with pytest.raises(DomainError) as refused:
            results.save_indicator(db, w.project, ALL, data)
        assert (refused.value.code, refused.value.field) == (code, field), changes
    assert db.scalars(select(Indicator.code).where(Indicator.project_id == w.project.id)).all() == ["I1"]


def test_a_rule_keeps_only_what_applies_to_it(world):
    db, w = world.db, world
    saved = indicator(db, w.project, R.attending_persons, activity=w.a1, min_sessions=3, characteristic="sex:F")
    results.save_indicator(db, w.project, ALL, IndicatorData(
        code=saved.code, name_ro="Fără regulă", name_en="", target=Decimal(4), unit=U.persons, is_public=False,
        rule=None, activity_id=w.a1.id, min_sessions=3, characteristic="sex:F"), indicator=saved)
    assert (saved.rule, saved.activity_id, saved.min_sessions, saved.characteristic) == (None, None, 1, "")


# The two SQL functions ------------------------------------------------------------------------------------

def test_age_agrees_on_both_databases(db_session):
    pairs = [(date(2008, 3, 1), date(2026, 2, 28)), (date(2008, 3, 1), date(2026, 3, 1)),
             (date(2008, 2, 29), date(2026, 2, 28)), (date(2008, 2, 29), date(2026, 3, 1)),
             (date(2008, 2, 29), date(2028, 2, 29)), (date(1950, 12, 31), date(2026, 1, 1)),
             (date(2026, 1, 1), date(2026, 1, 1))]
    row = db_session.execute(select(*(age_on(literal(born), literal(day)) for born, day in pairs))).one()
    assert list(row) == [people.age_on(born, day) for born, day in pairs] == [17, 18, 17, 18, 20, 75, 0]


def test_months_are_calendar_months_on_both_databases(world):
    db, w = world.db, world
    for day in (date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 31)):
        person(db, w.project, entry=day)
    assert count(db, w.project, R.enrolled_persons) == (3, months(m2024_12=1, m2025_01=2))


# The records' version and the cache -----------------------------------------------------------------------

def bumped(db, change) -> bool:
    before = current_version(db)
    change()
    db.commit()
    return current_version(db) > before


def test_the_version_goes_up_with_every_committed_change_to_the_records(world):
    db, w = world.db, world
    db.commit()
    someone = person(db, w.project)
    db.commit()
    target = indicator(db, w.project, R.enrolled_persons)
    db.commit()
    assert bumped(db, lambda: attend(db, w.a1, someone, date(2025, 1, 10)))
    assert bumped(db, lambda: attend(db, w.a1, someone, date(2025, 1, 10), A))  # a mark changed
    assert bumped(db, lambda: enroll(db, person(db, None), w.project))
    assert bumped(db, lambda: serve(db, w, someone, w.s1, w.type_a, date(2025, 1, 5)))
    assert bumped(db, lambda: volunteering.log_hours(db, someone, w.project, Decimal(2), date(2025, 1, 5), ALL,
                                                     today=TODAY))
    assert bumped(db, lambda: indicator(db, w.project, R.volunteers))
    assert bumped(db, lambda: adjust(db, target, "3"))
    assert bumped(db, lambda: setattr(target, "target", Decimal(20)))
    assert bumped(db, lambda: results.delete_indicator(db, indicator(db, w.project, R.volunteers), ALL))
    # Bulk statements count too.
    assert bumped(db, lambda: db.execute(update(Attendance).where(Attendance.person_id == someone.id)
                                         .values(status=P)))


def test_commits_that_touch_no_figure_leave_the_version(world, make_user):
    db = world.db
    db.commit()
    user = make_user("staff")
    db.commit()
    assert not bumped(db, lambda: None)
    assert not bumped(db, lambda: audit(db, ALL, AuditAction.view, None, "a page was read"))
    assert not bumped(db, lambda: db.add(LoginAttempt(email=user.email, address="127.0.0.1", succeeded=False)))
    assert not bumped(db, lambda: setattr(user, "full_name", "Alt Nume"))
    # A tracked change rolled back is no change either.
    person(db, world.project)
    db.rollback()
    assert not bumped(db, lambda: None)


def enrolled_figure(db, project, cache) -> Decimal:
    return next(result.achieved for result in results.project_results(db, project, cache).indicators
                if result.rule == R.enrolled_persons)


def test_the_cache_serves_a_figure_only_while_nothing_changed(world):
    db, w = world.db, world
    cache = ResultsCache()
    person(db, w.project)
    indicator(db, w.project, R.enrolled_persons)
    db.commit()

    first = results.project_results(db, w.project, cache)
    assert results.project_results(db, w.project, cache) is first and cache.hits == 1
    assert enrolled_figure(db, w.project, cache) == 1 and cache.hits == 2
    assert results.project_results(db, w.other, cache) is not first  # each project its own figures

    person(db, w.project)
    db.commit()
    assert enrolled_figure(db, w.project, cache) == 2 and cache.hits == 2  # made again, not served

    hits = cache.hits
    db.execute(update(Person).where(Person.sex == Sex.female).values(sex=Sex.male))  # a bulk statement
    results.add_adjustment(db, db.get(Indicator, first.indicators[0].id), ALL, amount=Decimal(10),
                           effective_on=date(2025, 1, 1), reason="Participanți pe hârtie, dosarul 12.")
    db.commit()
    assert enrolled_figure(db, w.project, cache) == 12 and cache.hits == hits


def test_a_change_not_yet_committed_or_rolled_back_leaves_no_wrong_figure(world):
    db, w = world.db, world
    cache = ResultsCache()
    person(db, w.project)
    indicator(db, w.project, R.enrolled_persons)
    db.commit()
    assert enrolled_figure(db, w.project, cache) == 1

    # In the transaction that makes a change, its own figures already count it...
    person(db, w.project)
    assert enrolled_figure(db, w.project, cache) == 2
    # ...and once it is rolled back, nobody is served what never happened.
    db.rollback()
    assert enrolled_figure(db, w.project, cache) == 1

    # The same with nothing cached before the change.
    cold = ResultsCache()
    person(db, w.project)
    assert enrolled_figure(db, w.project, cold) == 2
    db.rollback()
    assert enrolled_figure(db, w.project, cold) == 1
    assert enrolled_figure(db, w.project, cold) == 1


def test_units_fit_rules_numbers_read_alike_and_adjustments_are_not_in_the_future(world):
    db, w = world.db, world
    for rule, unit in ((R.enrolled_persons, U.services), (R.volunteer_hours, U.persons),
                       (R.services_delivered, U.persons), (R.sessions_held, U.hours)):
        with pytest.raises(DomainError) as refused:
            indicator(db, w.project, rule, unit=unit)
        assert refused.value.field == "unit"
    with pytest.raises(DomainError) as tiny:
        indicator(db, w.project, R.enrolled_persons, target="0.001")
    assert tiny.value.field == "target"
    # "1.110" is one thousand one hundred and ten, for a target and for an adjustment alike.
    assert results.parse_number("1.110") == Decimal(1110) == results.parse_number("1 110")
    assert results.parse_number("-2,5") == Decimal("-2.5") and results.parse_number("doi") is None
    target = indicator(db, w.project, R.enrolled_persons)
    with pytest.raises(DomainError) as future:
        results.add_adjustment(db, target, ALL, amount=Decimal(2), effective_on=date(2026, 12, 1),
                               reason="Participanți înregistrați pe hârtie, dosarul 12.", today=TODAY)
    assert future.value.field == "effective_on"
