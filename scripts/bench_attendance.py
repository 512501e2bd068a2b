"""Attendance at scale: the session page, one mark, the roster and "my sessions" with 1,000,000 marks.

    make bench                                   # SQLite, then PostgreSQL (a throwaway cluster)
    BENCH_ONLY=sqlite BENCH_ROUNDS=50 .venv/bin/python scripts/bench_attendance.py
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/empty_db .venv/bin/python scripts/bench_attendance.py

Each database is migrated and gets the demo users and projects, then BENCH_PERSONS synthetic persons
(default 100,000; the generator of scripts/bench_register.py), then:
- rosters for the demo projects' group-session activities, of persons enrolled in the project: one
  small group (SMALL_ROSTER = 10 persons, "Poliția Seniorilor") and larger ones (LARGE_ROSTERS, up to
  200 current members), each with some members who left or joined along the way;
- sessions on every weekday from two years ago to two weeks ahead: one a day for the small group,
  SLOTS a day (four groups) for the others, about 11,000 in all, each with one facilitator: the demo
  staff user (personal@comunitar.demo) leads 12 sessions a week, the admin 2, the coordinator the rest;
- BENCH_ATTENDANCE marks (default 1,000,000) spread at random over the (session, expected person)
  pairs of the sessions up to today: 80% present, 15% absent, 5% excused (attendance_change, the
  history, is not filled: no page measured here reads it).
The rows go in chunks through SQLAlchemy's own bind processors, then the driver: executemany on
SQLite, COPY on PostgreSQL, where a superuser's loading sessions also skip the foreign-key triggers
(the generated references are valid). ANALYZE runs after loading (VACUUM ANALYZE on PostgreSQL, so
that autovacuum does not start on the fresh million rows in the middle of the measurements).

Then, in-process through the WSGI app (as scripts/bench_pages.py and bench_register.py do), as the
demo admin and as the demo staff user (a project member, not an administrator):
- the attendance page of today's session (GET portal.session_detail),
- one mark sent as htmx (POST portal.attendance_mark, `mark=<person>:<status>`, HX-Request): the
  status alternates present/absent so every request writes (the row and its history line),
- the roster page (GET portal.roster),
- "my sessions" for this week (GET portal.my_sessions?perioada=saptamana),
the first three on the small and on the large group: the query count must be the same for both.
Goal: p95 under 50 ms for the mark and under 100 ms for the pages.

BENCH_ROUNDS, BENCH_PAGE_SECONDS, BENCH_EXPLAIN, BENCH_ONLY and BENCH_DATABASE_URL work as in
scripts/bench_register.py: a request over budget names its slowest SELECT (with its plan with
BENCH_EXPLAIN=1). Most of a large sheet's time is Python (ORM and templates), not SQL: with
BENCH_PROFILE=1 a request over budget is also profiled and the application's own functions and
templates that take the most time are listed.
"""
from __future__ import annotations

import cProfile
import os
import pstats
import random
import sys
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_register import (  # noqa: E402
    PAGE_SECONDS, PERSONS, ROUNDS, WARMUP, EXPLAIN, Filler, QueryLog, demo_projects, explain, sign_in, slowest_select,
    on_each_database, timed,
)
from portal import create_app  # noqa: E402
from portal.db import make_engine  # noqa: E402
from portal.domain.results import tally  # noqa: E402
from portal.domain.results.services import app_cache, compute_project  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.domain.accounts.models import User  # noqa: E402
from portal.domain.activities.models import (  # noqa: E402
    ActivitySession, Attendance, AttendanceChange, AttendanceStatus, RosterEntry, session_facilitator,
)
from portal.domain.people.models import Enrollment, Person  # noqa: E402
from portal.domain.projects.models import Activity, ActivityKind, Indicator, Project, ProjectMember  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.migrations import upgrade  # noqa: E402

ATTENDANCE = int(os.environ.get("BENCH_ATTENDANCE", "1000000"))
PAGE_BUDGET_MS = 100.0
MARK_BUDGET_MS = 50.0
RESULTS_BUDGET_MS = 200.0
CHUNK = 20000
PROFILE = os.environ.get("BENCH_PROFILE", "").strip().lower() in {"1", "true", "yes"}
DAYS_BACK, DAYS_AHEAD = 730, 14
SMALL = ("155550", "A3.2")  # Poliția Seniorilor: ten pensioners, as the project's indicator I6
SMALL_ROSTER = 10
LARGE = ("155550", "A2.1")  # Școală după școală: the group measured as "large"
LARGE_ROSTERS = {("155550", "A2.1"): 200, ("155550", "A2.3"): 120, ("155550", "A3.6"): 100,
                 ("BC-SDL-2022", "A1.1"): 150, ("BC-SDL-2022", "A4.4"): 80}
SLOTS = [(clock(8), clock(10)), (clock(10), clock(12)), (clock(14), clock(16)), (clock(16), clock(18))]
STATUSES = [AttendanceStatus.present] * 16 + [AttendanceStatus.absent] * 3 + [AttendanceStatus.excused]


def bulk_insert(connection, table, rows: list[dict]) -> None:
    """What a Core insert of these rows does, several times faster: SQLAlchemy's own bind processors
    (enum values, UTC datetimes, SQLite's date strings) applied once per distinct value, then the
    driver's executemany on SQLite and COPY on PostgreSQL. The rows are dicts with the same keys;
    columns they leave out get their Python-side default, as with Core."""
    if not rows:
        return
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {column.name: column.default.arg(None) if column.default.is_callable else column.default.arg
                for column in table.columns if column.name not in rows[0] and column.default is not None}
    names = [*given, *defaults]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    extra = [process(value) if process else value for process, value in zip(processors[len(given):], defaults.values())]
    convert = [(index, process, {}) for index, process in enumerate(processors[:len(given)]) if process]

    def values(row: dict) -> list:
        out = [row[name] for name in given]
        for index, process, memo in convert:
            value = out[index]
            if value not in memo:
                memo[value] = process(value)
            out[index] = memo[value]
        return out + extra if extra else out

    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.driver_connection.cursor()
    if dialect.name == "postgresql":
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(values(row))
    else:
        cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})',
                           [values(row) for row in rows])
    cursor.close()


def loading_engine(engine, url: str):
    """The engine the bulk rows go through. On PostgreSQL, when the user may, its sessions skip the
    foreign-key triggers (session_replication_role = replica): checking 3 million references one
    row at a time took most of the server's time, and the generated references are valid."""
    if engine.dialect.name != "postgresql":
        return engine
    with engine.connect() as connection:
        superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    if not superuser:
        return engine
    return create_engine(url, connect_args={"prepare_threshold": None,
                                            "options": "-c session_replication_role=replica"})


class CopyFiller(Filler):
    """bench_register's persons, written with COPY on PostgreSQL."""

    insert = staticmethod(bulk_insert)


def facilitator_of(key: tuple[str, str], slot: int, day: date, users: dict[str, int]) -> int:
    """12 sessions a week for the staff user, 2 for the admin, the rest for the coordinator."""
    weekday = day.isoweekday()
    if key == SMALL or (key == LARGE and slot == 3) or (key == ("BC-SDL-2022", "A1.1") and slot == 0
                                                       and weekday in (2, 4)):
        return users["staff"]
    if (key == ("155550", "A2.3") and slot == 0 and weekday == 1) or (
            key == ("BC-SDL-2022", "A4.4") and slot == 0 and weekday == 5):
        return users["admin"]
    return users["coordinator"]


class ActivityFiller:
    """Rosters, sessions with their facilitator, and attendance marks, inserted in bulk."""

    def __init__(self, engine, users: dict[str, int], activities: dict[tuple[str, str], dict], today: date,
                 seed: int = 2026):
        self.engine = engine
        self.users = users
        self.activities = activities
        self.today = today
        self.rng = random.Random(seed)
        self.counts = {"roster_entry": 0, "activity_session": 0, "session_facilitator": 0, "attendance": 0,
                       "pairs": 0}
        self.rosters: dict[tuple[str, str], list[tuple[int, date, date | None]]] = {}
        self.sessions: list[dict] = []

    def fill(self) -> None:
        first_day = self.today - timedelta(days=DAYS_BACK)
        last_day = self.today + timedelta(days=DAYS_AHEAD)
        days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
        days = [day for day in days if day.isoweekday() <= 5]
        now = datetime.now(timezone.utc)
        with self.engine.begin() as connection:
            if self.engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            self._rosters(connection, days, now)
            self._sessions(connection, days, now)
            self._attendance(connection, now)
            if self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT setval(pg_get_serial_sequence('activity_session', 'id'), "
                                        "(SELECT max(id) FROM activity_session))"))

    def _rosters(self, connection, days: list[date], now: datetime) -> None:
        """Current members (most from the first day, some joined later) and former members."""
        rng = self.rng
        enrolled: dict[int, list[int]] = {}
        rows = []
        past = [day for day in days[1:] if day < self.today]
        for key, activity in sorted(self.activities.items()):
            project_id = activity["project_id"]
            if project_id not in enrolled:
                enrolled[project_id] = list(connection.scalars(
                    select(Enrollment.person_id).where(Enrollment.project_id == project_id).order_by(Enrollment.person_id)))
            current = activity["roster"]
            former = current // 5
            chosen = rng.sample(enrolled[project_id], current + former)
            members = []
            for index, person_id in enumerate(chosen):
                joined = days[0] if rng.random() < 0.7 else days[rng.randrange(len(days) - 40)]
                left = None
                if index >= current:  # a former member: left on a day before today
                    left = rng.choice(past)
                    joined = min(joined, left - timedelta(days=1))
                members.append((person_id, joined, left))
                rows.append({"activity_id": activity["id"], "person_id": person_id, "joined_on": joined,
                             "left_on": left, "added_by_id": self.users["coordinator"], "added_at": now})
            self.rosters[key] = members
        bulk_insert(connection, RosterEntry.__table__, rows)
        self.counts["roster_entry"] = len(rows)

    def _sessions(self, connection, days: list[date], now: datetime) -> None:
        session_id = connection.scalar(select(func.coalesce(func.max(ActivitySession.id), 0)))
        sessions, facilitators = [], []
        for key, activity in sorted(self.activities.items()):
            slots = SLOTS[2:3] if key == SMALL else SLOTS
            for day in days:
                for slot, (start, end) in enumerate(slots):
                    session_id += 1
                    sessions.append({
                        "id": session_id, "activity_id": activity["id"], "series_id": None, "date": day,
                        "start_time": start, "end_time": end, "place": "Centrul comunitar, sala " + str(slot + 1),
                        "capacity": None, "topic": "", "is_cancelled": False, "created_at": now,
                        "created_by_id": self.users["coordinator"],
                    })
                    user = facilitator_of(key, 3 if key == SMALL else slot, day, self.users)
                    facilitators.append({"session_id": session_id, "user_id": user})
                    self.sessions.append({"id": session_id, "key": key, "date": day, "slot": slot, "by": user})
        for start in range(0, len(sessions), CHUNK):
            bulk_insert(connection, ActivitySession.__table__, sessions[start:start + CHUNK])
            bulk_insert(connection, session_facilitator, facilitators[start:start + CHUNK])
        self.counts["activity_session"] = len(sessions)
        self.counts["session_facilitator"] = len(facilitators)

    def expected(self, key: tuple[str, str], day: date) -> list[int]:
        return [person_id for person_id, joined, left in self.rosters[key]
                if joined <= day and (left is None or day < left)]

    def _attendance(self, connection, now: datetime) -> None:
        """Exactly ATTENDANCE marks (or every pair, if fewer) chosen uniformly among the expected
        (session, person) pairs up to today: selection sampling, one pass."""
        held = [item for item in self.sessions if item["date"] <= self.today]
        cache: dict[tuple, list[int]] = {}
        for item in held:
            slot_key = (item["key"], item["date"])
            if slot_key not in cache:
                cache[slot_key] = self.expected(*slot_key)
        pairs = sum(len(cache[(item["key"], item["date"])]) for item in held)
        self.counts["pairs"] = pairs
        wanted = min(ATTENDANCE, pairs)
        rng, rows, seen = self.rng, [], 0
        for item in held:
            recorded_at = datetime.combine(item["date"], clock(17), tzinfo=timezone.utc)
            for person_id in cache[(item["key"], item["date"])]:
                if rng.random() * (pairs - seen) < wanted - self.counts["attendance"] - len(rows):
                    rows.append({"session_id": item["id"], "person_id": person_id, "status": rng.choice(STATUSES),
                                 "walk_in": False, "recorded_by_id": item["by"], "recorded_at": recorded_at})
                    if len(rows) >= CHUNK:
                        self._insert_marks(connection, rows)
                        rows = []
                seen += 1
        if rows:
            self._insert_marks(connection, rows)

    def _insert_marks(self, connection, rows: list[dict]) -> None:
        bulk_insert(connection, Attendance.__table__, rows)
        self.counts["attendance"] += len(rows)


def analyze(engine) -> float:
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return time.perf_counter() - start


def run(label: str, url: str, folder: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    # The mark is a POST: the bench sends no CSRF token (the token check is not what is measured).
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Person)):
            print(f"\n== {label}: skipped, the database already holds persons (give an empty one)")
            engine.dispose()
            return
        load_demo(db.session)
        db.session.commit()
        accounts = {name: db.session.scalar(select(User).where(User.email == email)) for name, email in (
            ("admin", "admin@comunitar.demo"), ("staff", "personal@comunitar.demo"),
            ("coordinator", "coordonator@comunitar.demo"))}
        users = {name: user.id for name, user in accounts.items()}
        logins = {name: accounts[name].get_id() for name in ("admin", "staff")}
        projects = demo_projects(db.session)
        activities = {}
        for activity, code in db.session.execute(
                select(Activity, Project.code).join(Project).where(Activity.kind == ActivityKind.group_sessions)):
            key = (code, activity.code)
            size = SMALL_ROSTER if key == SMALL else LARGE_ROSTERS.get(key)
            if size:
                activities[key] = {"id": activity.id, "project_id": activity.project_id, "roster": size}
        assert SMALL in activities and LARGE in activities, sorted(activities)
        member_of = set(db.session.scalars(select(ProjectMember.project_id).where(
            ProjectMember.user_id == users["staff"])))
        assert {item["project_id"] for item in activities.values()} <= member_of, \
            "the demo staff user must be a member of the demo projects"

    loader = loading_engine(engine, url)
    began = time.perf_counter()
    filler = CopyFiller(loader, users["admin"], projects)
    filler.fill(PERSONS)
    persons_seconds = time.perf_counter() - began
    today = date.today()
    began = time.perf_counter()
    marks = ActivityFiller(loader, users, activities, today)
    marks.fill()
    marks_seconds = time.perf_counter() - began
    if loader is not engine:
        loader.dispose()
    with engine.begin() as connection:  # COPY as a replica skipped the triggers that keep it
        tally.rebuild(connection)
    analyze_seconds = analyze(engine)
    counts = marks.counts
    print(f"\n== {label}: {filler.counts['person']:,} persons ({filler.counts['enrollment']:,} enrollments) in "
          f"{persons_seconds:.1f} s; {counts['roster_entry']:,} roster entries, {counts['activity_session']:,} sessions "
          f"({len(activities)} activities, {DAYS_BACK // 365} years of weekdays + {DAYS_AHEAD} days ahead), "
          f"{counts['attendance']:,} marks (of {counts['pairs']:,} expected pairs) in {marks_seconds:.1f} s; "
          f"{'VACUUM ANALYZE' if engine.dialect.name == 'postgresql' else 'ANALYZE'} {analyze_seconds:.1f} s")

    # Today's session of the small and the large group (the latest weekday up to today), and a
    # person expected at it whose mark is toggled.
    targets = {}
    for size, key in (("small", SMALL), ("large", LARGE)):
        held = [item for item in marks.sessions if item["key"] == key and item["date"] <= today]
        latest = max(item["date"] for item in held)
        session = min((item for item in held if item["date"] == latest), key=lambda item: item["slot"])
        expected = marks.expected(key, latest)
        targets[size] = {"session": session["id"], "activity": activities[key]["id"], "person": expected[0],
                         "sheet": len(expected), "roster": sum(1 for _p, _j, left in marks.rosters[key] if left is None),
                         "day": latest}
    with app.test_request_context():
        from flask import url_for
        for target in targets.values():
            target["page"] = url_for("portal.session_detail", session_id=target["session"])
            target["mark"] = url_for("portal.attendance_mark", session_id=target["session"])
            target["roster_page"] = url_for("portal.roster", activity_id=target["activity"])
        week = url_for("portal.my_sessions", perioada="saptamana")
    with engine.connect() as connection:
        monday = today - timedelta(days=today.weekday())
        this_week = {name: connection.scalar(
            select(func.count()).select_from(session_facilitator).join(
                ActivitySession, ActivitySession.id == session_facilitator.c.session_id)
            .where(session_facilitator.c.user_id == users[name],
                   ActivitySession.date.between(monday, monday + timedelta(days=6)))) for name in logins}

    queries = QueryLog(db.engine(app))
    client = app.test_client()
    htmx = {"HX-Request": "true"}
    statuses = {"n": 0}

    def get(path: str, headers: dict | None = None):
        response = client.get(path, headers=headers or {})
        assert response.status_code == 200, (path, response.status_code)
        return response

    def toggle(target: dict):
        def send():
            statuses["n"] += 1
            status = "present" if statuses["n"] % 2 else "absent"
            response = client.post(target["mark"], data={"mark": f"{target['person']}:{status}"}, headers=htmx)
            assert response.status_code == 200, (target["mark"], response.status_code,
                                                 response.get_data(as_text=True)[:300])
            statuses["last"] = status
            return response
        return send

    print(f"   {ROUNDS} rounds per request after {WARMUP} warm-up ones (fewer past {PAGE_SECONDS:.0f} s); budget p95 "
          f"{MARK_BUDGET_MS:.0f} ms for the mark, {PAGE_BUDGET_MS:.0f} ms for the pages; today {today:%a %d.%m.%Y}")
    print(f"   small group: {SMALL[1]} ({targets['small']['roster']} on the roster, sheet of "
          f"{targets['small']['sheet']} rows); large: {LARGE[1]} ({targets['large']['roster']} on the roster, sheet of "
          f"{targets['large']['sheet']} rows); sessions this week: staff {this_week['staff']}, admin {this_week['admin']}")
    print("   rows: of the sheet (attendance page, mark), on the roster (roster page), sessions listed (my sessions)")
    print(f"   {'request':<24}{'as':<7}{'rows':>5}{'p50 ms':>8}{'p95 ms':>8}{'SQL ms':>8}{'queries':>8}{'rounds':>7}"
          f"  path")
    slow, profiles = [], []
    for user, login in logins.items():
        sign_in(client, login)
        # The htmx answer is the row, not a page.
        before_changes = _changes(engine, targets["large"])
        statuses["n"] = 0
        body = toggle(targets["large"])().get_data(as_text=True)
        assert "<html" not in body.lower(), "the htmx mark got a whole page"
        requests = []
        for size in ("small", "large"):
            target = targets[size]
            requests += [("attendance page", size, target["sheet"], target["page"], lambda t=target: get(t["page"])),
                         ("mark (htmx)", size, target["sheet"], target["mark"], toggle(target)),
                         ("roster page", size, target["roster"], target["roster_page"],
                          lambda t=target: get(t["roster_page"]))]
        requests.sort(key=lambda item: ["attendance page", "mark (htmx)", "roster page"].index(item[0]))
        requests.append(("my sessions, week", "", this_week[user], week, lambda: get(week)))
        small_counts = {}
        for name, size, rows, path, send in requests:
            sent_before = statuses["n"]
            p50, p95, sql, count, rounds, statements = timed(send, queries)
            budget = MARK_BUDGET_MS if name.startswith("mark") else PAGE_BUDGET_MS
            if size == "small":
                small_counts[name] = count
            grew = size == "large" and count != small_counts.get(name)
            flag = ("!" if p95 > budget else "") + ("*" if grew else "")
            shown = path + (" (POST, HX-Request)" if name.startswith("mark") else "")
            print(f"   {name:<24}{user:<7}{rows:>5}{p50:>8.1f}{p95:>8.1f}{sql:>8.1f}{count:>7}{flag:<2}{rounds:>6}  {shown}")
            if name.startswith("mark"):
                _check_marks(engine, targets[size], statuses["n"] - sent_before, statuses["last"])
            if p95 > budget:
                slow.append((f"{name} ({size}, {user})" if size else f"{name} ({user})", statements))
                if PROFILE:
                    profiles.append((slow[-1][0], profile(send)))
        assert _changes(engine, targets["large"]) > before_changes
    for name, statements in slow:
        elapsed, statement, parameters = slowest_select(engine, statements)
        print(f"   over budget: {name}; slowest SELECT {elapsed:.0f} ms: {' '.join(statement.split())[:400]}")
        if EXPLAIN:
            print(explain(engine, statement, parameters))
    for name, lines in profiles:
        print(f"   profile of {name}: cumulative ms per request under cProfile (inflated), own code only:")
        print("\n".join(lines))
    sign_in(client, logins["admin"])
    _results(app, client, queries, projects)
    _benefits(app, client, queries, activities[LARGE], users["admin"], today)
    engine.dispose()
    db.engine(app).dispose()


def _results(app, client, queries: QueryLog, projects: list[dict]) -> None:
    """The results with a million marks: every indicator of a demo project computed (the domain
    function), the staff dashboard and the public results page — "cold" when the records have just
    changed (the cache is emptied before each request, as a commit that bumps the version does) and
    "warm" (the figures of this version are cached). Goal: the dashboard under 200 ms."""
    cache = app_cache(app)
    print(f"   results (budget p95 {RESULTS_BUDGET_MS:.0f} ms for the dashboard, cold or warm):")
    print(f"   {'request':<30}{'project':<13}{'p50 ms':>8}{'p95 ms':>8}{'SQL ms':>8}{'queries':>8}{'rounds':>7}  path")
    for project in projects:
        with app.app_context():
            indicators = db.session.scalar(select(func.count()).select_from(Indicator).where(
                Indicator.project_id == project["id"], Indicator.rule.is_not(None)))

        def compute(project_id=project["id"]):
            with app.app_context():
                compute_project(db.session, db.session.get(Project, project_id))

        dashboard = f"/portal/proiecte/{project['id']}/rezultate"
        public = f"/rezultate/{project['code']}"

        def cold(path):
            def send():
                cache.clear()
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            return send

        def warm(path):
            def send():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            return send

        for name, send, path, budget in (
                (f"compute {indicators} indicators", compute, "compute_project()", None),
                ("dashboard, records changed", cold(dashboard), dashboard, RESULTS_BUDGET_MS),
                ("dashboard, unchanged", warm(dashboard), dashboard, RESULTS_BUDGET_MS),
                ("public page, records changed", cold(public), public, None),
                ("public page, unchanged", warm(public), public, None)):
            if path.startswith("/") and client.get(path).status_code == 404:
                print(f"   {name:<30}{project['code']:<13}  (no such page yet: {path})")
                continue
            p50, p95, sql, count, rounds, _statements = timed(send, queries)
            flag = "!" if budget and p95 > budget else ""
            print(f"   {name:<30}{project['code']:<13}{p50:>8.1f}{p95:>8.1f}{sql:>8.1f}{count:>7}{flag:<1}{rounds:>6}"
                  f"  {path}")


def _benefits(app, client, queries: QueryLog, activity: dict, payer_id: int, today: date) -> None:
    """Benefits with a million marks: who is entitled to a monthly subsidy (present at ≥ 10 sessions of
    the large after-school group last month) and to a hot meal per session present — the proposal's
    one grouped query —, then the list page, the printable list and the totals per person (page and
    XLSX) once that list is approved and paid. Goal: pages under 100 ms."""
    from portal.domain.actor import system_actor
    from portal.domain.benefits import services as benefits
    from portal.domain.benefits.models import BenefitCategory, BenefitFrequency, BenefitUnit, EntitlementRule
    from portal.staff.permissions import ROLE_PERMISSIONS
    from portal.domain.accounts.models import Role

    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    acting = system_actor(ROLE_PERMISSIONS[Role.admin])
    with app.app_context():
        project = db.session.get(Project, activity["project_id"])
        made = {}
        for name, unit, amount, rule, minimum in (
                # A thinner bench (BENCH_ATTENDANCE) has few persons at 10 sessions a month.
                ("Subvenție (bench)", BenefitUnit.lei, Decimal("500"), EntitlementRule.attendance,
                 10 if ATTENDANCE >= 500_000 else 1),
                ("Masă caldă (bench)", BenefitUnit.pieces, Decimal("1"), EntitlementRule.per_presence, 1)):
            kind = benefits.save_kind(db.session, project, acting, benefits.BenefitKindData(
                category=BenefitCategory.cash_subsidy if unit == BenefitUnit.lei else BenefitCategory.hot_meal,
                name_ro=name, unit=unit, amount=amount, frequency=BenefitFrequency.monthly, rule=rule,
                activity_id=activity["id"], min_sessions=minimum))
            made[rule] = kind.id
        db.session.commit()
        kind = db.session.get(benefits.BenefitKind, made[EntitlementRule.attendance])
        began = time.perf_counter()
        blist = benefits.propose_list(db.session, project, kind, last_month.strftime("%Y-%m"), acting, today=today)
        benefits.approve_list(db.session, blist, acting)
        line_ids = [line.id for line in blist.lines]
        benefits.record_payment(db.session, blist, line_ids, acting, paid_on=today, document_no="SP-1",
                                paid_by_id=payer_id, today=today)
        db.session.commit()
        drawn_ms = (time.perf_counter() - began) * 1000
        list_id, lines = blist.id, len(line_ids)
    print(f"   benefits on {LARGE[1]}, {last_month:%m.%Y} (budget p95 {PAGE_BUDGET_MS:.0f} ms for the pages): a subsidy list of "
          f"{lines} persons proposed, approved and paid in {drawn_ms:.0f} ms")
    print(f"   {'request':<30}{'p50 ms':>8}{'p95 ms':>8}{'SQL ms':>8}{'queries':>8}{'rounds':>7}  path")

    def entitled(rule):
        def send():
            with app.app_context():
                kind = db.session.get(benefits.BenefitKind, made[rule])
                benefits.entitled(db.session, kind, benefits.period_of(kind, last_month))
        return send

    def page(path):
        def send():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        return send

    with app.test_request_context():
        from flask import url_for
        list_page = url_for("portal.benefit_list", list_id=list_id)
        print_page = url_for("portal.benefit_list_print", list_id=list_id)
        totals = url_for("portal.benefit_totals", project_id=activity["project_id"], dupa="person")
        workbook = url_for("portal.benefit_totals_xlsx", project_id=activity["project_id"], dupa="person")
    for name, send, path, budget in (
            ("entitled: ≥ 10 sessions", entitled(EntitlementRule.attendance), "benefits.entitled()", None),
            ("entitled: meal per session", entitled(EntitlementRule.per_presence), "benefits.entitled()", None),
            ("list page", page(list_page), list_page, PAGE_BUDGET_MS),
            ("printable list", page(print_page), print_page, PAGE_BUDGET_MS),
            ("totals per person", page(totals), totals, PAGE_BUDGET_MS),
            ("totals per person, XLSX", page(workbook), workbook, None)):
        p50, p95, sql, count, rounds, _statements = timed(send, queries)
        flag = "!" if budget and p95 > budget else ""
        print(f"   {name:<30}{p50:>8.1f}{p95:>8.1f}{sql:>8.1f}{count:>7}{flag:<1}{rounds:>6}  {path}")


def profile(send, requests: int = 5, shown: int = 12) -> list[str]:
    """The slowest functions and templates of the project (portal/, templates/) over a few requests."""
    root = str(Path(__file__).resolve().parent.parent)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        send()
    profiler.disable()
    rows = []
    for (filename, line, function), (_calls, _primitive, _own, cumulative, _callers) in \
            pstats.Stats(profiler).stats.items():
        if filename.startswith(root) and "/.venv/" not in filename and "/scripts/" not in filename:
            rows.append((cumulative * 1000 / requests, f"{filename[len(root) + 1:]}:{line} {function}"))
    rows.sort(reverse=True)
    return [f"    {ms:8.1f}  {where}" for ms, where in rows[:shown]]


def _changes(engine, target: dict) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AttendanceChange).where(
            AttendanceChange.session_id == target["session"], AttendanceChange.person_id == target["person"]))


def _check_marks(engine, target: dict, sent: int, last: str) -> None:
    """Every request wrote: the mark holds the last status sent."""
    with engine.connect() as connection:
        status = connection.scalar(select(Attendance.status).where(
            Attendance.session_id == target["session"], Attendance.person_id == target["person"]))
    assert sent > 0 and status == AttendanceStatus(last), (target, sent, status, last)


def main() -> None:
    began = time.perf_counter()
    print(f"Attendance bench: {PERSONS:,} persons, {ATTENDANCE:,} marks, {ROUNDS} rounds per request")
    on_each_database(run)
    print(f"\nTotal {time.perf_counter() - began:.0f} s. '!' marks a p95 over budget, '*' a query count that differs "
          "between the small and the large group.")


if __name__ == "__main__":
    main()
