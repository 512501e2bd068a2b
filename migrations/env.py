"""Alembic environment: the connection comes from portal.migrations (CLI, `make run`, tests)."""
from alembic import context

from portal.db import UtcDateTime
from portal.domain.models import Base

target_metadata = Base.metadata


def render_item(type_, obj, autogen_context):
    # Migrations must not import application types: UtcDateTime is stored as DateTime(timezone=True).
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Run migrations with `flask --app portal migrate` (portal.migrations).")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline SQL generation is not supported; run against a database.")
run_migrations_online()
