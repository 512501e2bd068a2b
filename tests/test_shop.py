"""The social shop's rules (services, no web): community-work hours, volunteer hours credited once, purchases
that take hours and stock or nothing at all, corrections as new lines, a purchase reversed once, rights,
merge, erasure and export. The pages are tested in test_shop_portal.py, concurrency in test_shop_concurrency.py.

The helpers at the top make a small project of their own (a zone with one street, persons enrolled in it);
the other shop tests import them.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete as sa_delete, func, select, update as sa_update
from sqlalchemy.exc import IntegrityError

from portal.domain import clock
from portal.domain.accounts.models import Role, User
from portal.domain.activities.models import ActivitySession
from portal.domain.actor import Actor, system_actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.benefits import shop
from portal.domain.benefits.models import (
    LedgerKind, LedgerLine, ShopAccount, ShopProduct, ShopPurchase, ShopPurchaseItem, StockMove,
)
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, RiskReason, Sex
from portal.domain.projects.models import Activity, ActivityKind, Project, ProjectMember, Zone
from portal.domain.projects.services import PROJECTS_MANAGE, save_zone
from portal.domain.volunteering.models import VolunteerHours

TODAY = clock.today()
YESTERDAY = TODAY - timedelta(days=1)
SETUP = system_actor(frozenset({PROJECTS_MANAGE, "people.sensitive"}), address="test")
STREET = "Strada Letea"


# Helpers (imported by the other shop tests) -----------------------------------------------------------

def make_project(db, code: str = "T-SHOP", short_name: str = "Magazin") -> Project:
    project = Project(code=code, title=f"Proiect de test {code}", short_name=short_name, programme="POCU",
                      beneficiary="Asociația de Test", funder_line="Proiect cofinanțat din Fondul Social European",
                      town="Bacău", start_date=date(2024, 1, 1), end_date=TODAY + timedelta(days=3 * 365))
    db.add(project)
    db.flush()
    save_zone(db, project, SETUP, name="Letea", description="", streets_text=STREET)
    db.flush()
    return project


def enrolled_person(db, project: Project | None, first: str = "Elena", last: str = "Munteanu"):
    person = people.create_person(db, people.PersonData(
        last_name=last, first_name=first, locality="Bacău", street=STREET, birth_date=date(1970, 5, 2),
        sex=Sex.female), SETUP, confirm_new=True).person
    people.record_consent(db, person, SETUP, kind=ConsentKind.data_processing, given_by=ConsentGiver.person,
                          given_on=date(2024, 2, 1), document_ref="F-1")
    if project is not None:
        zone = db.scalar(select(Zone).where(Zone.project_id == project.id))
        people.enroll(db, person, project, people.EntryData(
            zone_id=zone.id, entry_date=date(2024, 2, 1), risk_reason=RiskReason.minimum_income,
            labour_status=LabourStatus.inactive, isced_level=2), SETUP)
    db.flush()
    return person


_USERS = {"n": 0}


def member(db, project: Project, role: str = "staff", name: str | None = None) -> User:
    _USERS["n"] += 1
    user = User(email=f"shop{_USERS['n']}-{role}-{project.code.lower()}@test.ro",
                full_name=name or f"Casier {role} {_USERS['n']}", role=Role(role), password_hash="x", is_active=True)
    db.add(user)
    db.flush()
    db.add(ProjectMember(project_id=project.id, user_id=user.id, role=Role(role)))
    db.flush()
    return user


def acting(user: User, project: Project, *rights: str) -> Actor:
    return Actor(user=user, address="test", project_permissions={project.id: frozenset(rights)})


def product(db, project: Project, actor: Actor, name: str, price: str, stock: int = 0) -> ShopProduct:
    item = shop.save_product(db, project, actor, shop.ProductData(name_ro=name, price_hours=Decimal(price)))
    if stock:
        shop.receive_stock(db, item, stock, actor, note="donație")
    return item


def ledger_sum(db, project_id: int, person_id: int) -> Decimal:
    return Decimal(db.scalar(select(func.coalesce(func.sum(LedgerLine.hours), 0)).where(
        LedgerLine.project_id == project_id, LedgerLine.person_id == person_id))).quantize(Decimal("0.01"))


def counts(db) -> tuple[int, int, int, int, int]:
    """Rows of every table a purchase writes to."""
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (
        ShopPurchase, ShopPurchaseItem, LedgerLine, StockMove, AuditEntry))


def stock_of(db, item: ShopProduct) -> int:
    return db.scalar(select(ShopProduct.stock).where(ShopProduct.id == item.id))


@pytest.fixture(autouse=True)
def app_context(app):
    """Messages are lazy translations: formatting them needs the app (read in English, the msgids)."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def world(db_session):
    project = make_project(db_session)
    coordinator = member(db_session, project, "coordinator", "Coordonatoare Ioana")
    clerk = member(db_session, project, "staff", "Casier Mihai")
    viewer = member(db_session, project, "viewer", "Vizitator Dan")
    manager = acting(coordinator, project, shop.SHOP_RECORD, shop.SHOP_MANAGE)
    recorder = acting(clerk, project, shop.SHOP_RECORD)
    person = enrolled_person(db_session, project)
    return type("World", (), dict(project=project, coordinator=coordinator, clerk=clerk, viewer=viewer,
                                  manager=manager, recorder=recorder, person=person))


def work(db, world, hours: str, *, person=None, day=YESTERDAY, task="Curățenie în parcul din Letea"):
    return shop.record_work(db, world.project, person or world.person, world.recorder, day=day, task=task,
                            hours=Decimal(hours), verified_by_id=world.clerk.id)


# Work hours --------------------------------------------------------------------------------------

def test_parse_hours_reads_what_people_type():
    assert shop.parse_hours("3") == Decimal("3")
    assert shop.parse_hours(" 2,5 ") == Decimal("2.5")
    assert shop.parse_hours("2.25") == Decimal("2.25")
    assert shop.parse_hours("1:30") == Decimal("1.5")
    assert shop.parse_hours("-1,5", signed=True) == Decimal("-1.5")
    assert shop.parse_hours("+2", signed=True) == Decimal("2")
    for wrong in ("", "abc", "1:20", "2,5h", "-1", "1e3", "NaN"):
        with pytest.raises(DomainError) as refused:
            shop.parse_hours(wrong)
        assert refused.value.field == "hours", wrong


def test_work_hours_are_credited_with_a_verified_line_and_an_audit_entry(db_session, world):
    line = work(db_session, world, "2.25")
    assert (line.kind, line.hours, line.verified_by_id, line.recorded_by_id) == (
        LedgerKind.work, Decimal("2.25"), world.clerk.id, world.clerk.id)
    work(db_session, world, "24")
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("26.25")
    assert [after for _line, after in shop.ledger(db_session, world.project.id, world.person.id)] == [
        Decimal("2.25"), Decimal("26.25")]
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.person_id == world.person.id,
                                                       AuditEntry.details.like("shop ledger line%")))
    assert entry.action == AuditAction.create and entry.user_id == world.clerk.id
    assert "Munteanu" not in entry.details


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"hours": Decimal("0")}, "hours", "hours_range"),
    ({"hours": Decimal("-1")}, "hours", "hours_range"),
    ({"hours": Decimal("24.25")}, "hours", "hours_range"),
    ({"hours": Decimal("1.125")}, "hours", "hours_decimals"),
    ({"day": TODAY + timedelta(days=1)}, "day", "shop_future"),
    ({"day": date(2023, 12, 31)}, "day", "shop_outside_project"),
    ({"task": "   "}, "task", "task_required"),
    ({"verified_by_id": None}, "verified_by_id", "shop_verifier"),
])
def test_work_hours_are_checked(db_session, world, changes, field, code):
    values = {**dict(day=YESTERDAY, task="Curățenie", hours=Decimal("3"), verified_by_id=world.clerk.id), **changes}
    with pytest.raises(DomainError) as refused:
        shop.record_work(db_session, world.project, world.person, world.recorder, **values)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert db_session.scalar(select(func.count()).select_from(LedgerLine)) == 0


def test_work_is_verified_by_staff_of_the_project_and_done_by_its_target_group(db_session, world):
    other = make_project(db_session, "T-OTHER", "Altul")
    outsider = member(db_session, other, "staff")
    for verifier in (world.viewer.id, outsider.id):
        with pytest.raises(DomainError) as refused:
            shop.record_work(db_session, world.project, world.person, world.recorder, day=YESTERDAY, task="Curățenie",
                             hours=Decimal("3"), verified_by_id=verifier)
        assert refused.value.code == "shop_verifier"
    stranger = enrolled_person(db_session, None, first="Ion", last="Străinu")
    with pytest.raises(DomainError) as refused:
        work(db_session, world, "3", person=stranger)
    assert refused.value.code == "shop_not_enrolled"


# Volunteer hours -------------------------------------------------------------------------------------

def test_volunteer_hours_are_credited_once(db_session, world):
    activity = Activity(project_id=world.project.id, code="V1", name_ro="Ecologizare", kind=ActivityKind.volunteering)
    db_session.add(activity)
    db_session.flush()
    held = ActivitySession(activity_id=activity.id, date=YESTERDAY, start_time=time(9), end_time=time(12))
    cancelled = ActivitySession(activity_id=activity.id, date=YESTERDAY - timedelta(days=7), start_time=time(9),
                                end_time=time(12), is_cancelled=True)
    db_session.add_all([held, cancelled])
    db_session.flush()
    entries = [VolunteerHours(person_id=world.person.id, project_id=world.project.id, activity_id=activity.id,
                              session_id=held.id, day=YESTERDAY, hours=Decimal("3"), task=""),
               VolunteerHours(person_id=world.person.id, project_id=world.project.id, day=YESTERDAY,
                              hours=Decimal("1.5"), task="Împărțit pliante"),
               VolunteerHours(person_id=world.person.id, project_id=world.project.id, activity_id=activity.id,
                              session_id=cancelled.id, day=cancelled.date, hours=Decimal("4"), task="")]
    other = make_project(db_session, "T-OTHER", "Altul")
    entries.append(VolunteerHours(person_id=world.person.id, project_id=other.id, day=YESTERDAY, hours=Decimal("6")))
    db_session.add_all(entries)
    db_session.flush()

    assert [entry.id for entry in shop.uncredited_volunteer_hours(db_session, world.project.id, world.person.id)] == [
        entries[0].id, entries[1].id]
    lines = shop.credit_volunteer_hours(db_session, world.project, world.person, world.recorder)
    assert [(line.kind, line.hours, line.volunteer_hours_id, line.task) for line in lines] == [
        (LedgerKind.volunteer, Decimal("3.00"), entries[0].id, "Ecologizare"),
        (LedgerKind.volunteer, Decimal("1.50"), entries[1].id, "Împărțit pliante")]
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("4.50")
    # A second credit adds nothing.
    assert shop.credit_volunteer_hours(db_session, world.project, world.person, world.recorder) == []
    assert shop.uncredited_volunteer_hours(db_session, world.project.id, world.person.id) == []
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("4.50")
    # And the database itself refuses a second line for the same entry.
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(LedgerLine(project_id=world.project.id, person_id=world.person.id, kind=LedgerKind.volunteer,
                                  day=YESTERDAY, hours=Decimal("3"), volunteer_hours_id=entries[0].id))
        db_session.flush()
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("4.50")


# Purchases -----------------------------------------------------------------------------------------

@pytest.fixture
def stocked(db_session, world):
    world.oil = product(db_session, world.project, world.manager, "Ulei de floarea-soarelui 1 l", "1.5", stock=10)
    world.soap = product(db_session, world.project, world.manager, "Săpun", "2", stock=3)
    work(db_session, world, "8")
    work(db_session, world, "2")
    return world


def test_a_purchase_takes_hours_and_stock_and_writes_the_receipt(db_session, stocked):
    world = stocked
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder,
                            {world.oil.id: 2, world.soap.id: 1}, YESTERDAY)
    assert receipt.total_hours == Decimal("5.00") and receipt.served_by_id == world.clerk.id
    assert [(item.product_id, item.quantity, item.price_hours, item.hours) for item in receipt.items] == [
        (world.oil.id, 2, Decimal("1.50"), Decimal("3.00")), (world.soap.id, 1, Decimal("2.00"), Decimal("2.00"))]
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("5.00")
    assert (stock_of(db_session, world.oil), stock_of(db_session, world.soap)) == (8, 2)
    line, after = shop.ledger(db_session, world.project.id, world.person.id)[-1]
    assert (line.kind, line.hours, line.purchase_id, after) == (LedgerKind.purchase, Decimal("-5.00"), receipt.id,
                                                                Decimal("5.00"))
    moves = db_session.scalars(select(StockMove).where(StockMove.purchase_id == receipt.id).order_by(StockMove.id))
    assert [(move.product_id, move.delta, move.reason) for move in moves] == [
        (world.oil.id, -2, "purchase"), (world.soap.id, -1, "purchase")]
    assert shop.balance_after(db_session, receipt) == Decimal("5.00")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("5.00")
    assert db_session.scalar(select(AuditEntry.id).where(
        AuditEntry.person_id == world.person.id, AuditEntry.details == f"shop purchase no. {receipt.id}: 5.00 h"))


def test_a_purchase_refused_for_hours_leaves_nothing_behind(db_session, stocked):
    world = stocked
    before = counts(db_session)
    with pytest.raises(DomainError) as refused:
        shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 6, world.soap.id: 1},
                      YESTERDAY)  # 11 h, 10 h earned
    assert refused.value.code == "shop_balance"
    message = str(refused.value.message)
    assert "10 h" in message and "11 h" in message
    assert counts(db_session) == before
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")
    assert (stock_of(db_session, world.oil), stock_of(db_session, world.soap)) == (10, 3)


def test_a_purchase_refused_for_stock_leaves_nothing_behind(db_session, stocked):
    world = stocked
    before = counts(db_session)
    with pytest.raises(DomainError) as refused:
        # The oil is taken first (lower id), then the soap runs short: the oil goes back too.
        shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 1, world.soap.id: 4},
                      YESTERDAY)
    assert (refused.value.code, refused.value.field) == ("shop_stock", f"product-{world.soap.id}")
    assert "Săpun" in str(refused.value.message) and "3 left" in str(refused.value.message)
    assert counts(db_session) == before
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")
    assert (stock_of(db_session, world.oil), stock_of(db_session, world.soap)) == (10, 3)
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("10.00")


def test_a_purchase_needs_hours_products_of_the_shop_and_whole_quantities(db_session, stocked):
    world = stocked
    newcomer = enrolled_person(db_session, world.project, first="Vasile", last="Nou")
    with pytest.raises(DomainError) as refused:
        shop.purchase(db_session, world.project, newcomer, world.recorder, {world.oil.id: 1}, YESTERDAY)
    assert refused.value.code == "shop_balance"  # no account at all
    assert db_session.scalar(select(ShopAccount.id).where(ShopAccount.person_id == newcomer.id)) is None
    other = make_project(db_session, "T-OTHER", "Altul")
    foreign = product(db_session, other, acting(world.coordinator, other, shop.SHOP_MANAGE), "Orez", "1", stock=5)
    world.soap.is_active = False
    db_session.flush()
    for items, code in (({}, "purchase_empty"), ({world.oil.id: 0}, "purchase_empty"),
                        ({foreign.id: 1}, "purchase_product"), ({world.soap.id: 1}, "purchase_withdrawn"),
                        ({world.oil.id: -1}, "quantity_range"), ({world.oil.id: 1000}, "quantity_range")):
        with pytest.raises(DomainError) as refused:
            shop.purchase(db_session, world.project, world.person, world.recorder, items, YESTERDAY)
        assert refused.value.code == code, items
    with pytest.raises(DomainError) as refused:
        shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 1},
                      TODAY + timedelta(days=1))
    assert refused.value.field == "day"
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")


def test_the_last_hours_buy_exactly_and_the_balance_reaches_zero(db_session, stocked):
    world = stocked
    shop.purchase(db_session, world.project, world.person, world.recorder, {world.soap.id: 2, world.oil.id: 4},
                  YESTERDAY)
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("0.00")
    with pytest.raises(DomainError):
        shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 1}, YESTERDAY)
    assert db_session.scalar(select(ShopAccount.balance).where(ShopAccount.person_id == world.person.id)) == 0


def test_the_check_constraints_stand_behind_the_conditional_updates(db_session, stocked):
    world = stocked
    for statement in (ShopProduct.__table__.update().where(ShopProduct.id == world.soap.id).values(stock=-1),
                      ShopAccount.__table__.update().where(ShopAccount.person_id == world.person.id).values(balance=-1)):
        with pytest.raises(IntegrityError), db_session.begin_nested():
            db_session.execute(statement)


# Corrections and reversals -----------------------------------------------------------------------------

def test_a_correction_is_a_new_line_and_the_corrected_one_stays(db_session, stocked):
    world = stocked
    first = shop.ledger(db_session, world.project.id, world.person.id)[0][0]
    correction = shop.correct_line(db_session, first, world.manager, hours=Decimal("-1.5"),
                                   reason="Au fost 6,5 ore, nu 8 (foaia de pontaj)")
    db_session.expire_all()
    unchanged = db_session.get(LedgerLine, first.id)
    assert (unchanged.hours, unchanged.kind, unchanged.task) == (Decimal("8.00"), LedgerKind.work,
                                                                 "Curățenie în parcul din Letea")
    assert (correction.kind, correction.hours, correction.corrects_id, correction.recorded_by_id) == (
        LedgerKind.correction, Decimal("-1.50"), first.id, world.coordinator.id)
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("8.50")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("8.50")
    assert [after for _line, after in shop.ledger(db_session, world.project.id, world.person.id)] == [
        Decimal("8"), Decimal("10"), Decimal("8.5")]
    shop.correct_line(db_session, first, world.manager, hours=Decimal("0.5"), reason="Încă o jumătate de oră")
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("9.00")
    assert db_session.scalar(select(AuditEntry.id).where(AuditEntry.person_id == world.person.id,
                                                         AuditEntry.action == AuditAction.update,
                                                         AuditEntry.details.like(f"shop ledger line {first.id} corrected%")))


def test_a_correction_cannot_leave_a_negative_balance_nor_go_without_a_reason(db_session, stocked):
    world = stocked
    first = shop.ledger(db_session, world.project.id, world.person.id)[0][0]
    before = counts(db_session)
    for hours, reason, code in ((Decimal("-10.5"), "Ore trecute din greșeală", "correction_negative"),
                                (Decimal("-1"), "greșeală", "reason_short"),
                                (Decimal("0"), "Ore trecute din greșeală", "correction_range"),
                                (Decimal("0.125"), "Ore trecute din greșeală", "hours_decimals")):
        with pytest.raises(DomainError) as refused:
            shop.correct_line(db_session, first, world.manager, hours=hours, reason=reason)
        assert refused.value.code == code
    assert counts(db_session) == before
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")
    # All of it may go: to exactly zero.
    shop.correct_line(db_session, first, world.manager, hours=Decimal("-10"), reason="Ore trecute din greșeală")
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("0.00")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("0.00")


def test_a_purchase_is_reversed_once_with_its_stock_back(db_session, stocked):
    world = stocked
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder,
                            {world.oil.id: 2, world.soap.id: 1}, YESTERDAY)
    purchase_line = shop.purchase_line(db_session, receipt.id)
    with pytest.raises(DomainError) as refused:
        shop.correct_line(db_session, purchase_line, world.manager, hours=Decimal("5"), reason="Produse returnate")
    assert refused.value.code == "correct_purchase"
    line = shop.reverse_purchase(db_session, receipt, world.manager, "Produsele au fost aduse înapoi")
    assert (line.kind, line.hours, line.purchase_id, line.corrects_id) == (
        LedgerKind.correction, Decimal("5.00"), receipt.id, purchase_line.id)
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")
    assert (stock_of(db_session, world.oil), stock_of(db_session, world.soap)) == (10, 3)
    returns = db_session.scalars(select(StockMove).where(StockMove.purchase_id == receipt.id,
                                                         StockMove.reason == "return").order_by(StockMove.product_id))
    assert [(move.product_id, move.delta) for move in returns] == [(world.oil.id, 2), (world.soap.id, 1)]
    before = counts(db_session)
    with pytest.raises(DomainError) as refused:
        shop.reverse_purchase(db_session, receipt, world.manager, "Încă o dată, din greșeală")
    assert refused.value.code == "purchase_reversed"
    with pytest.raises(DomainError) as refused:
        shop.correct_line(db_session, line, world.manager, hours=Decimal("-1"), reason="Corectez anularea")
    assert refused.value.code == "correct_reversal"
    assert counts(db_session) == before
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("10.00")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("10.00")
    # The purchase's own line is still there, unchanged.
    db_session.expire_all()
    assert db_session.get(LedgerLine, purchase_line.id).hours == Decimal("-5.00")


def test_a_reversal_needs_a_reason(db_session, stocked):
    world = stocked
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 1}, YESTERDAY)
    with pytest.raises(DomainError) as refused:
        shop.reverse_purchase(db_session, receipt, world.manager, "  nu  ")
    assert refused.value.code == "reason_short"
    assert shop.reversal_of(db_session, receipt.id) is None


# Products and stock ------------------------------------------------------------------------------------

def test_products_are_checked_and_stock_is_received_and_counted(db_session, world):
    oil = product(db_session, world.project, world.manager, "Ulei", "1.5")
    for data, code in ((shop.ProductData(name_ro=" ulei ", price_hours=Decimal("2")), "product_taken"),
                       (shop.ProductData(name_ro="", price_hours=Decimal("2")), "required"),
                       (shop.ProductData(name_ro="Zahăr", price_hours=Decimal("0")), "price_range"),
                       (shop.ProductData(name_ro="Zahăr", price_hours=Decimal("10000")), "price_range"),
                       (shop.ProductData(name_ro="Zahăr", price_hours=Decimal("1.005")), "hours_decimals")):
        with pytest.raises(DomainError) as refused:
            shop.save_product(db_session, world.project, world.manager, data)
        assert refused.value.code == code
    shop.save_product(db_session, world.project, world.manager,
                      shop.ProductData(name_ro="Ulei", name_en="Oil", price_hours=Decimal("2"), is_active=False), oil)
    assert (oil.price_hours, oil.name_en, oil.is_active) == (Decimal("2"), "Oil", False)
    assert shop.products(db_session, world.project.id) == []
    assert shop.products(db_session, world.project.id, active_only=False) == [oil]

    shop.receive_stock(db_session, oil, 12, world.manager, note="Banca de alimente")
    assert oil.stock == 12
    move = shop.count_stock(db_session, oil, 9, world.manager, note="Inventar lunar")
    assert (move.delta, move.reason, oil.stock) == (-3, "count", 9)
    assert shop.count_stock(db_session, oil, 9, world.manager).delta == 0
    for call, field in ((lambda: shop.receive_stock(db_session, oil, 0, world.manager), "quantity"),
                        (lambda: shop.receive_stock(db_session, oil, -5, world.manager), "quantity"),
                        (lambda: shop.count_stock(db_session, oil, -1, world.manager), "counted")):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.field == field
    assert stock_of(db_session, oil) == 9
    assert [(item.delta, item.reason) for item in shop.stock_moves(db_session, oil.id)] == [
        (0, "count"), (-3, "count"), (12, "received")]


# Rights ------------------------------------------------------------------------------------------------

def test_recording_staff_cannot_manage_and_others_cannot_record(db_session, stocked):
    world = stocked
    line = shop.ledger(db_session, world.project.id, world.person.id)[0][0]
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 1}, YESTERDAY)
    refused_calls = [
        lambda: shop.save_product(db_session, world.project, world.recorder,
                                  shop.ProductData(name_ro="Orez", price_hours=Decimal("1"))),
        lambda: shop.receive_stock(db_session, world.oil, 5, world.recorder),
        lambda: shop.count_stock(db_session, world.oil, 5, world.recorder),
        lambda: shop.correct_line(db_session, line, world.recorder, hours=Decimal("1"), reason="O oră în plus"),
        lambda: shop.reverse_purchase(db_session, receipt, world.recorder, "Anulare fără drept"),
    ]
    reader = acting(world.viewer, world.project, "projects.view")
    other = make_project(db_session, "T-OTHER", "Altul")
    elsewhere = acting(member(db_session, other, "coordinator"), other, shop.SHOP_RECORD, shop.SHOP_MANAGE)
    for someone in (reader, elsewhere):
        refused_calls += [
            lambda who=someone: shop.record_work(db_session, world.project, world.person, who, day=YESTERDAY,
                                                 task="Curățenie", hours=Decimal("1"), verified_by_id=world.clerk.id),
            lambda who=someone: shop.purchase(db_session, world.project, world.person, who, {world.oil.id: 1},
                                              YESTERDAY),
            lambda who=someone: shop.credit_volunteer_hours(db_session, world.project, world.person, who),
        ]
    before = counts(db_session)
    for call in refused_calls:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == "forbidden"
    assert counts(db_session) == before


# Merge, erasure, export ---------------------------------------------------------------------------------

def test_merging_adds_the_absorbed_balance_and_moves_its_lines_and_receipts(db_session, stocked):
    world = stocked
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    work(db_session, world, "4", person=twin)
    receipt = shop.purchase(db_session, world.project, twin, world.recorder, {world.soap.id: 1}, YESTERDAY)
    other = make_project(db_session, "T-OTHER", "Altul")
    other_manager = acting(world.coordinator, other, shop.SHOP_RECORD)
    db_session.add(ProjectMember(project_id=other.id, user_id=world.clerk.id, role=Role.staff))
    zone = db_session.scalar(select(Zone).where(Zone.project_id == other.id))
    people.enroll(db_session, twin, other, people.EntryData(
        zone_id=zone.id, entry_date=date(2024, 2, 1), risk_reason=RiskReason.minimum_income,
        labour_status=LabourStatus.inactive, isced_level=2), SETUP)
    shop.record_work(db_session, other, twin, other_manager, day=YESTERDAY, task="Grădinărit", hours=Decimal("3"),
                     verified_by_id=world.clerk.id)

    shop.merge_person(db_session, world.person, twin)
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("12.00")  # 10 + (4 − 2)
    assert shop.balance(db_session, other.id, world.person.id) == Decimal("3.00")
    assert db_session.scalar(select(func.count()).select_from(ShopAccount).where(ShopAccount.person_id == twin.id)) == 0
    assert db_session.scalar(select(func.count()).select_from(LedgerLine).where(LedgerLine.person_id == twin.id)) == 0
    assert db_session.get(ShopPurchase, receipt.id).person_id == world.person.id
    for project in (world.project, other):
        assert ledger_sum(db_session, project.id, world.person.id) == shop.balance(db_session, project.id,
                                                                                   world.person.id)
    assert [(item.code, amount) for item, amount in shop.person_balances(db_session, world.person.id, None)] == [
        ("T-OTHER", Decimal("3.00")), ("T-SHOP", Decimal("12.00"))]
    assert shop.person_balances(db_session, world.person.id, {world.project.id}) == [
        (world.project, Decimal("12.00"))]
    assert shop.person_balances(db_session, world.person.id, set()) == []


def test_merging_through_the_register_keeps_the_shop_whole(db_session, stocked):
    world = stocked
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    work(db_session, world, "4", person=twin)
    people.merge_persons(db_session, world.person, twin, SETUP)
    db_session.flush()
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("14.00")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("14.00")


def test_erasure_keeps_the_ledger_and_export_lists_it(db_session, stocked):
    world = stocked
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 2}, YESTERDAY)
    exported = shop.export_person(db_session, world.person, world.recorder)["shop"]
    assert list(exported) == ["T-SHOP"]
    assert exported["T-SHOP"]["balance"] == "7.00"
    assert [row["kind"] for row in exported["T-SHOP"]["ledger"]] == ["work", "work", "purchase"]
    assert exported["T-SHOP"]["ledger"][-1]["balance_after"] == "7.00"
    assert exported["T-SHOP"]["purchases"] == [{"receipt": receipt.id, "date": YESTERDAY.isoformat(), "hours": "3.00",
                                                "items": [{"product": "Ulei de floarea-soarelui 1 l", "quantity": 2,
                                                           "hours": "3.00"}]}]
    outsider = acting(member(db_session, make_project(db_session, "T-OTHER", "Altul"), "staff"),
                      world.project, shop.SHOP_RECORD)
    outsider = Actor(user=outsider.user, address="test", project_permissions={-5: frozenset({shop.SHOP_RECORD})})
    assert shop.export_person(db_session, world.person, outsider) == {"shop": {}}
    people.erase_person(db_session, world.person, SETUP)
    db_session.flush()
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("7.00")
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("7.00")
    with pytest.raises(DomainError) as refused:
        work(db_session, world, "1")
    assert refused.value.code == "person_inactive"


# Volunteer hours changed, removed or merged after crediting ----------------------------------------

@pytest.fixture
def volunteering_world(db_session, world):
    """A volunteering session of the project yesterday, and a coordinator who logs hours and runs the shop."""
    from portal.domain.volunteering import services as volunteering

    activity = Activity(project_id=world.project.id, code="V1", name_ro="Ecologizare", kind=ActivityKind.volunteering)
    db_session.add(activity)
    db_session.flush()
    world.session = ActivitySession(activity_id=activity.id, date=YESTERDAY, start_time=time(9), end_time=time(12))
    db_session.add(world.session)
    db_session.flush()
    world.logger = acting(world.coordinator, world.project, shop.SHOP_RECORD, shop.SHOP_MANAGE,
                          volunteering.SIGNUPS_MANAGE)
    world.volunteering = volunteering
    return world


def log(db, world, hours: str, person=None, session="default"):
    return world.volunteering.log_hours(db, person or world.person, world.project, Decimal(hours), YESTERDAY,
                                        world.logger, session=world.session if session == "default" else session)


def whole(db, world, person=None) -> Decimal:
    """The balance, checked against the ledger it must equal."""
    person_id = (person or world.person).id
    value = shop.balance(db, world.project.id, person_id)
    assert ledger_sum(db, world.project.id, person_id) == value
    return value


def test_volunteer_hours_removed_and_logged_again_are_credited_once(db_session, volunteering_world):
    world = volunteering_world
    entry = log(db_session, world, "3")
    [credit] = shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    world.volunteering.remove_hours(db_session, entry, world.logger)
    assert whole(db_session, world) == Decimal("0.00")  # taken back by a correction line
    taken_back = db_session.scalar(select(LedgerLine).where(LedgerLine.corrects_id == credit.id))
    assert (taken_back.kind, taken_back.hours, taken_back.task) == (LedgerKind.correction, Decimal("-3.00"), "")
    db_session.expire_all()
    assert db_session.get(LedgerLine, credit.id).hours == Decimal("3.00")  # the credit line stays as it was
    log(db_session, world, "3")
    shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    assert whole(db_session, world) == Decimal("3.00")
    assert shop.uncredited_volunteer_hours(db_session, world.project.id, world.person.id) == []


def test_volunteer_hours_changed_after_crediting_follow_in_the_shop(db_session, volunteering_world):
    world = volunteering_world
    entry = log(db_session, world, "8")
    [credit] = shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    log(db_session, world, "1")  # corrected down at the same session: the entry is replaced in place
    assert whole(db_session, world) == Decimal("1.00")
    log(db_session, world, "2.5")
    assert whole(db_session, world) == Decimal("2.50")
    log(db_session, world, "2.5")  # no change, no line
    corrections = list(db_session.scalars(select(LedgerLine.hours).where(LedgerLine.corrects_id == credit.id)
                                          .order_by(LedgerLine.id)))
    assert corrections == [Decimal("-7.00"), Decimal("1.50")]
    # A coordinator's own correction of the credit counts: the entry changed later is what the shop ends at.
    shop.correct_line(db_session, credit, world.logger, hours=Decimal("-0.5"), reason="Foaia de prezență arată 2 ore")
    log(db_session, world, "4")
    assert whole(db_session, world) == Decimal("4.00")
    assert shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger) == []
    assert db_session.get(VolunteerHours, entry.id).hours == Decimal("4.00")
    audit = db_session.scalars(select(AuditEntry.details).where(AuditEntry.person_id == world.person.id,
                                                                AuditEntry.details.like("%volunteer hours changed%")))
    assert len(list(audit)) == 3  # −7, +1.5, then +2 (to 4 from the 2 h the coordinator left)


def test_spent_volunteer_hours_cannot_be_taken_back(db_session, volunteering_world):
    world = volunteering_world
    entry = log(db_session, world, "8")
    shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    oil = product(db_session, world.project, world.logger, "Ulei", "6", stock=2)
    shop.purchase(db_session, world.project, world.person, world.logger, {oil.id: 1}, YESTERDAY)
    before = counts(db_session)
    with pytest.raises(DomainError) as refused:
        log(db_session, world, "1")  # 7 h to take back, 2 h left
    assert (refused.value.code, refused.value.field) == ("volunteer_credit_spent", "hours")
    assert "Munteanu Elena" in str(refused.value.message)
    with pytest.raises(DomainError) as refused:
        world.volunteering.remove_hours(db_session, entry, world.logger)
    assert refused.value.code == "volunteer_credit_spent"
    assert counts(db_session) == before
    db_session.expire_all()
    assert db_session.get(VolunteerHours, entry.id).hours == Decimal("8.00")
    assert whole(db_session, world) == Decimal("2.00")


def test_taking_back_just_what_is_left_reaches_zero(db_session, volunteering_world):
    world = volunteering_world
    log(db_session, world, "8")
    shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    oil = product(db_session, world.project, world.logger, "Ulei", "6", stock=2)
    shop.purchase(db_session, world.project, world.person, world.logger, {oil.id: 1}, YESTERDAY)
    log(db_session, world, "6")
    assert whole(db_session, world) == Decimal("0.00")


def test_a_credited_entry_is_never_deleted_behind_the_shop(db_session, volunteering_world):
    world = volunteering_world
    entry = log(db_session, world, "3")
    shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    with pytest.raises(IntegrityError), db_session.begin_nested():  # ON DELETE RESTRICT
        db_session.delete(entry)
        db_session.flush()
    assert whole(db_session, world) == Decimal("3.00")


def test_merging_two_records_credited_for_one_session_credits_it_once(db_session, volunteering_world):
    world = volunteering_world
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    log(db_session, world, "3")
    log(db_session, world, "3", person=twin)
    for person in (world.person, twin):
        shop.credit_volunteer_hours(db_session, world.project, person, world.logger)
    people.merge_persons(db_session, world.person, twin, SETUP)
    db_session.flush()
    assert whole(db_session, world) == Decimal("3.00")
    assert db_session.scalar(select(func.count()).select_from(VolunteerHours).where(
        VolunteerHours.person_id.in_([world.person.id, twin.id]))) == 1
    assert shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger) == []
    assert whole(db_session, world) == Decimal("3.00")


def test_merging_keeps_the_credited_entry_of_a_session(db_session, volunteering_world):
    world = volunteering_world
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    log(db_session, world, "3")
    twin_entry = log(db_session, world, "3", person=twin)
    shop.credit_volunteer_hours(db_session, world.project, twin, world.logger)  # only the absorbed one's
    people.merge_persons(db_session, world.person, twin, SETUP)
    db_session.flush()
    [kept] = db_session.scalars(select(VolunteerHours).where(VolunteerHours.person_id == world.person.id))
    assert kept.id == twin_entry.id
    assert shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger) == []
    assert whole(db_session, world) == Decimal("3.00")


def test_a_merge_is_refused_when_the_double_credit_was_spent(db_session, volunteering_world):
    world = volunteering_world
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    log(db_session, world, "3")
    log(db_session, world, "3", person=twin)
    for person in (world.person, twin):
        shop.credit_volunteer_hours(db_session, world.project, person, world.logger)
    oil = product(db_session, world.project, world.logger, "Ulei", "2", stock=2)
    shop.purchase(db_session, world.project, twin, world.logger, {oil.id: 1}, YESTERDAY)
    with pytest.raises(DomainError) as refused:
        with db_session.begin_nested():
            people.merge_persons(db_session, world.person, twin, SETUP)
    assert refused.value.code == "volunteer_credit_spent"


# The ledger in the database: append-only, a purchase reversed once ---------------------------------

def test_the_database_refuses_to_change_or_delete_a_ledger_line(db_session, stocked):
    world = stocked
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    line = db_session.scalar(select(LedgerLine).where(LedgerLine.person_id == world.person.id).limit(1))
    for change in ({"hours": Decimal("80")}, {"task": "Altceva"}, {"kind": LedgerKind.correction},
                   {"day": TODAY}, {"corrects_id": line.id}):
        with pytest.raises(IntegrityError), db_session.begin_nested():
            db_session.execute(sa_update(LedgerLine).where(LedgerLine.id == line.id).values(**change))
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa_delete(LedgerLine).where(LedgerLine.id == line.id))
    # A merge moves lines to the kept record: person_id alone may change.
    db_session.execute(sa_update(LedgerLine).where(LedgerLine.id == line.id).values(person_id=twin.id))
    db_session.expire_all()
    assert db_session.get(LedgerLine, line.id).person_id == twin.id
    assert db_session.get(LedgerLine, line.id).hours == Decimal("8.00")


def test_a_credit_lets_go_of_its_entry_only_once_taken_back(db_session, volunteering_world):
    world = volunteering_world
    entry = log(db_session, world, "3")
    [credit] = shop.credit_volunteer_hours(db_session, world.project, world.person, world.logger)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa_update(LedgerLine).where(LedgerLine.id == credit.id).values(volunteer_hours_id=None))
    with pytest.raises(IntegrityError), db_session.begin_nested():
        other = log(db_session, world, "2", session=None)
        db_session.execute(sa_update(LedgerLine).where(LedgerLine.id == credit.id).values(volunteer_hours_id=other.id))
    assert shop.is_credited(db_session, entry.id)


def test_the_database_reverses_a_purchase_once(db_session, stocked):
    world = stocked
    receipt = shop.purchase(db_session, world.project, world.person, world.recorder, {world.oil.id: 2}, YESTERDAY)
    shop.reverse_purchase(db_session, receipt, world.manager, "Produsele au fost aduse înapoi")
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(LedgerLine(project_id=world.project.id, person_id=world.person.id, kind=LedgerKind.correction,
                                  day=YESTERDAY, hours=Decimal("3"), task="A doua anulare", purchase_id=receipt.id))
        db_session.flush()
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("10.00")
