"""Sessions opened to public sign-up, the sign-ups, volunteer hours and volunteer certificates."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, enum_column, utcnow
from portal.domain.activities.models import ActivitySession
from portal.domain.news.models import MediaImage
from portal.domain.people.models import Person, Sex
from portal.domain.projects.models import Activity, Project


class ListingCategory(str, enum.Enum):
    volunteering = "volunteering"
    cultural_event = "cultural_event"
    excursion = "excursion"
    workshop = "workshop"
    summer_school = "summer_school"
    show = "show"


class PublicListing(Base):
    """A session published on the public site: a volunteering opportunity or an event people sign up for.

    Date, time and place are the session's own; the listing adds what the public reads and the
    number of places offered. Every change to its sign-ups first bumps `lock_version`, which takes
    the row's write lock: sign-ups of one listing happen one after another, on every database.
    """

    __tablename__ = "public_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id", ondelete="CASCADE"), unique=True)
    category: Mapped[ListingCategory] = mapped_column(enum_column(ListingCategory, 20), index=True)
    title_ro: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ro: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column(Integer)  # None: no limit, nobody waits
    signup_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: until the start
    takes_signups: Mapped[bool] = mapped_column(Boolean, default=True)  # False: information only
    image_id: Mapped[int | None] = mapped_column(ForeignKey("media_image.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[ActivitySession] = relationship()
    image: Mapped[MediaImage | None] = relationship()


class SignUpStatus(str, enum.Enum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


ACTIVE_SIGNUP = "status <> 'cancelled'"


class SignUp(Base):
    """Someone's registration for a listing, as they typed it; linked to a person of the register only
    when staff turn it into attendance."""

    __tablename__ = "sign_up"
    __table_args__ = (
        Index("ix_sign_up_listing_id_status_queued_at", "listing_id", "status", "queued_at"),
        # One seat per person per session: the same e-mail or phone cannot hold two active sign-ups.
        Index("uq_sign_up_listing_id_email_key", "listing_id", "email_key", unique=True,
              sqlite_where=text(f"{ACTIVE_SIGNUP} AND email_key <> ''"),
              postgresql_where=text(f"{ACTIVE_SIGNUP} AND email_key <> ''")),
        Index("uq_sign_up_listing_id_phone_key", "listing_id", "phone_key", unique=True,
              sqlite_where=text(f"{ACTIVE_SIGNUP} AND phone_key <> ''"),
              postgresql_where=text(f"{ACTIVE_SIGNUP} AND phone_key <> ''")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("public_listing.id", ondelete="CASCADE"))
    status: Mapped[SignUpStatus] = mapped_column(enum_column(SignUpStatus, 12))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email_key: Mapped[str] = mapped_column(String(254), default="")  # lower case
    phone_key: Mapped[str] = mapped_column(String(20), default="")  # digits, national form (07…)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, 1))  # the register needs it (no CNP is asked)
    school: Mapped[str] = mapped_column(String(200), default="")
    school_class: Mapped[str] = mapped_column(String(40), default="")
    privacy_accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    guardian_name: Mapped[str] = mapped_column(String(200), default="")
    guardian_contact: Mapped[str] = mapped_column(String(254), default="")
    guardian_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    token_nonce: Mapped[str] = mapped_column(String(32))  # part of the cancel link; a new one voids old links
    source: Mapped[str] = mapped_column(String(10), default="public")  # "public" or "staff"
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Place in the waiting list: when the sign-up joined this listing (a move joins at the end).
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: by the person
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    listing: Mapped[PublicListing] = relationship()
    person: Mapped[Person | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.status != SignUpStatus.cancelled


class SignUpAttempt(Base):
    """One public sign-up attempt from an address: what the per-address rate limit counts."""

    __tablename__ = "sign_up_attempt"
    __table_args__ = (Index("ix_sign_up_attempt_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class VolunteerHours(Base):
    """Hours of volunteering a person did, at a session or on another task; what the certificate sums."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),
                      Index("ix_volunteer_hours_person_id_day", "person_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("activity_session.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    task: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    project: Mapped[Project] = relationship()
    activity: Mapped[Activity | None] = relationship()


class VolunteerCertificate(Base):
    """An issued "adeverință de voluntariat" (Law 78/2014): numbered, with the hours it states."""

    __tablename__ = "volunteer_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)  # the certificate's number
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    activities: Mapped[str] = mapped_column(Text, default="")  # what was done, as printed
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    project: Mapped[Project] = relationship()
