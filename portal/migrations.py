"""Alembic, driven from Python: the same upgrade for `make run`, the CLI and the tests."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(bind: Engine | Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = bind
    return config


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    _run(command.upgrade, bind, revision)


def downgrade(bind: Engine | Connection, revision: str = "base") -> None:
    _run(command.downgrade, bind, revision)


def _run(action, bind, revision):
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            action(alembic_config(connection), revision)
    else:
        action(alembic_config(bind), revision)
