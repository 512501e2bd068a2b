"""Individual services: a home-care visit, a medical test, an hour of counselling."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, utcnow
from portal.domain.accounts.models import User
from portal.domain.people.models import Person
from portal.domain.projects.models import Activity, Project

DEFAULT_SERVICE_TYPES = (
    ("Vizită de îngrijire la domiciliu", "Home care visit"),
    ("Test medical", "Medical test"),
    ("Consiliere juridică", "Legal counselling"),
    ("Asistență socială", "Social assistance"),
    ("Consiliere psihologică", "Psychological counselling"),
    ("Orientare profesională", "Job orientation"),
)


class ServiceType(Base):
    """A kind of individual service a project gives; each project keeps its own list."""

    __tablename__ = "service_type"
    __table_args__ = (UniqueConstraint("project_id", "name_ro"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name_ro: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    project: Mapped[Project] = relationship()


class ServiceDelivery(Base):
    """One service given to one person, dated, with who gave it; notes only for those allowed."""

    __tablename__ = "service_delivery"
    __table_args__ = (
        Index("ix_service_delivery_person_id_delivered_on", "person_id", "delivered_on"),
        Index("ix_service_delivery_staff_id_delivered_on", "staff_id", "delivered_on"),
        Index("ix_service_delivery_activity_id_delivered_on", "activity_id", "delivered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_type.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    delivered_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    activity: Mapped[Activity] = relationship()
    service_type: Mapped[ServiceType] = relationship()
    person: Mapped[Person] = relationship()
    staff: Mapped[User] = relationship(foreign_keys=[staff_id])
