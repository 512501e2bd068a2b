"""Messages to people outside the organisation (sign-up confirmations): stored first, then sent."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UtcDateTime, utcnow


class OutboxMessage(Base):
    """One e-mail. Written in the same transaction as what it announces, so it is never lost; sent by
    SMTP when configured (after the commit, or later by `flask outbox send`), otherwise kept for staff."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_sent_at_created_at", "sent_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="SET NULL"), index=True)
    sign_up_id: Mapped[int | None] = mapped_column(ForeignKey("sign_up.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
