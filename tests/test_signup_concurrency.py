"""Sixty people sign up for forty places at the same moment (a class of pupils at the school's computers,
a link shared on a parents' group): exactly forty get a place, twenty wait, nobody sees an error; twenty
cancellations at once give the twenty places to the twenty waiting, and never one place more.

Real threads, each with its own connection and transaction, released together by a barrier, each doing
what the sign-up page does: read the listing, sign up, commit. On PostgreSQL (the production database; the
threads commit, so in a database of its own, or cleaned up after when TEST_DATABASE_URL names one) and on
SQLite (the embedded default of `make run`). Neither is parametrized by the `backend` fixture: both always run.
"""
from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from portal.db import make_engine, writing
from portal.domain import clock
from portal.domain.activities.models import ActivitySession
from portal.domain.actor import system_actor
from portal.domain.outbox.models import OutboxMessage
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import ListingCategory, PublicListing, SignUp, SignUpStatus
from portal.migrations import upgrade
from tests.conftest import create_pg_database, make_test_app, run_together

PEOPLE, PLACES, CANCELLING = 60, 40, 20
SECRET = "concurrency-secret"
PROJECT_CODE = "T-CONCURRENCY"
STAFF = system_actor(frozenset({volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE}))


class Links:
    def cancel(self, token):
        return f"http://127.0.0.1:8000/inscriere/anulare/{token}"

    def listing(self, listing):
        return f"http://127.0.0.1:8000/voluntariat/{listing.id}"


@pytest.fixture
def postgres_engine(postgres_server):
    url = create_pg_database(postgres_server, "comunitar_concurrency")
    # One connection per thread, all open at once: the pool must hold them all.
    engine = make_engine(url, pool_size=PEOPLE + 5, max_overflow=0, pool_timeout=60)
    upgrade(engine)
    yield engine
    _remove_test_project(engine)  # TEST_DATABASE_URL may name a database other tests use
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    # The embedded set-up (WAL, busy timeout), with a pool of a connection per thread.
    engine = make_engine(f"sqlite:///{tmp_path / 'concurrency.sqlite3'}", pool_size=PEOPLE + 5, max_overflow=0,
                         pool_timeout=60)
    upgrade(engine)
    yield engine
    engine.dispose()


def _remove_test_project(engine) -> None:
    with Session(engine) as db:
        project_id = db.scalar(select(Project.id).where(Project.code == PROJECT_CODE))
        if project_id is None:
            return
        listing_ids = select(PublicListing.id).join(PublicListing.session).join(ActivitySession.activity).where(
            Activity.project_id == project_id)
        db.execute(delete(OutboxMessage).where(OutboxMessage.project_id == project_id))
        db.execute(delete(SignUp).where(SignUp.listing_id.in_(listing_ids)))
        db.execute(delete(PublicListing).where(PublicListing.id.in_(listing_ids)))
        db.execute(delete(ActivitySession).where(ActivitySession.activity_id.in_(
            select(Activity.id).where(Activity.project_id == project_id))))
        db.execute(delete(Activity).where(Activity.project_id == project_id))
        db.execute(delete(Project).where(Project.id == project_id))
        db.commit()


def _listing(engine) -> int:
    """A volunteering day a week ahead with forty places, committed for every thread to see."""
    _remove_test_project(engine)
    with Session(engine) as db:
        project = Project(code=PROJECT_CODE, title="Proiect de test: înscrieri simultane", short_name="Test",
                          programme="POCU", beneficiary="Asociația de Test", funder_line="Proiect cofinanțat din FSE",
                          town="Botoșani", start_date=date(2024, 1, 1), end_date=date(2035, 12, 31), is_public=True)
        activity = Activity(project=project, code="V1", name_ro="Colectare selectivă", kind=ActivityKind.volunteering)
        session = ActivitySession(activity=activity, date=clock.today() + timedelta(days=7), start_time=time(9),
                                  end_time=time(13), place="Parcul Tineretului")
        db.add_all([project, activity, session])
        db.flush()
        listing = volunteering.publish(db, session, volunteering.ListingData(
            category=ListingCategory.volunteering, title_ro="Ziua curățeniei", capacity=PLACES), STAFF)
        db.commit()
        return listing.id


def _person(number: int) -> volunteering.SignUpData:
    return volunteering.SignUpData(
        last_name="Elev", first_name=f"Voluntar{number:02d}", email=f"voluntar{number:02d}@example.com",
        phone=f"0722 100 {number:03d}", birth_date=date(1990, 1, 1) + timedelta(days=number), sex="F",
        privacy_accepted=True)




def _load(db: Session, listing_id: int) -> PublicListing:
    return db.scalars(select(PublicListing).where(PublicListing.id == listing_id).options(
        joinedload(PublicListing.session).joinedload(ActivitySession.activity).joinedload(Activity.project))).one()


def _statuses(engine, listing_id: int) -> list[SignUp]:
    with Session(engine) as db:
        return list(db.scalars(select(SignUp).where(SignUp.listing_id == listing_id).order_by(SignUp.id)))


def sixty_sign_ups_for_forty_places(engine, app) -> None:
    listing_id = _listing(engine)

    def sign_up(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        # writing(): what the web app declares for every POST (on SQLite the transaction then waits its turn).
        with app.app_context(), writing(), Session(engine) as db:
            listing = _load(db, listing_id)  # the page reads the listing first, as the sign-up view does
            volunteering.sign_up(db, listing, _person(number), secret_key=SECRET, links=Links())
            db.commit()

    assert run_together(PEOPLE, sign_up) == []
    entries = _statuses(engine, listing_id)
    assert len(entries) == PEOPLE
    confirmed = [entry for entry in entries if entry.status == SignUpStatus.confirmed]
    waiting = [entry for entry in entries if entry.status == SignUpStatus.waitlisted]
    assert (len(confirmed), len(waiting)) == (PLACES, PEOPLE - PLACES)
    # One after another in the order they committed: the first forty rows written took the places.
    assert max(entry.id for entry in confirmed) < min(entry.id for entry in waiting)
    assert len({entry.email_key for entry in entries}) == PEOPLE
    # Each waiting person has a place of their own in the queue, and was told so.
    with app.app_context(), Session(engine) as db:
        listing = _load(db, listing_id)
        queue = [entry.id for entry in volunteering.staff_sign_ups(db, listing, STAFF)
                 if entry.status == SignUpStatus.waitlisted]
        assert sorted(queue) == sorted(entry.id for entry in waiting) and len(set(queue)) == len(queue)
        assert db.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sign_up_id.in_([entry.id for entry in entries]))) == PEOPLE

    # Twenty of the confirmed cancel at the same moment: exactly the twenty waiting get the places.
    leaving = [entry.id for entry in confirmed[:CANCELLING]]

    def cancel(number: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        with app.app_context(), writing(), Session(engine) as db:
            entry = db.get(SignUp, leaving[number])  # the cancel page reads the sign-up first
            volunteering.cancel(db, entry, links=Links(), secret_key=SECRET)
            db.commit()

    assert run_together(CANCELLING, cancel) == []
    after = {entry.id: entry.status for entry in _statuses(engine, listing_id)}
    assert sum(1 for status in after.values() if status == SignUpStatus.confirmed) == PLACES
    assert sum(1 for status in after.values() if status == SignUpStatus.cancelled) == CANCELLING
    assert all(after[entry.id] == SignUpStatus.confirmed for entry in waiting)
    with Session(engine) as db:
        promoted_mail = db.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.sign_up_id.in_([entry.id for entry in waiting])))
    assert promoted_mail == 2 * len(waiting)  # "you are waiting", then "your place is confirmed"


def test_sixty_simultaneous_sign_ups_on_postgresql(postgres_engine, tmp_path):
    sixty_sign_ups_for_forty_places(postgres_engine, make_test_app(tmp_path, DATABASE_URL="sqlite://"))


def test_sixty_simultaneous_sign_ups_on_sqlite(sqlite_engine, tmp_path):
    sixty_sign_ups_for_forty_places(sqlite_engine, make_test_app(tmp_path, DATABASE_URL="sqlite://"))

