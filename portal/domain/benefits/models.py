"""Benefits (subsidies, prizes, hot meals, school kits, vouchers) and the social shop.

Money and goods are what auditors check most closely, so the database itself holds the rules that
matter: a person is on one list only per benefit kind and period (a unique constraint, whatever the
application does), the shop's balances and stocks cannot go below zero (check constraints, changed
by conditional updates), and the shop's ledger is only ever appended to.
"""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text,
    UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, enum_column, utcnow
from portal.domain.accounts.models import User
from portal.domain.people.models import Person
from portal.domain.projects.models import Activity, Project


# Benefits --------------------------------------------------------------------------------------------

class BenefitCategory(str, enum.Enum):
    cash_subsidy = "cash_subsidy"
    prize = "prize"
    hot_meal = "hot_meal"
    school_kit = "school_kit"
    voucher = "voucher"


class BenefitUnit(str, enum.Enum):
    lei = "lei"  # money, Decimal with two places
    pieces = "pieces"  # meals, kits, vouchers handed over


class BenefitFrequency(str, enum.Enum):
    """How often a person may receive the kind: the period a list covers and the key of "paid once"."""

    monthly = "monthly"  # a calendar month: "2026-10"
    yearly = "yearly"  # a calendar year: "2026"
    once = "once"  # once in the project: "once"


class EntitlementRule(str, enum.Enum):
    """Who a list proposes for a period."""

    manual = "manual"  # nobody: staff add the persons (prizes of a contest)
    enrolled = "enrolled"  # on the activity's roster (or, without an activity, in the target group) in the period
    attendance = "attendance"  # present at ≥ min_sessions sessions of the activity in the period
    per_presence = "per_presence"  # amount × sessions present in the period (a hot meal per day present)


class BenefitKind(Base):
    """A benefit a project gives, such as "Subvenție școală după școală: 500 lei pe lună"."""

    __tablename__ = "benefit_kind"
    __table_args__ = (
        UniqueConstraint("project_id", "name_ro"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("min_sessions >= 0", name="min_sessions_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    category: Mapped[BenefitCategory] = mapped_column(enum_column(BenefitCategory, 20))
    name_ro: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[BenefitUnit] = mapped_column(enum_column(BenefitUnit, 10))
    # Per person and period (per session present for per_presence): 500.00 lei, 1 kit.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    frequency: Mapped[BenefitFrequency] = mapped_column(enum_column(BenefitFrequency, 10))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="RESTRICT"))
    rule: Mapped[EntitlementRule] = mapped_column(enum_column(EntitlementRule, 20))
    min_sessions: Mapped[int] = mapped_column(SmallInteger, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    activity: Mapped[Activity | None] = relationship()


class BenefitListStatus(str, enum.Enum):
    draft = "draft"  # proposed; staff add and remove persons
    approved = "approved"  # fixed; lines are paid or handed over one by one


class BenefitList(Base):
    """An entitlement list: who receives one benefit kind for one period (a payment or hand-over list).

    A period may have a second, supplementary list (a child who joined late); the lines' constraint
    keeps anyone from being on both."""

    __tablename__ = "benefit_list"

    id: Mapped[int] = mapped_column(primary_key=True)  # the list's number, printed
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("benefit_kind.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(10))  # "2026-10", "2026" or "once" (see BenefitFrequency)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    status: Mapped[BenefitListStatus] = mapped_column(enum_column(BenefitListStatus, 10),
                                                      default=BenefitListStatus.draft)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    project: Mapped[Project] = relationship()
    kind: Mapped[BenefitKind] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    lines: Mapped[list["BenefitLine"]] = relationship(back_populates="benefit_list", order_by="BenefitLine.id")


class BenefitLine(Base):
    """One person on a list: what they are entitled to and, once given, when, on which document, by whom.

    (kind, person, period) is unique: nobody can be on two lists of one kind for the same period, so
    nothing is paid twice, whatever the screens do. A paid line is never changed or deleted.
    """

    __tablename__ = "benefit_line"
    __table_args__ = (
        UniqueConstraint("kind_id", "person_id", "period", name="uq_benefit_line_paid_once"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("(paid_on IS NULL) = (paid_by_id IS NULL)", name="paid_with_who"),
        Index("ix_benefit_line_person_id", "person_id"),
        Index("ix_benefit_line_list_id", "list_id"),
        Index("ix_benefit_line_kind_id_paid_on", "kind_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("benefit_list.id", ondelete="RESTRICT"))
    kind_id: Mapped[int] = mapped_column(ForeignKey("benefit_kind.id", ondelete="RESTRICT"))  # = the list's
    period: Mapped[str] = mapped_column(String(10))  # = the list's
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # lei or pieces
    sessions: Mapped[int | None] = mapped_column(Integer)  # sessions present in the period, when the rule counts them
    added_manually: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(300), default="")  # e.g. "locul I"
    paid_on: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(60), default="")
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # who paid or handed over
    paid_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    paid_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    benefit_list: Mapped[BenefitList] = relationship(back_populates="lines")
    kind: Mapped[BenefitKind] = relationship()
    person: Mapped[Person] = relationship()
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


# Social shop ------------------------------------------------------------------------------------------

class ShopProduct(Base):
    """A product of a project's social shop, priced in hours of community work."""

    __tablename__ = "shop_product"
    __table_args__ = (
        UniqueConstraint("project_id", "name_ro"),
        CheckConstraint("price_hours > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name_ro: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    price_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    stock: Mapped[int] = mapped_column(Integer, default=0)  # changed only by conditional updates
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    project: Mapped[Project] = relationship()


class StockMove(Base):
    """Every change of a product's stock: received, sold (a purchase), returned, counted. Append-only."""

    __tablename__ = "shop_stock_move"
    __table_args__ = (Index("ix_shop_stock_move_product_id_at", "product_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_product.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))  # received, purchase, return, count
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("shop_purchase.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[ShopProduct] = relationship()
    by: Mapped[User | None] = relationship()


class ShopAccount(Base):
    """A person's hours in a project's shop: earned − spent, kept equal to the sum of their ledger.

    The row is what serialises a person's purchases: it is changed only by
    `UPDATE … SET balance = balance - :cost WHERE balance >= :cost`, and cannot go below zero.
    """

    __tablename__ = "shop_account"
    __table_args__ = (
        UniqueConstraint("project_id", "person_id"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    balance: Mapped[Decimal] = mapped_column(Numeric(9, 2), default=Decimal("0"))

    person: Mapped[Person] = relationship()


class LedgerKind(str, enum.Enum):
    work = "work"  # community work, verified by a staff member (+)
    volunteer = "volunteer"  # volunteer hours credited to the shop (+)
    purchase = "purchase"  # products taken (−)
    correction = "correction"  # a later line that corrects an earlier one (±), with its reason


class ShopPurchase(Base):
    """One visit to the shop: the receipt, whose number is its id."""

    __tablename__ = "shop_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    person: Mapped[Person] = relationship()
    served_by: Mapped[User | None] = relationship()
    items: Mapped[list["ShopPurchaseItem"]] = relationship(back_populates="purchase", order_by="ShopPurchaseItem.id")


class ShopPurchaseItem(Base):
    __tablename__ = "shop_purchase_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("shop_purchase.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("shop_product.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    price_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # the price on the day
    hours: Mapped[Decimal] = mapped_column(Numeric(9, 2))  # quantity × price

    purchase: Mapped[ShopPurchase] = relationship(back_populates="items")
    product: Mapped[ShopProduct] = relationship()


class LedgerLine(Base):
    """A line of a person's shop ledger. Never updated, never deleted: a correction is a new line that
    points at the one it corrects and says why. Database triggers enforce it (ledger_guard.py)."""

    __tablename__ = "shop_ledger_line"
    __table_args__ = (
        Index("ix_shop_ledger_line_project_id_person_id", "project_id", "person_id", "id"),
        Index("uq_shop_ledger_line_volunteer_hours_id", "volunteer_hours_id", unique=True,
              sqlite_where=text("volunteer_hours_id IS NOT NULL"),
              postgresql_where=text("volunteer_hours_id IS NOT NULL")),
        # A purchase is reversed once: one correction line pointing at it.
        Index("uq_shop_ledger_line_reversal", "purchase_id", unique=True,
              sqlite_where=text("kind = 'correction' AND purchase_id IS NOT NULL"),
              postgresql_where=text("kind = 'correction' AND purchase_id IS NOT NULL")),
        CheckConstraint("hours <> 0", name="hours_not_zero"),
        CheckConstraint("kind <> 'work' OR verified_by_id IS NOT NULL", name="work_verified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind, 12))
    day: Mapped[date] = mapped_column(Date)  # when the work was done or the purchase made
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))  # + earned, − spent
    task: Mapped[str] = mapped_column(String(300), default="")  # the work, or the reason of a correction
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    purchase_id: Mapped[int | None] = mapped_column(ForeignKey("shop_purchase.id"))
    # RESTRICT: a credited entry is taken back by a correction before it can go (see ledger_guard.py).
    volunteer_hours_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_hours.id", ondelete="RESTRICT"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("shop_ledger_line.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    purchase: Mapped[ShopPurchase | None] = relationship()
    corrects: Mapped["LedgerLine | None"] = relationship(remote_side=[id])
