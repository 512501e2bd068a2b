import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, enum_column, utcnow


class AuditAction(str, enum.Enum):
    view = "view"
    create = "create"
    update = "update"
    enroll = "enroll"
    consent = "consent"
    document = "document"
    merge = "merge"
    export = "export"
    erase = "erase"
    import_ = "import"


class AuditEntry(Base):
    """Who read or changed which personal record, when and from where. Never updated, never deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_person_id_at", "person_id", "at"),
        Index("ix_audit_entry_user_id_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, 20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # What was touched: field names, the project, a count — never the personal values themselves.
    details: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")
    person = relationship("Person")
