"""Benefits in the domain: kinds, entitlement proposals, the paid-once constraint, approval and payment,
a person's benefits, totals and their workbook, merge, erasure and export."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from portal.demo import load_demo
from portal.domain.activities import services as activities
from portal.domain.activities.models import Attendance, AttendanceStatus
from portal.domain.actor import Actor, system_actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.benefits import services as benefits
from portal.domain.benefits.models import (
    BenefitCategory,
    BenefitFrequency,
    BenefitLine,
    BenefitListStatus,
    BenefitUnit,
    EntitlementRule,
)
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.models import (
    ConsentGiver,
    ConsentKind,
    ExitResult,
    LabourStatus,
    Person,
    RiskReason,
    Sex,
)
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE
from portal.staff.permissions import PROJECT_SCOPED, ROLE_PERMISSIONS

BOTOSANI, BACAU = "155550", "BC-SDL-2022"
OCTOBER = date(2025, 10, 1)
RIGHTS = frozenset({benefits.BENEFITS_PROPOSE, benefits.BENEFITS_APPROVE, benefits.BENEFITS_PAY,
                    benefits.BENEFITS_MANAGE, ACTIVITIES_MANAGE, activities.ATTENDANCE_RECORD,
                    activities.ATTENDANCE_CORRECT, "people.sensitive", "people.erase"})
SYSTEM = system_actor(RIGHTS, address="test")
TODAY = date(2025, 11, 20)


@pytest.fixture(autouse=True)
def app_context(app):
    """Messages are lazy translations: Flask-Babel needs the app to turn them into text. Assertions read the
    English message ids; the Romanian catalog is someone else's."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield


def role_actor(user, project: Project, role: str) -> Actor:
    """An actor with the rights a role has in the project (as actor_for builds it in the portal)."""
    from portal.domain.accounts.models import Role

    rights = ROLE_PERMISSIONS[Role(role)]
    return Actor(user=user, address="test", permissions=rights - PROJECT_SCOPED,
                 project_permissions={project.id: rights & PROJECT_SCOPED})


@dataclass
class World:
    project: Project
    activity: Activity
    ana: Person  # on the roster, present at 3 October sessions
    bogdan: Person  # on the roster, present at 2 October sessions (and one in September)
    cristi: Person  # on the roster, present at 1 session and at one that was cancelled
    late: Person  # joins the roster in November
    exited: Person  # left the target group in September, still marked present in October
    erased: Person  # present 3 times, then erased
    outsider: Person  # not in this project's target group, marked present anyway (an old import)
    sessions: list


def _person(db, project: Project, last: str, first: str, *, enroll_on: date = date(2023, 1, 10)) -> Person:
    zone = project.zones[0]
    person = people.create_person(db, people.PersonData(
        last_name=last, first_name=first, locality=project.town, street=zone.streets[0].name,
        birth_date=date(2014, 5, 2), sex=Sex.female if first.endswith("a") else Sex.male), SYSTEM,
        confirm_new=True).person
    people.record_consent(db, person, SYSTEM, kind=ConsentKind.data_processing, given_by=ConsentGiver.guardian,
                          given_on=date(2023, 1, 1), document_ref="F-1", guardian_name="Părinte Test")
    people.enroll(db, person, project, people.EntryData(
        zone_id=zone.id, entry_date=enroll_on, risk_reason=RiskReason.minimum_income,
        labour_status=LabourStatus.inactive, isced_level=1, answers={}), SYSTEM)
    return person


def build_world(db) -> World:
    load_demo(db)
    db.flush()
    projects = {project.code: project for project in db.scalars(select(Project))}
    project = projects[BOTOSANI]
    activity = Activity(project_id=project.id, code="B9.1", name_ro="Grupa de test", name_en="Test group",
                        kind=ActivityKind.group_sessions)
    db.add(activity)
    db.flush()
    names = {"ana": ("Beneficiu", "Ana"), "bogdan": ("Beneficiu", "Bogdan"), "cristi": ("Beneficiu", "Cristi"),
             "late": ("Beneficiu", "Lucian"), "exited": ("Beneficiu", "Eugen"), "erased": ("Beneficiu", "Emil")}
    persons = {key: _person(db, project, *name) for key, name in names.items()}
    outsider = _person(db, projects[BACAU], "Beneficiu", "Oana")
    for key, person in persons.items():
        activities.add_to_roster(db, activity, person, date(2025, 11, 5) if key == "late" else date(2023, 2, 1),
                                 SYSTEM)
    plan = activities.SessionPlan(start_time=time(14), end_time=time(16))
    days = [date(2025, 9, 30), date(2025, 10, 6), date(2025, 10, 7), date(2025, 10, 8), date(2025, 10, 10)]
    sessions = {day: activities.create_sessions(db, activity, plan, SYSTEM, on=day)[0] for day in days}

    def present(person, *marked_days):
        for day in marked_days:
            activities.mark(db, sessions[day], person, AttendanceStatus.present, SYSTEM, today=day)

    october = days[1:4]
    present(persons["ana"], *october)
    present(persons["bogdan"], date(2025, 9, 30), *october[:2])
    present(persons["cristi"], october[0], date(2025, 10, 10))
    present(persons["exited"], *october)
    present(persons["erased"], *october)
    for day in october:
        db.add(Attendance(session_id=sessions[day].id, person_id=outsider.id, status=AttendanceStatus.present))
    sessions[date(2025, 10, 10)].is_cancelled = True  # cancelled afterwards: its marks count for nothing
    enrollment = next(item for item in persons["exited"].enrollments if item.project_id == project.id)
    people.exit_enrollment(db, enrollment, SYSTEM, exit_date=date(2025, 9, 15), result=ExitResult.completed)
    people.erase_person(db, persons["erased"], SYSTEM)
    db.flush()
    return World(project=project, activity=activity, outsider=outsider, sessions=list(sessions.values()), **persons)


@pytest.fixture
def world(db_session) -> World:
    return build_world(db_session)


def make_kind(db, world: World, rule: EntitlementRule, *, name="Subvenție lunară", unit=BenefitUnit.lei,
              amount="500", frequency=BenefitFrequency.monthly, activity=True, min_sessions=2,
              category=BenefitCategory.cash_subsidy):
    return benefits.save_kind(db, world.project, SYSTEM, benefits.BenefitKindData(
        category=category, name_ro=name, name_en="", unit=unit, amount=Decimal(amount), frequency=frequency,
        rule=rule, activity_id=world.activity.id if activity else None, min_sessions=min_sessions))


def lines_of(blist) -> dict[int, BenefitLine]:
    return {line.person_id: line for line in blist.lines}


# Kinds -----------------------------------------------------------------------------------------------

def test_a_kind_is_checked_before_it_is_saved(db_session, world):
    good = benefits.BenefitKindData(category=BenefitCategory.hot_meal, name_ro="Masă de test", unit=BenefitUnit.pieces,
                                    amount=Decimal(1), frequency=BenefitFrequency.monthly,
                                    rule=EntitlementRule.per_presence, activity_id=world.activity.id)
    other_activity = db_session.scalar(select(Activity).where(Activity.project_id != world.project.id))
    service = db_session.scalar(select(Activity).where(Activity.project_id == world.project.id,
                                                       Activity.kind == ActivityKind.individual_service))
    cases = [
        ({"amount": Decimal(0)}, "amount"), ({"amount": Decimal("2.5")}, "amount"),  # pieces are whole
        ({"unit": BenefitUnit.lei, "amount": Decimal("10.005")}, "amount"), ({"amount": None}, "amount"),
        ({"activity_id": None}, "activity_id"), ({"activity_id": other_activity.id}, "activity_id"),
        ({"activity_id": service.id}, "activity_id"),
        ({"rule": EntitlementRule.attendance, "min_sessions": 0}, "min_sessions"),
        ({"name_ro": "  "}, "name_ro"),
    ]
    for changes, field in cases:
        with pytest.raises(DomainError) as refused:
            benefits.save_kind(db_session, world.project, SYSTEM, benefits.BenefitKindData(**{**good.__dict__, **changes}))
        assert refused.value.field == field, changes
    kind = benefits.save_kind(db_session, world.project, SYSTEM, good)
    assert (kind.amount, kind.min_sessions) == (Decimal("1.00"), 0)
    manual = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", activity=False,
                       category=BenefitCategory.prize, frequency=BenefitFrequency.once, amount="150.50")
    assert manual.activity_id is None and manual.amount == Decimal("150.50") and manual.min_sessions == 0
    with pytest.raises(DomainError) as taken:
        make_kind(db_session, world, EntitlementRule.manual, name="premiu", activity=False)
    assert taken.value.code == "benefit_kind_taken"
    assert kind in benefits.kinds(db_session, world.project.id)
    staff = role_actor(None, world.project, "staff")
    with pytest.raises(DomainError) as forbidden:
        benefits.save_kind(db_session, world.project, staff, good)
    assert forbidden.value.code == "forbidden"


def test_periods_are_parsed_and_kept_within_the_project(db_session, world):
    monthly = make_kind(db_session, world, EntitlementRule.attendance)
    assert benefits.parse_period(monthly, "2025-10") == benefits.Period("2025-10", OCTOBER, date(2025, 10, 31))
    assert benefits.parse_period(monthly, "2.2024").end == date(2024, 2, 29)
    assert benefits.period_of(monthly, date(2025, 12, 24)).key == "2025-12"
    for text in ("", "2025-13", "octombrie", "2021-05", "2030-01"):
        with pytest.raises(DomainError) as refused:
            benefits.parse_period(monthly, text)
        assert refused.value.field == "period", text
    yearly = make_kind(db_session, world, EntitlementRule.enrolled, name="Rechizite", frequency=BenefitFrequency.yearly,
                       unit=BenefitUnit.pieces, amount="1")
    assert benefits.parse_period(yearly, "2025") == benefits.Period("2025", date(2025, 1, 1), date(2025, 12, 31))
    once = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", frequency=BenefitFrequency.once,
                     activity=False)
    assert benefits.parse_period(once, "anything").key == "once"
    assert benefits.parse_period(once, "").start == world.project.start_date


# Proposals -----------------------------------------------------------------------------------------

def test_attendance_proposes_who_came_often_enough_counting_only_held_sessions(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.attendance, min_sessions=2)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    assert blist.status == BenefitListStatus.draft and blist.period == "2025-10"
    found = lines_of(blist)
    # Cristi: one session held and one cancelled; the exited, the erased and the outsider are left out.
    assert set(found) == {world.ana.id, world.bogdan.id}
    assert (found[world.ana.id].sessions, found[world.ana.id].quantity) == (3, Decimal("500.00"))
    assert found[world.bogdan.id].sessions == 2  # the September session is another period
    assert not any(line.added_manually for line in blist.lines)
    assert blist.left_out == {}
    three = make_kind(db_session, world, EntitlementRule.attendance, name="Bursă", min_sessions=3)
    assert set(lines_of(benefits.propose_list(db_session, world.project, three, "2025-10", SYSTEM, today=TODAY))) == {
        world.ana.id}


def test_per_presence_gives_the_amount_for_each_session_present(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.per_presence, name="Masă de test", unit=BenefitUnit.pieces,
                     amount="1", min_sessions=0, category=BenefitCategory.hot_meal)
    found = lines_of(benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY))
    assert {person_id: line.quantity for person_id, line in found.items()} == {
        world.ana.id: Decimal(3), world.bogdan.id: Decimal(2), world.cristi.id: Decimal(1)}
    september = lines_of(benefits.propose_list(db_session, world.project, kind, "2025-09", SYSTEM, today=TODAY))
    assert {person_id: line.quantity for person_id, line in september.items()} == {world.bogdan.id: Decimal(1)}


def test_enrolled_proposes_the_roster_or_the_whole_target_group(db_session, world):
    roster = make_kind(db_session, world, EntitlementRule.enrolled, name="Subvenție", min_sessions=0)
    found = lines_of(benefits.propose_list(db_session, world.project, roster, "2025-10", SYSTEM, today=TODAY))
    assert set(found) == {world.ana.id, world.bogdan.id, world.cristi.id}  # not the late one, the exited, the erased
    assert all(line.sessions is None and line.quantity == Decimal("500.00") for line in found.values())
    november = lines_of(benefits.propose_list(db_session, world.project, roster, "2025-11", SYSTEM, today=TODAY))
    assert world.late.id in november
    group = make_kind(db_session, world, EntitlementRule.enrolled, name="Rechizite", unit=BenefitUnit.pieces,
                      amount="1", frequency=BenefitFrequency.yearly, activity=False,
                      category=BenefitCategory.school_kit)
    everyone = lines_of(benefits.propose_list(db_session, world.project, group, "2025", SYSTEM, today=TODAY))
    assert {world.ana.id, world.late.id, world.exited.id} <= set(everyone)  # Eugen was in the group until September
    assert world.erased.id not in everyone and world.outsider.id not in everyone
    manual = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", activity=False)
    assert benefits.propose_list(db_session, world.project, manual, "2025-10", SYSTEM, today=TODAY).lines == []


def test_a_second_list_of_the_period_leaves_out_who_is_on_the_first(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.attendance)
    first = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    second = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    assert second.lines == [] and second.left_out == {first.id: 2}
    with pytest.raises(DomainError) as twice:
        benefits.add_line(db_session, second, world.ana, SYSTEM)
    assert twice.value.code == "benefit_already_listed"
    assert f"list no. {first.id}" in str(twice.value.message)
    line = benefits.add_line(db_session, second, world.cristi, SYSTEM, quantity=Decimal(250), note="a venit târziu")
    assert (line.added_manually, line.quantity, line.period, line.kind_id) == (True, Decimal("250.00"), "2025-10", kind.id)
    for person, code in ((world.outsider, "benefit_not_enrolled"), (world.erased, "person_inactive")):
        with pytest.raises(DomainError) as refused:
            benefits.add_line(db_session, second, person, SYSTEM)
        assert refused.value.code == code
    with pytest.raises(DomainError) as bad:
        benefits.add_line(db_session, second, world.late, SYSTEM, quantity=Decimal(-1))
    assert bad.value.field == "quantity"
    with pytest.raises(DomainError):
        benefits.propose_list(db_session, world.project, kind, "2099-01", SYSTEM, today=TODAY)


def test_the_database_refuses_a_second_line_of_one_kind_person_and_period(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.attendance)
    first = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    other = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(insert(BenefitLine).values(
            list_id=other.id, kind_id=kind.id, period="2025-10", person_id=world.ana.id, quantity=Decimal(1),
            sessions=None, added_manually=True, note="", document_no=""))
    assert len(db_session.scalars(select(BenefitLine).where(BenefitLine.person_id == world.ana.id)).all()) == 1
    assert first.id != other.id


def test_draft_changes_approval_and_payment(db_session, world, make_user):
    kind = make_kind(db_session, world, EntitlementRule.attendance)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    clerk = make_user("staff")
    from portal.domain.accounts.models import Role
    from portal.domain.projects.models import ProjectMember

    db_session.add(ProjectMember(project_id=world.project.id, user_id=clerk.id, role=Role.staff))
    viewer = make_user("viewer")
    db_session.flush()
    ana, bogdan = lines_of(blist)[world.ana.id], lines_of(blist)[world.bogdan.id]
    assert benefits.set_line(db_session, ana, SYSTEM, quantity=Decimal(450), note="jumătate de lună") is True
    with pytest.raises(DomainError) as unpaid:
        benefits.record_payment(db_session, blist, [ana.id], SYSTEM, paid_on=TODAY, document_no="OP 1",
                                paid_by_id=clerk.id, today=TODAY)
    assert unpaid.value.code == "benefit_list_not_approved"
    staff = role_actor(clerk, world.project, "staff")
    with pytest.raises(DomainError) as forbidden:
        benefits.approve_list(db_session, blist, staff)
    assert forbidden.value.code == "forbidden"
    empty = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    with pytest.raises(DomainError) as nobody:
        benefits.approve_list(db_session, empty, SYSTEM)
    assert nobody.value.code == "benefit_list_empty"
    benefits.approve_list(db_session, blist, SYSTEM)
    assert blist.status == BenefitListStatus.approved and blist.approved_at is not None
    for change in (lambda: benefits.add_line(db_session, blist, world.cristi, SYSTEM),
                   lambda: benefits.remove_line(db_session, ana, SYSTEM),
                   lambda: benefits.set_line(db_session, ana, SYSTEM, quantity=Decimal(1))):
        with pytest.raises(DomainError) as fixed:
            change()
        assert fixed.value.code == "benefit_list_approved"

    def pay(ids, actor=SYSTEM, **changes):
        values = {"paid_on": date(2025, 11, 3), "document_no": "OP 12", "paid_by_id": clerk.id, "today": TODAY,
                  **changes}
        return benefits.record_payment(db_session, blist, ids, actor, **values)

    for changes, field in (({"paid_on": date(2025, 11, 21)}, "paid_on"), ({"paid_on": date(2025, 9, 30)}, "paid_on"),
                           ({"paid_on": None}, "paid_on"), ({"document_no": " "}, "document_no"),
                           ({"paid_by_id": viewer.id}, "paid_by_id")):
        with pytest.raises(DomainError) as refused:
            pay([ana.id], **changes)
        assert refused.value.field == field, changes
    with pytest.raises(DomainError) as none_chosen:
        pay([])
    assert none_chosen.value.field == "line_ids"
    with pytest.raises(DomainError) as not_allowed:
        pay([ana.id], actor=staff)
    assert not_allowed.value.code == "forbidden"
    assert pay([ana.id]) == 1
    assert pay([ana.id, bogdan.id], document_no="OP 13") == 1  # Ana's line is not paid twice
    assert pay([ana.id, bogdan.id]) == 0
    db_session.refresh(ana)
    db_session.refresh(bogdan)
    assert (ana.paid_on, ana.document_no, ana.paid_by_id, ana.is_paid) == (date(2025, 11, 3), "OP 12", clerk.id, True)
    assert bogdan.document_no == "OP 13" and bogdan.paid_recorded_by_id is None  # the system actor recorded it
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.person_id == world.ana.id,
                                                          AuditEntry.details.like("benefit%")).order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == [AuditAction.create, AuditAction.update, AuditAction.update]
    assert "paid" in entries[-1].details and "Ana" not in " ".join(entry.details for entry in entries)


def test_a_person_benefits_totals_and_workbook(db_session, world, app):
    from openpyxl import load_workbook

    subsidy = make_kind(db_session, world, EntitlementRule.attendance)
    meals = make_kind(db_session, world, EntitlementRule.per_presence, name="Masă de test", unit=BenefitUnit.pieces,
                      amount="1", min_sessions=0, category=BenefitCategory.hot_meal)
    for kind, paid_on in ((subsidy, date(2025, 11, 3)), (meals, date(2025, 10, 31))):
        blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
        benefits.approve_list(db_session, blist, SYSTEM)
        benefits.record_payment(db_session, blist, [line.id for line in blist.lines], SYSTEM, paid_on=paid_on,
                                document_no="PV 1", paid_by_id=_admin_id(db_session), today=TODAY)
    unpaid = benefits.propose_list(db_session, world.project, subsidy, "2025-11", SYSTEM, today=date(2025, 12, 1))
    benefits.add_line(db_session, unpaid, world.ana, SYSTEM)  # a draft: in the person's benefits, not in the totals

    mine = benefits.person_benefits(db_session, world.ana.id, {world.project.id})
    assert [(line.period, line.kind.name_ro, line.is_paid) for line in mine] == [
        ("2025-11", "Subvenție lunară", False), ("2025-10", "Masă de test", True), ("2025-10", "Subvenție lunară", True)]
    assert benefits.person_benefits(db_session, world.ana.id, set()) == []

    by_kind = {row.label: row for row in benefits.totals(db_session, world.project.id, by="kind")}
    assert (by_kind["Subvenție lunară"].lei, by_kind["Subvenție lunară"].persons) == (Decimal("1000.00"), 2)
    assert (by_kind["Masă de test"].pieces, by_kind["Masă de test"].lei, by_kind["Masă de test"].lines) == (Decimal(6), 0, 3)
    by_person = {row.key.id: row for row in benefits.totals(db_session, world.project.id, by="person")}
    assert (by_person[world.ana.id].lei, by_person[world.ana.id].pieces) == (Decimal("500.00"), Decimal(3))
    assert (by_person[world.cristi.id].lei, by_person[world.cristi.id].pieces) == (0, Decimal(1))
    by_month = {row.key: row for row in benefits.totals(db_session, world.project.id, by="month")}
    assert set(by_month) == {"2025-10", "2025-11"} and by_month["2025-11"].lei == Decimal("1000.00")
    by_activity = benefits.totals(db_session, world.project.id, by="activity")
    assert [(row.code, row.lei, row.pieces) for row in by_activity] == [("B9.1", Decimal("1000.00"), Decimal(6))]
    assert benefits.totals(db_session, world.project.id, by="kind", first=date(2025, 11, 1))[0].lei == Decimal(1000)
    assert benefits.totals(db_session, world.project.id, by="kind", last=date(2025, 10, 1)) == []

    with app.test_request_context():
        content = benefits.totals_workbook(db_session, world.project, SYSTEM, by="person")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(index for index, row in enumerate(rows) if row[2] == "Lei")  # the labels follow the language
    assert rows[header][1] in ("Code", "Cod") and len(rows[header]) == 6
    body = {row[1]: row for row in rows[header + 1:] if row[1]}
    assert body[world.ana.code][2:] == [500, 3, 1, 2]
    assert body[world.cristi.code][2:] == [0, 1, 1, 1]
    assert rows[-1][2:4] == [1000, 6] and rows[-1][5] == 5
    assert BOTOSANI in rows[1][1]
    exported = db_session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.export,
                                                          AuditEntry.details.like("benefit totals%")))
    assert exported is not None and exported.person_id is None


def _admin_id(db) -> int:
    from portal.domain.accounts.models import Role, User

    return db.scalar(select(User.id).where(User.role == Role.admin, User.is_active.is_(True)).limit(1))


# A person's records --------------------------------------------------------------------------------

def test_merge_moves_lines_but_refuses_two_of_one_kind_and_period(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", activity=False)
    october = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    november = benefits.propose_list(db_session, world.project, kind, "2025-11", SYSTEM, today=TODAY)
    benefits.add_line(db_session, october, world.ana, SYSTEM)
    benefits.add_line(db_session, november, world.bogdan, SYSTEM)
    people.merge_persons(db_session, world.ana, world.bogdan, SYSTEM)
    assert {line.period for line in benefits.person_benefits(db_session, world.ana.id, None)} == {"2025-10", "2025-11"}

    benefits.add_line(db_session, october, world.cristi, SYSTEM)
    with pytest.raises(DomainError) as clash:
        people.merge_persons(db_session, world.ana, world.cristi, SYSTEM)
    assert clash.value.code == "merge_benefit_conflict" and "2025-10" in str(clash.value.message)


def test_erasure_keeps_the_lines_and_the_export_lists_them(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", activity=False)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    line = benefits.add_line(db_session, blist, world.ana, SYSTEM, quantity=Decimal(300), note="locul I, Ana")
    exported = benefits.export_person(db_session, world.ana, SYSTEM)
    assert exported == {"benefits": [{"project": BOTOSANI, "benefit": "Premiu", "unit": "lei", "period": "2025-10",
                                      "list": blist.id, "quantity": "300.00", "sessions": None,
                                      "note": "locul I, Ana", "paid_on": None, "document_no": ""}]}
    outsider = Actor(user=None, project_permissions={-5: frozenset({"projects.view"})})
    assert benefits.export_person(db_session, world.ana, outsider) == {"benefits": []}
    people.erase_person(db_session, world.ana, SYSTEM)
    db_session.refresh(line)
    assert (line.note, line.quantity, line.person_id) == ("", Decimal("300.00"), world.ana.id)


# Review fixes --------------------------------------------------------------------------------------

def test_lists_counting_sessions_wait_for_the_end_of_the_period(db_session, world):
    """An attendance or per-presence list drawn up mid-month would freeze the sessions counted so far, and
    the paid-once constraint would then keep the rest of the month off any other list."""
    for rule in (EntitlementRule.attendance, EntitlementRule.per_presence):
        kind = make_kind(db_session, world, rule, name=f"Sesiuni {rule.value}", min_sessions=1)
        for today in (date(2025, 10, 15), date(2025, 10, 31)):  # under way, and its last day
            with pytest.raises(DomainError) as running:
                benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=today)
            assert (running.value.code, running.value.field) == ("benefit_period_running", "period")
            assert "once the period has ended, after 31.10.2025" in str(running.value.message)
        assert benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM,
                                     today=date(2025, 11, 1)).lines
    for rule, activity in ((EntitlementRule.enrolled, True), (EntitlementRule.manual, False)):
        kind = make_kind(db_session, world, rule, name=f"Lista {rule.value}", activity=activity)
        assert benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM,
                                     today=date(2025, 10, 1)).status == BenefitListStatus.draft


def test_a_list_loaded_as_a_draft_is_read_again_before_it_changes(db_session, world):
    """Approved by someone else after this request loaded it: the draft in memory is stale."""
    from sqlalchemy import update

    from portal.domain.benefits.models import BenefitList

    kind = make_kind(db_session, world, EntitlementRule.attendance)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    ana = lines_of(blist)[world.ana.id]
    other = _admin_id(db_session)
    db_session.execute(update(BenefitList).where(BenefitList.id == blist.id).values(
        status=BenefitListStatus.approved, approved_by_id=other).execution_options(synchronize_session=False))
    assert blist.status == BenefitListStatus.draft  # what this request still believes
    for change in (lambda: benefits.set_line(db_session, ana, SYSTEM, quantity=Decimal(9999)),
                   lambda: benefits.add_line(db_session, blist, world.cristi, SYSTEM),
                   lambda: benefits.remove_line(db_session, ana, SYSTEM),
                   lambda: benefits.approve_list(db_session, blist, SYSTEM),
                   lambda: benefits.delete_list(db_session, blist, SYSTEM)):
        with pytest.raises(DomainError) as fixed:
            change()
        assert fixed.value.code == "benefit_list_approved"
    db_session.expire_all()
    assert (ana.quantity, len(blist.lines), blist.approved_by_id) == (Decimal("500.00"), 2, other)


def test_a_draft_list_is_deleted_with_its_lines_and_audited(db_session, world, make_user):
    kind = make_kind(db_session, world, EntitlementRule.attendance)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    empty = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    assert empty.lines == []
    viewer = role_actor(make_user("viewer"), world.project, "viewer")
    with pytest.raises(DomainError) as forbidden:
        benefits.delete_list(db_session, empty, viewer)
    assert forbidden.value.code == "forbidden"
    staff = role_actor(make_user("staff"), world.project, "staff")
    assert benefits.delete_list(db_session, empty, staff) == 0
    list_id, line_ids = blist.id, {line.id for line in blist.lines}
    assert benefits.delete_list(db_session, blist, staff) == 2
    from portal.domain.benefits.models import BenefitList

    assert db_session.get(BenefitList, list_id) is None
    assert db_session.scalars(select(BenefitLine).where(BenefitLine.id.in_(line_ids))).all() == []
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.details.like(f"benefit list {list_id}%"),
                                                          AuditEntry.action == AuditAction.update)).all()
    assert sorted(entry.person_id or 0 for entry in entries) == sorted([0, world.ana.id, world.bogdan.id])
    assert "Ana" not in " ".join(entry.details for entry in entries)
    # Its persons are free again: a new list of the period takes them.
    again = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    assert set(lines_of(again)) == {world.ana.id, world.bogdan.id}
    benefits.approve_list(db_session, again, SYSTEM)
    with pytest.raises(DomainError) as approved:
        benefits.delete_list(db_session, again, SYSTEM)
    assert approved.value.code == "benefit_list_approved"


def test_a_merge_of_two_records_paid_for_one_period_names_the_double_payment(db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.manual, name="Premiu", activity=False)
    first = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    second = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    benefits.add_line(db_session, first, world.ana, SYSTEM)
    benefits.add_line(db_session, second, world.cristi, SYSTEM)
    with pytest.raises(DomainError) as draft, db_session.begin_nested():  # the portal rolls a refused merge back
        people.merge_persons(db_session, world.ana, world.cristi, SYSTEM)
    db_session.expire_all()
    message = str(draft.value.message)
    assert draft.value.code == "merge_benefit_conflict"
    assert f"list no. {first.id} and on list no. {second.id}" in message
    assert f"Take the line off list no. {second.id} (still a draft) first" in message
    for blist in (first, second):
        benefits.approve_list(db_session, blist, SYSTEM)
        benefits.record_payment(db_session, blist, [line.id for line in blist.lines], SYSTEM,
                                paid_on=date(2025, 11, 3), document_no="OP 5", paid_by_id=_admin_id(db_session),
                                today=TODAY)
    with pytest.raises(DomainError) as paid, db_session.begin_nested():
        people.merge_persons(db_session, world.ana, world.cristi, SYSTEM)
    message = str(paid.value.message)
    assert paid.value.code == "merge_benefit_double_payment"
    assert f"list no. {first.id} and on list no. {second.id} (both approved): this is a double payment" in message
    assert "A coordinator has to resolve it" in message and "Premiu" in message and "2025-10" in message


def test_the_workbook_shows_names_typed_as_formulas_as_text(db_session, world, app):
    from openpyxl import load_workbook

    kind = make_kind(db_session, world, EntitlementRule.manual, name='=HYPERLINK("http://x.test","Premiu")',
                     activity=False)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    benefits.add_line(db_session, blist, world.ana, SYSTEM)
    benefits.approve_list(db_session, blist, SYSTEM)
    benefits.record_payment(db_session, blist, [line.id for line in blist.lines], SYSTEM, paid_on=date(2025, 11, 3),
                            document_no="OP 1", paid_by_id=_admin_id(db_session), today=TODAY)
    with app.test_request_context():
        content = benefits.totals_workbook(db_session, world.project, SYSTEM, by="kind")
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == kind.name_ro]
    assert len(cells) == 1 and cells[0].data_type == "s"
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_the_minimum_of_sessions_says_which_numbers_are_taken(db_session, world):
    data = benefits.BenefitKindData(category=BenefitCategory.hot_meal, name_ro="Masă", unit=BenefitUnit.pieces,
                                    amount=Decimal(1), frequency=BenefitFrequency.monthly,
                                    rule=EntitlementRule.per_presence, activity_id=world.activity.id, min_sessions=-1)
    with pytest.raises(DomainError) as refused:
        benefits.save_kind(db_session, world.project, SYSTEM, data)
    assert refused.value.field == "min_sessions" and "between 0 and 1000" in str(refused.value.message)
    data.rule, data.min_sessions = EntitlementRule.attendance, 0
    with pytest.raises(DomainError) as attendance:
        benefits.save_kind(db_session, world.project, SYSTEM, data)
    assert "between 1 and 1000" in str(attendance.value.message)
