"""The rules that compute an indicator's achieved value from the records.

Every rule is one SELECT. Rules that count persons give one row per person with the day the person
started to count (`person_id`, `reached_on`), so that a person is counted once however often they
came, whatever re-entries followed; rules that add things up give (`person_id`, `day`, `amount`).
The totals, the months and the drill-down are all made from that one statement, so they agree.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, Numeric, Select, String, and_, exists, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.casework.models import ServiceDelivery
from portal.domain.people.models import SITUATIONS, Answer, Enrollment, LabourStatus, Person, Sex
from portal.domain.projects.models import Activity, ActivityKind, Indicator, RuleKind
from portal.domain.volunteering.models import VolunteerHours

PERSON_RULES = frozenset({RuleKind.enrolled_persons, RuleKind.attending_persons, RuleKind.service_recipients,
                          RuleKind.volunteers, RuleKind.event_attendees})
# Rules that may be narrowed to one activity, and the kinds of activity that make sense for each.
ACTIVITY_KINDS: dict[RuleKind, tuple[ActivityKind, ...]] = {
    RuleKind.attending_persons: tuple(ActivityKind),
    RuleKind.services_delivered: (ActivityKind.individual_service,),
    RuleKind.service_recipients: (ActivityKind.individual_service,),
    RuleKind.volunteers: (ActivityKind.volunteering,),
    RuleKind.volunteer_hours: (ActivityKind.volunteering,),
    RuleKind.event_attendees: (ActivityKind.public_event,),
    RuleKind.sessions_held: (ActivityKind.group_sessions, ActivityKind.public_event, ActivityKind.volunteering),
}
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

class month_of(FunctionElement):
    """'2026-03' for a date."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"  # qmark style: no %% escaping


@compiles(month_of, "postgresql")
def _month_postgresql(element, compiler, **kw):
    return "to_char(%s, 'YYYY-MM')" % compiler.process(element.clauses, **kw)


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


def _band_clause(age, band: str):
    low, high = AGE_BANDS[band]
    clauses = [age >= low] if low is not None else []
    if high is not None:
        clauses.append(age <= high)
    return and_(*clauses)


def _characteristic_clause(indicator: Indicator, person_id, day, *, age_at_entry=None):
    """The condition for the indicator's characteristic, for a statement that has Person joined."""
    if not indicator.characteristic:
        return None
    kind, _, value = indicator.characteristic.partition(":")
    if kind == "sex":
        return Person.sex == Sex(value)
    if kind == "age":
        age = age_at_entry if age_at_entry is not None else age_on(Person.birth_date, day)
        return _band_clause(age, value)
    entry = select(Enrollment.id).where(Enrollment.person_id == person_id,
                                        Enrollment.project_id == indicator.project_id)
    if kind == "labour":
        return exists(entry.where(Enrollment.labour_status.in_(LABOUR_GROUPS[value])))
    if kind == "isced":
        low, high = ISCED_BANDS[value]
        return exists(entry.where(Enrollment.isced_level.between(low, high)))
    if kind == "situation":
        return exists(entry.where(getattr(Enrollment, value) == Answer.yes))
    raise ValueError(f"unknown characteristic {indicator.characteristic!r}")


def _where(statement: Select, *clauses) -> Select:
    return statement.where(*(clause for clause in clauses if clause is not None))


def _presences(indicator: Indicator, kinds: tuple[ActivityKind, ...] | None) -> Select:
    """Present marks at held sessions of the indicator's activity (or of its project's activities of
    these kinds), with the person and the day."""
    statement = (select(Attendance.person_id, ActivitySession.date.label("day"), ActivitySession.id.label("session_id"))
                 .join(ActivitySession, ActivitySession.id == Attendance.session_id)
                 .join(Activity, Activity.id == ActivitySession.activity_id)
                 .join(Person, Person.id == Attendance.person_id)
                 .where(Activity.project_id == indicator.project_id, Attendance.status == AttendanceStatus.present,
                        ActivitySession.is_cancelled.is_(False), Person.merged_into_id.is_(None)))
    if indicator.activity_id is not None:
        statement = statement.where(ActivitySession.activity_id == indicator.activity_id)
    elif kinds is not None:
        statement = statement.where(Activity.kind.in_(kinds))
    return _where(statement, _characteristic_clause(indicator, Attendance.person_id, ActivitySession.date))


def _first_day_per_person(rows: Select) -> Select:
    sub = rows.subquery()
    return select(sub.c.person_id, func.min(sub.c.day).label("reached_on")).group_by(sub.c.person_id)


def _enrolled(indicator: Indicator) -> Select:
    statement = (select(Enrollment.person_id, Enrollment.first_entry_date.label("reached_on"))
                 .join(Person, Person.id == Enrollment.person_id)
                 .where(Enrollment.project_id == indicator.project_id, Person.merged_into_id.is_(None)))
    return _where(statement, _characteristic_clause(indicator, Enrollment.person_id, Enrollment.first_entry_date,
                                                    age_at_entry=Enrollment.age_at_entry))


def _attending(indicator: Indicator, kinds: tuple[ActivityKind, ...] | None) -> Select:
    presences = _presences(indicator, kinds)
    if indicator.min_sessions <= 1:
        return _first_day_per_person(presences)
    # The day a person reached N sessions: the N-th of their present marks, in date order.
    ranked = presences.add_columns(func.row_number().over(
        partition_by=Attendance.person_id, order_by=(ActivitySession.date, ActivitySession.id)).label("n")).subquery()
    return select(ranked.c.person_id, ranked.c.day.label("reached_on")).where(ranked.c.n == indicator.min_sessions)


def _deliveries(indicator: Indicator) -> Select:
    statement = (select(ServiceDelivery.person_id, ServiceDelivery.delivered_on.label("day"))
                 .join(Activity, Activity.id == ServiceDelivery.activity_id)
                 .join(Person, Person.id == ServiceDelivery.person_id)
                 .where(Activity.project_id == indicator.project_id, Person.merged_into_id.is_(None)))
    if indicator.activity_id is not None:
        statement = statement.where(ServiceDelivery.activity_id == indicator.activity_id)
    type_ids = [service_type.id for service_type in indicator.service_types]
    if type_ids:
        statement = statement.where(ServiceDelivery.service_type_id.in_(type_ids))
    return _where(statement, _characteristic_clause(indicator, ServiceDelivery.person_id, ServiceDelivery.delivered_on))


def _hours(indicator: Indicator) -> Select:
    statement = (select(VolunteerHours.person_id, VolunteerHours.day, VolunteerHours.hours.label("amount"))
                 .join(Person, Person.id == VolunteerHours.person_id)
                 .where(VolunteerHours.project_id == indicator.project_id, VolunteerHours.hours > 0,
                        Person.merged_into_id.is_(None)))
    if indicator.activity_id is not None:
        statement = statement.where(VolunteerHours.activity_id == indicator.activity_id)
    return statement


def _volunteers(indicator: Indicator) -> Select:
    with_hours = _where(_hours(indicator).with_only_columns(VolunteerHours.person_id, VolunteerHours.day),
                        _characteristic_clause(indicator, VolunteerHours.person_id, VolunteerHours.day))
    present = _presences(indicator, (ActivityKind.volunteering,)).with_only_columns(
        Attendance.person_id, ActivitySession.date.label("day"))
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
    raise ValueError(f"unknown rule {rule!r}")


def _day_column(query: RuleQuery, sub):
    return sub.c.reached_on if query.per_person else sub.c.day


def computed_total(db: Session, query: RuleQuery) -> Decimal:
    sub = query.statement.subquery()
    value = func.count() if query.per_person else func.coalesce(func.sum(sub.c.amount), 0)
    return Decimal(db.scalar(select(value).select_from(sub)) or 0)


def computed_by_month(db: Session, query: RuleQuery) -> dict[str, Decimal]:
    """What the rule adds in each month ('2026-03' → amount), from its first month to its last."""
    sub = query.statement.subquery()
    month = month_of(_day_column(query, sub))
    value = func.count() if query.per_person else func.sum(sub.c.amount)
    return {key: Decimal(amount) for key, amount in db.execute(select(month, value).group_by(month)) if key}


def counted_persons(query: RuleQuery) -> Select:
    """The persons counted, one row each: person_id, first_on, amount (1 for a person rule)."""
    sub = query.statement.subquery()
    if query.per_person:
        return select(sub.c.person_id, sub.c.reached_on.label("first_on"), literal(1, Numeric(12, 2)).label("amount"))
    return (select(sub.c.person_id, func.min(sub.c.day).label("first_on"), func.sum(sub.c.amount).label("amount"))
            .where(sub.c.person_id.is_not(None)).group_by(sub.c.person_id))
