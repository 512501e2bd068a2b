"""The target-group register at scale: search and the person page with 100,000 persons.

    make bench                                   # SQLite, then PostgreSQL (a throwaway cluster)
    BENCH_PERSONS=20000 BENCH_ROUNDS=50 .venv/bin/python scripts/bench_register.py
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/empty_db .venv/bin/python scripts/bench_register.py

Each database is migrated, gets the demo users and projects, then a few persons (the "tiny"
register, whose query counts are noted), then BENCH_PERSONS synthetic persons (default 100,000)
inserted in bulk with SQLAlchemy Core: households, enrollments with one period, data-processing
consents. The pages are then requested in-process through the WSGI app as the demo admin, like
scripts/bench_pages.py does: p50/p95 server time in ms and the SQL query count of one request.

Goal: under 100 ms p95 at 100,000 persons, and the same query count on the tiny and the full register.

PostgreSQL: BENCH_DATABASE_URL (an empty database: the bench fills it and leaves the rows there),
else a throwaway cluster started as tests/conftest.py does when the server binaries are installed,
else it is skipped with the reason.

For every page over budget the slowest SELECT of one request is named (each SELECT is run again
with all its rows fetched); BENCH_EXPLAIN=1 adds its plan. BENCH_ROUNDS (200) and
BENCH_PAGE_SECONDS (12: a slow page stops measuring after that, with at least 20 rounds) bound the run.
"""
from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import event, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal import create_app  # noqa: E402
from portal.db import make_engine  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.domain.accounts.models import User  # noqa: E402
from portal.domain.people import services  # noqa: E402
from portal.domain.people.cnp import check_digit  # noqa: E402
from portal.domain.people.models import (  # noqa: E402
    Answer, Consent, ConsentGiver, ConsentKind, Enrollment, EnrollmentPeriod, ExitResult, Household, LabourStatus,
    Person, PersonNameWord, RiskReason, SITUATIONS, Sex,
)
from portal.domain.projects.models import Project, Zone, ZoneStreet  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.migrations import upgrade  # noqa: E402

PERSONS = int(os.environ.get("BENCH_PERSONS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))
WARMUP = 10
# Keeps the run bounded when a page is slow: a page stops after this many seconds (and at least
# MIN_ROUNDS rounds); the table then shows how many rounds were measured.
PAGE_SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "12"))
MIN_ROUNDS = 20
BATCH = 5000
BUDGET_MS = 100.0
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "").strip().lower() in {"1", "true", "yes"}

# Frequent names first: the weights below make the head of each list common, as in a real register.
LAST_NAMES = [
    "Popescu", "Popa", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu", "Ionescu", "Rusu",
    "Mocanu", "Constantin", "Munteanu", "Moldovan", "Lungu", "Florea", "Sârbu", "Ursu", "Căldăraru", "Lăcătuș",
    "Țurcanu", "Bălășcău", "Stănescu", "Dumitrașcu", "Ștefănescu", "Grigoraș", "Chirilă", "Tănase", "Rădulescu",
    "Păun", "Mirea", "Costache", "Vasilache", "Neagu", "Onu", "Buzdugan", "Hârțescu", "Dobre", "Barbu", "Nistor",
    "Toma", "Zamfir", "Ene", "Dinu", "Marin", "Tudor", "Oprea", "Sandu", "Cristea", "Ilie", "Anghel", "Nedelcu",
    "Manole", "Bălan", "Mihăilă", "Năstase", "Preda", "Bogdan", "Iordache", "Voicu", "Roman", "Cojocaru", "Cozma",
    "Bîrsan", "Țăranu", "Pușcașu", "Frățilă", "Drăgan", "Știrbu", "Cucoș", "Așchiuță", "Găină", "Cârlan", "Fărcaș",
    "Hrițcu", "Apetrei", "Lupașcu", "Amariei", "Zăpodeanu", "Rotariu", "Huțanu", "Scutaru", "Ungureanu", "Bejan",
    "Ciubotaru", "Olaru", "Prisecaru", "Bârcă", "Ghiță", "Iftimie", "Mânzu", "Pricop", "Sârghie", "Tofan", "Vrânceanu",
    "Ardeleanu", "Botezatu", "Crăciun",
]
FIRST_NAMES = {
    Sex.female: ["Maria", "Elena", "Ioana", "Ana", "Mihaela", "Andreea", "Cristina", "Gabriela", "Raluca", "Ștefania",
                 "Denisa", "Alexandra", "Irina", "Florentina", "Loredana", "Bianca", "Roxana", "Georgiana", "Tereza",
                 "Cătălina", "Larisa", "Nicoleta", "Daniela", "Mădălina", "Alina", "Simona", "Oana", "Lăcrămioara",
                 "Veronica", "Viorica", "Aurelia", "Mirela", "Rodica", "Ecaterina", "Paraschiva", "Smaranda"],
    Sex.male: ["Ion", "Gheorghe", "Vasile", "Mihai", "Ștefan", "Andrei", "Constantin", "Florin", "Nicolae", "Marius",
               "Cosmin", "Alexandru", "Dănuț", "Costel", "Iulian", "Răzvan", "Sorin", "Tudor", "Adrian", "Cristian",
               "Daniel", "Dumitru", "Petru", "Cătălin", "Ovidiu", "Bogdan", "Viorel", "Lucian", "Aurel", "Ionuț",
               "Valentin", "Sebastian", "Emanuel", "Toader", "Neculai", "Ilie"],
}
COUNTY = {"155550": "07", "BC-SDL-2022": "04"}  # Botoșani, Bacău (as the demo people use)
HOUSEHOLD_SHARE = 0.087  # households of 2-5 members, so that about 25% of persons live in one


def _weights(count: int, exponent: float) -> list[float]:
    """Cumulative Zipf weights: with these, the most common surname is ~10% of the register."""
    total, cumulative = 0.0, []
    for rank in range(count):
        total += 1 / (rank + 1) ** exponent
        cumulative.append(total)
    return cumulative


LAST_WEIGHTS = _weights(len(LAST_NAMES), 0.7)
FIRST_WEIGHTS = {sex: _weights(len(names), 0.9) for sex, names in FIRST_NAMES.items()}


# The register -------------------------------------------------------------------------------------

class Filler:
    """Synthetic persons inserted with Core executemany, a chunk (~BATCH persons) at a time."""

    def __init__(self, engine, admin_id: int, projects: list[dict], seed: int = 2026):
        self.engine = engine
        self.admin_id = admin_id
        self.projects = projects
        self.rng = random.Random(seed)
        self.now = datetime.now(timezone.utc)
        self.cnp_bodies: set[str] = set()
        self.search_names: dict[tuple[str, str], str] = {}
        with engine.connect() as connection:
            self.person_id = connection.scalar(select(func.coalesce(func.max(Person.id), 0)))
            self.household_id = connection.scalar(select(func.coalesce(func.max(Household.id), 0)))
            self.enrollment_id = connection.scalar(select(func.coalesce(func.max(Enrollment.id), 0)))
        self.counts = {"household": 0, "person": 0, "person_name_word": 0, "enrollment": 0, "enrollment_period": 0, "consent": 0}

    def fill(self, count: int, forced: list[dict] | None = None) -> None:
        """Insert `count` persons; `forced` units (dicts of overrides) come first."""
        forced = list(forced or [])
        done = 0
        dialect = self.engine.dialect.name
        with self.engine.begin() as connection:
            if dialect == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            while done < count:
                rows = {"household": [], "person": [], "person_name_word": [], "enrollment": [],
                        "enrollment_period": [], "consent": []}
                target = min(BATCH, count - done)
                made = 0
                while made < target:
                    made += self._unit(rows, target - made, forced.pop(0) if forced else {})
                for model in (Household, Person, PersonNameWord, Enrollment, EnrollmentPeriod, Consent):
                    name = model.__tablename__
                    if rows[name]:
                        self.insert(connection, model.__table__, rows[name])
                        self.counts[name] += len(rows[name])
                done += made
            if dialect == "postgresql":
                # Ids were given explicitly: move the sequences past them for the rows the app adds later.
                for name in ("household", "person", "enrollment"):
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                            f"(SELECT max(id) FROM {name}))"))

    @staticmethod
    def insert(connection, table, rows: list[dict]) -> None:
        connection.execute(insert(table), rows)

    def _unit(self, rows: dict, room: int, force: dict) -> int:
        """One household (2-5 persons) or one person living alone; returns how many persons were made."""
        rng = self.rng
        project = force.get("project") or rng.choice(self.projects)
        zone = rng.choice(project["zones"])
        size = force.get("size") or (rng.randint(2, 5) if rng.random() < HOUSEHOLD_SHARE else 1)
        size = max(1, min(size, room))
        household_id = None
        if size > 1:
            self.household_id += 1
            household_id = self.household_id
            rows["household"].append({"id": household_id, "import_project_id": None, "import_key": None,
                                      "created_at": self.now})
        last_name = force.get("last_name") or rng.choices(LAST_NAMES, cum_weights=LAST_WEIGHTS)[0]
        street = rng.choice(zone["streets"])
        number = str(rng.randint(1, 120))
        block = rng.choice(["", "", "", f"B{rng.randint(1, 30)}", f"{rng.randint(1, 9)}A"])
        staircase = rng.choice(["A", "B", "C"]) if block else ""
        apartment = str(rng.randint(1, 60)) if block else ""
        for member in range(size):
            first = force.get("first_names", [])[member:member + 1]
            sex = force.get("sexes", [])[member] if member < len(force.get("sexes", [])) else rng.choice(list(Sex))
            child = member >= 2
            entry_day = project["start"] + timedelta(days=rng.randint(0, project["days"]))
            age = rng.randint(6, 17) if child else rng.randint(18, 84)
            birth = entry_day - timedelta(days=age * 365 + rng.randint(0, 364))
            self.person_id += 1
            person_id = self.person_id
            full = bool(force)
            cnp = self._cnp(birth, sex, project["county"]) if full or rng.random() < 0.6 else None
            phone = ""
            if not child and (full or rng.random() < 0.7):
                phone = f"07{rng.randint(20, 89)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
                if not full and rng.random() < 0.1:
                    phone = "+40 " + phone[1:]
            first_name = first[0] if first else rng.choices(FIRST_NAMES[sex], cum_weights=FIRST_WEIGHTS[sex])[0]
            name_key = (last_name, first_name)
            if name_key not in self.search_names:
                self.search_names[name_key] = services.search_name(last_name, first_name)
            rows["person"].append({
                "id": person_id, "code": f"P{person_id:06d}", "last_name": last_name, "first_name": first_name,
                "search_name": self.search_names[name_key], "cnp": cnp, "birth_date": birth,
                "sex": sex, "locality": project["town"], "street": street, "number": number, "block": block,
                "staircase": staircase, "apartment": apartment, "phone": phone,
                "phone_digits": services.phone_digits(phone), "email": "", "household_id": household_id,
                "merged_into_id": None, "erased_at": None, "created_at": self.now, "updated_at": self.now,
                "created_by_id": self.admin_id,
            })
            rows["person_name_word"].extend({"word": word, "person_id": person_id,
                                             "search_name": self.search_names[name_key]}
                                            for word in sorted(set(self.search_names[name_key].split())))
            if not full and rng.random() >= 0.9:
                continue  # registered, not (yet) enrolled
            minor = services.age_on(birth, entry_day) < 18
            rows["consent"].append({
                "person_id": person_id, "kind": ConsentKind.data_processing,
                "given_by": ConsentGiver.guardian if minor else ConsentGiver.person,
                "guardian_name": f"{last_name} {FIRST_NAMES[Sex.female][0]}" if minor else "",
                "given_on": entry_day, "document_ref": f"FI-{person_id:06d}", "withdrawn_on": None,
                "recorded_by_id": self.admin_id, "created_at": self.now,
            })
            self.enrollment_id += 1
            enrollment = {
                "id": self.enrollment_id, "person_id": person_id, "project_id": project["id"], "zone_id": zone["id"],
                "first_entry_date": entry_day, "age_at_entry": services.age_on(birth, entry_day),
                "risk_reason": RiskReason.minimum_income, "risk_details": "",
                "labour_status": LabourStatus.inactive if minor else rng.choice(list(LabourStatus)),
                "isced_level": rng.choice([1, 2]) if minor else rng.choice([0, 1, 2, 2, 3, 3, 4]),
                "created_at": self.now, "created_by_id": self.admin_id,
            }
            for situation in SITUATIONS:
                enrollment[situation] = Answer.not_asked
                enrollment[f"{situation}_on"] = None
            rows["enrollment"].append(enrollment)
            exited = not full and rng.random() < 0.15
            rows["enrollment_period"].append({
                "enrollment_id": self.enrollment_id, "entry_date": entry_day,
                "exit_date": min(entry_day + timedelta(days=rng.randint(60, 300)), project["end"]) if exited else None,
                "exit_result": rng.choice([ExitResult.completed, ExitResult.employed]) if exited else None,
                "exit_notes": "",
            })
        return size

    def _cnp(self, birth: date, sex: Sex, county: str) -> str:
        first = {(Sex.male, 19): "1", (Sex.female, 19): "2", (Sex.male, 20): "5", (Sex.female, 20): "6"}[
            (sex, birth.year // 100)]
        serial = self.rng.randint(1, 999)
        while True:
            body = f"{first}{birth:%y%m%d}{county}{serial:03d}"
            if body not in self.cnp_bodies:
                self.cnp_bodies.add(body)
                return body + str(check_digit(body))
            serial = serial % 999 + 1


def demo_projects(session) -> list[dict]:
    projects = []
    for project in session.scalars(select(Project).where(Project.code.in_(COUNTY)).order_by(Project.code)):
        zones = [{"id": zone.id, "streets": [street.name for street in session.scalars(
            select(ZoneStreet).where(ZoneStreet.zone_id == zone.id).order_by(ZoneStreet.id))]}
            for zone in session.scalars(select(Zone).where(Zone.project_id == project.id).order_by(Zone.id))]
        projects.append({"id": project.id, "code": project.code, "town": project.town, "start": project.start_date,
                         "end": project.end_date, "days": (project.end_date - project.start_date).days,
                         "county": COUNTY[project.code], "zones": zones})
    return projects


# Measuring ----------------------------------------------------------------------------------------

class QueryLog:
    """Counts the statements of a request, their time in the driver, and keeps them."""

    def __init__(self, engine):
        self.reset()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self):
        self.count = 0
        self.sql_ms = 0.0
        self.statements: list[tuple[str, object]] = []

    def _before(self, _conn, _cursor, statement, parameters, context, _executemany):
        self.count += 1
        self.statements.append((statement, parameters))
        context._bench_start = time.perf_counter()

    def _after(self, _conn, _cursor, _statement, _parameters, context, _executemany):
        self.sql_ms += (time.perf_counter() - context._bench_start) * 1000


def get(client, path: str, headers: dict):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response


def measure(client, path: str, headers: dict, log: QueryLog):
    return timed(lambda: get(client, path, headers), log)


def timed(send, log: QueryLog):
    """Time `send()` (one request): WARMUP requests, then up to ROUNDS measured ones (fewer past
    PAGE_SECONDS). Returns p50, p95 and median SQL ms, then the query count of the last request, the
    rounds measured and the last request's statements."""
    began = time.perf_counter()
    for _ in range(WARMUP):
        send()
        if time.perf_counter() - began > PAGE_SECONDS / 3:
            break
    timings, sql = [], []
    began = time.perf_counter()
    for _ in range(ROUNDS):
        if len(timings) >= MIN_ROUNDS and time.perf_counter() - began > PAGE_SECONDS:
            break
        log.reset()
        start = time.perf_counter()
        send()
        timings.append((time.perf_counter() - start) * 1000)
        sql.append(log.sql_ms)
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    return statistics.median(timings), p95, statistics.median(sql), log.count, len(timings), list(log.statements)


def count_queries(client, path: str, headers: dict, log: QueryLog) -> int:
    get(client, path, headers)  # the first request of a kind may load caches
    log.reset()
    get(client, path, headers)
    return log.count


def slowest_select(engine, statements) -> tuple[float, str, object]:
    """Run each SELECT of a request again, fetching every row (SQLite computes rows while they are
    fetched, after the driver call returns), and return the slowest: (ms, statement, parameters)."""
    slowest = (0.0, "", None)
    connection = engine.raw_connection()
    try:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor = connection.cursor()
            times = []
            for _ in range(3):
                start = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                times.append((time.perf_counter() - start) * 1000)
            cursor.close()
            if statistics.median(times) > slowest[0]:
                slowest = (statistics.median(times), statement, parameters)
        connection.rollback()
    finally:
        connection.close()
    return slowest


def explain(engine, statement: str, parameters) -> str:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
        connection.rollback()
    if engine.dialect.name == "sqlite":
        return "\n".join(f"    {row[-1]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


def sign_in(client, session_id: str) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["last_seen"] = int(time.time()) + 3600 * 24


def run(label: str, url: str, folder: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(Person)):
            print(f"\n== {label}: skipped, the database already holds persons (give an empty one)")
            engine.dispose()
            return
        load_demo(db.session)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.email == "admin@comunitar.demo"))
        admin_id, admin_session_id = admin.id, admin.get_id()
        projects = demo_projects(db.session)

    # The tiny register: the persons every page below looks for, and nothing else.
    filler = Filler(engine, admin_id, projects)
    first = projects[0]
    filler.fill(4, forced=[
        {"project": first, "size": 3, "last_name": "Bălășcău", "first_names": ["Raluca", "Ștefan", "Ioana"],
         "sexes": [Sex.female, Sex.male, Sex.female]},
        {"project": first, "size": 1, "last_name": "Popescu", "first_names": ["Maria"], "sexes": [Sex.female]},
    ])
    with engine.connect() as connection:
        target = connection.execute(select(Person).where(Person.search_name == "balascau raluca")).one()
    pages = [
        ("search: full name", "/portal/persoane?" + urlencode({"q": "balascau raluca"}), {}),
        ("search: surname fragment", "/portal/persoane?" + urlencode({"q": "popesc"}), {}),
        ("search: CNP prefix", "/portal/persoane?" + urlencode({"q": target.cnp[:7]}), {}),
        ("search: phone", "/portal/persoane?" + urlencode({"q": target.phone}), {}),
        ("search: person code", "/portal/persoane?" + urlencode({"q": target.code}), {}),
        ("list: by project", f"/portal/persoane?proiect={first['id']}", {}),
        ("list: htmx partial", "/portal/persoane", {"HX-Request": "true"}),
        ("person page", f"/portal/persoane/{target.id}", {}),
    ]
    queries = QueryLog(db.engine(app))
    client = app.test_client()
    sign_in(client, admin_session_id)
    partial = get(client, pages[6][1], pages[6][2]).get_data(as_text=True)
    assert "<html" not in partial.lower(), "the htmx request got a whole page"
    tiny = {name: count_queries(client, path, headers, queries) for name, path, headers in pages}

    start = time.perf_counter()
    filler.fill(PERSONS)
    fill_seconds = time.perf_counter() - start
    if engine.dialect.name == "postgresql":
        start = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        analyze = f", ANALYZE {time.perf_counter() - start:.1f} s"
    else:
        analyze = ""
    total = filler.counts
    print(f"\n== {label}: {total['person']:,} persons ({total['household']:,} households, "
          f"{total['enrollment']:,} enrollments + periods, {total['consent']:,} consents) "
          f"filled in {fill_seconds:.1f} s{analyze}")
    print(f"   {ROUNDS} rounds per page after {WARMUP} warm-up requests (fewer past {PAGE_SECONDS:.0f} s a page); "
          f"budget {BUDGET_MS:.0f} ms p95;\n   SQL ms: median time in the database driver per request "
          f"(SQLite fetches rows after it, so less than the full cost);\n"
          f"   queries: one request on the tiny register -> on {total['person']:,} persons")
    print(f"   {'page':<26}{'p50 ms':>8}{'p95 ms':>8}{'SQL ms':>8}{'queries':>12}{'rounds':>7}  request")
    slow = []
    for name, path, headers in pages:
        p50, p95, sql, count, rounds, statements = measure(client, path, headers, queries)
        shown = path + (" (HX-Request)" if headers else "")
        flag = "!" if p95 > BUDGET_MS or count != tiny[name] else ""
        print(f"   {name:<26}{p50:>8.1f}{p95:>8.1f}{sql:>8.1f}{tiny[name]:>6} -> {count:<3}{flag:<2}{rounds:>6}"
              f"  {shown}")
        if p95 > BUDGET_MS:
            slow.append((name, statements))
    for name, statements in slow:
        elapsed, statement, parameters = slowest_select(engine, statements)
        print(f"   over budget: {name}; slowest SELECT {elapsed:.0f} ms: {' '.join(statement.split())[:300]}")
        if EXPLAIN:
            print(explain(engine, statement, parameters))
    engine.dispose()
    db.engine(app).dispose()


# PostgreSQL ---------------------------------------------------------------------------------------

def _pg_tool(name: str) -> str | None:
    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root: run the cluster as the postgres user (as tests/conftest.py does).
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def throwaway_postgres():
    """Yield (url, None) of a fresh database on a cluster removed afterwards, or (None, why not)."""
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not initdb or not pg_ctl:
        yield None, "PostgreSQL server binaries not found (install postgresql or set BENCH_DATABASE_URL)"
        return
    base = Path("/tmp") / f"comunitar-bench-pg-{os.getpid()}"
    data, sock, port = base / "data", base / "sock", "5441"
    url, reason = None, None
    try:
        data.mkdir(parents=True, exist_ok=True)
        sock.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for path in (base, data, sock):
                shutil.chown(path, "postgres")
        data.chmod(0o700)
        subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(sock / "pg.log"), "-w", "-o",
                                     f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off "
                                     "-c synchronous_commit=off -c full_page_writes=off", "start"]),
                       check=True, capture_output=True)
        server = f"postgresql+psycopg://postgres@/{{database}}?host={sock}&port={port}"
        admin = make_engine(server.format(database="postgres")).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql('CREATE DATABASE "comunitar_bench"')
        admin.dispose()
        url = server.format(database="comunitar_bench")
    except (OSError, LookupError, subprocess.CalledProcessError) as error:
        detail = (getattr(error, "stderr", b"") or b"").decode(errors="replace").strip()
        reason = f"could not start a throwaway cluster: {error} {detail}".strip()
    try:
        yield url, reason
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def on_each_database(run) -> None:
    """run(label, url, folder) on SQLite in a temporary folder, then on PostgreSQL (BENCH_DATABASE_URL
    or a throwaway cluster); BENCH_ONLY=sqlite|postgresql keeps one."""
    only = os.environ.get("BENCH_ONLY", "")
    if only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            run("sqlite", f"sqlite:///{folder}/bench.sqlite3", folder)
    if only == "sqlite":
        return
    given = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        if given:
            run("postgresql (BENCH_DATABASE_URL)", given, folder)
        else:
            with throwaway_postgres() as (url, reason):
                if url is None:
                    print(f"\n== postgresql: skipped: {reason}")
                else:
                    run("postgresql (throwaway cluster)", url, folder)


def main() -> None:
    began = time.perf_counter()
    print(f"Register bench: {PERSONS:,} persons, {ROUNDS} rounds per page")
    on_each_database(run)
    print(f"\nTotal {time.perf_counter() - began:.0f} s. '!' marks a p95 over {BUDGET_MS:.0f} ms or a query count "
          "that grew with the register.")


if __name__ == "__main__":
    main()
