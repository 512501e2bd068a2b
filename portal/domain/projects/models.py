import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Boolean, Column, Date, ForeignKey, Numeric, SmallInteger, String, Table, Text, UniqueConstraint, true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, enum_column
from portal.domain.accounts.models import Role, User


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # MySMIS code
    title: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(80))
    programme: Mapped[str] = mapped_column(String(300))
    beneficiary: Mapped[str] = mapped_column(String(300))  # who runs the project
    funder_line: Mapped[str] = mapped_column(String(500))  # printed on attendance sheets
    town: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    summary_ro: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # After this many days an attendance sheet is closed: changes need a coordinator and are flagged.
    attendance_lock_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")

    members: Mapped[list["ProjectMember"]] = relationship(back_populates="project", cascade="all, delete-orphan")
    zones: Mapped[list["Zone"]] = relationship(back_populates="project", order_by="Zone.name")
    activities: Mapped[list["Activity"]] = relationship(back_populates="project", order_by="Activity.code")
    indicators: Mapped[list["Indicator"]] = relationship(back_populates="project", order_by="Indicator.code")


class Zone(Base):
    """A marginalised area of a project; eligibility checks an address against its streets."""

    __tablename__ = "zone"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    project: Mapped[Project] = relationship(back_populates="zones")
    streets: Mapped[list["ZoneStreet"]] = relationship(
        back_populates="zone", order_by="ZoneStreet.name", cascade="all, delete-orphan"
    )


class ZoneStreet(Base):
    __tablename__ = "zone_street"
    __table_args__ = (UniqueConstraint("zone_id", "folded_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Lower case, no diacritics: what an address typed by staff is compared against.
    folded_name: Mapped[str] = mapped_column(String(200))

    zone: Mapped[Zone] = relationship(back_populates="streets")


class ActivityKind(str, enum.Enum):
    group_sessions = "group_sessions"
    individual_service = "individual_service"
    public_event = "public_event"
    volunteering = "volunteering"
    benefit = "benefit"


class Activity(Base):
    """A project's line of work, such as A1.1 "Școală după școală"."""

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    name_ro: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, 30))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    project: Mapped[Project] = relationship(back_populates="activities")

    @property
    def allows_walk_ins(self) -> bool:
        """Open events take whoever comes; group sessions take their roster."""
        return self.kind in (ActivityKind.public_event, ActivityKind.volunteering)


class IndicatorUnit(str, enum.Enum):
    persons = "persons"
    services = "services"
    sessions = "sessions"
    events = "events"
    hours = "hours"
    lei = "lei"
    pieces = "pieces"


class RuleKind(str, enum.Enum):
    """How an indicator's achieved value is computed from the records."""

    enrolled_persons = "enrolled_persons"  # unique persons in the target group (with a characteristic)
    attending_persons = "attending_persons"  # unique persons present at ≥ N sessions (of an activity)
    services_delivered = "services_delivered"  # individual services of chosen types, counted
    service_recipients = "service_recipients"  # unique persons who received services of chosen types
    volunteers = "volunteers"  # unique persons with volunteering hours or present at volunteering sessions
    volunteer_hours = "volunteer_hours"  # hours of volunteering, summed
    event_attendees = "event_attendees"  # unique persons present at public events
    sessions_held = "sessions_held"  # sessions that took place (not cancelled, someone present)
    benefit_recipients = "benefit_recipients"  # unique persons paid or handed a benefit (of one kind)
    benefits_given = "benefits_given"  # lei paid or pieces handed over, summed (of one kind)
    shop_participants = "shop_participants"  # unique persons with community work or a purchase in the shop
    community_work_hours = "community_work_hours"  # verified community-work hours (with their corrections)


class Indicator(Base):
    """A project's target as written in the financing contract, and the rule that counts it.

    The achieved value is never typed in: `portal.domain.results` computes it from the records with
    the rule below (plus any logged adjustment). An indicator without a rule shows its target only.
    """

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))
    name_ro: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped["IndicatorUnit"] = mapped_column(enum_column(IndicatorUnit, 20))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    # The rule (portal.domain.results.rules): what is counted, in which activity, how often.
    rule: Mapped["RuleKind | None"] = mapped_column(enum_column(RuleKind, 30))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    min_sessions: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    characteristic: Mapped[str] = mapped_column(String(40), default="", server_default="")
    benefit_kind_id: Mapped[int | None] = mapped_column(ForeignKey("benefit_kind.id", ondelete="RESTRICT"))

    project: Mapped[Project] = relationship(back_populates="indicators")
    activity: Mapped["Activity | None"] = relationship()
    benefit_kind = relationship("BenefitKind")
    service_types = relationship("ServiceType", secondary="indicator_service_type", order_by="ServiceType.name_ro")


indicator_service_type = Table(
    "indicator_service_type", Base.metadata,
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
    Column("service_type_id", ForeignKey("service_type.id", ondelete="CASCADE"), primary_key=True),
)


class ProjectMember(Base):
    """A staff member working on a project, with the role they have there.

    Administrators see every project; everyone else sees the projects they are members of, and
    what they may do there follows the role of their membership, not their organisation-wide role.
    """

    __tablename__ = "project_member"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
