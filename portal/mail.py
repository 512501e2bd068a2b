"""Sending the outbox from the web app: right after the request that wrote the messages has committed."""
from datetime import timedelta

from flask import current_app, g

from portal.db import utcnow

from portal.domain.outbox import services as outbox
from portal.extensions import db


def send_after_commit() -> None:
    """Ask for the messages this request wrote to be sent once its transaction has committed.
    (Older unsent ones are the cron job's: `flask send-outbox`.)"""
    g.setdefault("send_outbox_since", g.get("request_started") or utcnow() - timedelta(minutes=1))


def send_pending(limit: int = 20, created_since=None, ids: list[int] | None = None) -> tuple[int, int]:
    """Try the unsent messages now (when SMTP is configured) and keep the result: (sent, failed)."""
    settings = outbox.SmtpSettings.from_config(current_app.config)
    if settings is None:
        return 0, 0
    try:
        return outbox.deliver(db.session, settings, limit=limit, created_since=created_since, ids=ids)
    except Exception:  # a mail server's trouble must never turn a done sign-up into an error page
        current_app.logger.exception("Sending the outbox failed")
        db.session.rollback()
        return 0, 0
