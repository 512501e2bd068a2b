"""`attendance_month`: present marks per activity, person and month, kept by database triggers.

The attendance rules of the indicators read this table (tens of thousands of rows) rather than the
attendance marks (a million and more): computing a project's figures stays well under the
dashboard's 200 ms. Triggers, not application code, keep it right: every way a mark or a session
changes (a click, "all present", a merge of two persons, cancelling or moving a session, deleting
one) goes through them, on SQLite and on PostgreSQL alike. Migration 0007 installs the statements
below; `rebuild` recomputes the table after a bulk load that bypassed triggers.
"""
from sqlalchemy import text
from sqlalchemy.engine import Connection

SQLITE = [
    # A mark. `date(x, 'start of month')` is the month's first day.
    """CREATE TRIGGER attendance_month_insert AFTER INSERT ON attendance WHEN NEW.status = 'present'
    BEGIN
        INSERT INTO attendance_month (activity_id, person_id, month, sessions)
        SELECT s.activity_id, NEW.person_id, date(s.date, 'start of month'), 1
        FROM activity_session s WHERE s.id = NEW.session_id AND s.is_cancelled = 0
        ON CONFLICT (activity_id, person_id, month) DO UPDATE SET sessions = sessions + 1;
    END""",
    """CREATE TRIGGER attendance_month_delete AFTER DELETE ON attendance WHEN OLD.status = 'present'
    BEGIN
        UPDATE attendance_month SET sessions = sessions - 1
        WHERE person_id = OLD.person_id AND EXISTS (
            SELECT 1 FROM activity_session s WHERE s.id = OLD.session_id AND s.is_cancelled = 0
            AND s.activity_id = attendance_month.activity_id AND date(s.date, 'start of month') = attendance_month.month);
    END""",
    """CREATE TRIGGER attendance_month_update AFTER UPDATE OF status, person_id, session_id ON attendance
    BEGIN
        UPDATE attendance_month SET sessions = sessions - 1
        WHERE OLD.status = 'present' AND person_id = OLD.person_id AND EXISTS (
            SELECT 1 FROM activity_session s WHERE s.id = OLD.session_id AND s.is_cancelled = 0
            AND s.activity_id = attendance_month.activity_id AND date(s.date, 'start of month') = attendance_month.month);
        INSERT INTO attendance_month (activity_id, person_id, month, sessions)
        SELECT s.activity_id, NEW.person_id, date(s.date, 'start of month'), 1
        FROM activity_session s WHERE NEW.status = 'present' AND s.id = NEW.session_id AND s.is_cancelled = 0
        ON CONFLICT (activity_id, person_id, month) DO UPDATE SET sessions = sessions + 1;
    END""",
    # A session cancelled or restored, moved to another day, or deleted (before its marks go).
    """CREATE TRIGGER attendance_month_session_update AFTER UPDATE OF is_cancelled, date, activity_id ON activity_session
    BEGIN
        UPDATE attendance_month SET sessions = sessions - 1
        WHERE OLD.is_cancelled = 0 AND activity_id = OLD.activity_id AND month = date(OLD.date, 'start of month')
        AND person_id IN (SELECT a.person_id FROM attendance a WHERE a.session_id = OLD.id AND a.status = 'present');
        INSERT INTO attendance_month (activity_id, person_id, month, sessions)
        SELECT NEW.activity_id, a.person_id, date(NEW.date, 'start of month'), 1
        FROM attendance a WHERE NEW.is_cancelled = 0 AND a.session_id = NEW.id AND a.status = 'present'
        ON CONFLICT (activity_id, person_id, month) DO UPDATE SET sessions = sessions + 1;
    END""",
    """CREATE TRIGGER attendance_month_session_delete BEFORE DELETE ON activity_session
    BEGIN
        UPDATE attendance_month SET sessions = sessions - 1
        WHERE OLD.is_cancelled = 0 AND activity_id = OLD.activity_id AND month = date(OLD.date, 'start of month')
        AND person_id IN (SELECT a.person_id FROM attendance a WHERE a.session_id = OLD.id AND a.status = 'present');
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS attendance_month_insert", "DROP TRIGGER IF EXISTS attendance_month_delete",
               "DROP TRIGGER IF EXISTS attendance_month_update", "DROP TRIGGER IF EXISTS attendance_month_session_update",
               "DROP TRIGGER IF EXISTS attendance_month_session_delete"]

POSTGRESQL = [
    """CREATE FUNCTION attendance_month_add(p_session integer, p_person integer, p_delta integer) RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
        IF p_delta > 0 THEN
            INSERT INTO attendance_month (activity_id, person_id, month, sessions)
            SELECT s.activity_id, p_person, date_trunc('month', s.date)::date, p_delta
            FROM activity_session s WHERE s.id = p_session AND NOT s.is_cancelled
            ON CONFLICT (activity_id, person_id, month) DO UPDATE
                SET sessions = attendance_month.sessions + EXCLUDED.sessions;
        ELSE
            UPDATE attendance_month m SET sessions = m.sessions + p_delta
            FROM activity_session s
            WHERE s.id = p_session AND NOT s.is_cancelled AND m.activity_id = s.activity_id
            AND m.person_id = p_person AND m.month = date_trunc('month', s.date)::date;
        END IF;
    END $$""",
    """CREATE FUNCTION attendance_month_on_mark() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'present' THEN
            PERFORM attendance_month_add(OLD.session_id, OLD.person_id, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'present' THEN
            PERFORM attendance_month_add(NEW.session_id, NEW.person_id, 1);
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER attendance_month_mark AFTER INSERT OR DELETE OR UPDATE OF status, person_id, session_id
    ON attendance FOR EACH ROW EXECUTE FUNCTION attendance_month_on_mark()""",
    """CREATE FUNCTION attendance_month_on_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT OLD.is_cancelled THEN
            UPDATE attendance_month m SET sessions = m.sessions - 1
            FROM attendance a
            WHERE a.session_id = OLD.id AND a.status = 'present' AND m.person_id = a.person_id
            AND m.activity_id = OLD.activity_id AND m.month = date_trunc('month', OLD.date)::date;
        END IF;
        IF TG_OP = 'UPDATE' AND NOT NEW.is_cancelled THEN
            INSERT INTO attendance_month (activity_id, person_id, month, sessions)
            SELECT NEW.activity_id, a.person_id, date_trunc('month', NEW.date)::date, 1
            FROM attendance a WHERE a.session_id = NEW.id AND a.status = 'present'
            ON CONFLICT (activity_id, person_id, month) DO UPDATE SET sessions = attendance_month.sessions + 1;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER attendance_month_session_update AFTER UPDATE OF is_cancelled, date, activity_id
    ON activity_session FOR EACH ROW EXECUTE FUNCTION attendance_month_on_session()""",
    """CREATE TRIGGER attendance_month_session_delete BEFORE DELETE
    ON activity_session FOR EACH ROW EXECUTE FUNCTION attendance_month_on_session()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS attendance_month_session_delete ON activity_session",
    "DROP TRIGGER IF EXISTS attendance_month_session_update ON activity_session",
    "DROP TRIGGER IF EXISTS attendance_month_mark ON attendance",
    "DROP FUNCTION IF EXISTS attendance_month_on_session()",
    "DROP FUNCTION IF EXISTS attendance_month_on_mark()",
    "DROP FUNCTION IF EXISTS attendance_month_add(integer, integer, integer)",
]

REBUILD = {
    "sqlite": "date(s.date, 'start of month')",
    "postgresql": "date_trunc('month', s.date)::date",
}


def rebuild(connection: Connection) -> None:
    """Recompute the table from the marks (after a bulk load that bypassed the triggers), and bump the
    records' version so that no figure cached before it is served again."""
    month = REBUILD[connection.dialect.name]
    connection.execute(text("DELETE FROM attendance_month"))
    connection.execute(text(
        f"INSERT INTO attendance_month (activity_id, person_id, month, sessions) "
        f"SELECT s.activity_id, a.person_id, {month}, count(*) FROM attendance a "
        f"JOIN activity_session s ON s.id = a.session_id "
        f"WHERE a.status = 'present' AND s.is_cancelled = {'false' if connection.dialect.name == 'postgresql' else '0'} "
        f"GROUP BY s.activity_id, a.person_id, {month}"))
    # Figures cached before the rebuild were made from the old rows.
    connection.execute(text("UPDATE results_version SET version = version + 1"))


def install(connection: Connection) -> None:
    for statement in SQLITE if connection.dialect.name == "sqlite" else POSTGRESQL:
        connection.execute(text(statement))


def uninstall(connection: Connection) -> None:
    for statement in SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRESQL_DROP:
        connection.execute(text(statement))
