"""The social shop under contention: purchases per second with several clerks at once, and the proof
that no balance and no stock ever went below zero or drifted from its ledger.

    make bench                                   # SQLite, then PostgreSQL (a throwaway cluster)
    BENCH_ONLY=postgresql BENCH_SHOP_THREADS=8 .venv/bin/python scripts/bench_shop.py

Each database is migrated and gets the demo (projects, people, the Botoșani shop). Then
BENCH_SHOP_BUYERS persons of the Botoșani target group (default 40) are credited BENCH_SHOP_HOURS
hours of verified community work each (default 6), and BENCH_SHOP_PRODUCTS products (default 4) get a
stock of BENCH_SHOP_STOCK pieces (default 150) at 1 hour each, so that both the hours and the stock run
out during the run: BENCH_SHOP_THREADS threads (default 1, then 8) each make purchases of one random
piece for a random buyer (few buyers, many clerks: the same accounts and products are fought over)
until BENCH_SHOP_ATTEMPTS attempts in all (default 600) were made. Each attempt is one transaction
through the domain service (`shop.purchase`), committed or refused ("not enough hours / stock").

Printed per thread count: how many pieces the buyers' hours and the stock allow at most, purchases, refusals, purchases per second, p50/p95 of one attempt,
and the checks: every account's balance equals the sum of its ledger lines and is ≥ 0, every product's
stock equals what it received minus what was sold and is ≥ 0, and purchases + refusals = attempts.
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_register import on_each_database  # noqa: E402
from portal import create_app  # noqa: E402
from portal.db import make_engine, writing  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.domain.actor import system_actor  # noqa: E402
from portal.domain.benefits import shop  # noqa: E402
from portal.domain.benefits.models import LedgerLine, ShopAccount, ShopProduct, StockMove  # noqa: E402
from portal.domain.errors import DomainError  # noqa: E402
from portal.domain.people.models import Enrollment, Person  # noqa: E402
from portal.domain.projects.models import Project  # noqa: E402
from portal.domain.accounts.models import User  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.migrations import upgrade  # noqa: E402
from portal.staff.permissions import ROLE_PERMISSIONS  # noqa: E402
from portal.domain.accounts.models import Role  # noqa: E402

BUYERS = int(os.environ.get("BENCH_SHOP_BUYERS", "40"))
HOURS = Decimal(os.environ.get("BENCH_SHOP_HOURS", "6"))
PRODUCTS = int(os.environ.get("BENCH_SHOP_PRODUCTS", "4"))
STOCK = int(os.environ.get("BENCH_SHOP_STOCK", "150"))
ATTEMPTS = int(os.environ.get("BENCH_SHOP_ATTEMPTS", "600"))
THREADS = [int(value) for value in os.environ.get("BENCH_SHOP_THREADS", "1,8").split(",")]
PROJECT_CODE = "155550"


def _prepare(engine, round_number: int, today: date) -> tuple[int, list[int], list[int], int]:
    """Fresh buyers' hours and fresh products for one run: (project id, person ids, product ids, the
    buyers' whole hours — with what the demo gave some of them already)."""
    actor = system_actor(ROLE_PERMISSIONS[Role.admin])
    with writing(), Session(engine) as session:
        project = session.scalar(select(Project).where(Project.code == PROJECT_CODE))
        verifier = session.scalar(select(User.id).where(User.email == "personal@comunitar.demo"))
        people = list(session.scalars(
            select(Person).join(Enrollment, Enrollment.person_id == Person.id)
            .where(Enrollment.project_id == project.id, Person.erased_at.is_(None), Person.merged_into_id.is_(None))
            .order_by(Person.id).offset(round_number * BUYERS).limit(BUYERS)))
        assert len(people) == BUYERS, f"the demo has fewer than {BUYERS * (round_number + 1)} persons in {PROJECT_CODE}"
        for person in people:
            shop.record_work(session, project, person, actor, day=today, task="Curățenie în cartier (bench)",
                             hours=HOURS, verified_by_id=verifier, today=today)
        products = []
        for number in range(PRODUCTS):
            product = shop.save_product(session, project, actor, shop.ProductData(
                name_ro=f"Produs bench {round_number}-{number}", name_en="", price_hours=Decimal("1"),
                is_active=True))
            session.flush()
            shop.receive_stock(session, product, STOCK, actor, "bench")
            products.append(product.id)
        session.commit()
        ids = [person.id for person in people]
        hours = sum(int(shop.balance(session, project.id, person_id)) for person_id in ids)
        return project.id, ids, products, hours


def _attempts(engine, project_id: int, people: list[int], products: list[int], threads: int,
              today: date) -> tuple[int, int, list[float], float]:
    actor = system_actor(ROLE_PERMISSIONS[Role.admin])
    left = {"n": ATTEMPTS}
    lock = threading.Lock()
    counts = {"bought": 0, "refused": 0}
    timings: list[float] = []
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def clerk(seed: int) -> None:
        chance = random.Random(seed)
        barrier.wait()
        while True:
            with lock:
                if left["n"] == 0:
                    return
                left["n"] -= 1
            person_id, product_id = chance.choice(people), chance.choice(products)
            began = time.perf_counter()
            try:
                with writing(), Session(engine) as session:
                    project = session.get(Project, project_id)
                    person = session.get(Person, person_id)
                    try:
                        shop.purchase(session, project, person, actor, {product_id: 1}, today, today=today)
                        session.commit()
                        outcome = "bought"
                    except DomainError:
                        session.rollback()
                        outcome = "refused"
            except BaseException as error:  # noqa: BLE001 — reported after the run
                errors.append(error)
                return
            with lock:
                counts[outcome] += 1
                timings.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    workers = [threading.Thread(target=clerk, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return counts["bought"], counts["refused"], timings, elapsed


def _check(engine, project_id: int, people: list[int], products: list[int]) -> list[str]:
    problems = []
    with Session(engine) as session:
        for person_id in people:
            balance = session.scalar(select(ShopAccount.balance).where(
                ShopAccount.project_id == project_id, ShopAccount.person_id == person_id))
            ledger = session.scalar(select(func.coalesce(func.sum(LedgerLine.hours), 0)).where(
                LedgerLine.project_id == project_id, LedgerLine.person_id == person_id))
            if balance is None or balance < 0 or Decimal(balance) != Decimal(ledger):
                problems.append(f"person {person_id}: balance {balance}, ledger {ledger}")
        for product_id in products:
            stock = session.scalar(select(ShopProduct.stock).where(ShopProduct.id == product_id))
            moved = session.scalar(select(func.coalesce(func.sum(StockMove.delta), 0)).where(
                StockMove.product_id == product_id))
            if stock < 0 or stock != moved:
                problems.append(f"product {product_id}: stock {stock}, moves {moved}")
    return problems


def run(label: str, url: str, folder: str) -> None:
    engine = make_engine(url, pool_size=max(THREADS) + 2) if url.startswith("postgresql") else make_engine(url)
    upgrade(engine)
    app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        load_demo(db.session, with_people=True)
        db.session.commit()
    db.engine(app).dispose()
    today = date.today()
    print(f"\n== {label}: {BUYERS} buyers × {HOURS} h, {PRODUCTS} products × {STOCK} pieces at 1 h, "
          f"{ATTEMPTS} attempts of one piece each")
    print(f"   {'threads':>7}{'possible':>9}{'bought':>8}{'refused':>9}{'per s':>8}{'p50 ms':>8}{'p95 ms':>8}  checks")
    for round_number, threads in enumerate(THREADS):
        project_id, people, products, hours = _prepare(engine, round_number, today)
        bought, refused, timings, elapsed = _attempts(engine, project_id, people, products, threads, today)
        problems = _check(engine, project_id, people, products)
        if bought + refused != ATTEMPTS:
            problems.append(f"{bought} + {refused} != {ATTEMPTS}")
        expected = min(hours, PRODUCTS * STOCK)
        if bought > expected:
            problems.append(f"{bought} purchases, at most {expected} possible")
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 20 else max(timings)
        print(f"   {threads:>7}{expected:>9}{bought:>8}{refused:>9}{bought / elapsed:>8.0f}{statistics.median(timings):>8.1f}"
              f"{p95:>8.1f}  {'ok: balances = ledgers ≥ 0, stocks = moves ≥ 0' if not problems else problems[:3]}")
    engine.dispose()


def main() -> None:
    began = time.perf_counter()
    print("Social shop bench: concurrent purchases")
    on_each_database(run)
    print(f"\nTotal {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
