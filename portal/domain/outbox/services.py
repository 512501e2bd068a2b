"""The outbox: every message is stored in the database first, in the same transaction as the change it
announces; sending is a separate step that may fail and be tried again. Nothing is ever lost."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.domain.outbox.models import OutboxMessage

PAGE_SIZE = 50
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmtpSettings:
    server: str
    port: int = 587
    username: str = ""
    password: str = ""
    use_tls: bool = True
    sender: str = ""
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "SmtpSettings | None":
        """The app's MAIL_* settings, or None when no SMTP server is configured (messages stay stored)."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(server=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 587),
                   username=config.get("MAIL_USERNAME", ""), password=config.get("MAIL_PASSWORD", ""),
                   use_tls=bool(config.get("MAIL_USE_TLS", True)),
                   sender=config.get("MAIL_FROM") or config.get("MAIL_USERNAME") or "")


def queue(db: Session, *, recipient: str, subject: str, body: str, project_id: int | None = None,
          sign_up_id: int | None = None) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject[:300], body=body, project_id=project_id,
                            sign_up_id=sign_up_id)
    db.add(message)
    db.flush()
    return message


def _as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    return email


def send_smtp(settings: SmtpSettings, messages: list[OutboxMessage]) -> dict[int, str]:
    """Send over one SMTP connection; returns the error text of each message that failed."""
    errors: dict[int, str] = {}
    try:
        smtp_class = smtplib.SMTP_SSL if settings.port == 465 else smtplib.SMTP
        with smtp_class(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls and settings.port != 465:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            for message in messages:
                try:
                    smtp.send_message(_as_email(message, settings.sender))
                except (smtplib.SMTPException, OSError) as error:
                    errors[message.id] = str(error) or type(error).__name__
    except (smtplib.SMTPException, OSError) as error:
        for message in messages:
            errors.setdefault(message.id, str(error) or type(error).__name__)
    return errors


def deliver(db: Session, settings: SmtpSettings | None, *, ids: list[int] | None = None,
            created_since: datetime | None = None, limit: int = 100, sender=send_smtp) -> tuple[int, int]:
    """Try unsent messages (the given ids, those created since a moment, or the oldest `limit`): (sent, failed).

    Each message is first claimed with a conditional UPDATE on its attempt count and the claim is
    committed, so that two workers (or a worker and the cron job) never send the same message; the
    SMTP conversation then runs with no transaction open, and the result is committed after it.
    Without SMTP settings nothing is tried and every message stays stored, visible to staff."""
    if settings is None:
        return 0, 0
    query = select(OutboxMessage.id, OutboxMessage.attempts).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if created_since is not None:
        query = query.where(OutboxMessage.created_at >= created_since)
    candidates = db.execute(query.order_by(OutboxMessage.created_at, OutboxMessage.id).limit(limit)).all()
    claimed = [message_id for message_id, attempts in candidates
               if db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id,
                                                         OutboxMessage.sent_at.is_(None),
                                                         OutboxMessage.attempts == attempts)
                             .values(attempts=attempts + 1)).rowcount == 1]
    db.commit()
    if not claimed:
        return 0, 0
    messages = list(db.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed))
                               .order_by(OutboxMessage.id)))
    db.commit()  # nothing held while the mail server talks
    errors = sender(settings, messages)
    now = utcnow()
    for message in messages:
        if message.id in errors:
            message.last_error = errors[message.id][:500]
        else:
            message.sent_at = now
            message.last_error = ""
    db.commit()
    return len(messages) - len(errors), len(errors)


def retry(db: Session, message: OutboxMessage) -> None:
    """Staff ask for another try of a message that gave up."""
    if message.sent_at is None:
        message.attempts = min(message.attempts, MAX_ATTEMPTS - 1)


def _visible(query, project_ids: set[int] | None):
    if project_ids is None:
        return query
    return query.where(OutboxMessage.project_id.in_(project_ids or {-1}))


def messages_for_staff(db: Session, project_ids: set[int] | None, *, unsent_only: bool = False,
                       page: int = 1) -> tuple[list[OutboxMessage], bool]:
    """The messages of the given projects (None: all), newest first, one page; and whether more follow."""
    query = _visible(select(OutboxMessage), project_ids)
    if unsent_only:
        query = query.where(OutboxMessage.sent_at.is_(None))
    rows = list(db.scalars(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                           .limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def unsent_count(db: Session, project_ids: set[int] | None) -> int:
    return db.scalar(_visible(select(func.count(OutboxMessage.id)), project_ids)
                     .where(OutboxMessage.sent_at.is_(None))) or 0


def erase_recipient(db: Session, addresses: list[str]) -> None:
    """A person's erasure: their stored messages lose address and content."""
    addresses = [address for address in addresses if address]
    if not addresses:
        return
    for message in db.scalars(select(OutboxMessage).where(or_(*(OutboxMessage.recipient == a for a in addresses)))):
        message.recipient = ""
        message.subject = ""
        message.body = ""
