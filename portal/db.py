"""SQLAlchemy 2 without Flask-SQLAlchemy: one engine per app, one session per app context.

Why our own small module: the domain services are plain SQLAlchemy and run the same in the CLI,
the benchmarks and the tests; the tests bind the session to a connection that is rolled back
after each test (join_transaction_mode="create_savepoint"), which Flask-SQLAlchemy makes awkward.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum_class, length: int = 30) -> Enum:
    """An enumeration stored as its values ("M", "refused") in a VARCHAR: readable in exports and plain
    SQL, and the same on SQLite and PostgreSQL (no native enum type to migrate)."""
    return Enum(enum_class, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UtcDateTime column")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# SQLite lets one connection write at a time. A transaction that has read and then writes cannot wait
# for its turn: if another one wrote meanwhile it fails at once with "database is locked". Transactions
# begun while this is set take the write lock at their start instead (BEGIN IMMEDIATE) and so wait
# their turn (busy_timeout). The web app sets it for every state-changing request; PostgreSQL ignores it.
_write_intent: ContextVar[bool] = ContextVar("comunitar_write_intent", default=False)


@contextmanager
def writing():
    """The transactions begun inside this block will write (see _write_intent)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        options = {"connect_args": {"check_same_thread": False, "timeout": 30}, **options}
        if url in ("sqlite://", "sqlite:///:memory:"):
            options["poolclass"] = StaticPool
        engine = create_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    # No server-side prepared statements: their generic plans ignore the search values, and a name
    # search by prefix then scans what a plan made for those values would read through an index.
    return create_engine(url, **{"pool_pre_ping": True, "connect_args": {"prepare_threshold": None}, **options})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin, so SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def _session_for_current_app() -> Session:
    bind = current_app.extensions["comunitar.db"]
    return Session(bind=bind, join_transaction_mode="create_savepoint")


def _app_context_key():
    # One session per application context (per request, per CLI command).
    return id(g._get_current_object())


class Database:
    def __init__(self) -> None:
        self.session = scoped_session(_session_for_current_app, scopefunc=_app_context_key)

    def init_app(self, app: Flask) -> None:
        bind = app.config.get("DATABASE_BIND") or make_engine(app.config["DATABASE_URL"])
        app.extensions["comunitar.db"] = bind

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.session.remove()

    @staticmethod
    def engine(app: Flask) -> Engine:
        bind = app.extensions["comunitar.db"]
        return bind.engine if hasattr(bind, "engine") else bind


db = Database()
