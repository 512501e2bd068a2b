"""Benefit lists changed by several people at the same moment: nobody is listed twice, nothing changes on
a list after its approval, and nobody sees an error page.

Real threads, each with its own connection and transaction, doing what the portal's POST does (inside
`writing()`: load, call the service, commit or roll back when refused).
- Clerks drawing up the same list at once: the first one takes every entitled person, the others wait for
  it (the benefit kind's row is locked) and leave them out; no IntegrityError reaches anyone.
- A clerk changing a draft while a coordinator approves it: a change is saved before the approval (and is
  on the approved list) or refused after it; never saved on an approved list. Approving a list whose last
  line is being taken off waits, then refuses the empty list.
On PostgreSQL (the production database, where rows are locked with SELECT ... FOR UPDATE) in a database of
its own, and, for the tests released by a barrier, on SQLite too (writers take turns: BEGIN IMMEDIATE).
The tests that need one transaction to stop half-way while another runs are PostgreSQL's only: on SQLite
the second transaction cannot even begin, which is the point of BEGIN IMMEDIATE.
"""
from __future__ import annotations

import threading
import time
import traceback
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from portal.db import make_engine, writing
from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditEntry
from portal.domain.benefits import services as benefits
from portal.domain.benefits.models import (
    BenefitCategory,
    BenefitFrequency,
    BenefitKind,
    BenefitLine,
    BenefitList,
    BenefitListStatus,
    BenefitUnit,
    EntitlementRule,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Consent, Enrollment, Person
from portal.domain.projects.models import Project, ProjectMember, Zone
from portal.migrations import upgrade
from tests.conftest import create_pg_database, make_test_app, run_together
from tests.test_shop import acting, enrolled_person, make_project, member

PROJECT_CODE = "T-BENEFIT-CONCURRENCY"
PERSONS = 12
CLERKS = 16  # at once
POOL = CLERKS + 6
RIGHTS = (benefits.BENEFITS_MANAGE, benefits.BENEFITS_PROPOSE, benefits.BENEFITS_APPROVE, benefits.BENEFITS_PAY)
LAST_MONTH = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def _engine(url: str):
    # One connection per thread, all open at once: the pool must hold them all.
    engine = make_engine(url, pool_size=POOL, max_overflow=0, pool_timeout=60)
    upgrade(engine)
    _remove_test_project(engine)
    return engine


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    if request.param == "postgresql":
        url = create_pg_database(request.getfixturevalue("postgres_server"), "comunitar_benefit_concurrency")
    else:
        url = f"sqlite:///{tmp_path / 'benefit-concurrency.sqlite3'}"
    engine = _engine(url)
    yield engine
    _remove_test_project(engine)  # TEST_DATABASE_URL may name a database other tests use
    engine.dispose()


@pytest.fixture
def pg_engine(postgres_server):
    engine = _engine(create_pg_database(postgres_server, "comunitar_benefit_concurrency"))
    yield engine
    _remove_test_project(engine)
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
        lists = select(BenefitList.id).where(BenefitList.project_id == project_id)
        db.execute(delete(BenefitLine).where(BenefitLine.list_id.in_(lists)))
        db.execute(delete(BenefitList).where(BenefitList.project_id == project_id))
        db.execute(delete(BenefitKind).where(BenefitKind.project_id == project_id))
        db.execute(delete(AuditEntry).where(or_(AuditEntry.person_id.in_(person_ids), AuditEntry.user_id.in_(user_ids))))
        for enrollment in db.scalars(select(Enrollment).where(Enrollment.project_id == project_id)):
            db.delete(enrollment)
        db.flush()
        db.execute(delete(Consent).where(Consent.person_id.in_(person_ids)))
        for person in db.scalars(select(Person).where(Person.id.in_(person_ids))):
            db.delete(person)
        db.execute(delete(ProjectMember).where(ProjectMember.project_id == project_id))
        db.execute(delete(User).where(User.id.in_(user_ids)))
        for zone in db.scalars(select(Zone).where(Zone.project_id == project_id)):
            db.delete(zone)
        db.flush()
        db.execute(delete(Project).where(Project.id == project_id))
        db.commit()


def _seed(engine, app, *, persons: int = PERSONS, drafted: bool = False) -> dict:
    """The project, a coordinator, `persons` persons of the target group and a monthly subsidy given to
    everyone in it; with `drafted`, a draft list of last month holding them all. Committed for the threads."""
    with app.app_context(), Session(engine) as db:
        project = make_project(db, PROJECT_CODE, "Beneficii")
        coordinator = member(db, project, "coordinator", "Coordonator Concurent")
        actor = acting(coordinator, project, *RIGHTS)
        kind = benefits.save_kind(db, project, actor, benefits.BenefitKindData(
            category=BenefitCategory.cash_subsidy, name_ro="Subvenție lunară", unit=BenefitUnit.lei,
            amount=Decimal(500), frequency=BenefitFrequency.monthly, rule=EntitlementRule.enrolled))
        people = [enrolled_person(db, project, first=f"Persoana{number:02d}", last="Concurentu").id
                  for number in range(persons)]
        list_id = None
        if drafted:
            list_id = benefits.propose_list(db, project, kind, LAST_MONTH, actor).id
        db.commit()
        return {"project": project.id, "user": coordinator.id, "kind": kind.id, "people": people, "list": list_id}


def _actor(db, seeded: dict, number: int) -> Actor:
    user = db.get(User, seeded["user"])
    return Actor(user=user, address=f"desk-{number}",
                 project_permissions={seeded["project"]: frozenset(RIGHTS)})




def _in_thread(target) -> tuple[threading.Thread, list]:
    """Start target() in a thread; what it returned or raised lands in the returned list."""
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(("ok", target()))
        except DomainError as refused:
            outcome.append((refused.code, None))
        except Exception:  # noqa: BLE001
            outcome.append(("error", traceback.format_exc()))

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _lines(engine, seeded: dict) -> dict[int, list[tuple[int, Decimal]]]:
    """person id → [(list id, quantity)] of the kind's lines."""
    found: dict[int, list] = {}
    with Session(engine) as db:
        for person_id, list_id, quantity in db.execute(
                select(BenefitLine.person_id, BenefitLine.list_id, BenefitLine.quantity)
                .where(BenefitLine.kind_id == seeded["kind"])):
            found.setdefault(person_id, []).append((list_id, quantity))
    return found


# Drawing up the same list at once ---------------------------------------------------------------

@pytest.mark.parametrize("clerks", [2, CLERKS])
def test_clerks_drawing_up_the_same_list_at_once_list_everyone_once(engine, app, clerks):
    seeded = _seed(engine, app)
    outcomes: list = []

    def work(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        with app.app_context(), writing(), Session(engine) as db:
            try:
                blist = benefits.propose_list(db, db.get(Project, seeded["project"]),
                                              db.get(BenefitKind, seeded["kind"]), LAST_MONTH,
                                              _actor(db, seeded, number))
                lines, left_out = len(blist.lines), dict(blist.left_out)
                db.commit()
                outcomes.append(("ok", lines, left_out))
            except DomainError as refused:
                db.rollback()
                outcomes.append((refused.code, 0, {}))

    assert run_together(clerks, work) == []
    assert [code for code, _lines_, _left in outcomes] == ["ok"] * clerks
    assert sorted(lines for _code, lines, _left in outcomes) == [0] * (clerks - 1) + [PERSONS]
    full = next(left for _code, lines, left in outcomes if lines == PERSONS)
    assert full == {}
    assert all(sum(left.values()) == PERSONS for _code, lines, left in outcomes if lines == 0)
    found = _lines(engine, seeded)
    assert sorted(found) == sorted(seeded["people"]) and all(len(lines) == 1 for lines in found.values())


def test_a_second_proposal_waits_for_the_first_and_leaves_its_persons_out(pg_engine, app):
    """The review's case, in order: the first proposal is not yet saved when the second one starts."""
    seeded = _seed(pg_engine, app)
    with app.app_context(), writing(), Session(pg_engine) as first:
        blist = benefits.propose_list(first, first.get(Project, seeded["project"]),
                                      first.get(BenefitKind, seeded["kind"]), LAST_MONTH, _actor(first, seeded, 0))
        assert len(blist.lines) == PERSONS

        def second():
            with app.app_context(), writing(), Session(pg_engine) as db:
                other = benefits.propose_list(db, db.get(Project, seeded["project"]),
                                              db.get(BenefitKind, seeded["kind"]), LAST_MONTH,
                                              _actor(db, seeded, 1))
                result = (len(other.lines), dict(other.left_out))
                db.commit()
                return result

        thread, outcome = _in_thread(second)
        time.sleep(0.5)
        assert thread.is_alive() and outcome == []  # waiting for the kind's row
        first.commit()
        first_id = blist.id
    thread.join(timeout=60)
    assert outcome == [("ok", (0, {first_id: PERSONS}))]
    assert all(len(lines) == 1 for lines in _lines(pg_engine, seeded).values())


def test_one_person_added_to_several_drafts_at_once_is_listed_once(engine, app):
    seeded = _seed(engine, app, persons=1)
    with app.app_context(), Session(engine) as db:
        project, kind = db.get(Project, seeded["project"]), db.get(BenefitKind, seeded["kind"])
        actor = _actor(db, seeded, 0)
        list_ids = []
        for _number in range(CLERKS):
            blist = benefits.propose_list(db, project, kind, LAST_MONTH, actor)
            for line in list(blist.lines):  # empty drafts: the first one took the person, then let go
                benefits.remove_line(db, line, actor)
            list_ids.append(blist.id)
        db.commit()
    outcomes: list = []

    def work(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        with app.app_context(), writing(), Session(engine) as db:
            try:
                benefits.add_line(db, benefits.load_list(db, list_ids[number]), db.get(Person, seeded["people"][0]),
                                  _actor(db, seeded, number))
                db.commit()
                outcomes.append("ok")
            except DomainError as refused:
                db.rollback()
                outcomes.append(refused.code)

    assert run_together(CLERKS, work) == []
    assert sorted(outcomes) == ["benefit_already_listed"] * (CLERKS - 1) + ["ok"]
    assert len(_lines(engine, seeded)[seeded["people"][0]]) == 1


# Changing a draft while it is approved ----------------------------------------------------------

def test_changes_racing_the_approval_are_saved_before_it_or_refused(engine, app):
    """CLERKS - 1 clerks each change one line while the coordinator approves, all released at once. What
    the coordinator approved (read under the list's lock) is what stays."""
    seeded = _seed(engine, app, persons=CLERKS, drafted=True)
    outcomes: dict[int, str] = {}
    approved: dict = {}

    def work(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        with app.app_context(), writing(), Session(engine) as db:
            blist = benefits.load_list(db, seeded["list"])
            actor = _actor(db, seeded, number)
            try:
                if number == 0:
                    benefits.approve_list(db, blist, actor)
                    approved["lines"] = dict(db.execute(select(BenefitLine.person_id, BenefitLine.quantity)
                                                        .where(BenefitLine.list_id == blist.id)).all())
                else:
                    line = next(item for item in blist.lines if item.person_id == seeded["people"][number])
                    benefits.set_line(db, line, actor, quantity=Decimal(100 + number))
                db.commit()
                outcomes[number] = "ok"
            except DomainError as refused:
                db.rollback()
                outcomes[number] = refused.code

    assert run_together(CLERKS, work) == []
    assert outcomes[0] == "ok"
    assert set(outcomes.values()) <= {"ok", "benefit_list_approved"}
    final = {person_id: lines[0][1] for person_id, lines in _lines(engine, seeded).items()}
    assert final == approved["lines"]  # nothing changed after the approval
    for number in range(1, CLERKS):
        changed = final[seeded["people"][number]] == Decimal(100 + number)
        assert changed == (outcomes[number] == "ok"), number
    with Session(engine) as db:
        assert db.get(BenefitList, seeded["list"]).status == BenefitListStatus.approved


def test_a_change_on_a_list_loaded_before_its_approval_is_refused(pg_engine, app):
    """The review's case: the clerk's request loaded the draft, the coordinator approved and saved, then the
    clerk's change arrives."""
    seeded = _seed(pg_engine, app, drafted=True)
    loaded, approved = threading.Event(), threading.Event()

    def clerk():
        with app.app_context(), writing(), Session(pg_engine) as db:
            blist = benefits.load_list(db, seeded["list"])
            actor = _actor(db, seeded, 1)
            loaded.set()
            assert approved.wait(30)
            codes = []
            for step in (lambda: benefits.set_line(db, blist.lines[0], actor, quantity=Decimal(9999)),
                         lambda: benefits.add_line(db, blist, blist.lines[1].person, actor, quantity=Decimal(1)),
                         lambda: benefits.remove_line(db, blist.lines[1], actor),
                         lambda: benefits.delete_list(db, blist, actor)):
                try:
                    step()
                    codes.append("ok")
                except DomainError as refused:
                    codes.append(refused.code)
            db.commit()
            return codes

    thread, outcome = _in_thread(clerk)
    assert loaded.wait(30)
    with app.app_context(), writing(), Session(pg_engine) as db:
        benefits.approve_list(db, benefits.load_list(db, seeded["list"]), _actor(db, seeded, 0))
        db.commit()
    approved.set()
    thread.join(timeout=60)
    assert outcome == [("ok", ["benefit_list_approved"] * 4)]
    found = _lines(pg_engine, seeded)
    assert len(found) == PERSONS and {lines[0][1] for lines in found.values()} == {Decimal(500)}


def test_approving_waits_for_a_line_being_taken_off_and_refuses_the_empty_list(pg_engine, app):
    seeded = _seed(pg_engine, app, persons=1, drafted=True)
    with app.app_context(), writing(), Session(pg_engine) as clerk:
        blist = benefits.load_list(clerk, seeded["list"])
        benefits.remove_line(clerk, blist.lines[0], _actor(clerk, seeded, 1))  # the last line, not yet saved

        def approve():
            with app.app_context(), writing(), Session(pg_engine) as db:
                benefits.approve_list(db, benefits.load_list(db, seeded["list"]), _actor(db, seeded, 0))
                db.commit()

        thread, outcome = _in_thread(approve)
        time.sleep(0.5)
        assert thread.is_alive() and outcome == []  # waiting for the list's row
        clerk.commit()
    thread.join(timeout=60)
    assert outcome == [("benefit_list_empty", None)]
    with Session(pg_engine) as db:
        assert db.get(BenefitList, seeded["list"]).status == BenefitListStatus.draft
