"""Demo sessions, attendance and services: realistic, within the rules, loaded once."""
from datetime import date, timedelta
from functools import partial

from sqlalchemy import and_, func, or_, select

from decimal import Decimal

from portal import demo_activities, demo_benefits, demo_public
from portal.demo import load_demo
from portal.domain.activities.models import (
    ActivitySession, Attendance, AttendanceChange, AttendanceStatus, RosterEntry, SessionSeries,
)
from portal.domain.benefits.models import (
    BenefitKind, BenefitLine, BenefitList, BenefitListStatus, BenefitUnit, LedgerKind, LedgerLine, ShopAccount,
    ShopProduct, ShopPurchase, StockMove,
)
from portal.domain.casework.models import ServiceDelivery
from portal.domain.people.models import Enrollment, Person
from portal.domain.people.services import age_on
from portal.domain.projects.models import Activity, ActivityKind, Indicator, Project
from portal.domain.results.services import project_results
from portal.domain.volunteering.models import VolunteerHours

TODAY = date(2026, 11, 24)  # a Tuesday inside both demo projects: sessions today and two weeks ahead


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def activity(db, project_code, code):
    return db.scalar(select(Activity).join(Project).where(Project.code == project_code, Activity.code == code))


def test_demo_sessions_attendance_and_services(db_session, monkeypatch):
    """One load of the demo (it takes seconds), dated as if today were TODAY, checked part by part."""
    monkeypatch.setattr(demo_activities, "load_demo_activities",
                        partial(demo_activities.load_demo_activities, today=TODAY))
    monkeypatch.setattr(demo_public, "load_demo_public", partial(demo_public.load_demo_public, today=TODAY))
    monkeypatch.setattr(demo_benefits, "load_demo_benefits",
                        partial(demo_benefits.load_demo_benefits, today=TODAY))
    load_demo(db_session, with_people=True)
    check_after_school(db_session)
    check_sheets(db_session)
    check_every_mark_is_expected_or_a_walk_in(db_session)
    check_services(db_session)
    check_indicator_figures(db_session)
    check_benefits_and_the_shop(db_session)
    check_a_second_load_duplicates_nothing(db_session)


def check_a_second_load_duplicates_nothing(demo):
    models = (ActivitySession, SessionSeries, RosterEntry, Attendance, AttendanceChange, ServiceDelivery,
              BenefitList, BenefitLine, ShopProduct, ShopPurchase, LedgerLine, StockMove)
    before = {model: count(demo, model) for model in models}
    assert before[ActivitySession] > 50 and before[Attendance] > 1000 and before[ServiceDelivery] > 300
    # Modest, so that `make run` stays fast.
    assert before[Attendance] <= 15_000 and before[ServiceDelivery] <= 2_000
    load_demo(demo, with_people=True)
    assert {model: count(demo, model) for model in models} == before
    assert set(demo_activities.load_demo_activities(demo, today=TODAY).values()) == {0}
    assert set(demo_benefits.load_demo_benefits(demo, today=TODAY).values()) == {0}


def check_after_school(demo):
    """Every school day for months, with a roster of children."""
    after_school = activity(demo, "155550", "A2.1")
    days = list(demo.scalars(select(ActivitySession.date).where(ActivitySession.activity_id == after_school.id)
                             .order_by(ActivitySession.date)))
    assert len(days) >= 40 and all(day.isoweekday() <= 5 for day in days)
    assert len({(day.year, day.month) for day in days}) >= 3 and days[-1] - days[0] >= timedelta(days=60)
    assert days[-1] == TODAY + timedelta(days=14)  # planned two weeks ahead
    off = demo_activities.days_off(days[0], days[-1], school=True)
    assert date(2026, 11, 30) in off and date(2026, 10, 27) in off
    assert not off & set(days)  # no session on a public or school holiday
    ages = list(demo.scalars(select(Enrollment.age_at_entry).join(
        RosterEntry, and_(RosterEntry.person_id == Enrollment.person_id, RosterEntry.activity_id == after_school.id))
        .where(Enrollment.project_id == after_school.project_id)))
    assert len(ages) >= 15 and all(age < 15 for age in ages)


def check_sheets(demo):
    """Past sheets filled realistically; today's and later ones empty."""
    after_school = activity(demo, "155550", "A2.1")
    past = list(demo.scalars(select(ActivitySession).where(
        ActivitySession.activity_id == after_school.id, ActivitySession.date < TODAY,
        ActivitySession.is_cancelled.is_(False))))
    assert len(past) >= 30
    marks = dict(demo.execute(
        select(Attendance.status, func.count()).join(ActivitySession)
        .where(ActivitySession.id.in_([session.id for session in past])).group_by(Attendance.status)).all())
    total = sum(marks.values())
    assert 0.80 <= marks[AttendanceStatus.present] / total <= 0.95
    assert marks[AttendanceStatus.absent] > 0 and marks[AttendanceStatus.excused] > 0
    unmarked = [session.date for session in past
                if not count(demo, Attendance, Attendance.session_id == session.id)]
    assert unmarked == []
    # Nothing is marked today or later, in any activity; nothing was a late correction.
    assert count(demo, Attendance, Attendance.session_id.in_(
        select(ActivitySession.id).where(ActivitySession.date >= TODAY))) == 0
    assert count(demo, ActivitySession, ActivitySession.date >= TODAY) > 10
    assert count(demo, AttendanceChange, AttendanceChange.late.is_(True)) == 0
    # Other groups and the open events have their sheets too.
    for project_code, code in (("155550", "A2.3"), ("155550", "A3.6"), ("155550", "A3.7"),
                               ("BC-SDL-2022", "A1.1"), ("BC-SDL-2022", "A4.4"), ("BC-SDL-2022", "A4.3")):
        assert count(demo, Attendance, Attendance.session_id.in_(select(ActivitySession.id).where(
            ActivitySession.activity_id == activity(demo, project_code, code).id))) > 0, code


def check_every_mark_is_expected_or_a_walk_in(demo):
    """On the roster that day, or a walk-in at an open event."""
    expected = select(RosterEntry.id).where(
        RosterEntry.activity_id == ActivitySession.activity_id, RosterEntry.person_id == Attendance.person_id,
        RosterEntry.joined_on <= ActivitySession.date,
        or_(RosterEntry.left_on.is_(None), RosterEntry.left_on > ActivitySession.date)).exists()
    open_event = Activity.kind.in_([ActivityKind.public_event, ActivityKind.volunteering])
    stray = (select(func.count()).select_from(Attendance).join(ActivitySession).join(Activity)
             .where(~or_(and_(Attendance.walk_in.is_(False), expected),
                         and_(Attendance.walk_in.is_(True), open_event))))
    assert demo.scalar(stray) == 0
    assert count(demo, Attendance, Attendance.walk_in.is_(True)) > 100
    # Every marked person is in the target group of the activity's project.
    outsiders = (select(func.count()).select_from(Attendance).join(ActivitySession).join(Activity)
                 .where(~select(Enrollment.id).where(Enrollment.person_id == Attendance.person_id,
                                                     Enrollment.project_id == Activity.project_id).exists()))
    assert demo.scalar(outsiders) == 0


def check_services(demo):
    """Home care for the elderly, weekly, with notes; counselling and medical tests."""
    home_care = activity(demo, "BC-SDL-2022", "A2.1")
    visits = demo.execute(select(ServiceDelivery, Person.birth_date).join(Person)
                          .where(ServiceDelivery.activity_id == home_care.id)).all()
    assert len(visits) >= 100
    assert all(visit.notes and 45 <= visit.duration_minutes <= 90 and visit.delivered_on <= TODAY
               for visit, _birth in visits)
    assert all(age_on(birth, visit.delivered_on) >= 60 for visit, birth in visits)
    assert any("Tensiune măsurată" in visit.notes for visit, _birth in visits)
    # About weekly: several visits per person over the last months.
    per_person = demo.execute(select(func.count()).where(ServiceDelivery.activity_id == home_care.id)
                              .group_by(ServiceDelivery.person_id)).scalars().all()
    assert sum(per_person) / len(per_person) >= 8
    for project_code, code in (("BC-SDL-2022", "A3.1"), ("BC-SDL-2022", "A3.3"), ("155550", "A1.1"),
                               ("155550", "A1.2")):
        assert count(demo, ServiceDelivery, ServiceDelivery.activity_id == activity(demo, project_code, code).id) > 5
    tested = demo.execute(select(func.count(ServiceDelivery.id), func.count(func.distinct(ServiceDelivery.person_id)))
                          .where(ServiceDelivery.activity_id == activity(demo, "155550", "A1.2").id)).one()
    assert tested[0] == tested[1]  # one medical test per person
    assert count(demo, ServiceDelivery, ServiceDelivery.delivered_on > TODAY) == 0


def check_indicator_figures(demo):
    """Every indicator with a rule computes a figure from the records; where its activity has records, above 0."""
    figures = {}
    for project in demo.scalars(select(Project)):
        for result in project_results(demo, project).indicators:
            figures[project.code, result.code] = result
            if result.rule is None:
                continue
            of = demo.get(Indicator, result.id).activity_id
            sessions = select(ActivitySession.id).where(ActivitySession.activity_id == of)
            has_records = of is None or any(count(demo, model, where) for model, where in (
                (Attendance, Attendance.session_id.in_(sessions)), (ServiceDelivery, ServiceDelivery.activity_id == of),
                (VolunteerHours, VolunteerHours.activity_id == of)))
            assert result.computed >= 0 and (result.computed > 0 or not has_records), (project.code, result.code)
    assert 40 <= figures["155550", "I8"].computed <= 100  # social shop participants (target 100)
    second_chance = figures["155550", "I4"]  # 20 learners, each present at 10 sessions or more
    assert second_chance.computed == second_chance.target == 20
    assert 0 < figures["BC-SDL-2022", "I5"].computed <= 3  # cultural evenings held so far
    bacau = demo.scalar(select(Project.id).where(Project.code == "BC-SDL-2022"))
    assert figures["BC-SDL-2022", "I1"].computed == count(demo, Enrollment, Enrollment.project_id == bacau)


def check_benefits_and_the_shop(demo):
    """Subsidies, meals, kits and prizes paid once with their documents, last month's subsidy list a draft (a list
    counted from attendance waits for its month to end); the shop's
    balances and stocks agree with their ledgers; the new indicators count exactly those records."""
    zum = demo.scalar(select(Project).where(Project.code == "155550"))
    figures = {result.code: result for result in project_results(demo, zum).indicators}
    kinds = {kind.name_ro: kind for kind in demo.scalars(select(BenefitKind).where(BenefitKind.project_id == zum.id))}
    lists = {(blist.kind.name_ro, blist.period): blist
             for blist in demo.scalars(select(BenefitList).where(BenefitList.project_id == zum.id))}
    subsidy = "Subvenție Școală după școală"
    paid = lists[subsidy, "2026-09"]
    assert paid.status == BenefitListStatus.approved and paid.approved_by_id is not None
    assert paid.lines and all(line.paid_on and line.document_no and line.paid_by_id and line.quantity == 500
                              for line in paid.lines)
    assert all(line.paid_on <= TODAY and line.paid_on > paid.period_end for line in paid.lines)
    for period in ("2026-09", "2026-10"):
        assert lists["Subvenție A doua șansă", period].lines and lists["Masă caldă", period].lines
    assert (subsidy, "2026-11") not in lists  # November has not ended
    draft = lists[subsidy, "2026-10"]
    assert draft.status == BenefitListStatus.draft and draft.lines and not any(line.paid_on for line in draft.lines)
    prizes = lists["Premii concurs de desene pe asfalt", "2026"]
    assert sorted(line.quantity for line in prizes.lines) == [100, 100, 200, 200, 300, 300]
    assert all(line.paid_on == date(2026, 6, 4) for line in prizes.lines)  # three days after Children's Day
    assert lists["Pachet de rechizite școlare", "once"].lines
    # Meals: one per session present, as the attendance says.
    for line in lists["Masă caldă", "2026-10"].lines:
        assert line.quantity == line.sessions > 0

    def paid(*where):
        return demo.scalars(select(BenefitLine).join(BenefitKind).where(
            BenefitKind.project_id == zum.id, BenefitLine.paid_on.is_not(None), *where)).all()

    assert figures["I14"].computed == len({line.person_id for line in paid(BenefitLine.kind_id == kinds[subsidy].id)})
    assert 0 < figures["I14"].computed <= 98
    assert figures["I15"].computed == 20  # the twenty Second Chance learners, each paid
    lei = sum((line.quantity for line in paid(BenefitKind.unit == BenefitUnit.lei)), Decimal(0))
    assert figures["I16"].computed == lei == 27700  # 29 × 500 (September) + 2 × 20 × 300, and 1,200 lei of prizes
    assert figures["I17"].computed == sum(line.quantity for line in paid(BenefitLine.kind_id == kinds["Masă caldă"].id))
    assert not figures["I16"].is_public and figures["I14"].is_public

    # The shop: balances are their ledgers, stocks their moves, nothing below zero.
    for account in demo.scalars(select(ShopAccount).where(ShopAccount.project_id == zum.id)):
        ledger_sum = demo.scalar(select(func.sum(LedgerLine.hours)).where(
            LedgerLine.project_id == zum.id, LedgerLine.person_id == account.person_id))
        assert account.balance == ledger_sum >= 0
    products = demo.scalars(select(ShopProduct).where(ShopProduct.project_id == zum.id)).all()
    assert len(products) == 8
    for product in products:
        assert product.stock == demo.scalar(select(func.sum(StockMove.delta)).where(StockMove.product_id == product.id))
        assert product.stock >= 0
    work = demo.scalars(select(LedgerLine).where(LedgerLine.project_id == zum.id,
                                                 LedgerLine.kind == LedgerKind.work)).all()
    assert all(line.verified_by_id and line.day <= TODAY for line in work)
    corrections = demo.scalars(select(LedgerLine).where(LedgerLine.project_id == zum.id,
                                                        LedgerLine.kind == LedgerKind.correction)).all()
    assert len(corrections) == 2  # an hour less on one time sheet, one purchase given back
    reversed_ = {line.purchase_id for line in corrections if line.purchase_id}
    hours = sum((line.hours for line in work), Decimal(0)) + sum(
        (line.hours for line in corrections if line.corrects_id in {item.id for item in work}), Decimal(0))
    assert figures["I18"].computed == hours > 0
    volunteers = demo.scalars(select(LedgerLine.person_id).where(LedgerLine.project_id == zum.id,
                                                                 LedgerLine.kind == LedgerKind.volunteer)).all()
    assert volunteers  # volunteer hours credited to the shop, not counted as community work
    buyers = set(demo.scalars(select(ShopPurchase.person_id).where(ShopPurchase.project_id == zum.id,
                                                                   ShopPurchase.id.not_in(reversed_))))
    assert figures["I8"].computed == len(buyers | {line.person_id for line in work})


def test_holidays_and_sheet_numbers():
    assert demo_activities.orthodox_easter(2023) == date(2023, 4, 16)
    assert demo_activities.orthodox_easter(2026) == date(2026, 4, 12)
    holidays = demo_activities.public_holidays(2026)
    assert {date(2026, 1, 6), date(2026, 4, 10), date(2026, 6, 1), date(2026, 11, 30), date(2026, 12, 1),
            date(2026, 12, 25)} <= holidays
    assert date(2023, 1, 6) not in demo_activities.public_holidays(2023)
    assert demo_activities.row_ranges([8, 1, 2, 3, 5, 7]) == "1-3, 5, 7-8"
