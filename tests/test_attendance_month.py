"""`attendance_month`, the table the attendance rules read, is kept right by the database triggers.

Whatever happens to marks and sessions — a mark, a change of status, a mark moved to another person
(a merge), a session cancelled and restored, moved to another month or another activity, deleted —
the table holds exactly what recomputing it from the marks gives (`tally.rebuild`).
"""
import random
from datetime import date, time

from sqlalchemy import delete, select, text, update

from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.people.models import Person
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.results import tally
from portal.domain.results.models import AttendanceMonth


def tallied(db) -> dict:
    db.flush()
    return {(row.activity_id, row.person_id, row.month): row.sessions
            for row in db.scalars(select(AttendanceMonth)) if row.sessions}


def recomputed(db) -> dict:
    """What the marks say, counted here in Python."""
    db.flush()
    counts: dict = {}
    for activity_id, person_id, day in db.execute(
            select(ActivitySession.activity_id, Attendance.person_id, ActivitySession.date)
            .join(ActivitySession, ActivitySession.id == Attendance.session_id)
            .where(Attendance.status == AttendanceStatus.present, ActivitySession.is_cancelled.is_(False))):
        key = (activity_id, person_id, day.replace(day=1))
        counts[key] = counts.get(key, 0) + 1
    return counts


def world(db):
    project = Project(code="T-TALLY", title="Proiect", short_name="T", programme="P", beneficiary="B", funder_line="F",
                      town="Botoșani", start_date=date(2025, 1, 1), end_date=date(2027, 1, 1))
    db.add(project)
    db.flush()
    activities = [Activity(project_id=project.id, code=f"A{n}", name_ro=f"Activitatea {n}",
                           kind=ActivityKind.group_sessions) for n in (1, 2)]
    people = [Person(last_name=f"Popescu{n}", first_name="Ion", search_name=f"popescu{n} ion") for n in range(5)]
    db.add_all(activities + people)
    db.flush()
    sessions = [ActivitySession(activity_id=activities[n % 2].id, date=date(2026, 1 + n % 4, 1 + n * 2),
                                start_time=time(10), end_time=time(12)) for n in range(8)]
    db.add_all(sessions)
    db.flush()
    return activities, people, sessions


def test_marks_and_their_changes_are_counted_per_activity_person_and_month(db_session):
    activities, people, sessions = world(db_session)
    db_session.add_all([Attendance(session_id=sessions[0].id, person_id=people[0].id, status=AttendanceStatus.present),
                        Attendance(session_id=sessions[2].id, person_id=people[0].id, status=AttendanceStatus.present),
                        Attendance(session_id=sessions[0].id, person_id=people[1].id, status=AttendanceStatus.absent)])
    # sessions 0 and 2: the same activity, January and March
    assert tallied(db_session) == {(activities[0].id, people[0].id, date(2026, 1, 1)): 1,
                                   (activities[0].id, people[0].id, date(2026, 3, 1)): 1}
    absent = db_session.scalar(select(Attendance).where(Attendance.person_id == people[1].id))
    absent.status = AttendanceStatus.present
    assert tallied(db_session)[(activities[0].id, people[1].id, date(2026, 1, 1))] == 1
    absent.status = AttendanceStatus.excused
    assert (activities[0].id, people[1].id, date(2026, 1, 1)) not in tallied(db_session)
    # Cancelling a session takes its marks out; restoring it puts them back.
    sessions[0].is_cancelled = True
    assert tallied(db_session) == {(activities[0].id, people[0].id, date(2026, 3, 1)): 1}
    sessions[0].is_cancelled = False
    assert tallied(db_session) == recomputed(db_session)
    # Moving a session to another month moves its marks.
    sessions[2].date = date(2026, 5, 20)
    assert tallied(db_session) == {(activities[0].id, people[0].id, date(2026, 1, 1)): 1,
                                   (activities[0].id, people[0].id, date(2026, 5, 1)): 1}
    # A merge moves the marks to the kept person.
    db_session.execute(update(Attendance).where(Attendance.person_id == people[0].id).values(person_id=people[3].id))
    assert tallied(db_session) == {(activities[0].id, people[3].id, date(2026, 1, 1)): 1,
                                   (activities[0].id, people[3].id, date(2026, 5, 1)): 1}
    # Deleting a session (its marks go with it) and deleting a mark.
    db_session.delete(sessions[2])
    assert tallied(db_session) == {(activities[0].id, people[3].id, date(2026, 1, 1)): 1}
    db_session.execute(delete(Attendance).where(Attendance.session_id == sessions[0].id))
    assert tallied(db_session) == {}


def test_any_sequence_of_changes_leaves_what_a_rebuild_gives(db_session):
    activities, people, sessions = world(db_session)
    rng = random.Random(7)
    statuses = list(AttendanceStatus)
    for step in range(300):
        action = rng.random()
        session, person = rng.choice(sessions), rng.choice(people)
        mark = db_session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                          Attendance.person_id == person.id))
        if action < 0.5:
            if mark is None:
                db_session.add(Attendance(session_id=session.id, person_id=person.id, status=rng.choice(statuses)))
            else:
                mark.status = rng.choice(statuses)
        elif action < 0.6 and mark is not None:
            db_session.delete(mark)
        elif action < 0.7:
            session.is_cancelled = not session.is_cancelled
        elif action < 0.8:
            session.date = date(2026, rng.randint(1, 12), rng.randint(1, 28))
        elif action < 0.85:
            session.activity_id = rng.choice(activities).id
        elif action < 0.9 and mark is not None:
            other = rng.choice(people)
            if db_session.scalar(select(Attendance.id).where(Attendance.session_id == session.id,
                                                             Attendance.person_id == other.id)) is None:
                mark.person_id = other.id
        db_session.flush()
        if step % 25 == 0:
            assert tallied(db_session) == recomputed(db_session), step
    assert tallied(db_session) == recomputed(db_session)
    # And the rebuild (after a bulk load that bypassed the triggers) gives the same.
    before = tallied(db_session)
    connection = db_session.connection()
    connection.execute(text("DELETE FROM attendance_month"))
    tally.rebuild(connection)
    db_session.expire_all()
    assert tallied(db_session) == before


def test_the_triggers_are_in_place_at_head(db_session):
    """A later migration that rebuilds `attendance` or `activity_session` (SQLite's batch mode copies
    tables) must install them again: this fails if it does not."""
    connection = db_session.connection()
    if connection.dialect.name == "sqlite":
        names = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        assert names >= {"attendance_month_insert", "attendance_month_delete", "attendance_month_update",
                         "attendance_month_session_update", "attendance_month_session_delete"}
    else:
        names = set(connection.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        assert names >= {"attendance_month_mark", "attendance_month_session_update",
                         "attendance_month_session_delete"}
