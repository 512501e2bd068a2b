"""Sessions, rosters and attendance: the rules staff meet every day.

Attendance is evidence for the funder, so: a mark needs a session that has started and is not
cancelled; a person is marked only if expected (on the roster that day), already marked, or the
activity takes walk-ins; a sheet older than the project's lock (`Project.attendance_lock_days`)
changes only with ATTENDANCE_CORRECT and the change is flagged as late; every mark is kept in
`AttendanceChange`. Like every service here, nothing commits: the request does, once.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.domain import clock
from portal.db import utcnow
from portal.domain.accounts.models import User
from portal.domain.activities.models import (
    ActivitySession, Attendance, AttendanceChange, AttendanceStatus, RosterEntry, SessionSeries, session_facilitator,
)
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE, project_staff, require
from portal.domain.text import normalize_ro

ATTENDANCE_RECORD = "attendance.record"
ATTENDANCE_CORRECT = "attendance.correct"  # change a sheet after the project's lock

MAX_SESSIONS_PER_PLAN = 400  # a school year of weekdays fits; a typo of a decade does not
SESSION_KINDS = (ActivityKind.group_sessions, ActivityKind.public_event, ActivityKind.volunteering)


# Planning sessions -------------------------------------------------------------------------------

@dataclass
class SessionPlan:
    start_time: time
    end_time: time
    place: str = ""
    capacity: int | None = None
    topic: str = ""
    facilitator_ids: list[int] = field(default_factory=list)


@dataclass
class Repeat:
    first_date: date
    last_date: date
    weekdays: set[int]  # ISO: 1 = Monday … 7 = Sunday
    skipped: set[date] = field(default_factory=set)


def repeat_dates(repeat: Repeat) -> list[date]:
    """The days a repeating plan falls on, skipped days left out."""
    if repeat.last_date < repeat.first_date:
        raise DomainError(_l("The last day cannot be before the first day."), code="repeat_order", field="last_date")
    if not repeat.weekdays:
        raise DomainError(_l("Choose at least one day of the week."), code="repeat_weekdays", field="weekdays")
    if (repeat.last_date - repeat.first_date).days > 7 * MAX_SESSIONS_PER_PLAN:
        raise DomainError(_l("Plan at most %(count)d sessions at once.", count=MAX_SESSIONS_PER_PLAN),
                          code="repeat_too_long", field="last_date")
    days, day = [], repeat.first_date
    while day <= repeat.last_date:
        if day.isoweekday() in repeat.weekdays and day not in repeat.skipped:
            days.append(day)
        day += timedelta(days=1)
    if not days:
        raise DomainError(_l("No day is left between these dates."), code="repeat_empty", field="weekdays")
    if len(days) > MAX_SESSIONS_PER_PLAN:
        raise DomainError(_l("Plan at most %(count)d sessions at once.", count=MAX_SESSIONS_PER_PLAN),
                          code="repeat_too_long", field="last_date")
    return days


def parse_dates(text: str) -> tuple[set[date], list[str]]:
    """Days typed as 24.11.2026 or 2026-11-24, separated by commas, spaces or new lines."""
    days, bad = set(), []
    for token in re.split(r"[\s,;]+", text or ""):
        if not token:
            continue
        for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
            try:
                days.add(datetime.strptime(token, fmt).date())
                break
            except ValueError:
                continue
        else:
            bad.append(token)
    return days, bad


def _check_plan(db: Session, activity: Activity, plan: SessionPlan) -> list[User]:
    if plan.end_time <= plan.start_time:
        raise DomainError(_l("The session must end after it starts."), code="session_times", field="end_time")
    if plan.capacity is not None and plan.capacity < 1:
        raise DomainError(_l("The capacity must be at least 1, or left empty."), code="session_capacity",
                          field="capacity")
    allowed = {user.id: user for user in project_staff(db, activity.project_id)}
    unknown = [user_id for user_id in plan.facilitator_ids if user_id not in allowed]
    if unknown:
        raise DomainError(_l("Facilitators must be staff of this project."), code="session_facilitators",
                          field="facilitator_ids")
    return [allowed[user_id] for user_id in dict.fromkeys(plan.facilitator_ids)]


def _check_activity_takes_sessions(activity: Activity) -> None:
    if activity.kind not in SESSION_KINDS:
        raise DomainError(_l("This activity records individual services or benefits, not sessions."),
                          code="activity_without_sessions")
    if not activity.is_active:
        raise DomainError(_l("This activity is closed: open it again to plan sessions."), code="activity_closed")


def create_sessions(db: Session, activity: Activity, plan: SessionPlan, actor: Actor, *,
                    on: date | None = None, repeat: Repeat | None = None) -> list[ActivitySession]:
    """One session on a day, or one per day of a repeating plan (kept as a SessionSeries)."""
    require(actor, activity.project_id, ACTIVITIES_MANAGE)
    _check_activity_takes_sessions(activity)
    facilitators = _check_plan(db, activity, plan)
    series = None
    project = activity.project
    first, last = (repeat.first_date, repeat.last_date) if repeat is not None else (on, on)
    if first is not None and (first < project.start_date or last > project.end_date):
        raise DomainError(_l("Sessions must fall within the project's dates (%(start)s – %(end)s).",
                             start=project.start_date.strftime("%d.%m.%Y"), end=project.end_date.strftime("%d.%m.%Y")),
                          code="session_outside_project", field="date" if repeat is None else "first_date")
    if repeat is not None:
        days = repeat_dates(repeat)
        series = SessionSeries(activity_id=activity.id, first_date=repeat.first_date, last_date=repeat.last_date,
                               weekdays=",".join(str(day) for day in sorted(repeat.weekdays)),
                               skipped_dates=",".join(day.isoformat() for day in sorted(repeat.skipped)),
                               created_by_id=actor.user_id)
        db.add(series)
    elif on is not None:
        days = [on]
    else:
        raise DomainError(_l("Choose the day of the session."), code="session_date", field="date")
    # A form sent twice (a slow school computer, a second click) must not plan every day twice.
    planned = set(db.scalars(select(ActivitySession.date).where(
        ActivitySession.activity_id == activity.id, ActivitySession.date.between(days[0], days[-1]),
        ActivitySession.start_time == plan.start_time, ActivitySession.is_cancelled.is_(False))))
    days = [day for day in days if day not in planned]
    if not days:
        raise DomainError(_l("These sessions are already planned."), code="sessions_already_planned",
                          field="date" if repeat is None else "first_date")
    sessions = []
    for day in days:
        session = ActivitySession(activity=activity, series=series, date=day, start_time=plan.start_time,
                                  end_time=plan.end_time, place=normalize_ro(plan.place.strip()),
                                  capacity=plan.capacity, topic=normalize_ro(plan.topic.strip()),
                                  created_by_id=actor.user_id)
        session.facilitators = list(facilitators)
        sessions.append(session)
    db.add_all(sessions)
    db.flush()
    return sessions


def update_session(db: Session, session: ActivitySession, plan: SessionPlan, day: date, actor: Actor) -> None:
    require(actor, session.activity.project_id, ACTIVITIES_MANAGE)
    facilitators = _check_plan(db, session.activity, plan)
    project = session.activity.project
    if not project.start_date <= day <= project.end_date:
        raise DomainError(_l("Sessions must fall within the project's dates (%(start)s – %(end)s).",
                             start=project.start_date.strftime("%d.%m.%Y"), end=project.end_date.strftime("%d.%m.%Y")),
                          code="session_outside_project", field="date")
    if day != session.date and _marked_count(db, session):
        raise DomainError(_l("Attendance is recorded for this session: it cannot move to another day."),
                          code="session_has_attendance", field="date")
    session.date = day
    session.start_time, session.end_time = plan.start_time, plan.end_time
    session.place = normalize_ro(plan.place.strip())
    session.capacity = plan.capacity
    session.topic = normalize_ro(plan.topic.strip())
    session.facilitators = facilitators


def _marked_count(db: Session, session: ActivitySession) -> int:
    return db.scalar(select(func.count()).select_from(Attendance).where(Attendance.session_id == session.id)) or 0


def cancel_session(db: Session, session: ActivitySession, actor: Actor, *, cancelled: bool = True) -> None:
    """A cancelled session stays listed (the plan is evidence too) but takes no attendance."""
    require(actor, session.activity.project_id, ACTIVITIES_MANAGE)
    if cancelled and db.scalar(select(func.count()).select_from(Attendance).where(
            Attendance.session_id == session.id, Attendance.status == AttendanceStatus.present)):
        raise DomainError(_l("People are marked present at this session: it cannot be cancelled."),
                          code="session_has_attendance")
    session.is_cancelled = cancelled


# Rosters -----------------------------------------------------------------------------------------

def _require_person(person: Person) -> None:
    if person.merged_into_id or person.erased_at:
        raise DomainError(_l("This record is no longer active."), code="person_inactive")


def add_to_roster(db: Session, activity: Activity, person: Person, joined_on: date, actor: Actor) -> RosterEntry:
    """Put a person of the project's target group on an activity's list."""
    require(actor, activity.project_id, ACTIVITIES_MANAGE)
    _require_person(person)
    enrolled = db.scalar(select(Enrollment.id).where(Enrollment.person_id == person.id,
                                                     Enrollment.project_id == activity.project_id))
    if not enrolled:
        raise DomainError(_l("%(name)s is not in this project's target group: enrol them first.",
                             name=person.full_name), code="roster_not_enrolled")
    entry = db.scalar(select(RosterEntry).where(RosterEntry.activity_id == activity.id,
                                                RosterEntry.person_id == person.id))
    if entry is not None and entry.left_on is None:
        raise DomainError(_l("%(name)s is already on the list.", name=person.full_name), code="roster_duplicate")
    if entry is None:
        entry = RosterEntry(activity_id=activity.id, person_id=person.id, joined_on=joined_on,
                            added_by_id=actor.user_id)
        db.add(entry)
    else:  # back after leaving: the original first day stays, so past sheets keep their rows
        entry.left_on = None
    record(db, actor, AuditAction.update, person.id, f"roster {activity.code} joined")
    db.flush()
    return entry


def remove_from_roster(db: Session, entry: RosterEntry, left_on: date, actor: Actor, activity: Activity) -> None:
    """The person stops being expected from `left_on`; earlier sheets keep them."""
    require(actor, activity.project_id, ACTIVITIES_MANAGE)
    entry.left_on = max(left_on, entry.joined_on)
    record(db, actor, AuditAction.update, entry.person_id, f"roster {activity.code} left")


def roster(db: Session, activity: Activity, *, include_left: bool = False) -> list[RosterEntry]:
    query = (select(RosterEntry).join(Person).where(RosterEntry.activity_id == activity.id)
             .options(selectinload(RosterEntry.person)).order_by(Person.search_name, Person.id))
    if not include_left:
        query = query.where(RosterEntry.left_on.is_(None))
    return list(db.scalars(query))


# The attendance sheet ----------------------------------------------------------------------------

@dataclass
class SheetRow:
    number: int
    person: Person
    status: AttendanceStatus | None
    walk_in: bool
    recorded_by: str
    recorded_at: datetime | None


def _on_sheet(session: ActivitySession):
    """The ids of everyone on the session's sheet: those expected that day and anyone marked."""
    expected = (select(RosterEntry.person_id).where(
        RosterEntry.activity_id == session.activity_id, RosterEntry.joined_on <= session.date,
        or_(RosterEntry.left_on.is_(None), RosterEntry.left_on > session.date)))
    marked = select(Attendance.person_id).where(Attendance.session_id == session.id)
    # A union of ids, joined to person: the index finds each person (an OR of two IN lists scans the table).
    return union(expected, marked).subquery()


def _sheet_select(session: ActivitySession, *columns):
    on_sheet = _on_sheet(session)
    return (select(*columns).join(on_sheet, on_sheet.c.person_id == Person.id)
            .outerjoin(Attendance, and_(Attendance.person_id == Person.id, Attendance.session_id == session.id))
            .order_by(func.coalesce(Attendance.walk_in, False), Person.search_name, Person.id))


def sheet_rows(db: Session, session: ActivitySession) -> list[SheetRow]:
    """Who belongs on the session's sheet, numbered as on paper: those expected that day (by name),
    then walk-ins. One query whatever the size of the group."""
    rows = db.execute(
        _sheet_select(session, Person, Attendance.status, Attendance.walk_in, Attendance.recorded_at, User.full_name)
        .outerjoin(User, User.id == Attendance.recorded_by_id)).all()
    return [SheetRow(number=index, person=person, status=status, walk_in=bool(walk_in), recorded_by=by or "",
                     recorded_at=at)
            for index, (person, status, walk_in, at, by) in enumerate(rows, start=1)]


def sheet_code(rows: list[SheetRow]) -> str:
    """A short fingerprint of the sheet's numbering, printed on paper and shown when the sheet is
    typed back: if someone joined or left the list in between, the codes differ and staff check."""
    return hashlib.sha1(",".join(str(row.person.id) for row in rows).encode()).hexdigest()[:6].upper()


@dataclass
class SheetTotals:
    counts: dict[AttendanceStatus | None, int]  # None: not marked yet
    total: int


def sheet_row(db: Session, session: ActivitySession, person_id: int) -> tuple[SheetRow, SheetTotals]:
    """One row as the page shows it after a mark, with the sheet's counts: what a toggle sends back.
    Only ids and a count per status are read, so a toggle costs the same on a sheet of 10 or 200."""
    order = list(db.scalars(_sheet_select(session, Person.id)))
    person, status, walk_in, at, by = db.execute(
        select(Person, Attendance.status, Attendance.walk_in, Attendance.recorded_at, User.full_name)
        .outerjoin(Attendance, and_(Attendance.person_id == Person.id, Attendance.session_id == session.id))
        .outerjoin(User, User.id == Attendance.recorded_by_id).where(Person.id == person_id)).one()
    counts = dict(db.execute(select(Attendance.status, func.count()).where(Attendance.session_id == session.id)
                             .group_by(Attendance.status)).all())
    counts[None] = len(order) - sum(counts.values())
    row = SheetRow(number=order.index(person_id) + 1, person=person, status=status, walk_in=bool(walk_in),
                   recorded_by=by or "", recorded_at=at)
    return row, SheetTotals(counts=counts, total=len(order))


def sheet_totals(rows: list[SheetRow]) -> SheetTotals:
    counts: dict[AttendanceStatus | None, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return SheetTotals(counts=counts, total=len(rows))


def locked_since(session: ActivitySession) -> date:
    """The first day the sheet is closed: with a lock of 7 days, a Monday's sheet changes freely
    until the next Monday included."""
    return session.date + timedelta(days=session.activity.project.attendance_lock_days + 1)


def is_locked(session: ActivitySession, today: date) -> bool:
    return today >= locked_since(session)


def can_mark(actor: Actor, session: ActivitySession, today: date) -> bool:
    project_id = session.activity.project_id
    if is_locked(session, today):
        return actor.can_in(project_id, ATTENDANCE_CORRECT)
    return actor.can_in(project_id, ATTENDANCE_RECORD)


def _check_can_mark(actor: Actor, session: ActivitySession, today: date) -> bool:
    """Raise when the mark is not allowed; return whether it is a late correction."""
    require(actor, session.activity.project_id, ATTENDANCE_RECORD)
    if session.is_cancelled:
        raise DomainError(_l("This session was cancelled: it takes no attendance."), code="session_cancelled")
    if session.date > today:
        raise DomainError(_l("Attendance can be recorded from the day of the session."), code="session_in_future")
    late = is_locked(session, today)
    if late and not actor.can_in(session.activity.project_id, ATTENDANCE_CORRECT):
        raise DomainError(_l("This sheet closed on %(day)s: ask a coordinator to correct it.",
                             day=locked_since(session).strftime("%d.%m.%Y")), code="attendance_locked")
    return late


def _expected_ids(db: Session, session: ActivitySession, person_ids: list[int]) -> set[int]:
    return set(db.scalars(select(RosterEntry.person_id).where(
        RosterEntry.activity_id == session.activity_id, RosterEntry.person_id.in_(person_ids),
        RosterEntry.joined_on <= session.date,
        or_(RosterEntry.left_on.is_(None), RosterEntry.left_on > session.date))))


def _write(db: Session, session: ActivitySession, person_id: int, status: AttendanceStatus, actor: Actor, *,
           existing: Attendance | None, walk_in: bool, late: bool, source: str) -> bool:
    """Insert or change one mark and log it; False when it was already so."""
    if existing is not None and existing.status == status:
        return False
    now = utcnow()
    if existing is None:
        try:
            with db.begin_nested():
                db.add(Attendance(session_id=session.id, person_id=person_id, status=status, walk_in=walk_in,
                                  recorded_by_id=actor.user_id, recorded_at=now))
        except IntegrityError:  # a colleague marked the same row a moment ago: the last click wins
            existing = db.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                          Attendance.person_id == person_id))
            return _write(db, session, person_id, status, actor, existing=existing, walk_in=walk_in, late=late,
                          source=source)
        old = None
    else:
        old = existing.status
        existing.status, existing.recorded_by_id, existing.recorded_at = status, actor.user_id, now
    _log(db, session, person_id, old, status, actor, late=late, source=source, at=now)
    return True


def _write_sheet(db: Session, session: ActivitySession, marks: list[tuple[int, AttendanceStatus, bool]], actor: Actor,
                 *, late: bool, source: str) -> int:
    """Many marks of one session at once (everyone present, a typed-back sheet): the new rows go in
    with one flush; if a colleague marked one of them meanwhile, row by row instead."""
    existing = {item.person_id: item for item in db.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    fresh = [(person_id, status, walk_in) for person_id, status, walk_in in marks if person_id not in existing]
    now = utcnow()
    try:
        with db.begin_nested():
            db.add_all(Attendance(session_id=session.id, person_id=person_id, status=status, walk_in=walk_in,
                                  recorded_by_id=actor.user_id, recorded_at=now) for person_id, status, walk_in in fresh)
    except IntegrityError:
        return sum(_write(db, session, person_id, status, actor, walk_in=walk_in, late=late, source=source,
                          existing=db.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                                      Attendance.person_id == person_id)))
                   for person_id, status, walk_in in marks)
    changed = len(fresh)
    for person_id, status, _walk_in in fresh:
        _log(db, session, person_id, None, status, actor, late=late, source=source, at=now)
    for person_id, status, walk_in in marks:
        if person_id in existing:
            changed += _write(db, session, person_id, status, actor, existing=existing[person_id], walk_in=walk_in,
                              late=late, source=source)
    return changed


def _log(db: Session, session: ActivitySession, person_id: int, old: AttendanceStatus | None,
         new: AttendanceStatus, actor: Actor, *, late: bool, source: str, at) -> None:
    db.add(AttendanceChange(session_id=session.id, person_id=person_id, old_status=old, new_status=new,
                            late=late, source=source, changed_by_id=actor.user_id, changed_at=at))
    if late:
        record(db, actor, AuditAction.update, person_id,
               f"late attendance correction: session {session.id} {old.value if old else '-'} -> {new.value}")


def mark(db: Session, session: ActivitySession, person: Person, status: AttendanceStatus, actor: Actor, *,
         today: date | None = None, walk_in: bool = False, signed_up: bool = False) -> bool:
    """Set one person's mark at a session. Returns whether anything changed.

    `signed_up`: the person holds a confirmed public sign-up for this session, which puts them on its
    sheet even when the activity otherwise takes only its list (a workshop, a summer school)."""
    today = today or clock.today()
    late = _check_can_mark(actor, session, today)
    _require_person(person)
    existing = db.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                  Attendance.person_id == person.id))
    if existing is None:
        expected = person.id in _expected_ids(db, session, [person.id])
        if not expected:
            if not walk_in:
                raise DomainError(_l("%(name)s is not on this session's list.", name=person.full_name),
                                  code="attendance_not_expected")
            if not session.activity.allows_walk_ins and not signed_up:
                raise DomainError(_l("Only open events take walk-ins; add the person to the activity's list."),
                                  code="attendance_no_walk_ins")
            _require_person(person)
        walk_in = not expected
    return _write(db, session, person.id, status, actor, existing=existing, walk_in=walk_in, late=late,
                  source="walk_in" if walk_in and existing is None else "click")


def mark_all_present(db: Session, session: ActivitySession, actor: Actor, *, today: date | None = None) -> int:
    """Everyone not yet marked becomes present; marks already made stay as they are."""
    today = today or clock.today()
    late = _check_can_mark(actor, session, today)
    unmarked = [(row.person.id, AttendanceStatus.present, False) for row in sheet_rows(db, session)
                if row.status is None and row.person.is_active_record]
    return _write_sheet(db, session, unmarked, actor, late=late, source="all_present")


def parse_row_numbers(text: str, last: int) -> set[int]:
    """"1, 3-5 8" → {1, 3, 4, 5, 8}; anything else is named back to the user."""
    numbers, bad = set(), []
    for token in re.split(r"[\s,;]+", (text or "").strip()):
        if not token:
            continue
        match = re.fullmatch(r"(\d{1,4})(?:-(\d{1,4}))?", token)
        if not match:
            bad.append(token)
            continue
        first, second = int(match.group(1)), int(match.group(2) or match.group(1))
        if first > second or first < 1 or second > last:
            bad.append(token)
            continue
        numbers.update(range(first, second + 1))
    if bad:
        raise DomainError(_l("Not row numbers of this sheet (1 to %(last)d): %(bad)s", last=last, bad=", ".join(bad)),
                          code="sheet_numbers", field="numbers")
    return numbers


@dataclass
class PaperResult:
    present: list[SheetRow]
    absent: list[SheetRow]
    changed: int = 0


def record_from_paper(db: Session, session: ActivitySession, numbers_text: str, actor: Actor, *,
                      today: date | None = None, apply: bool = True) -> PaperResult:
    """The signed sheet typed back: the listed rows are present, every other row absent.

    Excused marks already recorded stay for rows that did not sign. With apply=False nothing is
    written: the page shows who would be present and absent before staff confirm."""
    today = today or clock.today()
    late = _check_can_mark(actor, session, today)
    rows = sheet_rows(db, session)
    if not rows:
        raise DomainError(_l("Nobody is on this session's list yet."), code="sheet_empty", field="numbers")
    numbers = parse_row_numbers(numbers_text, len(rows))
    present = [row for row in rows if row.number in numbers]
    absent = [row for row in rows if row.number not in numbers]
    result = PaperResult(present=present, absent=absent)
    if not apply:
        return result
    marks = [(row.person.id, AttendanceStatus.present, row.walk_in) for row in present
             if row.person.is_active_record]
    # Walk-ins came (that is how they got on the sheet) and excused stays excused.
    marks += [(row.person.id, AttendanceStatus.absent, row.walk_in) for row in absent
              if row.status != AttendanceStatus.excused and not row.walk_in and row.person.is_active_record]
    result.changed = _write_sheet(db, session, marks, actor, late=late, source="paper")
    return result


def history(db: Session, session: ActivitySession) -> list[tuple[AttendanceChange, Person]]:
    return list(db.execute(
        select(AttendanceChange, Person).join(Person, Person.id == AttendanceChange.person_id)
        .where(AttendanceChange.session_id == session.id)
        .options(selectinload(AttendanceChange.changed_by))
        .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc()).limit(200)).all())


# Lists -------------------------------------------------------------------------------------------

@dataclass
class SessionLine:
    session: ActivitySession
    expected: int
    marked: int
    present: int


def _counts_query(session_ids_query):
    """Expected, marked and present per session, computed in the database (one query)."""
    expected = (select(func.count()).select_from(RosterEntry).where(
        RosterEntry.activity_id == ActivitySession.activity_id, RosterEntry.joined_on <= ActivitySession.date,
        or_(RosterEntry.left_on.is_(None), RosterEntry.left_on > ActivitySession.date)).scalar_subquery())
    marked = (select(func.count()).select_from(Attendance).where(Attendance.session_id == ActivitySession.id)
              .scalar_subquery())
    present = (select(func.count()).select_from(Attendance).where(
        Attendance.session_id == ActivitySession.id, Attendance.status == AttendanceStatus.present).scalar_subquery())
    return select(ActivitySession, expected, marked, present).where(ActivitySession.id.in_(session_ids_query))


def _lines(db: Session, query) -> list[SessionLine]:
    rows = db.execute(query.options(selectinload(ActivitySession.facilitators),
                                    selectinload(ActivitySession.activity).selectinload(Activity.project))).all()
    return [SessionLine(session, expected, marked, present) for session, expected, marked, present in rows]


def my_sessions(db: Session, user_id: int, first: date, last: date,
                project_ids: set[int] | None = None) -> list[SessionLine]:
    """The sessions a staff member facilitates between two days, with how far each sheet is filled;
    only in the projects they still work on (`project_ids`, None for all)."""
    ids = (select(session_facilitator.c.session_id)
           .join(ActivitySession, ActivitySession.id == session_facilitator.c.session_id)
           .where(session_facilitator.c.user_id == user_id, ActivitySession.date.between(first, last)))
    if project_ids is not None:
        ids = ids.join(Activity, Activity.id == ActivitySession.activity_id).where(
            Activity.project_id.in_(project_ids or {-1}))
    return _lines(db, _counts_query(ids).order_by(ActivitySession.date, ActivitySession.start_time,
                                                  ActivitySession.id))


PAGE_SIZE = 50


def activity_sessions(db: Session, activity: Activity, *, upcoming: bool, today: date,
                      page: int = 1) -> tuple[list[SessionLine], bool]:
    """One page of an activity's sessions: upcoming ones soonest first, past ones latest first."""
    ids = select(ActivitySession.id).where(ActivitySession.activity_id == activity.id,
                                           ActivitySession.date >= today if upcoming else ActivitySession.date < today)
    order = ((ActivitySession.date, ActivitySession.start_time) if upcoming
             else (ActivitySession.date.desc(), ActivitySession.start_time.desc()))
    lines = _lines(db, _counts_query(ids).order_by(*order, ActivitySession.id)
                   .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
    return lines[:PAGE_SIZE], len(lines) > PAGE_SIZE


def load_session(db: Session, session_id: int, *, facilitators: bool = True) -> ActivitySession | None:
    """The session with its activity and project in one query (and its facilitators in a second)."""
    options = [joinedload(ActivitySession.activity).joinedload(Activity.project)]
    if facilitators:
        options.append(selectinload(ActivitySession.facilitators))
    return db.scalar(select(ActivitySession).where(ActivitySession.id == session_id).options(*options))


# What the person page, a merge, an erasure and a data export need -------------------------------

@dataclass
class AttendanceSummary:
    month: date
    activity: Activity
    present: int
    absent: int
    excused: int


def person_attendance_by_month(db: Session, person_id: int) -> list[AttendanceSummary]:
    """A person's attendance per activity and month: the timeline stays short for a child who
    comes every weekday for a year."""
    rows = db.execute(
        select(ActivitySession.activity_id, ActivitySession.date, Attendance.status)
        .join(Attendance, Attendance.session_id == ActivitySession.id)
        .where(Attendance.person_id == person_id)).all()
    buckets: dict[tuple[date, int], dict[AttendanceStatus, int]] = {}
    for activity_id, day, status in rows:
        counts = buckets.setdefault((day.replace(day=1), activity_id), {})
        counts[status] = counts.get(status, 0) + 1
    if not buckets:
        return []
    activities = {activity.id: activity for activity in db.scalars(
        select(Activity).where(Activity.id.in_({key[1] for key in buckets})))}
    return [AttendanceSummary(month=month, activity=activities[activity_id],
                              present=counts.get(AttendanceStatus.present, 0),
                              absent=counts.get(AttendanceStatus.absent, 0),
                              excused=counts.get(AttendanceStatus.excused, 0))
            for (month, activity_id), counts in sorted(buckets.items(), key=lambda item: item[0][0], reverse=True)]


_STATUS_RANK = {AttendanceStatus.present: 3, AttendanceStatus.excused: 2, AttendanceStatus.absent: 1}


def merge_person(db: Session, keep: Person, absorb: Person) -> None:
    """Two records of one person: rosters and marks move over; where both were marked at one
    session, the stronger mark (present, then excused) stays."""
    kept_rosters = {entry.activity_id: entry for entry in db.scalars(
        select(RosterEntry).where(RosterEntry.person_id == keep.id))}
    for entry in db.scalars(select(RosterEntry).where(RosterEntry.person_id == absorb.id)).all():
        kept = kept_rosters.get(entry.activity_id)
        if kept is None:
            entry.person_id = keep.id
            continue
        kept.joined_on = min(kept.joined_on, entry.joined_on)
        kept.left_on = None if entry.left_on is None or kept.left_on is None else max(kept.left_on, entry.left_on)
        db.delete(entry)
    kept_marks = {item.session_id: item for item in db.scalars(select(Attendance).where(Attendance.person_id == keep.id))}
    for item in db.scalars(select(Attendance).where(Attendance.person_id == absorb.id)).all():
        kept = kept_marks.get(item.session_id)
        if kept is None:
            item.person_id = keep.id
            continue
        if _STATUS_RANK[item.status] > _STATUS_RANK[kept.status]:
            db.add(AttendanceChange(session_id=kept.session_id, person_id=keep.id, old_status=kept.status,
                                    new_status=item.status, source="merge", changed_at=utcnow()))
            kept.status = item.status
        db.delete(item)
    db.flush()
    db.execute(update(AttendanceChange).where(AttendanceChange.person_id == absorb.id).values(person_id=keep.id))


def erase_person(db: Session, person: Person, on: date) -> None:
    """An erased person leaves every list from that day: later sheets no longer print the row."""
    for entry in db.scalars(select(RosterEntry).where(RosterEntry.person_id == person.id,
                                                      RosterEntry.left_on.is_(None))).all():
        entry.left_on = max(on, entry.joined_on)


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    """Lists and attendance for a data export, in the projects the actor works on."""
    rosters = (select(Activity.code, Project.code, RosterEntry.joined_on, RosterEntry.left_on)
               .join(Activity, Activity.id == RosterEntry.activity_id).join(Project)
               .where(RosterEntry.person_id == person.id))
    marks = (select(Activity.code, ActivitySession.date, Attendance.status)
             .join(ActivitySession, ActivitySession.id == Attendance.session_id)
             .join(Activity, Activity.id == ActivitySession.activity_id)
             .where(Attendance.person_id == person.id).order_by(ActivitySession.date))
    if actor.project_ids is not None:
        rosters = rosters.where(Activity.project_id.in_(actor.project_ids or {-1}))
        marks = marks.where(Activity.project_id.in_(actor.project_ids or {-1}))
    rosters, marks = db.execute(rosters).all(), db.execute(marks).all()
    return {
        "activity_lists": [{"project": project, "activity": code, "joined_on": joined.isoformat(),
                            "left_on": left.isoformat() if left else None}
                           for code, project, joined, left in rosters],
        "attendance": [{"activity": code, "date": day.isoformat(), "status": status.value}
                       for code, day, status in marks],
    }

