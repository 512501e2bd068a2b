"""What the results feature stores besides the indicators: logged adjustments and the records' version."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, utcnow
from portal.domain.accounts.models import User
from portal.domain.projects.models import Indicator


class IndicatorAdjustment(Base):
    """A manual correction of an achieved value (e.g. participants counted on paper before Comunitar),
    added to what the rule computes; a separate line with its reason, never an overwrite."""

    __tablename__ = "indicator_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # may be negative
    effective_on: Mapped[date] = mapped_column(Date)  # the month it counts in
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship()
    created_by: Mapped[User | None] = relationship()


class ResultsVersion(Base):
    """One row whose number goes up with every committed change to the records results are computed
    from; cached figures and pages remember the number they were made at."""

    __tablename__ = "results_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class AttendanceMonth(Base):
    """Present marks per activity, person and month, kept by database triggers on `attendance` and
    `activity_session` (migration 0007): what the attendance rules read instead of a million marks.

    Marks of cancelled sessions are not counted; rows may fall to 0 and stay. Never written by the
    application; `tally.rebuild` recomputes it after a bulk load that bypassed triggers.
    """

    __tablename__ = "attendance_month"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    sessions: Mapped[int] = mapped_column(Integer)
