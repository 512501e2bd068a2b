"""The records' version: bumped in the same transaction as any change that can move a result.

Cached results and public pages remember the version they were made at and are used only while it
is still current, so a figure is never served stale: the number goes up in the very commit that
changes the records. The bump is the last statement before COMMIT, so on PostgreSQL the row lock
it takes is held only for the commit itself and can never be part of a deadlock.
"""
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from portal.domain.results.models import ResultsVersion

# Tables the results (figures, the results pages with their news and photos) are made from.
TRACKED_TABLES = frozenset({
    "project", "activity", "indicator", "indicator_service_type", "indicator_adjustment",
    "person", "enrollment", "enrollment_period", "activity_session", "attendance",
    "service_type", "service_delivery", "volunteer_hours", "news_post", "media_image",
    "benefit_kind", "benefit_line", "shop_ledger_line", "shop_purchase",
})
_DIRTY = "results_changed"
VERSION_ROW = 1


def current_version(db: Session) -> int:
    return db.scalar(select(ResultsVersion.version).where(ResultsVersion.id == VERSION_ROW)) or 0


def has_uncommitted_changes(db: Session) -> bool:
    """Whether the session holds changes to tracked tables that are not committed yet: figures it
    computes now count them, so they belong to no version and must not be cached."""
    db.flush()
    return bool(db.info.get(_DIRTY))


def bump(db: Session) -> None:
    if db.execute(update(ResultsVersion).where(ResultsVersion.id == VERSION_ROW)
                  .values(version=ResultsVersion.version + 1)).rowcount == 0:
        db.add(ResultsVersion(id=VERSION_ROW, version=1))
        db.flush()


def _is_tracked(instance) -> bool:
    return any(table.name in TRACKED_TABLES for table in inspect(instance).mapper.tables)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context, _instances) -> None:
    if not session.info.get(_DIRTY) and any(
            _is_tracked(instance) for instance in (*session.new, *session.dirty, *session.deleted)):
        session.info[_DIRTY] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and not state.session.info.get(_DIRTY):
        table = getattr(state.statement, "table", None)
        if table is not None and getattr(table, "name", None) in TRACKED_TABLES:
            state.session.info[_DIRTY] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # what is still pending may be a tracked change
    if session.info.pop(_DIRTY, False):
        bump(session)
        session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction is gone, and its changes with it
        session.info.pop(_DIRTY, None)
