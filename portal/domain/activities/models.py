"""Sessions of an activity, who is expected at them, and who came."""
import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text, Time, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, enum_column, utcnow
from portal.domain.accounts.models import User
from portal.domain.people.models import Person
from portal.domain.projects.models import Activity

session_facilitator = Table(
    "session_facilitator", Base.metadata,
    Column("session_id", ForeignKey("activity_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    # "My sessions": a staff member's sessions are found from the user's side.
    Index("ix_session_facilitator_user_id_session_id", "user_id", "session_id"),
)


class SessionSeries(Base):
    """How a run of repeating sessions was planned: kept so staff can see and extend the rule."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[str] = mapped_column(String(20))  # ISO weekday numbers, "1,2,3,4,5"
    skipped_dates: Mapped[str] = mapped_column(Text, default="")  # ISO dates, comma separated
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ActivitySession(Base):
    """One occurrence of an activity: a day of after-school, a workshop, an excursion."""

    __tablename__ = "activity_session"
    __table_args__ = (Index("ix_activity_session_activity_id_date", "activity_id", "date", "start_time"),
                      Index("ix_activity_session_date", "date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("session_series.id", ondelete="SET NULL"), index=True)
    date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(300), default="")
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    activity: Mapped[Activity] = relationship()
    series: Mapped[SessionSeries | None] = relationship()
    facilitators: Mapped[list[User]] = relationship(secondary=session_facilitator, order_by=User.full_name)

    @property
    def minutes(self) -> int:
        return max(0, (self.end_time.hour * 60 + self.end_time.minute) - (self.start_time.hour * 60 + self.start_time.minute))


class RosterEntry(Base):
    """A person expected at an activity's sessions (the children of the after-school group)."""

    __tablename__ = "roster_entry"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship()

    def expected_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


class AttendanceStatus(str, enum.Enum):
    present = "present"
    absent = "absent"
    excused = "excused"


class Attendance(Base):
    """Whether a person came to a session; the last word, with who said it and when."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),
                      Index("ix_attendance_person_id_session_id", "person_id", "session_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, 10))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)  # came without being on the roster
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    session: Mapped[ActivitySession] = relationship()
    person: Mapped[Person] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class AttendanceChange(Base):
    """Every mark ever made, oldest first: the sheet's history. Never updated, never deleted."""

    __tablename__ = "attendance_change"
    __table_args__ = (Index("ix_attendance_change_session_id_person_id", "session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("activity_session.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    old_status: Mapped[AttendanceStatus | None] = mapped_column(enum_column(AttendanceStatus, 10))
    new_status: Mapped[AttendanceStatus | None] = mapped_column(enum_column(AttendanceStatus, 10))
    # True when the sheet was already closed (older than the project's lock) and a coordinator changed it.
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="click")  # click, all_present, paper
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()
