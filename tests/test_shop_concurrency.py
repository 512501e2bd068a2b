"""Purchases at the same moment at the social shop: the balance and the stock never go below zero.

Real threads, each with its own connection and transaction, released together by a barrier, each doing
what the purchase form does: load the person and the project, purchase, commit (or roll back when refused).
- One person whose hours pay for one purchase only, buying at two counters (and at many) at once:
  exactly one purchase goes through, the balance is exactly 0, the refused ones leave nothing behind.
- Many persons taking the last units of one product at once: exactly as many succeed as there were
  units, the stock is exactly 0.
On PostgreSQL (the production database, where the conditional UPDATEs wait for the row and check again),
in a database of its own, and on SQLite (the embedded default, whose writers take turns), like
test_signup_concurrency.py. Neither is parametrized by the `backend` fixture: both always run.
"""
from __future__ import annotations

import threading
import traceback
from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from portal.db import make_engine, writing
from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditEntry
from portal.domain.benefits import shop
from portal.domain.benefits.models import (
    LedgerLine, ShopAccount, ShopProduct, ShopPurchase, ShopPurchaseItem, StockMove,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Consent, Enrollment, Person
from portal.domain.activities.models import ActivitySession
from portal.domain.people import services as people_services
from portal.domain.projects.models import Activity, ActivityKind, Project, ProjectMember, Zone
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import VolunteerHours
from portal.migrations import upgrade
from tests.conftest import create_pg_database, make_test_app, run_together
from tests.test_shop import SETUP, acting, enrolled_person, make_project, member

PROJECT_CODE = "T-SHOP-CONCURRENCY"
COUNTERS = 24  # purchases at once by one person
BUYERS, LAST_UNITS = 30, 12  # persons at once, units left of one product
POOL = max(COUNTERS, BUYERS) + 5
DAY = clock.today() - timedelta(days=1)


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    if request.param == "postgresql":
        url = create_pg_database(request.getfixturevalue("postgres_server"), "comunitar_shop_concurrency")
    else:
        url = f"sqlite:///{tmp_path / 'shop-concurrency.sqlite3'}"
    # One connection per thread, all open at once: the pool must hold them all.
    engine = make_engine(url, pool_size=POOL, max_overflow=0, pool_timeout=60)
    upgrade(engine)
    _remove_test_project(engine)
    yield engine
    _remove_test_project(engine)  # TEST_DATABASE_URL may name a database other tests use
    engine.dispose()


@pytest.fixture
def app(tmp_path):
    return make_test_app(tmp_path, DATABASE_URL="sqlite://")


def _remove_test_project(engine) -> None:
    with Session(engine) as db:
        project_id = db.scalar(select(Project.id).where(Project.code == PROJECT_CODE))
        if project_id is None:
            return
        person_ids = list(db.scalars(select(Enrollment.person_id).where(Enrollment.project_id == project_id)))
        user_ids = list(db.scalars(select(ProjectMember.user_id).where(ProjectMember.project_id == project_id)))
        person_ids += list(db.scalars(select(Person.id).where(Person.merged_into_id.in_(person_ids))))
        # Volunteer hours credited to the shop go the way the application removes them (their credit taken
        # back, the link let go): the ledger keeps them otherwise (ON DELETE RESTRICT, append-only).
        for entry in db.scalars(select(VolunteerHours).where(VolunteerHours.project_id == project_id)):
            shop.volunteer_hours_removed(db, entry, None)
            db.delete(entry)
            db.flush()
        db.execute(delete(AuditEntry).where(or_(AuditEntry.person_id.in_(person_ids), AuditEntry.user_id.in_(user_ids))))
        for enrollment in db.scalars(select(Enrollment).where(Enrollment.project_id == project_id)):
            db.delete(enrollment)
        db.execute(delete(ProjectMember).where(ProjectMember.project_id == project_id))
        purchases = select(ShopPurchase.id).where(ShopPurchase.project_id == project_id)
        db.execute(delete(StockMove).where(StockMove.product_id.in_(
            select(ShopProduct.id).where(ShopProduct.project_id == project_id))))
        db.execute(delete(ShopPurchaseItem).where(ShopPurchaseItem.purchase_id.in_(purchases)))
        db.flush()
        # The project takes the rest of its shop with it (ON DELETE CASCADE): the ledger's append-only
        # trigger lets the lines of a deleted project go, and no others.
        db.execute(delete(Project).where(Project.id == project_id))
        db.execute(delete(Consent).where(Consent.person_id.in_(person_ids)))
        db.execute(update(Person).where(Person.id.in_(person_ids)).values(merged_into_id=None))
        for person in db.scalars(select(Person).where(Person.id.in_(person_ids))):
            db.delete(person)
        db.execute(delete(User).where(User.id.in_(user_ids)))
        db.execute(delete(Zone).where(Zone.project_id == project_id))
        db.commit()


def _shop(engine, app, persons: int, hours: str, price: str, stock: int) -> dict:
    """The project, a clerk, `persons` persons with `hours` each and one product: committed for the threads."""
    with app.app_context(), Session(engine) as db:
        project = make_project(db, PROJECT_CODE, "Concurență")
        clerk = member(db, project, "staff", "Casier la ghișeu")
        manager = acting(clerk, project, shop.SHOP_RECORD, shop.SHOP_MANAGE)
        item = shop.save_product(db, project, manager, shop.ProductData(name_ro="Pachet alimentar",
                                                                          price_hours=Decimal(price)))
        shop.receive_stock(db, item, stock, manager)
        people = []
        for number in range(persons):
            person = enrolled_person(db, project, first=f"Cumpărător{number:02d}", last="Concurentu")
            shop.record_work(db, project, person, manager, day=DAY, task="Curățenie", hours=Decimal(hours),
                             verified_by_id=clerk.id)
            people.append(person.id)
        db.commit()
        return {"project": project.id, "clerk": clerk.id, "product": item.id, "people": people}




def _buy(engine, app, seeded: dict, person_index, outcomes: list):
    def work(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        # writing(): what the web app declares for every POST (on SQLite the transaction then waits its turn).
        with app.app_context(), writing(), Session(engine) as db:
            project = db.get(Project, seeded["project"])
            person = db.get(Person, seeded["people"][person_index(number)])
            clerk = Actor(user=db.get(User, seeded["clerk"]), address=f"counter-{number}",
                          project_permissions={project.id: frozenset({shop.SHOP_RECORD})})
            try:
                receipt = shop.purchase(db, project, person, clerk, {seeded["product"]: 1}, DAY)
                db.commit()
                outcomes.append(("ok", receipt.id))
            except DomainError as refused:
                db.rollback()
                outcomes.append((refused.code, None))

    return work


def _state(engine, seeded: dict):
    with Session(engine) as db:
        balances = dict(db.execute(select(ShopAccount.person_id, ShopAccount.balance)
                                   .where(ShopAccount.project_id == seeded["project"])).all())
        sums = dict(db.execute(select(LedgerLine.person_id, func.sum(LedgerLine.hours))
                               .where(LedgerLine.project_id == seeded["project"]).group_by(LedgerLine.person_id)).all())
        stock = db.scalar(select(ShopProduct.stock).where(ShopProduct.id == seeded["product"]))
        sold = db.scalar(select(func.coalesce(func.sum(StockMove.delta), 0)).where(
            StockMove.product_id == seeded["product"], StockMove.reason == "purchase"))
        purchases = db.scalar(select(func.count()).select_from(ShopPurchase)
                              .where(ShopPurchase.project_id == seeded["project"]))
        return balances, sums, stock, sold, purchases


@pytest.mark.parametrize("counters", [2, COUNTERS])
def test_one_person_at_many_counters_pays_once(engine, app, counters):
    """5 hours earned, a 5-hour product bought at `counters` counters at the same moment."""
    seeded = _shop(engine, app, persons=1, hours="5", price="5", stock=100)
    outcomes: list = []
    assert run_together(counters, _buy(engine, app, seeded, lambda _number: 0, outcomes)) == []
    assert len(outcomes) == counters
    assert sum(1 for code, _receipt in outcomes if code == "ok") == 1
    assert {code for code, _receipt in outcomes if code != "ok"} == {"shop_balance"}
    balances, sums, stock, sold, purchases = _state(engine, seeded)
    person = seeded["people"][0]
    assert balances[person] == Decimal("0") and sums[person] == Decimal("0")
    assert (stock, sold, purchases) == (99, -1, 1)


def test_many_persons_take_the_last_units_and_the_stock_stops_at_zero(engine, app):
    seeded = _shop(engine, app, persons=BUYERS, hours="5", price="1", stock=LAST_UNITS)
    outcomes: list = []
    assert run_together(BUYERS, _buy(engine, app, seeded, lambda number: number, outcomes)) == []
    successes = [receipt for code, receipt in outcomes if code == "ok"]
    assert len(successes) == LAST_UNITS
    assert {code for code, _receipt in outcomes if code != "ok"} == {"shop_stock"}
    balances, sums, stock, sold, purchases = _state(engine, seeded)
    assert (stock, sold, purchases) == (0, -LAST_UNITS, LAST_UNITS)
    assert sorted(balances.values()) == [Decimal("4")] * LAST_UNITS + [Decimal("5")] * (BUYERS - LAST_UNITS)
    assert all(sums[person] == balances[person] for person in seeded["people"])


# A merge of two records while they buy ------------------------------------------------------------------

def _merge(engine, app, seeded: dict, outcomes: list):
    def merge() -> None:
        with app.app_context(), writing(), Session(engine) as db:
            keep, absorb = (db.get(Person, person_id) for person_id in seeded["people"][:2])
            people_services.merge_persons(db, keep, absorb, SETUP)
            db.commit()
            outcomes.append(("merged", None))

    return merge


def _whole_after_merge(engine, seeded: dict, price: Decimal, earned: Decimal) -> int:
    """The kept record's balance is its ledger; the absorbed one has neither; no hour was made up."""
    balances, sums, _stock, _sold, purchases = _state(engine, seeded)
    keep, absorb = seeded["people"][:2]
    assert absorb not in balances and absorb not in sums
    assert balances[keep] == sums[keep] == earned - price * purchases
    assert balances[keep] >= 0
    return purchases


def test_a_merge_waits_for_a_purchase_of_the_absorbed_record(engine, app):
    """The absorbed record buys (not committed yet) when the merge starts: the merge reads its balance
    only once the purchase is over, and carries what is left, not what was there before."""
    seeded = _shop(engine, app, persons=2, hours="10", price="10", stock=5)
    outcomes: list = []
    with app.app_context(), writing(), Session(engine) as counter:
        project = counter.get(Project, seeded["project"])
        clerk = Actor(user=counter.get(User, seeded["clerk"]), address="counter",
                      project_permissions={project.id: frozenset({shop.SHOP_RECORD})})
        shop.purchase(counter, project, counter.get(Person, seeded["people"][1]), clerk, {seeded["product"]: 1}, DAY)
        errors: list[str] = []

        def run() -> None:
            try:
                _merge(engine, app, seeded, outcomes)()
            except Exception:  # noqa: BLE001
                errors.append(traceback.format_exc())

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=1.5)  # the merge is waiting for the purchase's lock
        counter.commit()
    thread.join(timeout=60)
    assert not thread.is_alive() and errors == []
    assert outcomes == [("merged", None)]
    assert _whole_after_merge(engine, seeded, Decimal("10"), Decimal("20")) == 1


def test_a_merge_among_purchases_keeps_the_hours_whole(engine, app):
    """One merge and purchases of both records at the same moment: whatever the order, the hours add up."""
    seeded = _shop(engine, app, persons=2, hours="10", price="4", stock=100)
    outcomes: list = []
    buy = _buy(engine, app, seeded, lambda number: number % 2, outcomes)
    merge = _merge(engine, app, seeded, outcomes)

    def work(number: int, barrier: threading.Barrier) -> None:
        if number == 0:
            barrier.wait()
            merge()
        else:
            buy(number, barrier)

    assert run_together(9, work) == []
    assert ("merged", None) in outcomes
    assert {code for code, _receipt in outcomes} <= {"merged", "ok", "shop_balance", "person_inactive"}
    purchases = _whole_after_merge(engine, seeded, Decimal("4"), Decimal("20"))
    assert purchases == sum(1 for code, _receipt in outcomes if code == "ok")


# Credited volunteer hours changed by two people at once ---------------------------------------------------

def test_credited_volunteer_hours_changed_at_once_stay_equal_to_the_shop(engine, app):
    seeded = _shop(engine, app, persons=1, hours="1", price="1", stock=1)
    with app.app_context(), Session(engine) as db:
        project = db.get(Project, seeded["project"])
        activity = Activity(project_id=project.id, code="V1", name_ro="Ecologizare", kind=ActivityKind.volunteering)
        db.add(activity)
        db.flush()
        session = ActivitySession(activity_id=activity.id, date=DAY, start_time=time(9), end_time=time(17))
        db.add(session)
        db.flush()
        logger = Actor(user=db.get(User, seeded["clerk"]), address="test", project_permissions={
            project.id: frozenset({shop.SHOP_RECORD, volunteering.SIGNUPS_MANAGE})})
        person = db.get(Person, seeded["people"][0])
        entry = volunteering.log_hours(db, person, project, Decimal("8"), DAY, logger, session=session)
        shop.credit_volunteer_hours(db, project, person, logger)
        db.commit()
        seeded["session"], seeded["entry"] = session.id, entry.id
    targets = [Decimal("1"), Decimal("5"), Decimal("1"), Decimal("3")]
    outcomes: list = []

    def work(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        with app.app_context(), writing(), Session(engine) as db:
            project = db.get(Project, seeded["project"])
            clerk = Actor(user=db.get(User, seeded["clerk"]), address=f"desk-{number}", project_permissions={
                project.id: frozenset({volunteering.SIGNUPS_MANAGE})})
            volunteering.log_hours(db, db.get(Person, seeded["people"][0]), project, targets[number], DAY, clerk,
                                   session=db.get(ActivitySession, seeded["session"]))
            db.commit()
            outcomes.append(number)

    assert run_together(len(targets), work) == []
    assert len(outcomes) == len(targets)
    balances, sums, *_rest = _state(engine, seeded)
    person = seeded["people"][0]
    with Session(engine) as db:
        hours = db.scalar(select(VolunteerHours.hours).where(VolunteerHours.id == seeded["entry"]))
    assert hours == targets[outcomes[-1]]  # the last to commit
    assert balances[person] == sums[person] == Decimal("1") + hours  # 1 h of work, the entry's hours credited
