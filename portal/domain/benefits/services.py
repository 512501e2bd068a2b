"""Benefits: kinds, entitlement lists (proposed, approved, paid), a person's benefits and the totals.

A list is drawn up for one benefit kind and one period: the system proposes who is entitled (from the
target group, the activity's roster and attendance), staff add or take off persons while it is a draft,
a coordinator approves it, then each line is paid or handed over once, with the day, the document and
who did it. "Once" is the database's: a person is on one line only per kind and period (a unique
constraint), and a payment is a conditional UPDATE of lines not yet paid.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, extract, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.db import utcnow
from portal.domain import clock
from portal.domain.activities.models import (
    ActivitySession,
    Attendance,
    AttendanceStatus,
    RosterEntry,
)
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.benefits.models import (
    BenefitCategory,
    BenefitFrequency,
    BenefitKind,
    BenefitLine,
    BenefitList,
    BenefitListStatus,
    BenefitUnit,
    EntitlementRule,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, EnrollmentPeriod, Person
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import project_staff, require
from portal.domain.text import normalize_ro

BENEFITS_PROPOSE = "benefits.propose"
BENEFITS_APPROVE = "benefits.approve"
BENEFITS_PAY = "benefits.pay"
BENEFITS_MANAGE = "benefits.manage"

MAX_AMOUNT = Decimal(1000000)  # per person and period: anything larger is a typing mistake
CENT = Decimal("0.01")
# Rules that read an activity's sessions: they need an activity of group sessions.
SESSION_RULES = {EntitlementRule.attendance, EntitlementRule.per_presence}


# Kinds --------------------------------------------------------------------------------------------

@dataclass
class BenefitKindData:
    category: BenefitCategory
    name_ro: str
    unit: BenefitUnit
    amount: Decimal | None
    frequency: BenefitFrequency
    rule: EntitlementRule
    name_en: str = ""
    activity_id: int | None = None
    min_sessions: int = 0
    is_active: bool = True


def kinds(db: Session, project_id: int, active_only: bool = True) -> list[BenefitKind]:
    query = (select(BenefitKind).where(BenefitKind.project_id == project_id)
             .options(selectinload(BenefitKind.activity)).order_by(BenefitKind.name_ro))
    if active_only:
        query = query.where(BenefitKind.is_active.is_(True))
    return list(db.scalars(query))


def check_quantity(value: Decimal | None, unit: BenefitUnit, field: str = "amount") -> Decimal:
    """A sum of lei with at most two decimals, or a whole number of pieces; more than zero."""
    if value is None or not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise DomainError(_l("Give an amount greater than zero, for example 500 or 12,50."), code="benefit_amount",
                          field=field)
    if value != value.quantize(CENT):
        raise DomainError(_l("An amount has at most two decimals."), code="benefit_amount", field=field)
    if unit == BenefitUnit.pieces and value != value.to_integral_value():
        raise DomainError(_l("Pieces are counted in whole numbers."), code="benefit_pieces", field=field)
    return value.quantize(CENT)


def save_kind(db: Session, project: Project, actor: Actor, data: BenefitKindData,
              kind: BenefitKind | None = None) -> BenefitKind:
    require(actor, project.id, BENEFITS_MANAGE)
    name_ro = normalize_ro(data.name_ro or "")
    if not name_ro:
        raise DomainError(_l("This field is required."), code="required", field="name_ro")
    clash = db.scalar(select(BenefitKind.id).where(
        BenefitKind.project_id == project.id, func.lower(BenefitKind.name_ro) == name_ro.lower(),
        BenefitKind.id != (kind.id if kind else -1)))
    if clash:
        raise DomainError(_l("This project already has a benefit with this name."), code="benefit_kind_taken",
                          field="name_ro")
    amount = check_quantity(data.amount, data.unit)
    activity = db.get(Activity, data.activity_id) if data.activity_id else None
    if data.activity_id and (activity is None or activity.project_id != project.id):
        raise DomainError(_l("Choose an activity of this project."), code="benefit_activity", field="activity_id")
    needs_sessions = data.rule in SESSION_RULES or (data.rule == EntitlementRule.enrolled and activity is not None)
    if data.rule in SESSION_RULES and activity is None:
        raise DomainError(_l("This rule counts the sessions of an activity: choose the activity."),
                          code="benefit_activity", field="activity_id")
    if needs_sessions and activity.kind != ActivityKind.group_sessions:
        raise DomainError(_l("This rule reads the list and the attendance of an activity of group sessions: "
                             "choose one."), code="benefit_activity", field="activity_id")
    min_sessions = data.min_sessions or 0
    if data.rule == EntitlementRule.attendance and not 1 <= min_sessions <= 1000:
        raise DomainError(_l("Give a number of sessions between 1 and 1000."), code="benefit_min_sessions",
                          field="min_sessions")
    if not 0 <= min_sessions <= 1000:
        raise DomainError(_l("Give a number of sessions between 0 and 1000."), code="benefit_min_sessions",
                          field="min_sessions")
    if data.rule not in SESSION_RULES:
        min_sessions = 0
    if kind is not None and (kind.unit != data.unit or kind.frequency != data.frequency) and db.scalar(
            select(BenefitList.id).where(BenefitList.kind_id == kind.id).limit(1)):
        raise DomainError(_l("This benefit already has lists: its unit and how often it is given can no longer "
                             "change. Add a new benefit instead."), code="benefit_kind_in_use", field="unit")
    created = kind is None
    if kind is None:
        kind = BenefitKind(project_id=project.id, created_by_id=actor.user_id)
        db.add(kind)
    kind.category, kind.name_ro, kind.name_en = data.category, name_ro, normalize_ro(data.name_en or "")
    kind.unit, kind.amount, kind.frequency, kind.rule = data.unit, amount, data.frequency, data.rule
    kind.activity_id, kind.min_sessions, kind.is_active = data.activity_id or None, min_sessions, data.is_active
    db.flush()
    record(db, actor, AuditAction.create if created else AuditAction.update, None,
           f"benefit kind {kind.id} of {project.code}")
    return kind


# Periods ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    key: str  # "2026-10", "2026" or "once"
    start: date
    end: date  # inclusive


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def period_of(kind: BenefitKind, day: date) -> Period:
    """The period of the kind that holds the day."""
    if kind.frequency == BenefitFrequency.monthly:
        first = day.replace(day=1)
        return Period(first.strftime("%Y-%m"), first, _month_end(first))
    if kind.frequency == BenefitFrequency.yearly:
        return Period(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))
    return Period("once", kind.project.start_date, kind.project.end_date)


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$|^(\d{1,2})[./](\d{4})$")


def parse_period(kind: BenefitKind, text: str) -> Period:
    """The period typed in a form: "2026-10" or "10.2026" for a month, "2026" for a year; nothing for
    a benefit given once. It must overlap the project's dates."""
    text = (text or "").strip()
    project = kind.project
    if kind.frequency == BenefitFrequency.once:
        period = period_of(kind, project.start_date)
    elif kind.frequency == BenefitFrequency.monthly:
        match = _MONTH.match(text)
        year, month = ((int(match.group(1)), int(match.group(2))) if match and match.group(1)
                       else (int(match.group(4)), int(match.group(3))) if match else (0, 0))
        if not 1 <= month <= 12 or not 1900 < year < 2200:
            raise DomainError(_l("Write the month as yyyy-mm, for example 2026-10."), code="benefit_period",
                              field="period")
        period = period_of(kind, date(year, month, 1))
    else:
        if not re.fullmatch(r"\d{4}", text) or not 1900 < int(text) < 2200:
            raise DomainError(_l("Write the year, for example 2026."), code="benefit_period", field="period")
        period = period_of(kind, date(int(text), 1, 1))
    if period.end < project.start_date or period.start > project.end_date:
        raise DomainError(_l("The period must fall within the project's dates (%(start)s – %(end)s).",
                             start=project.start_date.strftime("%d.%m.%Y"), end=project.end_date.strftime("%d.%m.%Y")),
                          code="benefit_period_outside", field="period")
    return period


# Who is entitled ----------------------------------------------------------------------------------

def _in_target_group(person_id, project_id: int, period: Period):
    """The person is in the project's target group during the period (a stay overlapping it)."""
    return exists().where(
        Enrollment.person_id == person_id, Enrollment.project_id == project_id,
        Enrollment.first_entry_date <= period.end,
        EnrollmentPeriod.enrollment_id == Enrollment.id, EnrollmentPeriod.entry_date <= period.end,
        or_(EnrollmentPeriod.exit_date.is_(None), EnrollmentPeriod.exit_date >= period.start))


def present_counts(db: Session, activity_id: int, period: Period, minimum: int = 1) -> dict[int, int]:
    """Sessions each person was present at, of the activity's sessions held (not cancelled) in the period:
    one grouped SELECT."""
    present = func.count(Attendance.id)
    rows = db.execute(
        select(Attendance.person_id, present)
        .join(ActivitySession, ActivitySession.id == Attendance.session_id)
        .where(ActivitySession.activity_id == activity_id, ActivitySession.date >= period.start,
               ActivitySession.date <= period.end, ActivitySession.is_cancelled.is_(False),
               Attendance.status == AttendanceStatus.present)
        .group_by(Attendance.person_id).having(present >= max(minimum, 1)))
    return {person_id: count for person_id, count in rows}


@dataclass
class Entitled:
    person_id: int
    quantity: Decimal
    sessions: int | None


def entitled(db: Session, kind: BenefitKind, period: Period) -> list[Entitled]:
    """Who the rule gives the kind to in the period, before anyone already listed is left out."""
    if kind.rule == EntitlementRule.manual:
        return []
    active = and_(Person.merged_into_id.is_(None), Person.erased_at.is_(None),
                  _in_target_group(Person.id, kind.project_id, period))
    counts: dict[int, int] = {}
    query = select(Person.id).where(active)
    if kind.rule in SESSION_RULES:
        counts = present_counts(db, kind.activity_id, period, kind.min_sessions)
        if not counts:
            return []
        query = query.where(Person.id.in_(counts))
    elif kind.activity_id is not None:  # enrolled, on the activity's list during the period
        query = query.where(exists().where(
            RosterEntry.person_id == Person.id, RosterEntry.activity_id == kind.activity_id,
            RosterEntry.joined_on <= period.end,
            or_(RosterEntry.left_on.is_(None), RosterEntry.left_on > period.start)))
    result = []
    for person_id in db.scalars(query.order_by(Person.search_name, Person.id)):
        sessions = counts.get(person_id)
        quantity = kind.amount * sessions if kind.rule == EntitlementRule.per_presence else kind.amount
        result.append(Entitled(person_id, quantity, sessions))
    return result


# Lists --------------------------------------------------------------------------------------------

def listed_elsewhere(db: Session, kind_id: int, period_key: str, person_ids=None) -> dict[int, int]:
    """person id → the list where the person already has a line of this kind and period."""
    query = select(BenefitLine.person_id, BenefitLine.list_id).where(BenefitLine.kind_id == kind_id,
                                                                     BenefitLine.period == period_key)
    if person_ids is not None:
        query = query.where(BenefitLine.person_id.in_(list(person_ids) or [-1]))
    return dict(db.execute(query).all())


def propose_list(db: Session, project: Project, kind: BenefitKind, period_key: str, actor: Actor,
                 today: date | None = None, notes: str = "") -> BenefitList:
    """A draft list with a line for each person the kind's rule entitles in the period. Persons already
    on another list of the kind and period are left out: `left_out` on the returned list says how many
    and where ({list id: count})."""
    require(actor, project.id, BENEFITS_PROPOSE)
    if kind.project_id != project.id:
        raise DomainError(_l("Choose a benefit of this project."), code="benefit_kind", field="kind_id")
    if not kind.is_active:
        raise DomainError(_l("This benefit is no longer given: make it active again first."),
                          code="benefit_kind_inactive", field="kind_id")
    period = parse_period(kind, period_key)
    today = today or clock.today()
    if period.start > today:
        raise DomainError(_l("A list is drawn up for a period that has begun, not for a future one."),
                          code="benefit_period_future", field="period")
    if kind.rule in SESSION_RULES and period.end >= today:
        raise DomainError(_l("This benefit counts the sessions present in the period: its list is drawn up once "
                             "the period has ended, after %(end)s, when every session has been held and marked.",
                             end=period.end.strftime("%d.%m.%Y")), code="benefit_period_running", field="period")
    _lock_kind(db, kind)
    blist = BenefitList(project_id=project.id, kind_id=kind.id, period=period.key, period_start=period.start,
                        period_end=period.end, status=BenefitListStatus.draft, notes=(notes or "").strip()[:2000],
                        created_by_id=actor.user_id)
    db.add(blist)
    db.flush()
    candidates = entitled(db, kind, period)
    elsewhere = listed_elsewhere(db, kind.id, period.key, [item.person_id for item in candidates])
    left_out: dict[int, int] = {}
    for item in candidates:
        if item.person_id in elsewhere:
            left_out[elsewhere[item.person_id]] = left_out.get(elsewhere[item.person_id], 0) + 1
            continue
        db.add(BenefitLine(list_id=blist.id, kind_id=kind.id, period=period.key, person_id=item.person_id,
                           quantity=item.quantity, sessions=item.sessions, added_manually=False,
                           created_by_id=actor.user_id))
    try:
        with db.begin_nested():  # the kind's lock keeps other proposals out; a merge moving a line does not
            db.flush()
    except IntegrityError:
        raise DomainError(_l("Someone has just put some of these persons on another list of this benefit and "
                             "period. Draw the list up again: they will be left out."),
                          code="benefit_already_listed", field="period") from None
    for line in db.scalars(select(BenefitLine).where(BenefitLine.list_id == blist.id)):
        record(db, actor, AuditAction.create, line.person_id, f"benefit list {blist.id}: proposed line {line.id}")
    record(db, actor, AuditAction.create, None, f"benefit list {blist.id} of {project.code}: {kind.id} {period.key}")
    db.expire(blist, ["lines"])
    blist.left_out = left_out
    return blist


def _lock_kind(db: Session, kind: BenefitKind) -> None:
    """Who is put on a list of the kind takes turns: a second proposal (or a person added by hand) waits for
    the first to be saved, then sees its lines and leaves those persons out. (SQLite: writers take turns.)"""
    db.execute(select(BenefitKind.id).where(BenefitKind.id == kind.id).with_for_update())


def _require_draft(db: Session, blist: BenefitList) -> None:
    """The list is still a draft, read again from the database under a lock: an approval saved a moment ago
    (by someone else, after this list was loaded) is seen, and none can be saved until this change is."""
    status = db.scalar(select(BenefitList.status).where(BenefitList.id == blist.id).with_for_update())
    if status is None:
        raise DomainError(_l("This list has just been deleted."), code="benefit_list_gone")
    if BenefitListStatus(status) != BenefitListStatus.draft:
        raise DomainError(_l("This list has been approved: it no longer changes."), code="benefit_list_approved")


def _already_listed(db: Session, kind_id: int, period_key: str, person: Person) -> DomainError | None:
    other = listed_elsewhere(db, kind_id, period_key, [person.id]).get(person.id)
    if other is None:
        return None
    return DomainError(_l("%(name)s is already on list no. %(number)d for this benefit and period: nobody "
                          "receives it twice.", name=person.full_name, number=other),
                       code="benefit_already_listed", field="person_id")


def add_line(db: Session, blist: BenefitList, person: Person, actor: Actor, quantity: Decimal | None = None,
             note: str = "") -> BenefitLine:
    """Put a person on a draft list by hand (a child who joined late, the winners of a contest)."""
    require(actor, blist.project_id, BENEFITS_PROPOSE)
    _require_draft(db, blist)
    if person.merged_into_id or person.erased_at:
        raise DomainError(_l("This record is no longer active."), code="person_inactive", field="person_id")
    if not db.scalar(select(Enrollment.id).where(Enrollment.person_id == person.id,
                                                 Enrollment.project_id == blist.project_id)):
        raise DomainError(_l("%(name)s is not in this project's target group: enrol them first.",
                             name=person.full_name), code="benefit_not_enrolled", field="person_id")
    kind = blist.kind
    quantity = check_quantity(kind.amount if quantity is None else quantity, kind.unit, field="quantity")
    note = normalize_ro(note or "")
    if len(note) > 300:
        raise DomainError(_l("At most %(max)d characters.", max=300), code="too_long", field="note")
    _lock_kind(db, kind)
    if (problem := _already_listed(db, kind.id, blist.period, person)) is not None:
        raise problem
    line = BenefitLine(list_id=blist.id, kind_id=kind.id, period=blist.period, person_id=person.id,
                       quantity=quantity, added_manually=True, note=note, created_by_id=actor.user_id)
    try:
        with db.begin_nested():  # someone else put the person on a list a moment ago: the constraint says so
            db.add(line)
            db.flush()
    except IntegrityError:
        problem = _already_listed(db, kind.id, blist.period, person)
        raise problem or DomainError(_l("%(name)s is already on a list for this benefit and period.",
                                        name=person.full_name), code="benefit_already_listed", field="person_id")
    record(db, actor, AuditAction.create, person.id, f"benefit list {blist.id}: added line {line.id}")
    db.expire(blist, ["lines"])
    return line


def set_line(db: Session, line: BenefitLine, actor: Actor, *, quantity: Decimal | None, note: str = "") -> bool:
    """Change what a person receives on a draft list (prizes of different sizes). Whether anything changed."""
    blist = line.benefit_list
    require(actor, blist.project_id, BENEFITS_PROPOSE)
    _require_draft(db, blist)
    quantity = check_quantity(quantity, blist.kind.unit, field="quantity")
    note = normalize_ro(note or "")
    if len(note) > 300:
        raise DomainError(_l("At most %(max)d characters.", max=300), code="too_long", field="note")
    changed = [name for name, value in (("quantity", quantity), ("note", note)) if getattr(line, name) != value]
    if changed:
        line.quantity, line.note = quantity, note
        record(db, actor, AuditAction.update, line.person_id, f"benefit line {line.id}: {', '.join(changed)}")
    return bool(changed)


def remove_line(db: Session, line: BenefitLine, actor: Actor) -> None:
    blist = line.benefit_list
    require(actor, blist.project_id, BENEFITS_PROPOSE)
    _require_draft(db, blist)
    record(db, actor, AuditAction.update, line.person_id, f"benefit list {blist.id}: removed line {line.id}")
    db.delete(line)
    db.flush()
    db.expire(blist, ["lines"])


def approve_list(db: Session, blist: BenefitList, actor: Actor) -> None:
    require(actor, blist.project_id, BENEFITS_APPROVE)
    _require_draft(db, blist)  # locked: a line being added or taken off is saved first, and counted below
    if not db.scalar(select(BenefitLine.id).where(BenefitLine.list_id == blist.id).limit(1)):
        raise DomainError(_l("A list with nobody on it cannot be approved."), code="benefit_list_empty")
    approved_at = utcnow()
    changed = db.execute(
        update(BenefitList).where(BenefitList.id == blist.id, BenefitList.status == BenefitListStatus.draft)
        .values(status=BenefitListStatus.approved, approved_by_id=actor.user_id, approved_at=approved_at)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise DomainError(_l("This list has been approved: it no longer changes."), code="benefit_list_approved")
    db.expire(blist, ["status", "approved_by_id", "approved_at", "approved_by"])
    record(db, actor, AuditAction.update, None, f"benefit list {blist.id}: approved")


def delete_list(db: Session, blist: BenefitList, actor: Actor) -> int:
    """Delete a draft list and its lines (a list drawn up by mistake, or left empty). An approved list stays:
    it is the record of what was, or is to be, paid. How many lines went with it."""
    require(actor, blist.project_id, BENEFITS_PROPOSE)
    _require_draft(db, blist)  # locked: no approval, no line added, until this is saved
    lines = list(db.scalars(select(BenefitLine).where(BenefitLine.list_id == blist.id)
                            .execution_options(populate_existing=True)))
    if any(line.paid_on is not None for line in lines):  # a draft is never paid; the database's word, all the same
        raise DomainError(_l("Some lines of this list have been paid: it cannot be deleted."),
                          code="benefit_list_paid")
    for line in lines:
        record(db, actor, AuditAction.update, line.person_id,
               f"benefit list {blist.id}: removed line {line.id} (list deleted)")
        db.delete(line)
    db.flush()
    record(db, actor, AuditAction.update, None,
           f"benefit list {blist.id} of kind {blist.kind_id} {blist.period}: deleted with {len(lines)} lines")
    db.delete(blist)
    db.flush()
    return len(lines)


def record_payment(db: Session, blist: BenefitList, line_ids, actor: Actor, *, paid_on: date | None,
                   document_no: str, paid_by_id: int | None, today: date | None = None) -> int:
    """Mark lines of an approved list paid or handed over. Lines already paid are left as they are, even
    when two clerks record the same lines at the same moment (a conditional UPDATE). How many were marked."""
    require(actor, blist.project_id, BENEFITS_PAY)
    if blist.status != BenefitListStatus.approved:
        raise DomainError(_l("A list is paid only once it has been approved."), code="benefit_list_not_approved")
    today = today or clock.today()
    if paid_on is None:
        raise DomainError(_l("This field is required."), code="required", field="paid_on")
    if paid_on > today:
        raise DomainError(_l("A payment is recorded once it has been made: the date cannot be in the future."),
                          code="benefit_paid_future", field="paid_on")
    if paid_on < blist.period_start:
        raise DomainError(_l("The date cannot be before the period of the list (%(start)s).",
                             start=blist.period_start.strftime("%d.%m.%Y")), code="benefit_paid_early",
                          field="paid_on")
    document_no = normalize_ro(document_no or "")
    if not document_no:
        raise DomainError(_l("Give the number of the payment or hand-over document."), code="required",
                          field="document_no")
    if len(document_no) > 60:
        raise DomainError(_l("At most %(max)d characters.", max=60), code="too_long", field="document_no")
    if paid_by_id not in {user.id for user in project_staff(db, blist.project_id)}:
        raise DomainError(_l("Choose a staff member of this project."), code="benefit_paid_by", field="paid_by_id")
    ids = {int(item) for item in line_ids or ()}
    if not ids:
        raise DomainError(_l("Choose the persons who were paid or received the benefit."), code="benefit_no_lines",
                          field="line_ids")
    marked = db.execute(
        update(BenefitLine)
        .where(BenefitLine.list_id == blist.id, BenefitLine.id.in_(ids), BenefitLine.paid_on.is_(None))
        .values(paid_on=paid_on, document_no=document_no, paid_by_id=paid_by_id,
                paid_recorded_by_id=actor.user_id, paid_recorded_at=utcnow())
        .returning(BenefitLine.id, BenefitLine.person_id)
        .execution_options(synchronize_session=False)).all()
    for line_id, person_id in marked:
        record(db, actor, AuditAction.update, person_id, f"benefit line {line_id}: paid (list {blist.id})")
    for line in blist.lines:
        db.expire(line)
    return len(marked)


def load_list(db: Session, list_id: int) -> BenefitList | None:
    return db.scalar(select(BenefitList).where(BenefitList.id == list_id).options(
        selectinload(BenefitList.kind).selectinload(BenefitKind.activity), selectinload(BenefitList.project),
        selectinload(BenefitList.lines).selectinload(BenefitLine.person),
        selectinload(BenefitList.lines).selectinload(BenefitLine.paid_by),
        selectinload(BenefitList.created_by), selectinload(BenefitList.approved_by)))


def sorted_lines(blist: BenefitList) -> list[BenefitLine]:
    """A list's lines as printed: by name."""
    return sorted(blist.lines, key=lambda line: (line.person.search_name or "", line.person.code or "", line.id))


def lists(db: Session, project_id: int, *, kind_id: int | None = None, limit: int = 200) -> list[tuple[BenefitList, int, int, Decimal]]:
    """A project's lists, newest period first, each with its number of lines, of paid lines and its total."""
    paid = func.count(BenefitLine.paid_on)
    query = (select(BenefitList, func.count(BenefitLine.id), paid, func.coalesce(func.sum(BenefitLine.quantity), 0))
             .outerjoin(BenefitLine, BenefitLine.list_id == BenefitList.id)
             .where(BenefitList.project_id == project_id)
             .group_by(BenefitList.id)
             .options(selectinload(BenefitList.kind))
             .order_by(BenefitList.period_start.desc(), BenefitList.id.desc()).limit(limit))
    if kind_id:
        query = query.where(BenefitList.kind_id == kind_id)
    return [(blist, count, paid_count, Decimal(total)) for blist, count, paid_count, total in db.execute(query)]


@dataclass
class ListTotals:
    lines: int
    quantity: Decimal
    paid_lines: int
    paid_quantity: Decimal


def list_totals(blist: BenefitList) -> ListTotals:
    paid = [line for line in blist.lines if line.is_paid]
    return ListTotals(len(blist.lines), sum((line.quantity for line in blist.lines), Decimal(0)),
                      len(paid), sum((line.quantity for line in paid), Decimal(0)))


# A person's benefits ------------------------------------------------------------------------------

def person_benefits(db: Session, person_id: int, project_ids: set[int] | None) -> list[BenefitLine]:
    """Every line of the person's benefits in the given projects (None: all), newest period first."""
    query = (select(BenefitLine).join(BenefitList, BenefitList.id == BenefitLine.list_id)
             .where(BenefitLine.person_id == person_id)
             .options(selectinload(BenefitLine.kind).selectinload(BenefitKind.project),
                      selectinload(BenefitLine.benefit_list))
             .order_by(BenefitList.period_start.desc(), BenefitLine.id.desc()))
    if project_ids is not None:
        query = query.where(BenefitList.project_id.in_(project_ids or {-1}))
    return list(db.scalars(query))


# Totals -------------------------------------------------------------------------------------------

TOTALS_BY = ("person", "activity", "kind", "month")


@dataclass
class TotalRow:
    key: object  # the person, the activity (None: no activity), the kind, or "2026-10"
    label: str
    code: str  # the person's code, the activity's code, "" otherwise
    lei: Decimal
    pieces: Decimal
    persons: int
    lines: int


def _group_columns(by: str):
    if by == "person":
        return (BenefitLine.person_id,)
    if by == "activity":
        return (BenefitKind.activity_id,)
    if by == "kind":
        return (BenefitLine.kind_id,)
    if by == "month":
        return (extract("year", BenefitLine.paid_on), extract("month", BenefitLine.paid_on))
    raise ValueError(by)


def totals(db: Session, project_id: int, *, by: str = "kind", first: date | None = None, last: date | None = None,
           kind_id: int | None = None) -> list[TotalRow]:
    """What was paid or handed over (lines with a payment day in [first, last]), summed per person, activity,
    kind or month of payment; lei and pieces apart. Two grouped queries."""
    columns = _group_columns(by)
    conditions = [BenefitKind.project_id == project_id, BenefitLine.paid_on.is_not(None)]
    if first:
        conditions.append(BenefitLine.paid_on >= first)
    if last:
        conditions.append(BenefitLine.paid_on <= last)
    if kind_id:
        conditions.append(BenefitLine.kind_id == kind_id)
    base = select().select_from(BenefitLine).join(BenefitKind, BenefitKind.id == BenefitLine.kind_id).where(*conditions)
    sums: dict[tuple, dict] = {}
    for row in db.execute(base.add_columns(*columns, BenefitKind.unit, func.sum(BenefitLine.quantity),
                                           func.count(BenefitLine.id)).group_by(*columns, BenefitKind.unit)):
        key = tuple(int(value) if value is not None else None for value in row[:len(columns)])
        unit, quantity, count = row[len(columns):]
        entry = sums.setdefault(key, {"lei": Decimal(0), "pieces": Decimal(0), "lines": 0, "persons": 0})
        entry["lei" if BenefitUnit(unit) == BenefitUnit.lei else "pieces"] += Decimal(quantity)
        entry["lines"] += count
    for row in db.execute(base.add_columns(*columns, func.count(func.distinct(BenefitLine.person_id)))
                          .group_by(*columns)):
        key = tuple(int(value) if value is not None else None for value in row[:len(columns)])
        sums[key]["persons"] = row[-1]
    if not sums:
        return []
    rows = []
    if by == "person":
        people = {person.id: person for person in db.scalars(select(Person).where(Person.id.in_([k[0] for k in sums])))}
        for (person_id,), entry in sums.items():
            person = people[person_id]
            rows.append(TotalRow(person, person.full_name, person.code or "", **entry))
        rows.sort(key=lambda row: (row.key.search_name or "", row.code))
    elif by == "activity":
        found = {activity.id: activity for activity in db.scalars(
            select(Activity).where(Activity.id.in_([k[0] for k in sums if k[0] is not None])))}
        for (activity_id,), entry in sums.items():
            activity = found.get(activity_id)
            rows.append(TotalRow(activity, _localized_name(activity) if activity else _("No activity"),
                                 activity.code if activity else "", **entry))
        rows.sort(key=lambda row: (row.key is None, row.code))
    elif by == "kind":
        found = {kind.id: kind for kind in db.scalars(select(BenefitKind).where(BenefitKind.id.in_([k[0] for k in sums])))}
        for (kind_id_,), entry in sums.items():
            kind = found[kind_id_]
            rows.append(TotalRow(kind, _localized_name(kind), "", **entry))
        rows.sort(key=lambda row: row.label.casefold())
    else:
        for (year, month), entry in sums.items():
            rows.append(TotalRow(f"{year:04d}-{month:02d}", f"{year:04d}-{month:02d}", "", **entry))
        rows.sort(key=lambda row: row.key)
    return rows


def _localized_name(item) -> str:
    from portal.i18n import localized

    return localized(item, "name")


def sum_rows(rows: list[TotalRow]) -> TotalRow:
    return TotalRow(None, _("Total"), "", sum((row.lei for row in rows), Decimal(0)),
                    sum((row.pieces for row in rows), Decimal(0)), 0, sum(row.lines for row in rows))


def _append(sheet, values: list) -> None:
    """A row of the workbook where text stays text: a name typed as "=HYPERLINK(...)" or "+1" is shown as it
    was typed, never read by the spreadsheet as a formula (openpyxl takes any text beginning with "=" for one)."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def totals_workbook(db: Session, project: Project, actor: Actor, *, by: str = "kind", first: date | None = None,
                    last: date | None = None, kind_id: int | None = None) -> bytes:
    """The totals as an XLSX workbook, labels in the interface language, amounts as numbers; audited as an export."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    rows = totals(db, project.id, by=by, first=first, last=last, kind_id=kind_id)
    titles = {"person": _("Person"), "activity": _("Activity"), "kind": _("Benefit"), "month": _("Month of payment")}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Benefits")[:31]
    bold = Font(bold=True)
    _append(sheet, [_("Benefits paid or handed over")])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    period = (f"{first.strftime('%d.%m.%Y') if first else '…'} – {last.strftime('%d.%m.%Y') if last else '…'}")
    for label, value in ((_("Project"), f"{project.code} – {project.title}"), (_("Period"), period),
                         (_("Generated"), utcnow().astimezone(clock.TIMEZONE).strftime("%d.%m.%Y %H:%M"))):
        _append(sheet, [label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.append([])
    headers = [titles[by]] + ([_("Code")] if by in ("person", "activity") else []) + [
        _("Lei"), _("Pieces"), _("Persons"), _("Lines")]
    _append(sheet, headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
    for row in rows + [sum_rows(rows)]:
        values = [row.label] + ([row.code] if by in ("person", "activity") else []) + [
            row.lei, row.pieces, row.persons if row.key is not None else None, row.lines]
        _append(sheet, values)
        amount_column = 3 if by in ("person", "activity") else 2
        sheet.cell(row=sheet.max_row, column=amount_column).number_format = "#,##0.00"
        sheet.cell(row=sheet.max_row, column=amount_column + 1).number_format = "#,##0"
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.column_dimensions["A"].width = 40
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    record(db, actor, AuditAction.export, None, f"benefit totals {project.code} by {by}: {len(rows)} rows")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A person's records: merge, erasure, export ------------------------------------------------------

def merge_person(db: Session, keep: Person, absorb: Person) -> None:
    """The lines move to the kept record. Two lines of one kind and period cannot become one (one of
    them may be paid): the merge is refused, naming them, for someone to sort out first."""
    kept = {(line.kind_id, line.period): line for line in db.scalars(
        select(BenefitLine).where(BenefitLine.person_id == keep.id).options(selectinload(BenefitLine.benefit_list)))}
    moving = list(db.scalars(select(BenefitLine).where(BenefitLine.person_id == absorb.id)
                             .options(selectinload(BenefitLine.kind), selectinload(BenefitLine.benefit_list))))
    clashes = [line for line in moving if (line.kind_id, line.period) in kept]
    if clashes:
        line = clashes[0]
        other = kept[(line.kind_id, line.period)]
        names = {"name": keep.full_name, "kind": line.kind.name_ro, "period": line.period,
                 "first": other.list_id, "second": line.list_id}
        drafts = sorted({item.list_id for item in (other, line)
                         if item.benefit_list.status == BenefitListStatus.draft})
        if drafts:
            raise DomainError(_l("%(name)s is on list no. %(first)d and on list no. %(second)d for %(kind)s, period "
                                 "%(period)s, once under each record: merged, they would receive it twice. Take "
                                 "the line off list no. %(draft)d (still a draft) first, then merge.",
                                 draft=drafts[-1], **names), code="merge_benefit_conflict")
        raise DomainError(_l("%(name)s received %(kind)s for the period %(period)s under both records, on list "
                             "no. %(first)d and on list no. %(second)d (both approved): this is a double payment. "
                             "A coordinator has to resolve it with the project's accounts; until then the two "
                             "records cannot be merged.", **names), code="merge_benefit_double_payment")
    for line in moving:
        line.person_id = keep.id


def erase_person(db: Session, person: Person) -> None:
    """The lines stay (they are the project's accounts); only the free-text note goes."""
    db.execute(update(BenefitLine).where(BenefitLine.person_id == person.id).values(note="")
               .execution_options(synchronize_session=False))


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    """A person's benefits for a data export, in the projects the actor works on."""
    return {"benefits": [
        {"project": line.kind.project.code, "benefit": line.kind.name_ro, "unit": line.kind.unit.value,
         "period": line.period, "list": line.list_id, "quantity": str(line.quantity), "sessions": line.sessions,
         "note": line.note, "paid_on": line.paid_on.isoformat() if line.paid_on else None,
         "document_no": line.document_no}
        for line in person_benefits(db, person.id, actor.project_ids)]}
