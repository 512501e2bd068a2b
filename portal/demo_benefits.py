"""Benefits and the social shop of the Botoșani demo project, as the article tells them.

The after-school children received a 500 lei subsidy each month they came (here: present at 10 sessions
or more), hot meals for the days they were present and a school kit; the Second Chance learners a
monthly cash subsidy; the winners of the pavement drawing contest cash prizes; and a social shop let
people take products for hours of community work.

Everything goes through the benefits and shop services, so the demo obeys their rules: lists proposed
from the attendance, approved by the coordinator, paid or handed over once with a document number;
hours verified by a staff member; purchases only within a person's balance and the stock; a
correction and a reversed purchase as new ledger lines. The recent months' lists are paid, last
month's subsidy list is still a draft. Random choices come from a fixed seed; the dates
follow today's, like the sessions of `demo_activities`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.demo_activities import is_working_day
from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.actor import Actor
from portal.domain.benefits import services as benefits
from portal.domain.benefits import shop
from portal.domain.benefits.models import BenefitKind, BenefitList, BenefitUnit, ShopProduct
from portal.domain.people.models import Enrollment, Person
from portal.domain.people.services import age_on
from portal.domain.projects.models import Project
from portal.domain.volunteering.models import VolunteerHours

PROJECT = "155550"
COORDINATOR, STAFF = "coordonator@comunitar.demo", "personal@comunitar.demo"
PERMISSIONS = frozenset({benefits.BENEFITS_PROPOSE, benefits.BENEFITS_APPROVE, benefits.BENEFITS_PAY,
                         benefits.BENEFITS_MANAGE, shop.SHOP_RECORD, shop.SHOP_MANAGE})
PAID_MONTHS = 3  # the lists of the last three months before this one; last month's subsidy list is a draft
SHOP_DAYS = 91  # community work and purchases over about three months up to today
WORKERS = 45  # adults of the target group doing community work for the shop

# The subsidies and meals given by attendance (kind names as in portal/demo.py): paid or handed over by whom.
MONTHLY = [("Subvenție Școală după școală", "Stat de plată subvenții ȘDȘ nr. {n}"),
           ("Subvenție A doua șansă", "Stat de plată subvenții A2Ș nr. {n}"),
           ("Masă caldă", "Proces-verbal de predare mese calde nr. {n}")]
KIT = ("Pachet de rechizite școlare", "Proces-verbal de predare rechizite nr. 1")
PRIZES = ("Premii concurs de desene pe asfalt", "Stat de plată premii nr. 1")
PRIZE_PLACES = [(Decimal(300), "Locul I"), (Decimal(200), "Locul al II-lea"), (Decimal(100), "Locul al III-lea")]

PRODUCTS = [  # name, English name, price in hours, stock received
    ("Ulei de floarea-soarelui 1 l", "Sunflower oil 1 l", "2", 120),
    ("Zahăr 1 kg", "Sugar 1 kg", "1", 150),
    ("Făină albă 1 kg", "White flour 1 kg", "1", 150),
    ("Orez 1 kg", "Rice 1 kg", "1.5", 100),
    ("Conserve de fasole 400 g", "Canned beans 400 g", "1", 200),
    ("Detergent de rufe 2 kg", "Laundry detergent 2 kg", "4", 60),
    ("Pachet de igienă (săpun, pastă și periuță de dinți)", "Hygiene pack (soap, toothpaste, toothbrush)", "2.5",
     80),
    ("Pătură", "Blanket", "8", 25),
]
TASKS = [
    "Curățenie în Parcul Tineretului",
    "Colectarea deșeurilor pe Strada Parcului și Aleea Tineretului",
    "Întreținerea spațiilor verzi de lângă Centrul Comunitar Integrat",
    "Zugrăvit sala 2 a Centrului Comunitar Integrat",
    "Ajutor la distribuirea meselor calde la Școala Gimnazială nr. 2",
    "Reparații la gardul locului de joacă",
    "Măturat și deszăpezit aleile blocurilor",
    "Sortarea donațiilor de haine la centrul comunitar",
]


@dataclass
class Counts:
    lists: int = 0
    lines: int = 0
    paid_lines: int = 0
    products: int = 0
    work_lines: int = 0
    volunteer_lines: int = 0
    purchases: int = 0
    corrections: int = 0


def _month_start(day: date, back: int) -> date:
    year, month = day.year, day.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _working_day_from(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def load_demo_benefits(db: Session, seed: int = 2026, *, today: date | None = None) -> dict[str, int]:
    """Lists (paid, approved, a draft), prizes, a kit hand-over and the social shop of the Botoșani demo;
    returns the counts (all zero when the project already has lists or products, or its staff is missing)."""
    today = today or clock.today()
    counts = Counts()
    project = db.scalar(select(Project).where(Project.code == PROJECT))
    if project is None or today < project.start_date:
        return vars(counts)
    if (db.scalar(select(BenefitList.id).where(BenefitList.project_id == project.id).limit(1))
            or db.scalar(select(ShopProduct.id).where(ShopProduct.project_id == project.id).limit(1))):
        return vars(counts)
    users = {user.email: user for user in db.scalars(select(User).where(User.email.in_([COORDINATOR, STAFF])))}
    if len(users) < 2:
        return vars(counts)
    loader = _Loader(db, project, random.Random(f"{seed}-{PROJECT}-benefits"), min(today, project.end_date),
                     users[COORDINATOR], users[STAFF], counts)
    loader.monthly_lists()
    loader.school_kits()
    loader.prizes()
    loader.social_shop()
    db.flush()
    return vars(counts)


class _Loader:
    def __init__(self, db: Session, project: Project, rng: random.Random, today: date, coordinator: User,
                 staff: User, counts: Counts) -> None:
        self.db, self.project, self.rng, self.today, self.counts = db, project, rng, today, counts
        self.coordinator, self.staff = coordinator, staff
        # The staff member draws the lists up and serves at the shop; the coordinator approves and pays.
        self.clerk = Actor(user=staff, address="demo", permissions=PERMISSIONS, everywhere=PERMISSIONS)
        self.boss = Actor(user=coordinator, address="demo", permissions=PERMISSIONS, everywhere=PERMISSIONS)
        self.kinds = {kind.name_ro: kind for kind in benefits.kinds(db, project.id, active_only=False)}
        self.documents = 0

    # Lists ------------------------------------------------------------------------------------------

    def _list(self, kind: BenefitKind, period_key: str, *, approve: bool = True) -> BenefitList:
        blist = benefits.propose_list(self.db, self.project, kind, period_key, self.clerk, today=self.today)
        self.counts.lists += 1
        if approve:
            benefits.approve_list(self.db, blist, self.boss)
        return blist

    def _pay(self, blist: BenefitList, day: date, document: str, by: User) -> None:
        ids = [line.id for line in blist.lines]
        self.counts.lines += len(ids)
        if day > self.today or not ids:
            return  # approved, to be paid
        self.documents += 1
        self.counts.paid_lines += benefits.record_payment(
            self.db, blist, ids, self.boss, paid_on=day, document_no=document.format(n=self.documents),
            paid_by_id=by.id, today=self.today)

    def monthly_lists(self) -> None:
        """The subsidies and meals of the last months, paid on the 10th of the next month (meals handed
        over on the month's last day); last month's after-school subsidy list is proposed, not approved
        yet (a list counted from attendance is drawn up once its month has ended)."""
        for back in range(PAID_MONTHS, 0, -1):
            first = _month_start(self.today, back)
            for name, document in MONTHLY:
                kind = self.kinds.get(name)
                if kind is None:
                    continue
                period = benefits.period_of(kind, first)
                if period.end < self.project.start_date or not benefits.entitled(self.db, kind, period):
                    continue  # a holiday month: nobody came, no list
                if back == 1 and name == MONTHLY[0][0]:
                    self.counts.lines += len(self._list(kind, period.key, approve=False).lines)
                    continue
                blist = self._list(kind, period.key)
                if kind.unit == BenefitUnit.pieces:
                    self._pay(blist, period.end, document, self.staff)
                else:
                    self._pay(blist, _working_day_from(period.end + timedelta(days=10)), document, self.coordinator)
            self.db.flush()

    def school_kits(self) -> None:
        """One kit per child of the after-school list, handed over on the first day of the programme shown."""
        kind = self.kinds.get(KIT[0])
        if kind is None or kind.activity_id is None:
            return
        first_day = self.db.scalar(select(ActivitySession.date).where(
            ActivitySession.activity_id == kind.activity_id, ActivitySession.is_cancelled.is_(False),
            ActivitySession.date <= self.today).order_by(ActivitySession.date).limit(1))
        if first_day is None:
            return
        period = benefits.period_of(kind, first_day)
        if benefits.entitled(self.db, kind, period):
            self._pay(self._list(kind, period.key), first_day, KIT[1], self.staff)

    def prizes(self) -> None:
        """The drawing contest's prizes: first, second and third place in two age groups, chosen by the jury
        among the children present, paid a few days after the contest."""
        kind = self.kinds.get(PRIZES[0])
        if kind is None or kind.activity_id is None:
            return
        session = self.db.scalar(select(ActivitySession).where(
            ActivitySession.activity_id == kind.activity_id, ActivitySession.is_cancelled.is_(False),
            ActivitySession.date <= self.today).order_by(ActivitySession.date.desc()).limit(1))
        if session is None:
            return
        present = list(self.db.scalars(
            select(Person).join(Attendance, Attendance.person_id == Person.id)
            .where(Attendance.session_id == session.id, Attendance.status == AttendanceStatus.present,
                   Person.birth_date.is_not(None)).order_by(Person.id)))
        groups = [[person for person in present if age_on(person.birth_date, session.date) <= 10],
                  [person for person in present if age_on(person.birth_date, session.date) > 10]]
        if not any(len(group) >= len(PRIZE_PLACES) for group in groups):
            return
        blist = self._list(kind, benefits.period_of(kind, session.date).key, approve=False)
        for label, group in zip(("5–10 ani", "11–17 ani"), groups):
            if len(group) < len(PRIZE_PLACES):
                continue
            for person, (amount, place) in zip(self.rng.sample(group, len(PRIZE_PLACES)), PRIZE_PLACES):
                benefits.add_line(self.db, blist, person, self.clerk, quantity=amount, note=f"{place}, {label}")
        benefits.approve_list(self.db, blist, self.boss)
        self._pay(blist, _working_day_from(session.date + timedelta(days=3)), PRIZES[1], self.coordinator)

    # The social shop --------------------------------------------------------------------------------

    def social_shop(self) -> None:
        products = []
        for name_ro, name_en, price, stock in PRODUCTS:
            product = shop.save_product(self.db, self.project, self.boss,
                                        shop.ProductData(name_ro=name_ro, name_en=name_en, price_hours=Decimal(price)))
            shop.receive_stock(self.db, product, stock, self.boss, note="Donație Banca pentru Alimente Botoșani")
            products.append(product)
        self.counts.products = len(products)
        first = max(self.today - timedelta(days=SHOP_DAYS), self.project.start_date)
        days = [first + timedelta(days=offset) for offset in range((self.today - first).days)]
        days = [day for day in days if is_working_day(day)]
        if len(days) < 10:
            return
        adults = [person for person in self.db.scalars(
            select(Person).join(Enrollment, Enrollment.person_id == Person.id)
            .where(Enrollment.project_id == self.project.id, Enrollment.first_entry_date <= first,
                   Person.merged_into_id.is_(None), Person.erased_at.is_(None), Person.birth_date.is_not(None))
            .order_by(Person.id)) if age_on(person.birth_date, first) >= 18]
        workers = self.rng.sample(adults, min(WORKERS, len(adults)))
        corrected = reversed_ = False
        for person in workers:
            # Work on a few days; most also come to the shop a few times after they started, and take what
            # their hours earned so far pay for (and what is on the shelf).
            work_days = sorted(self.rng.sample(days[:-3], self.rng.randint(2, 5)))
            later = [day for day in days if day > work_days[0]]
            shop_days = (sorted(self.rng.sample(later, min(len(later), self.rng.randint(1, 2))))
                         if self.rng.random() < 0.8 else [])
            events = sorted([(day, 0) for day in work_days] + [(day, 1) for day in shop_days])
            balance, lines, receipts = Decimal(0), [], []
            for day, is_purchase in events:
                if is_purchase:
                    receipt = self._buy(person, products, balance, day)
                    if receipt is not None:
                        balance -= receipt.total_hours
                        receipts.append(receipt)
                    continue
                hours = Decimal(self.rng.choice(["2", "2.5", "3", "3", "4", "4"]))
                lines.append(shop.record_work(self.db, self.project, person, self.clerk, day=day,
                                              task=self.rng.choice(TASKS), hours=hours,
                                              verified_by_id=self.rng.choice([self.staff, self.coordinator]).id,
                                              today=self.today))
                balance += hours
                self.counts.work_lines += 1
            if not corrected and balance >= 1 and any(line.hours >= 3 for line in lines):
                # The time sheet said an hour less: corrected by a new line, the first one stays as it was.
                line = next(line for line in lines if line.hours >= 3)
                shop.correct_line(self.db, line, self.boss, hours=Decimal(-1), today=self.today,
                                  reason="Pe fișa de pontaj semnată sunt trecute cu o oră mai puțin.")
                corrected = True
                self.counts.corrections += 1
            if not reversed_ and receipts:
                shop.reverse_purchase(self.db, receipts[-1], self.boss, today=self.today,
                                      reason="Produs returnat nedeschis: ambalajul era deteriorat.")
                reversed_ = True
                self.counts.corrections += 1
        self._volunteers(products, days)

    def _buy(self, person: Person, products: list[ShopProduct], balance: Decimal, day: date):
        basket: dict[int, int] = {}
        left = balance
        for product in self.rng.sample(products, self.rng.randint(1, 4)):
            quantity = self.rng.randint(1, 3)
            while quantity and (product.price_hours * quantity > left or product.stock < quantity):
                quantity -= 1
            if quantity:
                basket[product.id] = quantity
                left -= product.price_hours * quantity
        if not basket:
            return None
        self.counts.purchases += 1
        return shop.purchase(self.db, self.project, person, self.clerk, basket, day, today=self.today)

    def _volunteers(self, products: list[ShopProduct], days: list[date]) -> None:
        """Some volunteers of the waste-collection days have their volunteer hours credited to the shop, and a
        few spend them: they take part in the shop, but their hours are not community work."""
        volunteers = list(self.db.scalars(
            select(Person).where(Person.id.in_(select(VolunteerHours.person_id).where(
                VolunteerHours.project_id == self.project.id, VolunteerHours.hours > 0)),
                Person.merged_into_id.is_(None), Person.erased_at.is_(None)).order_by(Person.id).limit(6)))
        for person in volunteers:
            lines = shop.credit_volunteer_hours(self.db, self.project, person, self.clerk)
            self.counts.volunteer_lines += len(lines)
            credited = sum((line.hours for line in lines), Decimal(0))
            later = [day for day in days if lines and day >= max(line.day for line in lines)]
            if credited and later and self.rng.random() < 0.5:
                self._buy(person, products, credited, self.rng.choice(later))
