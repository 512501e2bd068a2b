"""Files checked by a dry run wait here for the real import, for a day at most."""
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.domain.actor import Actor
from portal.domain.people.models import ImportUpload

KEEP_FOR = timedelta(days=1)


def keep_upload(db: Session, actor: Actor, project_id: int, filename: str, content: bytes) -> str:
    db.execute(delete(ImportUpload).where(ImportUpload.created_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(32)
    db.add(ImportUpload(token=token, user_id=actor.user_id, project_id=project_id, filename=filename[:255],
                        content=content))
    return token


def find_upload(db: Session, actor: Actor, token: str) -> ImportUpload | None:
    """The caller's own upload, if it has not expired."""
    return db.scalar(select(ImportUpload).where(ImportUpload.token == token, ImportUpload.user_id == actor.user_id,
                                                ImportUpload.created_at >= utcnow() - KEEP_FOR))


def discard_upload(db: Session, upload: ImportUpload) -> None:
    db.delete(upload)
