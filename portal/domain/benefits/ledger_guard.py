"""The shop ledger is append-only, and the database says so: triggers refuse to change or delete a line.

What they let through, and why:
- an UPDATE of `person_id` alone: a merge of two records moves the absorbed record's lines to the kept one;
- an UPDATE that only clears `volunteer_hours_id`, when the line's credit has been corrected to zero
  (the line's hours plus those of the lines correcting it make 0): volunteer hours credited to the shop
  and then removed are first taken back by a correction line, then their entry can go (the link is
  ON DELETE RESTRICT, so nothing clears it silently);
- a DELETE whose project is gone: deleting a project (ON DELETE CASCADE) takes its ledger with it.
Everything else raises an integrity error. Migration 0008 installs the statements below (one copy, like
portal/domain/results/tally.py); a later change to them comes with its own migration.
"""
from sqlalchemy import text
from sqlalchemy.engine import Connection

MESSAGE = "shop_ledger_line is append-only: add a correction line instead"

# The columns that never change once a line is written (person_id and volunteer_hours_id are checked apart).
FIXED = ["id", "project_id", "kind", "day", "hours", "task", "verified_by_id", "purchase_id", "corrects_id",
         "recorded_by_id", "recorded_at"]


def _sqlite_unchanged() -> str:
    return " AND ".join(f"NEW.{column} IS OLD.{column}" for column in FIXED)


# The line's hours and its corrections' make 0 (rounded: SQLite may sum in floating point).
NET_ZERO = ("ROUND(OLD.hours + COALESCE((SELECT SUM(c.hours) FROM shop_ledger_line c "
            "WHERE c.corrects_id = OLD.id), 0), 2) = 0")


SQLITE = [
    f"""CREATE TRIGGER shop_ledger_line_no_update BEFORE UPDATE ON shop_ledger_line
    WHEN NOT ({_sqlite_unchanged()}
              AND (NEW.volunteer_hours_id IS OLD.volunteer_hours_id
                   OR (NEW.volunteer_hours_id IS NULL AND {NET_ZERO})))
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END""",
    f"""CREATE TRIGGER shop_ledger_line_no_delete BEFORE DELETE ON shop_ledger_line
    WHEN EXISTS (SELECT 1 FROM project WHERE project.id = OLD.project_id)
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}');
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS shop_ledger_line_no_update",
               "DROP TRIGGER IF EXISTS shop_ledger_line_no_delete"]

_PG_OLD = ", ".join(f"OLD.{column}" for column in FIXED)
_PG_NEW = ", ".join(f"NEW.{column}" for column in FIXED)

POSTGRESQL = [
    f"""CREATE FUNCTION shop_ledger_line_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF EXISTS (SELECT 1 FROM project WHERE project.id = OLD.project_id) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN OLD;
        END IF;
        IF ROW({_PG_NEW}) IS DISTINCT FROM ROW({_PG_OLD})
           OR (NEW.volunteer_hours_id IS DISTINCT FROM OLD.volunteer_hours_id
               AND NOT (NEW.volunteer_hours_id IS NULL AND {NET_ZERO})) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER shop_ledger_line_append_only BEFORE UPDATE OR DELETE ON shop_ledger_line
    FOR EACH ROW EXECUTE FUNCTION shop_ledger_line_append_only()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS shop_ledger_line_append_only ON shop_ledger_line",
    "DROP FUNCTION IF EXISTS shop_ledger_line_append_only()",
]


def install(connection: Connection) -> None:
    for statement in POSTGRESQL if connection.dialect.name == "postgresql" else SQLITE:
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    for statement in POSTGRESQL_DROP if connection.dialect.name == "postgresql" else SQLITE_DROP:
        connection.execute(text(statement))
