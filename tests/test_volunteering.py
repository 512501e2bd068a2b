"""The sign-up rules themselves (services, no web): places, waiting list, duplicates, minors, cancel links,
the outbox, hours and certificates. The pages around them are tested in test_public_signup / test_signups_staff."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.domain import clock
from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.activities.services import ATTENDANCE_RECORD
from portal.domain.actor import system_actor
from portal.domain.errors import DomainError
from portal.domain.outbox import services as outbox
from portal.domain.outbox.models import OutboxMessage
from portal.domain.people import services as people
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import ListingCategory, SignUp, SignUpStatus, VolunteerHours

STAFF = system_actor(frozenset({volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE, ATTENDANCE_RECORD}))
SECRET = "test-secret"
TODAY = clock.today()
NOW = datetime.now(timezone.utc)


class Links:
    def cancel(self, token):
        return f"http://test/anulare/{token}"

    def listing(self, listing):
        return f"http://test/evenimente/{listing.id}"


LINKS = Links()


@pytest.fixture(autouse=True)
def app_context(app):
    """Messages are written in the app's language (Romanian by default): Flask-Babel needs the app."""
    with app.app_context():
        yield


def make_listing(db, *, capacity=2, day=None, kind=ActivityKind.volunteering, public=True, code="V1",
                 category=ListingCategory.volunteering):
    project = db.scalar(select(Project).where(Project.code == "T-VOL"))
    if project is None:
        project = Project(code="T-VOL", title="Proiect de test", short_name="Test", programme="POCU",
                          beneficiary="Asociația de Test", funder_line="Proiect cofinanțat din FSE", town="Botoșani",
                          start_date=date(2024, 1, 1), end_date=date(2030, 12, 31), is_public=public)
        db.add(project)
    activity = Activity(project=project, code=code, name_ro="Ecologizare", kind=kind)
    session = ActivitySession(activity=activity, date=day or TODAY + timedelta(days=7), start_time=time(10),
                              end_time=time(13), place="Parcul Mihai Eminescu", capacity=capacity)
    db.add_all([activity, session])
    db.flush()
    return volunteering.publish(db, session, volunteering.ListingData(
        category=category, title_ro="Ziua curățeniei", capacity=capacity), STAFF)


def adult(n: int, **changes) -> volunteering.SignUpData:
    values = dict(last_name="Popescu", first_name=f"Ana{n}", email=f"ana{n}@exemplu.ro", phone=f"07221234{n:02d}",
                  birth_date=date(1990, 1, 1), sex="F", privacy_accepted=True)
    values.update(changes)
    return volunteering.SignUpData(**values)


def join(db, listing, data, **kwargs):
    return volunteering.sign_up(db, listing, data, secret_key=SECRET, links=LINKS, **kwargs).sign_up


def statuses(db, listing):
    return [entry.status for entry in db.scalars(select(SignUp).where(SignUp.listing_id == listing.id)
                                                 .order_by(SignUp.id))]


def test_places_then_waiting_list_then_promotion_in_order(db_session):
    listing = make_listing(db_session, capacity=2)
    entries = [join(db_session, listing, adult(n)) for n in range(4)]
    assert [e.status for e in entries] == [SignUpStatus.confirmed, SignUpStatus.confirmed,
                                           SignUpStatus.waitlisted, SignUpStatus.waitlisted]
    promoted = volunteering.cancel(db_session, entries[0], links=LINKS, secret_key=SECRET)
    assert promoted is entries[2]
    assert statuses(db_session, listing) == [SignUpStatus.cancelled, SignUpStatus.confirmed,
                                             SignUpStatus.confirmed, SignUpStatus.waitlisted]
    # Cancelling twice frees nothing more.
    assert volunteering.cancel(db_session, entries[0], links=LINKS, secret_key=SECRET) is None
    assert volunteering.listing_counts(db_session, listing.id) == (2, 1)
    received, promoted_mail = db_session.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id == entries[2].id)
                                                 .order_by(OutboxMessage.id)).all()
    assert promoted_mail.subject != received.subject and "http://test/anulare/" in promoted_mail.body


def test_no_limit_means_nobody_waits(db_session):
    listing = make_listing(db_session, capacity=None)
    assert {join(db_session, listing, adult(n)).status for n in range(5)} == {SignUpStatus.confirmed}


def test_one_seat_per_email_or_phone_whatever_the_formatting(db_session):
    listing = make_listing(db_session, capacity=5)
    join(db_session, listing, adult(1, phone="0722 123 456"))
    with pytest.raises(volunteering.AlreadySignedUp) as same_phone:
        join(db_session, listing, adult(2, phone="+40 722 123 456"))
    assert same_phone.value.code == "signup_duplicate"
    with pytest.raises(volunteering.AlreadySignedUp):
        join(db_session, listing, adult(3, email="ANA1@Exemplu.ro", phone=""))
    assert volunteering.listing_counts(db_session, listing.id) == (1, 0)


def test_a_cancelled_sign_up_frees_the_contact_for_a_new_one(db_session):
    listing = make_listing(db_session, capacity=5)
    first = join(db_session, listing, adult(1))
    volunteering.cancel(db_session, first, links=LINKS, secret_key=SECRET)
    again = join(db_session, listing, adult(1))
    assert again.status == SignUpStatus.confirmed


def test_minor_needs_guardian_name_contact_and_consent(db_session):
    listing = make_listing(db_session)
    fifteen = TODAY.replace(year=TODAY.year - 15) - timedelta(days=1)
    with pytest.raises(volunteering.SignUpInvalid) as invalid:
        join(db_session, listing, adult(1, birth_date=fifteen))
    assert set(invalid.value.problems) == {"guardian_name", "guardian_contact", "guardian_consent"}
    entry = join(db_session, listing, adult(1, birth_date=fifteen, guardian_name="Maria Popescu",
                                             guardian_contact="0744 111 222", guardian_consent=True))
    assert entry.guardian_consent_at is not None and entry.guardian_name == "Maria Popescu"
    # The day of the 18th birthday is the first day without a guardian.
    eighteen = TODAY.replace(year=TODAY.year - 18) if not (TODAY.month == 2 and TODAY.day == 29) else date(TODAY.year - 18, 3, 1)
    grown = join(db_session, listing, adult(2, birth_date=eighteen, guardian_name="ignored"))
    assert grown.guardian_consent_at is None and grown.guardian_name == ""


def test_sign_up_data_is_checked_field_by_field(db_session):
    listing = make_listing(db_session)
    with pytest.raises(volunteering.SignUpInvalid) as invalid:
        join(db_session, listing, volunteering.SignUpData(email="nu-e-adresa", birth_date=TODAY + timedelta(days=1)))
    assert set(invalid.value.problems) == {"last_name", "first_name", "email", "sex", "birth_date", "privacy_accepted"}
    assert db_session.scalar(select(func.count(SignUp.id))) == 0


def test_closed_listings_refuse(db_session):
    listing = make_listing(db_session)
    listing.signup_deadline = NOW - timedelta(minutes=1)
    with pytest.raises(DomainError) as closed:
        join(db_session, listing, adult(1))
    assert closed.value.code == "signup_closed"
    listing.signup_deadline = None
    listing.session.is_cancelled = True
    with pytest.raises(DomainError) as cancelled:
        join(db_session, listing, adult(1))
    assert cancelled.value.code == "signup_session_cancelled"


def test_cancel_link_round_trip_forgery_replacement_and_start(db_session):
    listing = make_listing(db_session)
    result = volunteering.sign_up(db_session, listing, adult(1), secret_key=SECRET, links=LINKS)
    assert volunteering.read_cancel_token(db_session, SECRET, result.token) is result.sign_up
    for bad in (result.token + "x", volunteering.cancel_token("other-secret", result.sign_up), "abc"):
        with pytest.raises(DomainError) as error:
            volunteering.read_cancel_token(db_session, SECRET, bad)
        assert error.value.code == "cancel_link_invalid"
    with pytest.raises(DomainError) as started:
        volunteering.read_cancel_token(db_session, SECRET, result.token,
                                       now=volunteering.starts_at(listing.session) + timedelta(minutes=1))
    assert started.value.code == "cancel_link_expired"
    result.sign_up.token_nonce = "replaced"
    with pytest.raises(DomainError):
        volunteering.read_cancel_token(db_session, SECRET, result.token)


def test_cancel_link_expires_with_age(db_session, monkeypatch):
    listing = make_listing(db_session, day=TODAY + timedelta(days=200))
    token = volunteering.sign_up(db_session, listing, adult(1), secret_key=SECRET, links=LINKS).token
    real_time = __import__("time").time
    monkeypatch.setattr("itsdangerous.timed.time.time",
                        lambda: real_time() + (volunteering.CANCEL_LINK_MAX_DAYS + 1) * 86400)
    with pytest.raises(DomainError) as error:
        volunteering.read_cancel_token(db_session, SECRET, token)
    assert error.value.code == "cancel_link_expired"


def test_rate_limit_counts_attempts_per_address(db_session):
    limits = volunteering.SignUpLimits(per_address=2, window_minutes=60)
    now = datetime.now(timezone.utc)
    volunteering.note_attempt(db_session, "10.0.0.1", limits, now=now)
    volunteering.note_attempt(db_session, "10.0.0.1", limits, now=now)
    with pytest.raises(DomainError) as error:
        volunteering.note_attempt(db_session, "10.0.0.1", limits, now=now)
    assert error.value.code == "signup_rate_limited"
    volunteering.note_attempt(db_session, "10.0.0.2", limits, now=now)  # another address is not affected
    volunteering.note_attempt(db_session, "10.0.0.1", limits, now=now + timedelta(minutes=61))


def test_messages_are_stored_then_sent_and_failures_kept(db_session):
    listing = make_listing(db_session)
    entry = join(db_session, listing, adult(1))
    join(db_session, listing, adult(2, email="", phone="0733000000"))  # no e-mail: no message, the page shows the link
    messages = db_session.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id.is_not(None))).all()
    assert [m.recipient for m in messages] == [entry.email]
    assert outbox.deliver(db_session, None) == (0, 0)  # no SMTP: kept, not lost
    assert messages[0].sent_at is None
    settings = outbox.SmtpSettings(server="smtp.test")
    failing = lambda _settings, batch: {m.id: "connection refused" for m in batch}  # noqa: E731
    assert outbox.deliver(db_session, settings, sender=failing) == (0, 1)
    assert messages[0].sent_at is None and messages[0].last_error == "connection refused"
    sent_batches = []
    working = lambda _settings, batch: sent_batches.append(batch) or {}  # noqa: E731
    assert outbox.deliver(db_session, settings, sender=working) == (1, 0)
    assert messages[0].sent_at is not None and sent_batches[0][0].recipient == entry.email
    assert outbox.deliver(db_session, settings, sender=working) == (0, 0)  # nothing is sent twice


def test_staff_confirm_only_into_a_free_place_and_move(db_session):
    listing = make_listing(db_session, capacity=1)
    other = make_listing(db_session, capacity=1, code="V2", day=TODAY + timedelta(days=14))
    first, second = join(db_session, listing, adult(1)), join(db_session, listing, adult(2))
    with pytest.raises(DomainError) as full:
        volunteering.confirm(db_session, second, STAFF, links=LINKS, secret_key=SECRET)
    assert full.value.code == "signup_full"
    promoted = volunteering.move(db_session, first, other, STAFF, links=LINKS, secret_key=SECRET)
    assert first.listing_id == other.id and first.status == SignUpStatus.confirmed
    assert promoted is second and second.status == SignUpStatus.confirmed
    # Into a full session a move is allowed: the person waits there, and the place left here is free.
    volunteering.move(db_session, second, other, STAFF, links=LINKS, secret_key=SECRET)
    assert second.listing_id == other.id and second.status == SignUpStatus.waitlisted
    assert volunteering.listing_counts(db_session, listing.id) == (0, 0)
    with pytest.raises(DomainError) as same:
        volunteering.move(db_session, second, other, STAFF, links=LINKS, secret_key=SECRET)
    assert same.value.code == "signup_move_same"


def test_attendance_hours_and_certificate(db_session):
    past = TODAY - timedelta(days=3)
    listing = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=1))
    entry = join(db_session, listing, adult(1, last_name="Ionescu", first_name="Mihai"))
    listing.session.date = past  # the session has happened since
    db_session.flush()
    hours = volunteering.log_sign_up_hours(db_session, entry, volunteering.session_hours(listing.session), STAFF)
    assert hours.hours == Decimal("3.00")
    person = entry.person
    assert person.full_name == "Mihai Ionescu" or person.last_name == "Ionescu"
    mark = db_session.scalar(select(Attendance).where(Attendance.session_id == listing.session_id))
    assert mark.person_id == person.id and mark.status == AttendanceStatus.present and mark.walk_in
    # Logging again replaces, never doubles.
    volunteering.log_sign_up_hours(db_session, entry, Decimal("2.5"), STAFF)
    assert db_session.scalar(select(func.sum(VolunteerHours.hours)).where(VolunteerHours.person_id == person.id)) == Decimal("2.5")
    volunteering.log_hours(db_session, person, listing.session.activity.project, volunteering.parse_hours("1:30"),
                           past - timedelta(days=1), STAFF, task="Sortare donații")
    certificate = volunteering.issue_certificate(db_session, person, listing.session.activity.project,
                                                 past - timedelta(days=30), TODAY, STAFF)
    assert certificate.hours == Decimal("4.00")
    assert "Ecologizare" in certificate.activities and "Sortare donații" in certificate.activities
    with pytest.raises(DomainError):
        volunteering.issue_certificate(db_session, person, listing.session.activity.project,
                                       TODAY - timedelta(days=400), TODAY - timedelta(days=300), STAFF)


@pytest.mark.parametrize("typed,hours", [("3", "3.00"), ("2,5", "2.50"), ("1:30", "1.50"), (" 4.25 ", "4.25")])
def test_parse_hours(typed, hours):
    assert volunteering.parse_hours(typed) == Decimal(hours)


@pytest.mark.parametrize("typed", ["", "abc", "0", "0.001", "25", "-1", "nan", "inf"])
def test_parse_hours_refuses(typed):
    with pytest.raises(DomainError):
        volunteering.parse_hours(typed)


def test_the_same_person_is_found_again_not_created_twice(db_session):
    first = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=1))
    second = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=2), code="V2")
    a = join(db_session, first, adult(1))
    b = join(db_session, second, adult(1, phone=""))  # same e-mail, no phone
    for listing in (first, second):
        listing.session.date = TODAY
    db_session.flush()
    person_a = volunteering.record_attendance(db_session, a, AttendanceStatus.present, STAFF)
    person_b = volunteering.record_attendance(db_session, b, AttendanceStatus.present, STAFF)
    assert person_a.id == person_b.id


def test_erasure_wipes_the_sign_up_details(db_session):
    listing = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=1))
    entry = join(db_session, listing, adult(1, last_name="Zugravu"))
    listing.session.date = TODAY
    db_session.flush()
    person = volunteering.record_attendance(db_session, entry, AttendanceStatus.present, STAFF)
    erasing = system_actor(frozenset({"people.erase"}))
    people.erase_person(db_session, person, erasing)
    db_session.refresh(entry)
    assert entry.last_name == "" and entry.email == "" and entry.erased_at is not None
    assert db_session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == "ana1@exemplu.ro")) == 0


def test_cancelling_a_published_session_tells_everyone_holding_or_awaiting_a_place(db_session):
    listing = make_listing(db_session, capacity=1)
    holder, waiting, gone = (join(db_session, listing, adult(n)) for n in range(3))
    volunteering.cancel(db_session, gone, links=LINKS, secret_key=SECRET)
    before = db_session.scalar(select(func.count(OutboxMessage.id)))
    listing.session.is_cancelled = True
    assert volunteering.tell_session_changed(db_session, listing.session, LINKS, SECRET) == 2
    told = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).offset(before)).all()
    assert sorted(m.recipient for m in told) == sorted([holder.email, waiting.email])
    assert all("anulare" not in m.body for m in told)  # nothing left to cancel
    assert holder.status == SignUpStatus.confirmed  # kept, should the session take place after all


def test_descriptions_keep_their_paragraphs(db_session):
    listing = make_listing(db_session)
    volunteering.publish(db_session, listing.session, volunteering.ListingData(
        category=ListingCategory.volunteering, title_ro="Ziua curățeniei",
        description_ro="Ne întâlnim la poartă.\r\n\r\nAduceți  mănuşi,\r\napă."), STAFF)
    assert listing.description_ro == "Ne întâlnim la poartă.\n\nAduceți mănuși,\napă."


def test_a_sign_up_puts_its_person_on_a_group_session_sheet(db_session):
    listing = make_listing(db_session, capacity=10, kind=ActivityKind.group_sessions, code="W1",
                           category=ListingCategory.workshop)
    entry = join(db_session, listing, adult(1))
    listing.session.date = TODAY
    db_session.flush()
    person = volunteering.record_attendance(db_session, entry, AttendanceStatus.present, STAFF)
    mark = db_session.scalar(select(Attendance).where(Attendance.session_id == listing.session_id))
    assert mark.person_id == person.id and mark.walk_in


def test_a_session_starts_at_romanian_wall_clock_time(db_session):
    listing = make_listing(db_session, day=date(2026, 12, 4))
    assert volunteering.starts_at(listing.session) == datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)
    listing.session.date = date(2027, 6, 4)  # summer time: UTC+3
    assert volunteering.starts_at(listing.session) == datetime(2027, 6, 4, 7, 0, tzinfo=timezone.utc)


def test_a_published_session_that_changes_day_tells_its_people_with_a_fresh_link(db_session):
    listing = make_listing(db_session, capacity=5)
    entry = join(db_session, listing, adult(1))
    listing.session.date += timedelta(days=1)
    assert volunteering.tell_session_changed(db_session, listing.session, LINKS, SECRET, moved=True) == 1
    last = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
    assert last.recipient == entry.email and "http://test/anulare/" in last.body
    from portal.i18n import format_day
    assert format_day(listing.session.date) in last.body


def test_sign_ups_are_erased_a_year_after_their_session_unless_they_became_records(db_session):
    old = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=1))
    recent = make_listing(db_session, capacity=10, day=TODAY + timedelta(days=1), code="V2")
    forgotten = join(db_session, old, adult(1, last_name="Uitatu"))
    kept = join(db_session, old, adult(2))
    still_recent = join(db_session, recent, adult(3))
    old.session.date = TODAY - timedelta(days=2)
    recent.session.date = TODAY - timedelta(days=300)
    db_session.flush()
    volunteering.record_attendance(db_session, kept, AttendanceStatus.present, STAFF)  # a record of the register
    old.session.date = TODAY - timedelta(days=366)
    db_session.flush()
    assert volunteering.purge_old_sign_ups(db_session) == 1
    assert forgotten.last_name == "" and forgotten.email == "" and forgotten.erased_at is not None
    assert kept.last_name == "Popescu" and still_recent.last_name == "Popescu"
    message = db_session.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id == forgotten.id)).first()
    assert message.recipient == "" and message.body == ""
    assert volunteering.purge_old_sign_ups(db_session) == 0


def test_a_moved_sign_up_waits_behind_those_already_waiting_there(db_session):
    first = make_listing(db_session, capacity=1)
    second = make_listing(db_session, capacity=1, code="V2", day=TODAY + timedelta(days=14))
    join(db_session, first, adult(1))
    moving = join(db_session, first, adult(2))  # waits at the first listing, early
    holder = join(db_session, second, adult(3))
    waiting_there = join(db_session, second, adult(4))  # waits at the second listing, later than `moving`
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    volunteering.move(db_session, moving, second, STAFF, links=LINKS, secret_key=SECRET, now=later)
    promoted = volunteering.cancel(db_session, holder, links=LINKS, secret_key=SECRET, now=later)
    assert promoted is waiting_there and moving.status == SignUpStatus.waitlisted
