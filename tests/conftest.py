"""Fixtures: every database test runs on SQLite and on PostgreSQL, each test inside a rolled-back transaction.

PostgreSQL comes from TEST_DATABASE_URL, or from a throwaway cluster started here when the
PostgreSQL server binaries are installed. Where it is absent the PostgreSQL half is skipped with
the reason shown, except under CI=true, where a missing backend fails the run.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal import create_app
from portal.db import make_engine
from portal.migrations import upgrade

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
TEST_PASSWORD = "parola-de-test-123"


def run_together(count: int, work) -> list[str]:
    """Run work(number, barrier) in `count` threads released at once (work waits on the barrier);
    the unexpected errors, as text. The concurrency tests' way of making things happen at one moment."""
    barrier = threading.Barrier(count, timeout=120)
    errors: list[str] = []

    def run(number: int) -> None:
        try:
            work(number, barrier)
        except Exception:  # noqa: BLE001 — every failure is reported, whatever it is
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting"
    return errors


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test fails the run, whatever skipped it."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI=true: {len(skipped)} test(s) were skipped; failing the run.", red=True)
        session.exitstatus = 1


def _pg_tool(name: str) -> str | None:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root: run the cluster as the postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """A libpq base URL (without database name) of a PostgreSQL server for the tests."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not initdb or not pg_ctl:
        skip_or_fail("PostgreSQL server binaries not found: install postgresql or set TEST_DATABASE_URL")
    base = Path("/tmp") / f"comunitar-pg-{os.getpid()}"
    data, sock = base / "data", base / "sock"
    data.mkdir(parents=True, exist_ok=True)
    sock.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    data.chmod(0o700)
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync",
                                 "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
    # Two test runs at once (two checkouts, parallel workers) each set their own port.
    port = os.environ.get("COMUNITAR_TEST_PG_PORT", "5439")
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(sock / "pg.log"), "-w", "-o",
                                 f"-k {sock} -c listen_addresses='' -p {port} -c fsync=off "
                                 "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@/{{database}}?host={sock}&port={port}"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def create_pg_database(server_url: str, name: str) -> str:
    """Create (or recreate) an empty database on the test server and return its URL."""
    if "{database}" not in server_url:
        # TEST_DATABASE_URL names one database: use it as given.
        return server_url
    admin = make_engine(server_url.format(database="postgres")).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.format(database=name)


def database_url_for(backend: str, request, name: str) -> str:
    if backend == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp(name)
        return f"sqlite:///{folder / 'test.sqlite3'}"
    return create_pg_database(request.getfixturevalue("postgres_server"), name)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, request) -> str:
    return database_url_for(backend, request, "comunitar_test")


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    """One connection per test, in a transaction rolled back at the end: tests never see each other."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def make_test_app(tmp_path, **overrides):
    config = {"TESTING": True, "SECRET_KEY": "test-secret-key", "INSTANCE_PATH": str(tmp_path / "instance"),
              **overrides}
    return create_app(config)


@pytest.fixture
def app(connection, tmp_path):
    # No application context is held open here: Flask would reuse it for every test request,
    # sharing `g` and the database session between requests as no real server does.
    return make_test_app(tmp_path, DATABASE_BIND=connection, DATABASE_URL="sqlite://")


@pytest.fixture
def db_session(connection):
    """The test's own session on the test connection; requests see what it has flushed."""
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        yield session


class Client:
    """The Flask test client plus what a browser would do: carry the CSRF token of the session."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def __getattr__(self, name):
        return getattr(self.http, name)

    def csrf_token(self) -> str:
        """The token Flask-WTF would put in this session's forms (made without a request, which
        would otherwise refresh or expire the session under test)."""
        with self.http.session_transaction() as session:
            raw = session.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
        return URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.http.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app):
    return Client(app)


_PASSWORD_HASH: dict[str, str] = {}


def password_hash() -> str:
    # scrypt is slow on purpose: hash the test password once per run.
    if "value" not in _PASSWORD_HASH:
        from portal.domain.accounts.services import hash_password

        _PASSWORD_HASH["value"] = hash_password(TEST_PASSWORD)
    return _PASSWORD_HASH["value"]


@pytest.fixture
def make_user(db_session):
    from portal.domain.accounts.models import Role, User

    counter = {"n": 0}

    def factory(role: str = "staff", email: str | None = None, full_name: str | None = None, **fields) -> User:
        counter["n"] += 1
        user = User(email=email or f"user{counter['n']}-{role}@test.ro",
                    full_name=full_name or f"Utilizator {role.capitalize()} {counter['n']}",
                    role=Role(role), password_hash=password_hash(), **{"is_active": True, **fields})
        db_session.add(user)
        db_session.flush()
        return user

    return factory


@pytest.fixture
def login_as(client, make_user, db_session):
    """Sign a user of the given role in on the test client (without the slow password check)."""

    def sign_in(role: str = "staff", member_of: dict | None = None, **fields):
        """`member_of` maps projects to the user's role there; by default a non-admin works on every
        project that exists, with the same role as the account."""
        from sqlalchemy import select

        from portal.domain.accounts.models import Role
        from portal.domain.projects.models import Project, ProjectMember

        user = make_user(role, **fields)
        if member_of is None and role != "admin":
            member_of = {project: role for project in db_session.scalars(select(Project))}
        for project, project_role in (member_of or {}).items():
            db_session.add(ProjectMember(project_id=project.id, user_id=user.id, role=Role(project_role)))
        db_session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["last_seen"] = int(time.time())
        return user

    return sign_in


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
