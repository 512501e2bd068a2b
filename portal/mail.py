"""Sending the outbox from the web app: right after the request that wrote the messages has committed."""
from flask import current_app, g

from portal.domain.outbox import services as outbox
from portal.extensions import db


def send_after_commit() -> None:
    """Ask for the outbox to be sent once this request's transaction has committed."""
    g.send_outbox = True


def send_pending(limit: int = 20) -> tuple[int, int]:
    """Try the unsent messages now (when SMTP is configured) and keep the result: (sent, failed)."""
    settings = outbox.SmtpSettings.from_config(current_app.config)
    if settings is None:
        return 0, 0
    try:
        result = outbox.deliver(db.session, settings, limit=limit)
        db.session.commit()
        return result
    except Exception:  # a mail server's trouble must never turn a done sign-up into an error page
        current_app.logger.exception("Sending the outbox failed")
        db.session.rollback()
        return 0, 0
