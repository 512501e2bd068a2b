"""Alembic migrations and the models agree, on SQLite and PostgreSQL; upgrade and downgrade both work."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from portal.db import make_engine
from portal.domain.models import Base
from portal.migrations import downgrade, upgrade
from tests.conftest import database_url_for


def test_autogenerate_finds_no_difference_between_models_and_migrations(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_upgrade_and_downgrade_on_an_empty_database(backend, request):
    engine = make_engine(database_url_for(backend, request, "comunitar_migrations"))
    try:
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"user_account", "login_attempt", "project", "zone", "zone_street", "activity", "indicator"} <= tables
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert "project" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
