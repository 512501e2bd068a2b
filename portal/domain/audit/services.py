from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction, AuditEntry

PAGE_SIZE = 100


def record(db: Session, actor: Actor, action: AuditAction, person_id: int | None, details: str = "") -> None:
    db.add(AuditEntry(user_id=actor.user_id, address=actor.address[:64], action=action,
                      person_id=person_id, details=details[:2000]))


def entries_for_person(db: Session, person_id: int, page: int = 1) -> list[AuditEntry]:
    return list(db.scalars(
        select(AuditEntry).where(AuditEntry.person_id == person_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))


def entries_for_user(db: Session, user_id: int, page: int = 1) -> list[AuditEntry]:
    return list(db.scalars(
        select(AuditEntry).where(AuditEntry.user_id == user_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
