"""The social shop: products, community-work hours, purchases and the ledger.

A person earns hours (community work verified by a staff member, volunteer hours of the project) and
takes products priced in hours. Two rules hold whatever the number of clerks at the counter:

- a balance and a stock never go below zero. They are changed only by conditional updates
  (`UPDATE shop_account SET balance = balance - :cost WHERE id = :id AND balance >= :cost`, the same for
  stock), which PostgreSQL serialises on the row and re-checks after waiting; the check constraints of
  the schema stand behind them. A purchase that is refused half-way leaves nothing behind: it runs in a
  savepoint that is rolled back whole.
- the ledger is only ever appended to. A correction is a new line that points at the line it corrects
  and says why; reversing a purchase is such a line, with the stock given back. The account's balance is
  always the sum of the person's ledger lines in the project.

Rows are locked in one order (the account, then products by id), so two purchases never deadlock.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.domain import clock
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.benefits.models import (
    LedgerKind, LedgerLine, ShopAccount, ShopProduct, ShopPurchase, ShopPurchaseItem, StockMove,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person
from portal.domain.projects.models import Project
from portal.domain.projects.services import project_staff, require
from portal.domain.text import normalize_ro

SHOP_RECORD = "shop.record"
SHOP_MANAGE = "shop.manage"

HOURS_PER_DAY = Decimal("24")  # community work recorded for one day
MAX_PRICE = Decimal("9999.99")  # the column holds six digits
MAX_CORRECTION = Decimal("1000")
MAX_QUANTITY = 999  # of one product in one purchase
MAX_STOCK_CHANGE = 100_000
MIN_REASON = 10  # characters of a correction's reason
RECENT_PURCHASES = 20
CENT = Decimal("0.01")

# Stock move reasons (StockMove.reason).
RECEIVED, SOLD, RETURNED, COUNTED = "received", "purchase", "return", "count"


# Hours ---------------------------------------------------------------------------------------------

def parse_hours(text: str | None, *, field: str = "hours", signed: bool = False) -> Decimal:
    """Hours as typed: "3", "2,5", "2.25", "1:30"; with `signed`, "-1,5" or "+2" too. Range checks are the
    services' (they know what the hours are for)."""
    raw = (text or "").strip().replace(" ", "").replace("\u2212", "-")
    sign = Decimal(1)
    if signed and raw[:1] in "+-" and raw:
        sign = Decimal(-1) if raw[0] == "-" else Decimal(1)
        raw = raw[1:]
    match = re.fullmatch(r"(\d{1,4}):([0-5]\d)", raw)
    try:
        if match:
            value = Decimal(match.group(1)) + Decimal(match.group(2)) / 60
            if value != value.quantize(CENT):
                raise InvalidOperation
        elif re.fullmatch(r"\d{1,6}([.,]\d+)?", raw):
            value = Decimal(raw.replace(",", "."))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise DomainError(_l("Write the hours as a number, for example 3 or 2,5."), code="hours_invalid",
                          field=field) from None
    return sign * value


def _two_decimals(value: Decimal, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError(_l("Write the hours as a number, for example 3 or 2,5."), code="hours_invalid",
                          field=field)
    if value != value.quantize(CENT):
        raise DomainError(_l("Write the hours with at most two decimals, for example 2,25."),
                          code="hours_decimals", field=field)
    return value.quantize(CENT)


def _work_hours(value: Decimal, field: str = "hours") -> Decimal:
    value = _two_decimals(value, field)
    if not 0 < value <= HOURS_PER_DAY:
        raise DomainError(_l("The hours of one day must be more than 0 and at most 24."), code="hours_range",
                          field=field)
    return value


def _price(value: Decimal) -> Decimal:
    value = _two_decimals(value, "price_hours")
    if not 0 < value <= MAX_PRICE:
        raise DomainError(_l("The price must be more than 0 and at most 9999 hours."), code="price_range",
                          field="price_hours")
    return value


def _require_active(person: Person) -> None:
    if person.erased_at is not None or person.merged_into_id is not None:
        raise DomainError(_l("This person's record is no longer active."), code="person_inactive")


def _in_project(project: Project, day: date, today: date, field: str = "day") -> None:
    if day > today:
        raise DomainError(_l("The date cannot be in the future."), code="shop_future", field=field)
    if not project.start_date <= day <= project.end_date:
        raise DomainError(_l("The date must fall within the project's dates (%(start)s – %(end)s).",
                             start=project.start_date.strftime("%d.%m.%Y"), end=project.end_date.strftime("%d.%m.%Y")),
                          code="shop_outside_project", field=field)


def _reason(text: str | None, field: str = "reason") -> str:
    reason = normalize_ro(text or "") or ""
    if len(reason) < MIN_REASON:
        raise DomainError(_l("Say why, in at least %(count)d characters.", count=MIN_REASON), code="reason_short",
                          field=field)
    if len(reason) > 300:
        raise DomainError(_l("At most %(max)d characters.", max=300), code="reason_long", field=field)
    return reason


def _rows(result) -> int:
    return result.rowcount


# Products and stock --------------------------------------------------------------------------------

@dataclass
class ProductData:
    name_ro: str
    price_hours: Decimal
    name_en: str = ""
    is_active: bool = True


def products(db: Session, project_id: int, active_only: bool = True) -> list[ShopProduct]:
    query = select(ShopProduct).where(ShopProduct.project_id == project_id).order_by(ShopProduct.name_ro, ShopProduct.id)
    if active_only:
        query = query.where(ShopProduct.is_active.is_(True))
    return list(db.scalars(query))


def save_product(db: Session, project: Project, actor: Actor, data: ProductData,
                 product: ShopProduct | None = None) -> ShopProduct:
    """A new product (with no stock: stock is received) or a product's name, price and availability.
    A price change does not touch past purchases: they keep the price of their day."""
    require(actor, project.id, SHOP_MANAGE)
    name_ro = normalize_ro(data.name_ro or "") or ""
    if not name_ro:
        raise DomainError(_l("This field is required."), code="required", field="name_ro")
    if len(name_ro) > 200:
        raise DomainError(_l("At most %(max)d characters.", max=200), code="too_long", field="name_ro")
    price = _price(data.price_hours)
    clash = db.scalar(select(ShopProduct.id).where(
        ShopProduct.project_id == project.id, func.lower(ShopProduct.name_ro) == name_ro.lower(),
        ShopProduct.id != (product.id if product else -1)))
    if clash:
        raise DomainError(_l("The shop already has a product with this name."), code="product_taken", field="name_ro")
    created = product is None
    if created:
        product = ShopProduct(project_id=project.id, stock=0)
        db.add(product)
    product.name_ro = name_ro
    product.name_en = (normalize_ro(data.name_en or "") or "")[:200]
    product.price_hours = price
    product.is_active = bool(data.is_active)
    db.flush()
    record(db, actor, AuditAction.create if created else AuditAction.update, None,
           f"shop product {product.id}: price {price} h{'' if product.is_active else ', withdrawn'}")
    return product


def _quantity(value, field: str, *, minimum: int, maximum: int = MAX_STOCK_CHANGE) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise DomainError(_l("Write a whole number from %(min)d to %(max)d.", min=minimum, max=maximum),
                          code="quantity_range", field=field)
    return value


def receive_stock(db: Session, product: ShopProduct, quantity: int, actor: Actor, note: str = "") -> StockMove:
    """Products brought into the shop (a donation, a delivery)."""
    require(actor, product.project_id, SHOP_MANAGE)
    quantity = _quantity(quantity, "quantity", minimum=1)
    db.execute(update(ShopProduct).where(ShopProduct.id == product.id)
               .values(stock=ShopProduct.stock + quantity).execution_options(synchronize_session=False))
    move = StockMove(product_id=product.id, delta=quantity, reason=RECEIVED, by_id=actor.user_id,
                     note=(normalize_ro(note or "") or "")[:300])
    db.add(move)
    db.flush()
    db.expire(product, ["stock"])
    record(db, actor, AuditAction.update, None, f"shop product {product.id}: {quantity} received")
    return move


def count_stock(db: Session, product: ShopProduct, counted: int, actor: Actor, note: str = "") -> StockMove:
    """A stocktake: the stock becomes what was counted on the shelf, through a "count" move of the
    difference (0 when the count agrees: the count itself is on record)."""
    require(actor, product.project_id, SHOP_MANAGE)
    counted = _quantity(counted, "counted", minimum=0)
    # The row is locked until the end of the transaction: no purchase changes it between read and write.
    before = db.scalar(select(ShopProduct.stock).where(ShopProduct.id == product.id).with_for_update())
    delta = counted - before
    db.execute(update(ShopProduct).where(ShopProduct.id == product.id)
               .values(stock=counted).execution_options(synchronize_session=False))
    move = StockMove(product_id=product.id, delta=delta, reason=COUNTED, by_id=actor.user_id,
                     note=(normalize_ro(note or "") or "")[:300])
    db.add(move)
    db.flush()
    db.expire(product, ["stock"])
    record(db, actor, AuditAction.update, None, f"shop product {product.id}: counted {counted} ({delta:+d})")
    return move


def stock_moves(db: Session, product_id: int, limit: int = 50) -> list[StockMove]:
    return list(db.scalars(select(StockMove).where(StockMove.product_id == product_id)
                           .options(joinedload(StockMove.by)).order_by(StockMove.id.desc()).limit(limit)))


# Accounts ------------------------------------------------------------------------------------------

def _account_id(db: Session, project_id: int, person_id: int, *, create: bool) -> int | None:
    """The person's account in the project; created on the first credit. Two clerks crediting the
    same new person at once both end up with the one row: the insert does nothing on a conflict."""
    query = select(ShopAccount.id).where(ShopAccount.project_id == project_id, ShopAccount.person_id == person_id)
    account_id = db.scalar(query)
    if account_id is not None or not create:
        return account_id
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.execute(insert(ShopAccount).values(project_id=project_id, person_id=person_id, balance=Decimal("0"))
               .on_conflict_do_nothing(index_elements=["project_id", "person_id"]))
    return db.scalar(query)


def _add(db: Session, account_id: int, hours: Decimal) -> bool:
    """Add hours (negative: take them) to an account; False, and nothing changed, when taking them
    would leave the balance below zero."""
    statement = update(ShopAccount).where(ShopAccount.id == account_id)
    if hours < 0:
        statement = statement.where(ShopAccount.balance >= -hours)
    result = db.execute(statement.values(balance=ShopAccount.balance + hours)
                        .execution_options(synchronize_session=False))
    return _rows(result) == 1


def _credit(db: Session, account_id: int, hours: Decimal) -> None:
    """Add hours to an account that must still be there (a merge may have removed it meanwhile)."""
    if not _add(db, account_id, hours):
        raise DomainError(_l("This person's record is no longer active."), code="person_inactive")


def balance(db: Session, project_id: int, person_id: int) -> Decimal:
    value = db.scalar(select(ShopAccount.balance).where(ShopAccount.project_id == project_id,
                                                        ShopAccount.person_id == person_id))
    return Decimal(value if value is not None else 0).quantize(CENT)


def person_balances(db: Session, person_id: int, project_ids: set[int] | None) -> list[tuple[Project, Decimal]]:
    """The person's hours in each shop they have an account in (None: every project), for the person page."""
    query = (select(Project, ShopAccount.balance).join(ShopAccount, ShopAccount.project_id == Project.id)
             .where(ShopAccount.person_id == person_id).order_by(Project.short_name, Project.id))
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids or {-1}))
    return [(project, Decimal(value).quantize(CENT)) for project, value in db.execute(query).all()]


def ledger(db: Session, project_id: int, person_id: int) -> list[tuple[LedgerLine, Decimal]]:
    """The person's ledger lines in the project, oldest first, each with the balance after it."""
    lines = db.scalars(select(LedgerLine).where(LedgerLine.project_id == project_id, LedgerLine.person_id == person_id)
                       .options(joinedload(LedgerLine.verified_by), joinedload(LedgerLine.recorded_by))
                       .order_by(LedgerLine.id))
    running, rows = Decimal("0.00"), []
    for line in lines:
        running += line.hours
        rows.append((line, running))
    return rows


def _enrolled(db: Session, project_id: int, person_id: int) -> bool:
    return db.scalar(select(Enrollment.id).where(Enrollment.person_id == person_id,
                                                 Enrollment.project_id == project_id).limit(1)) is not None


def is_enrolled(db: Session, project_id: int, person_id: int) -> bool:
    return _enrolled(db, project_id, person_id)


# Earning hours -------------------------------------------------------------------------------------

def record_work(db: Session, project: Project, person: Person, actor: Actor, *, day: date, task: str,
                hours: Decimal, verified_by_id: int | None, today: date | None = None) -> LedgerLine:
    """Hours of community work done by a person of the target group, verified by a staff member."""
    require(actor, project.id, SHOP_RECORD)
    _require_active(person)
    if not _enrolled(db, project.id, person.id):
        raise DomainError(_l("%(name)s is not in this project's target group: enrol them first.",
                             name=person.full_name), code="shop_not_enrolled")
    if day is None:
        raise DomainError(_l("This field is required."), code="required", field="day")
    _in_project(project, day, today or clock.today())
    task = normalize_ro(task or "") or ""
    if not task:
        raise DomainError(_l("Say what work was done."), code="task_required", field="task")
    if len(task) > 300:
        raise DomainError(_l("At most %(max)d characters.", max=300), code="too_long", field="task")
    hours = _work_hours(hours)
    if verified_by_id not in {user.id for user in project_staff(db, project.id)}:
        raise DomainError(_l("Choose a staff member of this project."), code="shop_verifier", field="verified_by_id")
    account_id = _account_id(db, project.id, person.id, create=True)
    line = LedgerLine(project_id=project.id, person_id=person.id, kind=LedgerKind.work, day=day, hours=hours,
                      task=task, verified_by_id=verified_by_id, recorded_by_id=actor.user_id)
    db.add(line)
    db.flush()
    _credit(db, account_id, hours)
    record(db, actor, AuditAction.create, person.id, f"shop ledger line {line.id}: work {day.isoformat()} {hours} h")
    return line


def _uncredited_query(project_id: int, person_id: int):
    from portal.domain.activities.models import ActivitySession
    from portal.domain.volunteering.models import VolunteerHours

    credited = exists().where(LedgerLine.volunteer_hours_id == VolunteerHours.id)
    cancelled = exists().where(ActivitySession.id == VolunteerHours.session_id, ActivitySession.is_cancelled.is_(True))
    return (select(VolunteerHours).where(VolunteerHours.project_id == project_id, VolunteerHours.person_id == person_id,
                                         VolunteerHours.hours > 0, ~credited, ~cancelled)
            .options(joinedload(VolunteerHours.activity)).order_by(VolunteerHours.day, VolunteerHours.id))


def uncredited_volunteer_hours(db: Session, project_id: int, person_id: int) -> list:
    """The person's volunteer hours in the project not yet credited to the shop (VolunteerHours rows)."""
    return list(db.scalars(_uncredited_query(project_id, person_id)))


def credit_volunteer_hours(db: Session, project: Project, person: Person, actor: Actor) -> list[LedgerLine]:
    """One `volunteer` line for each volunteer-hours entry of the project not credited yet. An entry is
    credited once: the unique index on the line's volunteer_hours_id turns a second clerk's credit of
    the same entry (at the same moment) into nothing."""
    require(actor, project.id, SHOP_RECORD)
    _require_active(person)
    lines: list[LedgerLine] = []
    for entry in uncredited_volunteer_hours(db, project.id, person.id):
        account_id = _account_id(db, project.id, person.id, create=True)
        label = entry.task or (entry.activity.name_ro if entry.activity else "")
        try:
            with db.begin_nested():
                line = LedgerLine(project_id=project.id, person_id=person.id, kind=LedgerKind.volunteer, day=entry.day,
                                  hours=Decimal(entry.hours).quantize(CENT), task=label[:300],
                                  volunteer_hours_id=entry.id, recorded_by_id=actor.user_id)
                db.add(line)
                db.flush()
                _credit(db, account_id, line.hours)
        except IntegrityError:
            continue  # credited meanwhile by someone else
        lines.append(line)
    if lines:
        total = sum((line.hours for line in lines), Decimal("0"))
        record(db, actor, AuditAction.create, person.id,
               f"shop: {len(lines)} volunteer hours entries credited, {total} h "
               f"(lines {', '.join(str(line.id) for line in lines)})")
    return lines


def _volunteer_credit(db: Session, entry_id: int) -> tuple[LedgerLine, Decimal] | None:
    """The line that credited a volunteer-hours entry to the shop, locked until the end of the transaction
    (a second change of the same entry waits here, then reads the first's correction), and the hours it
    stands for now: its own and those of the lines correcting it. None: the entry was never credited."""
    line = db.scalar(select(LedgerLine).where(LedgerLine.volunteer_hours_id == entry_id).with_for_update())
    if line is None:
        return None
    corrected = db.scalar(select(func.coalesce(func.sum(LedgerLine.hours), 0)).where(LedgerLine.corrects_id == line.id))
    return line, (Decimal(line.hours) + Decimal(corrected)).quantize(CENT)


def _volunteer_correction(db: Session, line: LedgerLine, difference: Decimal, actor: Actor | None,
                          day: date) -> LedgerLine:
    """A `correction` line of the difference (no task: the ledger page names it), the balance changed by a
    conditional update; refused, leaving nothing behind, when the hours taken back were spent already."""
    account_id = _account_id(db, line.project_id, line.person_id, create=True)
    with db.begin_nested():
        if not _add(db, account_id, difference):
            raise DomainError(_l("These volunteer hours were credited to the social shop and %(name)s has already "
                                 "spent them: %(balance)s h are left, %(hours)s h would be taken back. Reverse a "
                                 "purchase in the shop first.",
                                 name=line.person.full_name, hours=_plain(-difference),
                                 balance=_plain(balance(db, line.project_id, line.person_id))),
                              code="volunteer_credit_spent", field="hours")
        correction = LedgerLine(project_id=line.project_id, person_id=line.person_id, kind=LedgerKind.correction,
                                day=day, hours=difference, task="", corrects_id=line.id,
                                recorded_by_id=actor.user_id if actor else None)
        db.add(correction)
        db.flush()
    if actor is not None:  # None: a merge of two records, audited as such
        record(db, actor, AuditAction.update, line.person_id,
               f"shop ledger line {line.id} corrected by line {correction.id}: volunteer hours changed, {difference:+} h")
    return correction


def volunteer_hours_changed(db: Session, entry, hours: Decimal, actor: Actor, today: date | None = None) -> None:
    """Volunteer hours are being changed to `hours`: when they were credited to the shop, a correction line
    brings the credit to the new hours, in the same transaction. Called by volunteering before the change."""
    credit = _volunteer_credit(db, entry.id)
    if credit is None:
        return
    line, credited = credit
    difference = (Decimal(hours) - credited).quantize(CENT)
    if difference:
        _volunteer_correction(db, line, difference, actor, today or clock.today())


def volunteer_hours_removed(db: Session, entry, actor: Actor | None, today: date | None = None) -> None:
    """Volunteer hours are being removed: when they were credited to the shop, a correction line takes the
    credit back to zero and the line lets go of the entry (the database allows that of a line whose credit
    is zero, and nothing else), so that the entry can be deleted. Credited once stays true: an entry
    recorded again is a new entry, credited from zero."""
    credit = _volunteer_credit(db, entry.id)
    if credit is None:
        return
    line, credited = credit
    if credited:
        _volunteer_correction(db, line, -credited, actor, today or clock.today())
    db.execute(update(LedgerLine).where(LedgerLine.id == line.id).values(volunteer_hours_id=None)
               .execution_options(synchronize_session=False))
    db.expire(line, ["volunteer_hours_id"])


def is_credited(db: Session, entry_id: int) -> bool:
    return db.scalar(select(LedgerLine.id).where(LedgerLine.volunteer_hours_id == entry_id)) is not None


# Purchases -----------------------------------------------------------------------------------------

def purchase(db: Session, project: Project, person: Person, actor: Actor, items: dict[int, int], day: date,
             today: date | None = None) -> ShopPurchase:
    """Products taken for hours: {product id: quantity}. All or nothing: when the hours or the stock of
    one product do not suffice, no purchase, no ledger line, no stock move is left and nothing changed."""
    require(actor, project.id, SHOP_RECORD)
    _require_active(person)
    if day is None:
        raise DomainError(_l("This field is required."), code="required", field="day")
    _in_project(project, day, today or clock.today())
    wanted: dict[int, int] = {}
    for product_id, quantity in (items or {}).items():
        if quantity in (None, 0):
            continue
        wanted[int(product_id)] = _quantity(quantity, f"product-{product_id}", minimum=1, maximum=MAX_QUANTITY)
    if not wanted:
        raise DomainError(_l("Write how many pieces of at least one product are taken."), code="purchase_empty",
                          field="items")
    chosen = {product.id: product for product in db.scalars(select(ShopProduct).where(
        ShopProduct.id.in_(wanted), ShopProduct.project_id == project.id, ShopProduct.is_active.is_(True)))}
    for product_id in sorted(set(wanted) - set(chosen)):
        # Withdrawn (or never of this shop) between the form and the submit: nothing is bought, and the
        # product is named, rather than the rest going through without it.
        product = db.get(ShopProduct, product_id)
        if product is not None and product.project_id == project.id:
            raise DomainError(_l("“%(product)s” is no longer on offer: nothing was bought. Clear its quantity to "
                                 "take the other products.", product=product.name_ro),
                              code="purchase_withdrawn", field=f"product-{product_id}")
        raise DomainError(_l("Choose products this shop offers."), code="purchase_product",
                          field=f"product-{product_id}")
    order = sorted(wanted)  # rows are always locked in the same order: the account, then products by id
    lines = [(chosen[product_id], wanted[product_id], Decimal(chosen[product_id].price_hours).quantize(CENT))
             for product_id in order]
    total = sum((price * quantity for _product, quantity, price in lines), Decimal("0")).quantize(CENT)
    account_id = _account_id(db, project.id, person.id, create=False)
    with db.begin_nested():
        if account_id is None or not _add(db, account_id, -total):
            raise DomainError(_l("Not enough hours: %(name)s has %(balance)s h and the products cost %(cost)s h.",
                                 name=person.full_name, balance=_plain(balance(db, project.id, person.id)),
                                 cost=_plain(total)), code="shop_balance", field="items")
        for product, quantity, _price_hours in lines:
            taken = db.execute(update(ShopProduct).where(ShopProduct.id == product.id, ShopProduct.stock >= quantity)
                               .values(stock=ShopProduct.stock - quantity).execution_options(synchronize_session=False))
            if _rows(taken) != 1:
                left = db.scalar(select(ShopProduct.stock).where(ShopProduct.id == product.id))
                raise DomainError(_l("Not enough “%(product)s” in stock: %(left)d left, %(wanted)d asked for.",
                                     product=product.name_ro, left=left, wanted=quantity),
                                  code="shop_stock", field=f"product-{product.id}")
        receipt = ShopPurchase(project_id=project.id, person_id=person.id, day=day, total_hours=total,
                               served_by_id=actor.user_id)
        db.add(receipt)
        db.flush()
        for product, quantity, price in lines:
            db.add(ShopPurchaseItem(purchase_id=receipt.id, product_id=product.id, quantity=quantity,
                                    price_hours=price, hours=(price * quantity).quantize(CENT)))
            db.add(StockMove(product_id=product.id, delta=-quantity, reason=SOLD, purchase_id=receipt.id,
                             by_id=actor.user_id))
        db.add(LedgerLine(project_id=project.id, person_id=person.id, kind=LedgerKind.purchase, day=day,
                          hours=-total, task="", purchase_id=receipt.id, recorded_by_id=actor.user_id))
        db.flush()
    for product, _quantity_taken, _price in lines:
        db.expire(product, ["stock"])
    record(db, actor, AuditAction.create, person.id, f"shop purchase no. {receipt.id}: {total} h")
    return receipt


def _plain(value: Decimal) -> str:
    """Hours in a message: "3", "2.5" (the message is read next to the form, in any language)."""
    text = format(value.quantize(CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def purchase_line(db: Session, purchase_id: int) -> LedgerLine | None:
    return db.scalar(select(LedgerLine).where(LedgerLine.purchase_id == purchase_id,
                                              LedgerLine.kind == LedgerKind.purchase))


def reversal_of(db: Session, purchase_id: int) -> LedgerLine | None:
    """The line that reversed the purchase, if it was reversed."""
    return db.scalar(select(LedgerLine).where(LedgerLine.purchase_id == purchase_id,
                                              LedgerLine.kind == LedgerKind.correction))


def load_purchase(db: Session, purchase_id: int) -> ShopPurchase | None:
    return db.scalar(select(ShopPurchase).where(ShopPurchase.id == purchase_id).options(
        joinedload(ShopPurchase.project), joinedload(ShopPurchase.person), joinedload(ShopPurchase.served_by),
        selectinload(ShopPurchase.items).joinedload(ShopPurchaseItem.product)))


def balance_after(db: Session, purchase: ShopPurchase) -> Decimal:
    """The person's balance right after the purchase: the ledger up to its line."""
    line = purchase_line(db, purchase.id)
    if line is None:
        return balance(db, purchase.project_id, purchase.person_id)
    total = db.scalar(select(func.coalesce(func.sum(LedgerLine.hours), 0)).where(
        LedgerLine.project_id == purchase.project_id, LedgerLine.person_id == purchase.person_id,
        LedgerLine.id <= line.id))
    return Decimal(total).quantize(CENT)


def recent_purchases(db: Session, project_id: int, limit: int = RECENT_PURCHASES) -> list[ShopPurchase]:
    return list(db.scalars(select(ShopPurchase).where(ShopPurchase.project_id == project_id)
                           .options(joinedload(ShopPurchase.person), joinedload(ShopPurchase.served_by))
                           .order_by(ShopPurchase.id.desc()).limit(limit)))


def person_purchases(db: Session, project_id: int, person_id: int) -> list[ShopPurchase]:
    return list(db.scalars(select(ShopPurchase).where(ShopPurchase.project_id == project_id,
                                                      ShopPurchase.person_id == person_id)
                           .options(selectinload(ShopPurchase.items).joinedload(ShopPurchaseItem.product))
                           .order_by(ShopPurchase.id.desc())))


# Corrections ---------------------------------------------------------------------------------------

def correct_line(db: Session, line: LedgerLine, actor: Actor, *, hours: Decimal, reason: str,
                 today: date | None = None) -> LedgerLine:
    """A new `correction` line of ±hours pointing at `line`, with its reason; `line` stays as it was.
    A correction cannot take the balance below zero. A purchase is corrected by reversing it."""
    require(actor, line.project_id, SHOP_MANAGE)
    _require_active(line.person)
    if line.kind == LedgerKind.purchase:
        raise DomainError(_l("A purchase is corrected by reversing it, which also puts the products back in stock."),
                          code="correct_purchase", field="line_id")
    if line.kind == LedgerKind.correction and line.purchase_id is not None:
        raise DomainError(_l("The reversal of a purchase is final."), code="correct_reversal", field="line_id")
    hours = _two_decimals(hours, "hours")
    if hours == 0 or abs(hours) > MAX_CORRECTION:
        raise DomainError(_l("Write the hours to add (for example 2) or to take away (for example -1,5), at most "
                             "%(max)d.", max=int(MAX_CORRECTION)), code="correction_range", field="hours")
    reason = _reason(reason)
    account_id = _account_id(db, line.project_id, line.person_id, create=True)
    with db.begin_nested():
        if not _add(db, account_id, hours):
            raise DomainError(_l("This correction would leave a negative balance: the balance is %(balance)s h.",
                                 balance=_plain(balance(db, line.project_id, line.person_id))),
                              code="correction_negative", field="hours")
        correction = LedgerLine(project_id=line.project_id, person_id=line.person_id, kind=LedgerKind.correction,
                                day=today or clock.today(), hours=hours, task=reason, corrects_id=line.id,
                                recorded_by_id=actor.user_id)
        db.add(correction)
        db.flush()
    record(db, actor, AuditAction.update, line.person_id,
           f"shop ledger line {line.id} corrected by line {correction.id}: {hours:+} h")
    return correction


def reverse_purchase(db: Session, purchase: ShopPurchase, actor: Actor, reason: str,
                     today: date | None = None) -> LedgerLine:
    """Undo a purchase: its hours back to the person (a correction line of +total pointing at the purchase's
    line), its products back in stock (`return` moves). Once only, even when two coordinators try at once."""
    require(actor, purchase.project_id, SHOP_MANAGE)
    _require_active(purchase.person)
    reason = _reason(reason)
    # The purchase row is locked until the end of the transaction (PostgreSQL; SQLite writes one at a
    # time): a second reversal waits here, then finds the first.
    db.execute(select(ShopPurchase.id).where(ShopPurchase.id == purchase.id).with_for_update())
    if reversal_of(db, purchase.id) is not None:
        raise DomainError(_l("This purchase has already been reversed."), code="purchase_reversed",
                          field="purchase_id")
    original = purchase_line(db, purchase.id)
    account_id = _account_id(db, purchase.project_id, purchase.person_id, create=True)
    try:
        with db.begin_nested():
            _credit(db, account_id, purchase.total_hours)
            for item in sorted(purchase.items, key=lambda item: item.product_id):
                db.execute(update(ShopProduct).where(ShopProduct.id == item.product_id)
                           .values(stock=ShopProduct.stock + item.quantity)
                           .execution_options(synchronize_session=False))
                db.add(StockMove(product_id=item.product_id, delta=item.quantity, reason=RETURNED,
                                 purchase_id=purchase.id, by_id=actor.user_id, note=reason[:300]))
            line = LedgerLine(project_id=purchase.project_id, person_id=purchase.person_id,
                              kind=LedgerKind.correction, day=today or clock.today(), hours=purchase.total_hours,
                              task=reason, purchase_id=purchase.id, corrects_id=original.id if original else None,
                              recorded_by_id=actor.user_id)
            db.add(line)
            db.flush()
    except IntegrityError:
        # The unique index on a purchase's correction line: reversed meanwhile by someone else.
        raise DomainError(_l("This purchase has already been reversed."), code="purchase_reversed",
                          field="purchase_id") from None
    for item in purchase.items:
        db.expire(item.product, ["stock"])
    record(db, actor, AuditAction.update, purchase.person_id, f"shop purchase no. {purchase.id} reversed by line {line.id}")
    return line


# Merge, erasure, export ----------------------------------------------------------------------------

def merge_person(db: Session, keep: Person, absorb: Person) -> None:
    """The absorbed record's hours join the kept one's: per project, its balance is added to the kept
    account (or its account simply moves), and its ledger lines and purchases follow.

    Both records' accounts are locked first, in id order (the order purchases lock them in): a purchase
    or a credit of either record at the same moment either ends before the balances are read here, or
    waits and then finds its account gone (and is refused)."""
    db.flush()
    accounts = db.execute(select(ShopAccount.id, ShopAccount.project_id, ShopAccount.person_id, ShopAccount.balance)
                          .where(ShopAccount.person_id.in_([keep.id, absorb.id]))
                          .order_by(ShopAccount.id).with_for_update()).all()
    kept = {project_id: account_id for account_id, project_id, person_id, _amount in accounts
            if person_id == keep.id}
    for account_id, project_id, _person_id, amount in [row for row in accounts if row.person_id == absorb.id]:
        if project_id in kept:
            _add(db, kept[project_id], Decimal(amount))
            db.execute(delete(ShopAccount).where(ShopAccount.id == account_id)
                       .execution_options(synchronize_session=False))
        else:
            db.execute(update(ShopAccount).where(ShopAccount.id == account_id).values(person_id=keep.id)
                       .execution_options(synchronize_session=False))
    for model in (LedgerLine, ShopPurchase):
        db.execute(update(model).where(model.person_id == absorb.id).values(person_id=keep.id)
                   .execution_options(synchronize_session=False))
    # Rows of these tables already loaded in the session read their new owner and balance again.
    for instance in list(db.identity_map.values()):
        if isinstance(instance, (ShopAccount, LedgerLine, ShopPurchase)):
            db.expire(instance)


def erase_person(db: Session, person: Person) -> None:
    """Nothing personal is kept by the shop: the ledger (hours, days, the work done) and the receipts
    stay, counted by the project's indicators."""


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    """The person's accounts, ledgers and receipts in the actor's projects."""
    visible = actor.project_ids
    shop: dict[str, dict] = {}
    for project, amount in person_balances(db, person.id, visible):
        shop[project.code] = {
            "balance": str(amount),
            "ledger": [{"line": line.id, "kind": line.kind.value, "date": line.day.isoformat(), "hours": str(line.hours),
                        "task": line.task, "corrects": line.corrects_id, "receipt": line.purchase_id,
                        "balance_after": str(after)}
                       for line, after in ledger(db, project.id, person.id)],
            "purchases": [{"receipt": item.id, "date": item.day.isoformat(), "hours": str(item.total_hours),
                           "items": [{"product": entry.product.name_ro, "quantity": entry.quantity,
                                      "hours": str(entry.hours)} for entry in item.items]}
                          for item in person_purchases(db, project.id, person.id)],
        }
    return {"shop": shop}
