"""The staff side of the public site: publishing a session, the sign-up list and its actions, volunteer
hours and certificates, and the outbox — who may do what, and what a user sees happen."""
import io
import itertools
import re
import smtplib
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.domain import clock
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.actor import system_actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.news.models import MediaImage
from portal.domain.outbox import services as outbox
from portal.domain.outbox.models import OutboxMessage
from portal.domain.people import services as people
from portal.domain.people.models import Person, Sex
from portal.domain.projects.models import Activity, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import (
    ListingCategory, PublicListing, SignUp, SignUpStatus, VolunteerCertificate, VolunteerHours,
)

SECRET = "test-secret-key"  # the test app's SECRET_KEY: cancel links made here are the app's
SYSTEM = system_actor(frozenset({volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE, ACTIVITIES_MANAGE,
                                 activities.ATTENDANCE_RECORD, activities.ATTENDANCE_CORRECT, people.SENSITIVE}))
BOTOSANI, BACAU = "155550", "BC-SDL-2022"


class FakeLinks:
    def cancel(self, token: str) -> str:
        return f"https://test.invalid/anulare/{token}"

    def listing(self, listing: PublicListing) -> str:
        return f"https://test.invalid/{listing.id}"


LINKS = FakeLinks()
_APP: dict = {}


@pytest.fixture(autouse=True)
def the_app(app):
    """Services that write messages format dates with Babel: they run in an application context, pushed
    only around them (a context held open would be shared by the test's requests)."""
    _APP["app"] = app
    yield app
    _APP.clear()


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.flush()
    return {project.code: project for project in db_session.scalars(select(Project))}


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is someone else's."""
    client.set_cookie("lang", "en")
    return client


def activity(db, project_code: str, code: str) -> Activity:
    return db.scalar(select(Activity).join(Project).where(Project.code == project_code, Activity.code == code))


_minutes = itertools.count()


def a_session(db, day: date, *, project_code=BOTOSANI, code="A3.3", capacity=None) -> ActivitySession:
    """A session on `day`, each at its own minute (the same hour twice is taken for a double click)."""
    minute = next(_minutes) % 60
    plan = activities.SessionPlan(start_time=time(9, minute), end_time=time(12, minute), place="Parcul Tineretului",
                                  capacity=capacity)
    return activities.create_sessions(db, activity(db, project_code, code), plan, SYSTEM, on=day)[0]


def a_listing(db, day: date | None = None, *, capacity=None, category=ListingCategory.volunteering,
              title="Colectare selectivă în parc", **where) -> PublicListing:
    session = a_session(db, day or clock.today() + timedelta(days=10), **where)
    return volunteering.publish(db, session, volunteering.ListingData(category=category, title_ro=title,
                                                                       capacity=capacity), SYSTEM)


def sign_up(db, listing: PublicListing, last: str, first: str = "Ana", *, email: str | None = None, phone="",
            born=date(1990, 5, 5), guardian: str = "", now: datetime | None = None) -> SignUp:
    data = volunteering.SignUpData(
        last_name=last, first_name=first, email=email if email is not None else f"{last.lower()}@exemplu.ro",
        phone=phone, birth_date=born, sex="F", privacy_accepted=True, school="Liceul Pedagogic" if guardian else "",
        school_class="a X-a B" if guardian else "", guardian_name=guardian,
        guardian_contact="0722 123 456" if guardian else "", guardian_consent=bool(guardian))
    with _APP["app"].app_context():
        return volunteering.sign_up(db, listing, data, secret_key=SECRET, links=LINKS, now=now).sign_up


def before(listing: PublicListing) -> datetime:
    """A moment when sign-up for the listing was still open (for sessions already held)."""
    start = volunteering.starts_at(listing.session)
    return (start - timedelta(days=3)).astimezone(timezone.utc)


def status_of(db, entry: SignUp) -> SignUpStatus:
    db.expire(entry)
    return entry.status


def messages_to(db, address: str) -> list[str]:
    return list(db.scalars(select(OutboxMessage.subject).where(OutboxMessage.recipient == address)
                           .order_by(OutboxMessage.id)))


def in_project(db, code: str, role: str) -> dict:
    return {db.scalar(select(Project).where(Project.code == code)): role}


# Publishing --------------------------------------------------------------------------------------

def publish_form(**changes) -> dict:
    return {"category": "volunteering", "title_ro": "Ecologizare în Parcul Tineretului", "title_en": "",
            "description_ro": "Adunăm deșeurile.\n\nVeniți cu mănuși.", "description_en": "", "capacity": "30",
            "deadline_date": "", "deadline_time": "", "takes_signups": "signup", "is_published": "y",
            "alt_ro": "", "alt_en": "", **changes}


def test_a_coordinator_publishes_a_session_with_its_capacity_prefilled(english, demo, db_session, login_as):
    session = a_session(db_session, clock.today() + timedelta(days=5), capacity=40)
    login_as("coordinator")
    url = f"/portal/sesiuni/{session.id}/publicare"
    page = english.get(url).get_data(as_text=True)
    assert re.search(r'name="capacity"[^>]*value="40"', page)
    deadline = session.date - timedelta(days=1)
    response = english.post_form(url, publish_form(deadline_date=deadline.strftime("%d.%m.%Y"), deadline_time="18:00"))
    assert response.status_code == 303
    listing = volunteering.staff_listing(db_session, session.id)
    assert listing.title_ro == "Ecologizare în Parcul Tineretului" and listing.capacity == 30
    assert listing.category == ListingCategory.volunteering and listing.is_published and listing.takes_signups
    # Romanian wall-clock time: 16:00 UTC in winter, 15:00 in summer (not the +01:44 of Bucharest's old mean time).
    assert listing.signup_deadline == datetime.combine(deadline, time(18, 0), tzinfo=ZoneInfo("Europe/Bucharest"))
    page = english.get(url).get_data(as_text=True)
    assert re.search(r'name="deadline_time"[^>]*value="18:00"', page)
    detail = english.get(f"/portal/sesiuni/{session.id}").get_data(as_text=True)
    assert "Published: Ecologizare în Parcul Tineretului" in detail and "Sign-ups (0)" in detail


def test_publishing_needs_the_right_in_the_sessions_project(english, demo, db_session, login_as):
    session = a_session(db_session, clock.today() + timedelta(days=5))
    url = f"/portal/sesiuni/{session.id}/publicare"
    anonymous = english.get(url)
    assert anonymous.status_code == 302 and "/portal/autentificare" in anonymous.headers["Location"]
    login_as("staff")
    assert english.get(url).status_code == 403
    assert english.post_form(url, publish_form()).status_code == 403
    login_as("coordinator", member_of=in_project(db_session, BACAU, "coordinator"))
    assert english.get(url).status_code == 404
    assert volunteering.staff_listing(db_session, session.id) is None


def test_a_deadline_after_the_start_is_named_on_its_field_and_typed_values_stay(english, demo, db_session, login_as):
    session = a_session(db_session, clock.today() + timedelta(days=5))
    login_as("coordinator")
    response = english.post_form(f"/portal/sesiuni/{session.id}/publicare", publish_form(
        title_ro="Titlul scris de mână", deadline_date=(session.date + timedelta(days=1)).strftime("%d.%m.%Y")))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="deadline_date-error"[^>]*>The sign-up deadline must come before the session starts', page)
    assert 'value="Titlul scris de mână"' in page
    assert volunteering.staff_listing(db_session, session.id) is None


def test_raising_the_number_of_places_gives_them_to_the_waiting_list(english, demo, db_session, login_as):
    listing = a_listing(db_session, capacity=1)
    first, second, third = (sign_up(db_session, listing, name) for name in ("Avram", "Bratu", "Cazan"))
    assert [status_of(db_session, entry) for entry in (first, second, third)] == [
        SignUpStatus.confirmed, SignUpStatus.waitlisted, SignUpStatus.waitlisted]
    login_as("coordinator")
    response = english.post_form(f"/portal/sesiuni/{listing.session_id}/publicare",
                                 publish_form(title_ro=listing.title_ro, capacity="2"))
    assert response.status_code == 303
    assert status_of(db_session, second) == SignUpStatus.confirmed
    assert status_of(db_session, third) == SignUpStatus.waitlisted
    assert any(subject.startswith("Your place is confirmed") or "confirmat" in subject
               for subject in messages_to(db_session, "bratu@exemplu.ro"))


def test_a_photo_goes_with_the_listing_and_a_file_that_is_no_photo_is_refused(english, demo, db_session, login_as):
    session = a_session(db_session, clock.today() + timedelta(days=5))
    login_as("coordinator")
    url = f"/portal/sesiuni/{session.id}/publicare"
    refused = english.post_form(url, {**publish_form(), "photo": (io.BytesIO(b"not a photo at all"), "poza.jpg")},
                                content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "This file is not a photo" in refused.get_data(as_text=True)
    assert volunteering.staff_listing(db_session, session.id) is None
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 60)).save(picture, "PNG")
    picture.seek(0)
    response = english.post_form(url, {**publish_form(alt_ro="Voluntari strângând deșeuri"),
                                       "photo": (picture, "poza.png")}, content_type="multipart/form-data")
    assert response.status_code == 303
    listing = volunteering.staff_listing(db_session, session.id)
    image = db_session.get(MediaImage, listing.image_id)
    assert image.alt_ro == "Voluntari strângând deșeuri" and image.width == 64
    image_id = image.id
    page = english.get(url).get_data(as_text=True)
    assert 'alt="Voluntari strângând deșeuri"' in page and "Remove the current photo" in page
    removed = english.post_form(url, publish_form(remove_image="y"), content_type="multipart/form-data")
    assert removed.status_code == 303
    db_session.expire_all()
    assert listing.image_id is None and db_session.get(MediaImage, image_id) is None


# The sign-up list --------------------------------------------------------------------------------

def test_the_sign_up_list_shows_who_signed_up_and_the_read_is_audited(english, demo, db_session, login_as):
    listing = a_listing(db_session, capacity=1)
    sign_up(db_session, listing, "Avram", "Ioana")
    minor_born = clock.today().replace(year=clock.today().year - 15) - timedelta(days=3)
    sign_up(db_session, listing, "Bratu", "Mihai", born=minor_born, guardian="Elena Bratu")
    user = login_as("staff")
    response = english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Ioana Avram" in page and "Mihai Bratu" in page
    assert "Confirmed: 1 of 1 places" in page and "Waiting: 1" in page
    assert "minor" in page and "Elena Bratu" in page and "0722 123 456" in page and "Liceul Pedagogic" in page
    assert "waiting, no. 1" in page
    assert db_session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.user_id == user.id, AuditEntry.action == AuditAction.view,
        AuditEntry.details == f"sign-up list of session {listing.session_id}")) == 1


def test_a_cancellation_by_staff_gives_the_place_to_the_first_waiting_and_tells_both(english, demo, db_session,
                                                                                       login_as):
    listing = a_listing(db_session, capacity=1)
    first, second, third = (sign_up(db_session, listing, name) for name in ("Avram", "Bratu", "Cazan"))
    login_as("staff")
    response = english.post_form(f"/portal/inscrieri/{first.id}/anulare")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/portal/sesiuni/{listing.session_id}/inscrieri#signup-{first.id}")
    assert [status_of(db_session, entry) for entry in (first, second, third)] == [
        SignUpStatus.cancelled, SignUpStatus.confirmed, SignUpStatus.waitlisted]
    assert len(messages_to(db_session, "avram@exemplu.ro")) == 2  # received, then cancelled by the organisers
    assert len(messages_to(db_session, "bratu@exemplu.ro")) == 2  # received, then the freed place
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "The sign-up of Ana Avram is cancelled." in page and "Ana Bratu, the first on the waiting list" in page


def test_confirming_needs_a_free_place_and_htmx_gets_the_list_back_in_place(english, demo, db_session, login_as):
    listing = a_listing(db_session, capacity=1)
    first, second = sign_up(db_session, listing, "Avram"), sign_up(db_session, listing, "Bratu")
    login_as("staff")
    refused = english.post_form(f"/portal/inscrieri/{second.id}/confirmare", headers={"HX-Request": "true"})
    assert refused.status_code == 422
    fragment = refused.get_data(as_text=True)
    assert 'id="signup-list"' in fragment and "<html" not in fragment and "No place is free" in fragment
    assert status_of(db_session, second) == SignUpStatus.waitlisted
    done = english.post_form(f"/portal/inscrieri/{first.id}/anulare", headers={"HX-Request": "true"})
    assert done.status_code == 200
    fragment = done.get_data(as_text=True)
    assert "The sign-up of Ana Avram is cancelled." in fragment and "Confirmed: 1 of 1 places" in fragment
    english.post_form(f"/portal/inscrieri/{first.id}/confirmare")  # the place went to the second: still full
    assert status_of(db_session, first) == SignUpStatus.cancelled
    assert status_of(db_session, second) == SignUpStatus.confirmed


def test_moving_a_sign_up_keeps_one_seat_and_frees_the_old_one(english, demo, db_session, login_as):
    here, there = a_listing(db_session, capacity=1), a_listing(db_session, capacity=1)
    mover, waiting = sign_up(db_session, here, "Avram"), sign_up(db_session, here, "Bratu")
    login_as("staff")
    page = english.get(f"/portal/sesiuni/{here.session_id}/inscrieri").get_data(as_text=True)
    assert f'<option value="{there.id}">' in page
    assert english.post_form(f"/portal/inscrieri/{mover.id}/mutare", {"target_id": str(there.id)}).status_code == 303
    db_session.expire_all()
    assert mover.listing_id == there.id and mover.status == SignUpStatus.confirmed
    assert waiting.status == SignUpStatus.confirmed  # the freed place
    active = db_session.scalar(select(func.count(SignUp.id)).where(SignUp.email_key == "avram@exemplu.ro",
                                                                   SignUp.status != SignUpStatus.cancelled))
    assert active == 1
    assert volunteering.listing_counts(db_session, here.id) == (1, 0)
    assert volunteering.listing_counts(db_session, there.id) == (1, 0)
    # Back again: the old session is full now, so the person waits there, still with one seat in all.
    english.post_form(f"/portal/inscrieri/{mover.id}/mutare", {"target_id": str(here.id)})
    db_session.expire_all()
    assert mover.listing_id == here.id and mover.status == SignUpStatus.waitlisted
    assert volunteering.listing_counts(db_session, there.id) == (0, 0)


def test_came_and_did_not_come_go_on_the_attendance_sheet_with_a_person_of_the_register(english, demo, db_session,
                                                                                          login_as):
    listing = a_listing(db_session, clock.today() - timedelta(days=1))
    came, missed, others = (sign_up(db_session, listing, name, now=before(listing))
                            for name in ("Avram", "Bratu", "Cazan"))
    login_as("staff")
    assert english.post_form(f"/portal/inscrieri/{came.id}/prezenta", {"status": "present"}).status_code == 303
    assert english.post_form(f"/portal/inscrieri/{missed.id}/prezenta", {"status": "absent"}).status_code == 303
    db_session.expire_all()
    person = db_session.get(Person, came.person_id)
    assert person.last_name == "Avram" and person.email == "avram@exemplu.ro"
    marks = dict(db_session.execute(select(Attendance.person_id, Attendance.status)
                                    .where(Attendance.session_id == listing.session_id)).all())
    assert marks == {came.person_id: AttendanceStatus.present, missed.person_id: AttendanceStatus.absent}
    assert english.post_form(f"/portal/sesiuni/{listing.session_id}/inscrieri/toti-au-venit").status_code == 303
    db_session.expire_all()
    marks = dict(db_session.execute(select(Attendance.person_id, Attendance.status)
                                    .where(Attendance.session_id == listing.session_id)).all())
    assert marks[others.person_id] == AttendanceStatus.present
    assert marks[missed.person_id] == AttendanceStatus.absent  # already on the sheet: left as it was
    page = english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri").get_data(as_text=True)
    assert "did not come" in page and "came" in page


def test_attendance_before_the_day_is_refused_with_a_message_not_an_error_page(english, demo, db_session, login_as):
    listing = a_listing(db_session)
    entry = sign_up(db_session, listing, "Avram")
    login_as("staff")
    response = english.post_form(f"/portal/inscrieri/{entry.id}/prezenta", {"status": "present"})
    assert response.status_code == 303
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Attendance is recorded on the day of the session or after it." in page
    db_session.expire_all()
    assert entry.person_id is None
    assert db_session.scalar(select(func.count(Person.id)).where(Person.last_name == "Avram")) == 0


def test_hours_logged_from_the_list_are_shown_and_mark_the_volunteer_present(english, demo, db_session, login_as):
    listing = a_listing(db_session, clock.today() - timedelta(days=2))
    entry = sign_up(db_session, listing, "Avram", now=before(listing))
    login_as("staff")
    page = english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri").get_data(as_text=True)
    assert re.search(rf'id="hours-{entry.id}"[^>]*value="3"', page)  # the session's 3 hours by default
    assert english.post_form(f"/portal/inscrieri/{entry.id}/ore", {"hours": "2,5"}).status_code == 303
    db_session.expire_all()
    hours = db_session.scalar(select(VolunteerHours).where(VolunteerHours.person_id == entry.person_id))
    assert hours.hours == Decimal("2.50") and hours.session_id == listing.session_id
    assert db_session.scalar(select(Attendance.status).where(Attendance.person_id == entry.person_id)) == \
        AttendanceStatus.present
    refused = english.post_form(f"/portal/inscrieri/{entry.id}/ore", {"hours": "mult"})
    assert refused.status_code == 303
    assert "Write the hours as a number" in english.get(refused.headers["Location"]).get_data(as_text=True)
    assert "2.5 hours" in english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri").get_data(as_text=True)


def test_a_viewer_sees_none_of_it(english, demo, db_session, login_as):
    listing = a_listing(db_session, capacity=1)
    entry = sign_up(db_session, listing, "Avram")
    person = volunteer(db_session)
    login_as("viewer")
    for url in (f"/portal/sesiuni/{listing.session_id}/inscrieri", f"/portal/sesiuni/{listing.session_id}/publicare",
                f"/portal/persoane/{person.id}/voluntariat", "/portal/mesaje", "/portal/adeverinte-voluntariat/1"):
        response = english.get(url)
        assert response.status_code == 403, url
        assert "Avram" not in response.get_data(as_text=True)
    assert english.post_form(f"/portal/inscrieri/{entry.id}/anulare").status_code == 403
    assert status_of(db_session, entry) == SignUpStatus.confirmed
    assert "Volunteer hours and certificates" not in english.get(f"/portal/persoane/{person.id}").get_data(as_text=True)


def test_staff_of_another_project_do_not_find_the_list(english, demo, db_session, login_as):
    listing = a_listing(db_session, capacity=1)
    entry = sign_up(db_session, listing, "Avram")
    login_as("staff", member_of=in_project(db_session, BACAU, "staff"))
    assert english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri").status_code == 404
    assert english.post_form(f"/portal/inscrieri/{entry.id}/anulare").status_code == 404
    assert status_of(db_session, entry) == SignUpStatus.confirmed


# Volunteer hours and certificates ----------------------------------------------------------------

def volunteer(db) -> Person:
    return people.create_person(db, people.PersonData(last_name="Voluntar", first_name="Ioana",
                                                      birth_date=date(2004, 3, 9), sex=Sex.female), SYSTEM,
                                confirm_new=True).person


def test_hours_for_other_tasks_are_logged_listed_and_removed(english, demo, db_session, login_as):
    person = volunteer(db_session)
    project = demo[BOTOSANI]
    login_as("staff")
    url = f"/portal/persoane/{person.id}/voluntariat"
    page = english.get(url).get_data(as_text=True)
    assert "No volunteer hours recorded in your projects." in page
    day = clock.today() - timedelta(days=4)
    response = english.post_form(url + "/ore", {"ore-project_id": str(project.id), "ore-day": day.strftime("%d.%m.%Y"),
                                                "ore-hours": "1:30", "ore-task": "Inventarul magazinului social"})
    assert response.status_code == 303
    entry = db_session.scalar(select(VolunteerHours).where(VolunteerHours.person_id == person.id))
    assert entry.hours == Decimal("1.50") and entry.task == "Inventarul magazinului social" and entry.day == day
    page = english.get(url).get_data(as_text=True)
    assert "Inventarul magazinului social" in page and "1.5 hours" in page
    future = english.post_form(url + "/ore", {"ore-project_id": str(project.id), "ore-hours": "2",
                                              "ore-day": (clock.today() + timedelta(days=1)).strftime("%d.%m.%Y"),
                                              "ore-task": "Mâine"})
    assert future.status_code == 422
    assert "Hours are recorded for days that have passed." in future.get_data(as_text=True)
    assert english.post_form(f"/portal/ore-voluntariat/{entry.id}/stergere").status_code == 303
    assert db_session.scalar(select(func.count(VolunteerHours.id)).where(VolunteerHours.person_id == person.id)) == 0


def test_a_certificate_sums_the_hours_of_its_period_and_prints_the_law(english, demo, db_session, login_as):
    person = volunteer(db_session)
    person.cnp = None
    project = demo[BOTOSANI]
    today = clock.today()
    for day, hours, task in ((today - timedelta(days=40), "3", "Plantare de copaci"),
                             (today - timedelta(days=10), "2,5", "Colectare selectivă"),
                             (today - timedelta(days=5), "4", "Colectare selectivă")):
        volunteering.log_hours(db_session, person, project, volunteering.parse_hours(hours), day, SYSTEM, task=task)
    login_as("staff")
    response = english.post_form(f"/portal/persoane/{person.id}/voluntariat/adeverinta", {
        "adeverinta-project_id": str(project.id),
        "adeverinta-first_day": (today - timedelta(days=20)).strftime("%d.%m.%Y"),
        "adeverinta-last_day": today.strftime("%d.%m.%Y")})
    assert response.status_code == 303
    first = db_session.scalar(select(VolunteerCertificate).where(VolunteerCertificate.person_id == person.id))
    assert first.hours == Decimal("6.50") and first.activities == "Colectare selectivă"
    assert response.headers["Location"].endswith(f"/portal/adeverinte-voluntariat/{first.id}")
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    # An official document: in Romanian whatever the portal's language, with Romanian numbers.
    assert "Legea nr. 78/2014 privind reglementarea activității de voluntariat în România" in page
    assert "6,5" in page and person.full_name in page and project.beneficiary in page and project.code in page
    assert "Colectare selectivă" in page and "Plantare de copaci" not in page
    assert "CNP" not in page
    again = english.post_form(f"/portal/persoane/{person.id}/voluntariat/adeverinta", {
        "adeverinta-project_id": str(project.id),
        "adeverinta-first_day": (today - timedelta(days=60)).strftime("%d.%m.%Y"),
        "adeverinta-last_day": today.strftime("%d.%m.%Y")})
    second = db_session.scalar(select(VolunteerCertificate).where(VolunteerCertificate.id > first.id))
    assert again.headers["Location"].endswith(f"/{second.id}") and second.id == first.id + 1
    assert second.hours == Decimal("9.50")
    listing_page = english.get(f"/portal/persoane/{person.id}/voluntariat").get_data(as_text=True)
    assert f"/portal/adeverinte-voluntariat/{first.id}" in listing_page
    assert f"/portal/adeverinte-voluntariat/{second.id}" in listing_page
    section = english.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    assert "Volunteer hours in your projects: 9.5 hours." in section


def test_a_certificate_without_hours_in_the_period_is_refused_on_the_form(english, demo, db_session, login_as):
    person = volunteer(db_session)
    login_as("staff")
    today = clock.today()
    response = english.post_form(f"/portal/persoane/{person.id}/voluntariat/adeverinta", {
        "adeverinta-project_id": str(demo[BOTOSANI].id),
        "adeverinta-first_day": (today - timedelta(days=20)).strftime("%d.%m.%Y"),
        "adeverinta-last_day": today.strftime("%d.%m.%Y")})
    assert response.status_code == 422
    assert "No volunteer hours are recorded" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(VolunteerCertificate.id))) == 0


def test_hours_and_certificates_of_other_projects_stay_hidden(english, demo, db_session, login_as):
    person = volunteer(db_session)
    volunteering.log_hours(db_session, person, demo[BACAU], Decimal("5"), clock.today() - timedelta(days=3), SYSTEM,
                           task="Seară culturală la Bacău")
    certificate = volunteering.issue_certificate(db_session, person, demo[BACAU], clock.today() - timedelta(days=9),
                                                 clock.today(), SYSTEM)
    login_as("staff", member_of=in_project(db_session, BOTOSANI, "staff"))
    page = english.get(f"/portal/persoane/{person.id}/voluntariat").get_data(as_text=True)
    assert "Seară culturală la Bacău" not in page
    assert english.get(f"/portal/adeverinte-voluntariat/{certificate.id}").status_code == 404
    assert english.post_form(f"/portal/persoane/{person.id}/voluntariat/adeverinta", {
        "adeverinta-project_id": str(demo[BACAU].id), "adeverinta-first_day": "01.01.2026",
        "adeverinta-last_day": clock.today().strftime("%d.%m.%Y")}).status_code == 422
    assert db_session.scalar(select(func.count(VolunteerCertificate.id))) == 1


# The outbox --------------------------------------------------------------------------------------

def test_the_outbox_lists_only_the_messages_of_the_users_projects(english, demo, db_session, login_as):
    outbox.queue(db_session, recipient="botosani@exemplu.ro", subject="Mesaj din Botoșani", body="Corp Botoșani",
                 project_id=demo[BOTOSANI].id)
    outbox.queue(db_session, recipient="bacau@exemplu.ro", subject="Mesaj din Bacău", body="Corp Bacău",
                 project_id=demo[BACAU].id)
    user = login_as("staff", member_of=in_project(db_session, BOTOSANI, "staff"))
    page = english.get("/portal/mesaje").get_data(as_text=True)
    assert "Mesaj din Botoșani" in page and "Corp Botoșani" in page
    assert "Mesaj din Bacău" not in page and "bacau@exemplu.ro" not in page
    assert "No mail server is configured" in page and "Send now" not in page
    assert db_session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.user_id == user.id,
                                                                     AuditEntry.details.like("outbox%"))) == 1


class FakeSmtp:
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, *args):
        pass

    def send_message(self, message):
        FakeSmtp.sent.append(message["To"])


def test_send_now_and_try_again_when_smtp_is_configured(english, app, demo, db_session, login_as, monkeypatch):
    app.config["MAIL_SERVER"] = "smtp.test.invalid"
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    FakeSmtp.sent = []
    waiting = outbox.queue(db_session, recipient="a@exemplu.ro", subject="Primul", body="-",
                           project_id=demo[BOTOSANI].id)
    gave_up = outbox.queue(db_session, recipient="b@exemplu.ro", subject="Al doilea", body="-",
                           project_id=demo[BOTOSANI].id)
    gave_up.attempts, gave_up.last_error = outbox.MAX_ATTEMPTS, "550 mailbox unavailable"
    db_session.flush()
    login_as("staff")
    page = english.get("/portal/mesaje").get_data(as_text=True)
    assert "Send now" in page and "550 mailbox unavailable" in page and "Try again" in page
    assert english.post_form("/portal/mesaje/trimitere").status_code == 303
    db_session.expire_all()
    assert waiting.sent_at is not None and gave_up.sent_at is None and FakeSmtp.sent == ["a@exemplu.ro"]
    assert english.post_form(f"/portal/mesaje/{gave_up.id}/reincercare").status_code == 303
    db_session.expire_all()
    assert gave_up.sent_at is not None and FakeSmtp.sent == ["a@exemplu.ro", "b@exemplu.ro"]


def test_staff_cannot_retry_a_message_of_another_project(english, demo, db_session, login_as):
    message = outbox.queue(db_session, recipient="bacau@exemplu.ro", subject="Bacău", body="-",
                           project_id=demo[BACAU].id)
    message.attempts = outbox.MAX_ATTEMPTS
    db_session.flush()
    login_as("staff", member_of=in_project(db_session, BOTOSANI, "staff"))
    assert english.post_form(f"/portal/mesaje/{message.id}/reincercare").status_code == 404
    db_session.expire_all()
    assert message.attempts == outbox.MAX_ATTEMPTS


# Erasure -----------------------------------------------------------------------------------------

def test_erasing_a_person_wipes_their_sign_ups_and_messages(english, demo, db_session, login_as):
    listing = a_listing(db_session, clock.today() - timedelta(days=1))
    entry = sign_up(db_session, listing, "Avram", "Ioana", now=before(listing))
    person = volunteering.record_attendance(db_session, entry, AttendanceStatus.present, SYSTEM)
    assert messages_to(db_session, "avram@exemplu.ro")
    people.erase_person(db_session, person, SYSTEM)
    db_session.flush()
    db_session.expire_all()
    assert entry.last_name == entry.first_name == entry.email == "" and entry.erased_at is not None
    assert messages_to(db_session, "avram@exemplu.ro") == []
    login_as("staff")
    page = english.get(f"/portal/sesiuni/{listing.session_id}/inscrieri").get_data(as_text=True)
    assert "Avram" not in page and "avram@exemplu.ro" not in page
