"""The rules that compute an indicator's achieved value from the records.

Every rule is one SELECT. Rules that count persons give one row per person with the day the person
started to count (`person_id`, `reached_on`), so that a person is counted once however often they
came, whatever re-entries followed; rules that add things up give (`person_id`, `day`, `amount`).
Attendance rules count by month (from `attendance_month`): a person's day is the first of the month.
The months (whose sum is the total) and the drill-down are made from that one statement, so they agree.
A merge moves every record to the kept person, so no rule needs to look at merged records.

Benefits count when they are paid or handed over (`paid_on`), never when they are only on a list;
the shop counts community work as verified hours, with the corrections of those hours, and not the
volunteer hours credited to the shop (those are counted by the volunteering rules already).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, Numeric, Select, and_, exists, false, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.benefits.models import BenefitKind, BenefitLine, BenefitUnit, LedgerKind, LedgerLine, ShopPurchase
from portal.domain.casework.models import ServiceDelivery
from portal.domain.people.models import SITUATIONS, Answer, Enrollment, LabourStatus, Person, Sex
from portal.domain.projects.models import Activity, ActivityKind, Indicator, RuleKind
from portal.domain.results.models import AttendanceMonth
from portal.domain.volunteering.models import VolunteerHours

PERSON_RULES = frozenset({RuleKind.enrolled_persons, RuleKind.attending_persons, RuleKind.service_recipients,
                          RuleKind.volunteers, RuleKind.event_attendees, RuleKind.benefit_recipients,
                          RuleKind.shop_participants})
# Rules that may be narrowed to one activity, and the kinds of activity that make sense for each.
ACTIVITY_KINDS: dict[RuleKind, tuple[ActivityKind, ...]] = {
    RuleKind.attending_persons: (ActivityKind.group_sessions, ActivityKind.public_event, ActivityKind.volunteering),
    RuleKind.services_delivered: (ActivityKind.individual_service,),
    RuleKind.service_recipients: (ActivityKind.individual_service,),
    RuleKind.volunteers: (ActivityKind.volunteering,),
    RuleKind.volunteer_hours: (ActivityKind.volunteering,),
    RuleKind.event_attendees: (ActivityKind.public_event,),
    RuleKind.sessions_held: (ActivityKind.group_sessions, ActivityKind.public_event, ActivityKind.volunteering),
    # The benefit kinds of that activity: a kind given by attendance points at group sessions, a prize
    # given by hand at whatever it rewards (a contest is a public event).
    RuleKind.benefit_recipients: tuple(ActivityKind),
    RuleKind.benefits_given: tuple(ActivityKind),
}
# Rules that may be narrowed to one benefit kind of the project.
BENEFIT_RULES = frozenset({RuleKind.benefit_recipients, RuleKind.benefits_given})
SERVICE_TYPE_RULES = frozenset({RuleKind.services_delivered, RuleKind.service_recipients})
MIN_SESSIONS_RULES = frozenset({RuleKind.attending_persons})

# Age bands: (first age, last age) inclusive; None is open.
AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    "under_18": (None, 17), "18_29": (18, 29), "30_54": (30, 54), "55_plus": (55, None),  # 2021–2027
    "under_25": (None, 24), "25_54": (25, 54), "over_54": (55, None),  # 2014–2020
}
ISCED_BANDS: dict[str, tuple[int, int]] = {"0_2": (0, 2), "1_2": (1, 2), "3_4": (3, 4), "5_8": (5, 8)}
LABOUR_GROUPS: dict[str, tuple[LabourStatus, ...]] = {
    "employed": (LabourStatus.employed,),
    "unemployed": (LabourStatus.unemployed, LabourStatus.long_term_unemployed),
    "long_term_unemployed": (LabourStatus.long_term_unemployed,),
    "inactive": (LabourStatus.inactive, LabourStatus.inactive_not_in_education),
    "inactive_not_in_education": (LabourStatus.inactive_not_in_education,),
}
# What an indicator of persons may be narrowed to ("" is everyone). Sex and age are read at the
# time the person counted (at entry for the target group, at the session or service otherwise);
# labour status, education and situations are the characteristics frozen at entry.
CHARACTERISTICS: tuple[str, ...] = (
    "", "sex:F", "sex:M",
    *(f"age:{band}" for band in AGE_BANDS),
    *(f"labour:{group}" for group in LABOUR_GROUPS),
    *(f"isced:{band}" for band in ISCED_BANDS),
    *(f"situation:{name}" for name in SITUATIONS),
)


# Two small SQL functions both databases spell differently ------------------------------------------

class age_on(FunctionElement):
    """Whole years between a birth date and a day: age_on(birth_date, day)."""

    type = Integer()
    inherit_cache = True


@compiles(age_on, "sqlite")
def _age_sqlite(element, compiler, **kw):
    birth, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return (f"(CAST(strftime('%Y', {day}) AS INTEGER) - CAST(strftime('%Y', {birth}) AS INTEGER)"
            f" - (strftime('%m-%d', {day}) < strftime('%m-%d', {birth})))")


@compiles(age_on, "postgresql")
def _age_postgresql(element, compiler, **kw):
    birth, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(date_part('year', age({day}, {birth})) AS INTEGER)"


# The rule statements -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleQuery:
    per_person: bool
    statement: Select  # per person: person_id, reached_on; otherwise person_id, day, amount


def band_holds(band: str, age: int) -> bool:
    low, high = AGE_BANDS[band]
    return (low is None or age >= low) and (high is None or age <= high)


def _band_clause(age, band: str):
    low, high = AGE_BANDS[band]
    clauses = [age >= low] if low is not None else []
    if high is not None:
        clauses.append(age <= high)
    return and_(*clauses)


def _characteristic_clause(indicator: Indicator, person_id, day, *, age_at_entry=None):
    """The condition for the indicator's characteristic (None: everyone)."""
    if not indicator.characteristic:
        return None
    kind, _, value = indicator.characteristic.partition(":")
    # Scalar subqueries, not EXISTS or a join: PostgreSQL would otherwise hash the whole register
    # (100,000 persons, 40 ms) to look at the few thousand people of one activity.
    if kind == "sex":
        return select(Person.sex).where(Person.id == person_id).scalar_subquery() == Sex(value)
    if kind == "age":
        if age_at_entry is not None:
            return _band_clause(age_at_entry, value)
        birth_date = select(Person.birth_date).where(Person.id == person_id).scalar_subquery()
        return _band_clause(age_on(birth_date, day), value)
    # An alias: inside the enrolment rule, the plain table would correlate with the outer enrollment
    # and make the condition `enrollment.person_id = enrollment.person_id`, true for everyone.
    enrollment = aliased(Enrollment)
    entry = select(enrollment.id).where(enrollment.person_id == person_id,
                                        enrollment.project_id == indicator.project_id)
    if kind == "labour":
        return exists(entry.where(enrollment.labour_status.in_(LABOUR_GROUPS[value])))
    if kind == "isced":
        low, high = ISCED_BANDS[value]
        return exists(entry.where(enrollment.isced_level.between(low, high)))
    if kind == "situation":
        return exists(entry.where(getattr(enrollment, value) == Answer.yes))
    raise ValueError(f"unknown characteristic {indicator.characteristic!r}")


def _where(statement: Select, *clauses) -> Select:
    return statement.where(*(clause for clause in clauses if clause is not None))


def _presences(indicator: Indicator, kinds: tuple[ActivityKind, ...] | None) -> Select:
    """Present marks at held sessions of the indicator's activity (or of its project's activities of
    these kinds), per person and month: person_id, day (the month's first day), sessions.

    Read from `attendance_month` (kept by triggers, see tally.py), not from the marks themselves;
    age is therefore the age on the first day of the month of the session."""
    statement = (select(AttendanceMonth.person_id, AttendanceMonth.month.label("day"), AttendanceMonth.sessions)
                 .join(Activity, Activity.id == AttendanceMonth.activity_id)
                 .where(Activity.project_id == indicator.project_id, AttendanceMonth.sessions > 0))
    if indicator.activity_id is not None:
        statement = statement.where(AttendanceMonth.activity_id == indicator.activity_id)
    elif kinds is not None:
        statement = statement.where(Activity.kind.in_(kinds))
    return _where(statement, _characteristic_clause(indicator, AttendanceMonth.person_id, AttendanceMonth.month))


def _first_day_per_person(rows: Select) -> Select:
    sub = rows.subquery()
    return select(sub.c.person_id, func.min(sub.c.day).label("reached_on")).group_by(sub.c.person_id)


def _enrolled(indicator: Indicator) -> Select:
    statement = select(Enrollment.person_id, Enrollment.first_entry_date.label("reached_on")).where(
        Enrollment.project_id == indicator.project_id)
    return _where(statement, _characteristic_clause(indicator, Enrollment.person_id, Enrollment.first_entry_date,
                                                    age_at_entry=Enrollment.age_at_entry))


def _attending(indicator: Indicator, kinds: tuple[ActivityKind, ...] | None) -> Select:
    presences = _presences(indicator, kinds)
    if indicator.min_sessions <= 1:
        return _first_day_per_person(presences)
    # The month a person reached N sessions: where their running total first gets to N.
    monthly = presences.subquery()
    per_month = (select(monthly.c.person_id, monthly.c.day, func.sum(monthly.c.sessions).label("sessions"))
                 .group_by(monthly.c.person_id, monthly.c.day).subquery())
    running = select(per_month.c.person_id, per_month.c.day, per_month.c.sessions, func.sum(per_month.c.sessions).over(
        partition_by=per_month.c.person_id, order_by=per_month.c.day).label("total")).subquery()
    return select(running.c.person_id, running.c.day.label("reached_on")).where(
        running.c.total >= indicator.min_sessions, running.c.total - running.c.sessions < indicator.min_sessions)


def _deliveries(indicator: Indicator) -> Select:
    statement = (select(ServiceDelivery.person_id, ServiceDelivery.delivered_on.label("day"))
                 .join(Activity, Activity.id == ServiceDelivery.activity_id)
                 .where(Activity.project_id == indicator.project_id))
    if indicator.activity_id is not None:
        statement = statement.where(ServiceDelivery.activity_id == indicator.activity_id)
    type_ids = [service_type.id for service_type in indicator.service_types]
    if type_ids:
        statement = statement.where(ServiceDelivery.service_type_id.in_(type_ids))
    return _where(statement, _characteristic_clause(indicator, ServiceDelivery.person_id, ServiceDelivery.delivered_on))


# Hours logged at a session count on the session's day, and not at all once it is cancelled.
_HOURS_DAY = func.coalesce(ActivitySession.date, VolunteerHours.day)


def _hours(indicator: Indicator) -> Select:
    statement = (select(VolunteerHours.person_id, _HOURS_DAY.label("day"), VolunteerHours.hours.label("amount"))
                 .outerjoin(ActivitySession, ActivitySession.id == VolunteerHours.session_id)
                 .where(VolunteerHours.project_id == indicator.project_id, VolunteerHours.hours > 0,
                        or_(ActivitySession.id.is_(None), ActivitySession.is_cancelled.is_(False))))
    if indicator.activity_id is not None:
        statement = statement.where(VolunteerHours.activity_id == indicator.activity_id)
    return statement


def _volunteers(indicator: Indicator) -> Select:
    with_hours = _where(_hours(indicator).with_only_columns(VolunteerHours.person_id, _HOURS_DAY.label("day")),
                        _characteristic_clause(indicator, VolunteerHours.person_id, _HOURS_DAY))
    present = _presences(indicator, (ActivityKind.volunteering,)).with_only_columns(
        AttendanceMonth.person_id, AttendanceMonth.month.label("day"))
    return _first_day_per_person(union_all(with_hours, present).subquery().select())


def _sessions_held(indicator: Indicator) -> Select:
    someone_came = exists(select(Attendance.id).where(Attendance.session_id == ActivitySession.id,
                                                     Attendance.status == AttendanceStatus.present))
    statement = (select(literal(None, Integer).label("person_id"), ActivitySession.date.label("day"),
                        literal(1, Numeric(12, 2)).label("amount"))
                 .join(Activity, Activity.id == ActivitySession.activity_id)
                 .where(Activity.project_id == indicator.project_id, ActivitySession.is_cancelled.is_(False),
                        someone_came))
    if indicator.activity_id is not None:
        statement = statement.where(ActivitySession.activity_id == indicator.activity_id)
    else:
        statement = statement.where(Activity.kind.in_(ACTIVITY_KINDS[RuleKind.sessions_held]))
    return statement


def _paid_benefits(indicator: Indicator) -> Select:
    """Benefit lines paid or handed over (a line only proposed or approved does not count yet), of the
    indicator's benefit kind, or of the kinds of its activity, or of every kind of its project:
    person_id, day (the day paid), amount (lei or pieces)."""
    statement = (select(BenefitLine.person_id, BenefitLine.paid_on.label("day"), BenefitLine.quantity.label("amount"))
                 .join(BenefitKind, BenefitKind.id == BenefitLine.kind_id)
                 .where(BenefitKind.project_id == indicator.project_id, BenefitLine.paid_on.is_not(None)))
    if indicator.benefit_kind_id is not None:
        statement = statement.where(BenefitLine.kind_id == indicator.benefit_kind_id)
    if indicator.activity_id is not None:
        statement = statement.where(BenefitKind.activity_id == indicator.activity_id)
    return statement


def _benefit_recipients(indicator: Indicator) -> Select:
    paid = _where(_paid_benefits(indicator).with_only_columns(BenefitLine.person_id, BenefitLine.paid_on.label("day")),
                  _characteristic_clause(indicator, BenefitLine.person_id, BenefitLine.paid_on))
    return _first_day_per_person(paid)


def _benefits_given(indicator: Indicator) -> Select:
    """Without a benefit kind, only the kinds counted in the indicator's unit: lei are not added to meals."""
    statement = _paid_benefits(indicator)
    if indicator.benefit_kind_id is None:
        unit = BenefitUnit._value2member_map_.get(indicator.unit.value)
        statement = statement.where(BenefitKind.unit == unit if unit is not None else false())
    return statement


def _shop_participants(indicator: Indicator) -> Select:
    """Persons who did community work for the shop or took products from it, from the first such day.
    A purchase that was reversed (a mistake, undone) does not count."""
    worked = _where(select(LedgerLine.person_id, LedgerLine.day.label("day"))
                    .where(LedgerLine.project_id == indicator.project_id, LedgerLine.kind == LedgerKind.work),
                    _characteristic_clause(indicator, LedgerLine.person_id, LedgerLine.day))
    reversal = aliased(LedgerLine)
    reversed_ = exists(select(reversal.id).where(reversal.purchase_id == ShopPurchase.id,
                                                 reversal.kind == LedgerKind.correction))
    bought = _where(select(ShopPurchase.person_id, ShopPurchase.day.label("day"))
                    .where(ShopPurchase.project_id == indicator.project_id, ~reversed_),
                    _characteristic_clause(indicator, ShopPurchase.person_id, ShopPurchase.day))
    return _first_day_per_person(union_all(worked, bought).subquery().select())


def _community_work_hours(indicator: Indicator) -> Select:
    """Verified community-work hours, and the corrections of such lines (and corrections of those), each on
    the day of the work it corrects, so that a correction takes the hours from the month they were added to.
    Volunteer hours credited to the shop, purchases and their reversals are not community work."""
    work = (select(LedgerLine.id.label("line_id"), LedgerLine.day.label("work_day"))
            .where(LedgerLine.project_id == indicator.project_id, LedgerLine.kind == LedgerKind.work)
            .cte("work_chain", recursive=True))
    correction = aliased(LedgerLine)
    chain = work.union_all(select(correction.id, work.c.work_day)
                           .join(work, correction.corrects_id == work.c.line_id)
                           .where(correction.kind == LedgerKind.correction))
    return (select(LedgerLine.person_id, chain.c.work_day.label("day"), LedgerLine.hours.label("amount"))
            .join(chain, chain.c.line_id == LedgerLine.id))


def rule_query(indicator: Indicator) -> RuleQuery | None:
    """The statement for the indicator's rule, or None when it has no rule."""
    rule = indicator.rule
    if rule is None:
        return None
    if rule == RuleKind.enrolled_persons:
        return RuleQuery(True, _enrolled(indicator))
    if rule == RuleKind.attending_persons:
        return RuleQuery(True, _attending(indicator, None))
    if rule == RuleKind.event_attendees:
        return RuleQuery(True, _attending(indicator, ACTIVITY_KINDS[RuleKind.event_attendees]))
    if rule == RuleKind.service_recipients:
        return RuleQuery(True, _first_day_per_person(_deliveries(indicator)))
    if rule == RuleKind.volunteers:
        return RuleQuery(True, _volunteers(indicator))
    if rule == RuleKind.services_delivered:
        return RuleQuery(False, _deliveries(indicator).add_columns(literal(1, Numeric(12, 2)).label("amount")))
    if rule == RuleKind.volunteer_hours:
        return RuleQuery(False, _hours(indicator))
    if rule == RuleKind.sessions_held:
        return RuleQuery(False, _sessions_held(indicator))
    if rule == RuleKind.benefit_recipients:
        return RuleQuery(True, _benefit_recipients(indicator))
    if rule == RuleKind.benefits_given:
        return RuleQuery(False, _benefits_given(indicator))
    if rule == RuleKind.shop_participants:
        return RuleQuery(True, _shop_participants(indicator))
    if rule == RuleKind.community_work_hours:
        return RuleQuery(False, _community_work_hours(indicator))
    raise ValueError(f"unknown rule {rule!r}")


def _day_column(query: RuleQuery, sub):
    return sub.c.reached_on if query.per_person else sub.c.day


def computed_by_month(db: Session, query: RuleQuery) -> dict[str, Decimal]:
    """What the rule adds in each month ('2026-03' → amount); their sum is the achieved value.

    Grouped by day in SQL (a few thousand days at most), by month here: cheaper than formatting a
    month for every row."""
    sub = query.statement.subquery()
    day = _day_column(query, sub)
    value = func.count() if query.per_person else func.sum(sub.c.amount)
    months: dict[str, Decimal] = {}
    for when, amount in db.execute(select(day, value).group_by(day)):
        key = when.strftime("%Y-%m")
        months[key] = months.get(key, Decimal(0)) + Decimal(amount)
    return months


# Attendance rules date a person by the first day of the month (attendance_month): a period that starts
# within a month takes that whole month, or the month would never count.
MONTHLY_RULES = frozenset({RuleKind.attending_persons, RuleKind.event_attendees, RuleKind.volunteers})


def computed_between(db: Session, indicator: Indicator, query: RuleQuery, first: date | None,
                     last: date | None) -> Decimal:
    """What the rule adds from `first` to `last` (both days included, either open): persons counted
    for the first time, or amounts dated, in the period. Over the whole project it is the total."""
    sub = query.statement.subquery()
    day = _day_column(query, sub)
    value = func.count() if query.per_person else func.coalesce(func.sum(sub.c.amount), 0)
    statement = select(value).select_from(sub)
    if first is not None:
        statement = statement.where(day >= (first.replace(day=1) if indicator.rule in MONTHLY_RULES else first))
    if last is not None:
        statement = statement.where(day <= last)
    return Decimal(db.scalar(statement) or 0)


def counted_persons(query: RuleQuery) -> Select:
    """The persons counted, one row each: person_id, first_on, amount (1 for a person rule)."""
    sub = query.statement.subquery()
    if query.per_person:
        return select(sub.c.person_id, sub.c.reached_on.label("first_on"), literal(1, Numeric(12, 2)).label("amount"))
    return (select(sub.c.person_id, func.min(sub.c.day).label("first_on"), func.sum(sub.c.amount).label("amount"))
            .where(sub.c.person_id.is_not(None)).group_by(sub.c.person_id))
