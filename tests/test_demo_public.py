"""The demo's public site: upcoming and past opportunities and events of both seed projects, with sign-ups,
a waiting list, volunteer hours and certificates — and nobody's name on the public pages.

Loading the demo takes seconds, so one load per database, checked part by part (as test_demo_activities does).
The demo is dated by today's date, like the pages that show it.
"""
import html
from datetime import timedelta
from urllib.parse import urlsplit

from flask import url_for
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.demo_public import load_demo_public
from portal.domain import clock
from portal.domain.activities.models import ActivitySession, Attendance
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.outbox.models import OutboxMessage
from portal.domain.projects.models import Activity, Project
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import (
    ListingCategory, PublicListing, SignUp, SignUpStatus, VolunteerCertificate, VolunteerHours,
)

PROJECTS = {"155550", "BC-SDL-2022"}


def page(client, url: str, *, english: bool = False) -> str:
    client.set_cookie("lang", "en" if english else "ro")
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def listings(db) -> list[tuple[PublicListing, str, int, int]]:
    """Every published listing of the demo projects with its project code and (confirmed, waiting)."""
    rows = db.execute(select(PublicListing, Project.code).join(PublicListing.session).join(ActivitySession.activity)
                      .join(Activity.project).where(Project.code.in_(PROJECTS), PublicListing.is_published.is_(True))
                      .order_by(ActivitySession.date, PublicListing.id)).all()
    return [(listing, code, *volunteering.listing_counts(db, listing.id)) for listing, code in rows]


def test_demo_public_site(app, client, db_session, login_as):
    with app.app_context():  # the messages are written as the app writes them, with its cancel links
        load_demo(db_session, with_people=True)
    today = clock.today()
    every = listings(db_session)
    check_upcoming_of_both_projects(client, every, today)
    check_archive(client, every, today)
    check_full_cancelled_and_information_only(client, every, today)
    check_sign_ups_and_messages(client, db_session, every, today)
    check_hours_and_certificates(client, db_session, login_as)
    check_public_pages_show_no_sign_up(app, client, db_session, every)
    assert set(load_demo_public(db_session).values()) == {0}  # a second load adds nothing


def check_upcoming_of_both_projects(client, every, today):
    for url, volunteering_section in (("/voluntariat", True), ("/evenimente", False)):
        text = page(client, url)
        upcoming = [(listing, code) for listing, code, _c, _w in every
                    if listing.session.date >= today
                    and (listing.category == ListingCategory.volunteering) == volunteering_section]
        assert {code for _listing, code in upcoming} == PROJECTS, url
        assert len(upcoming) >= 4, url
        # Sooner first: every upcoming title is on the first page, in date order.
        positions = [text.find(listing.title_ro) for listing, _code in upcoming]
        assert -1 not in positions, (url, [listing.title_ro for listing, _code in upcoming])
        assert positions == sorted(positions), url
        assert "ZUM BT PLUS" in text and "Comunitate mai bună Bacău" in text
        # No past one among them.
        for listing, _code, _c, _w in every:
            if listing.session.date < today - timedelta(days=1) and listing.title_ro not in {
                    upcoming_listing.title_ro for upcoming_listing, _code in upcoming}:
                assert listing.title_ro not in text, (url, listing.title_ro)
    # Six categories over both sections, Romanian and some English.
    assert {listing.category for listing, *_rest in every} == set(ListingCategory)
    assert sum(1 for listing, *_rest in every if listing.title_en) >= 5


def check_archive(client, every, today):
    past = [(listing, code) for listing, code, _c, _w in every if listing.session.date < today]
    assert {code for _listing, code in past} == PROJECTS
    # About the last three months, and a few older sessions the activities demo held.
    assert sum(1 for listing, _code in past if listing.session.date >= today - timedelta(days=92)) >= 8
    for url, volunteering_section in (("/voluntariat/arhiva", True), ("/evenimente/arhiva", False)):
        text = page(client, url)
        shown = [listing for listing, _code in past
                 if (listing.category == ListingCategory.volunteering) == volunteering_section]
        assert shown, url
        for listing in shown[-volunteering.PAGE_SIZE:]:  # latest first: the newest fill the first page
            assert listing.title_ro in text, (url, listing.title_ro)
    volunteering_archive = page(client, "/voluntariat/arhiva")
    assert "Ziua curățeniei în Parcul Tineretului" in volunteering_archive
    assert "Ecologizare în parcul din cartierul Izvoare" in volunteering_archive


def check_full_cancelled_and_information_only(client, every, today):
    full = [(listing, waiting) for listing, _code, confirmed, waiting in every
            if listing.session.date >= today and listing.capacity and confirmed == listing.capacity and waiting]
    assert len(full) >= 2 and {listing.category == ListingCategory.volunteering for listing, _w in full} == {True, False}
    for listing, waiting in full:
        section = "voluntariat" if listing.category == ListingCategory.volunteering else "evenimente"
        detail = page(client, f"/{section}/{listing.id}", english=True)
        assert "Full — waiting list" in detail and "Waiting list" in detail and "Join the waiting list" in detail
        assert f"{waiting} person" in detail  # how many wait, never who
        assert "Full — waiting list" in page(client, f"/{section}", english=True)
    # Nearly full: a few places left.
    assert any(listing.session.date >= today and listing.capacity and 0 < listing.capacity - confirmed <= 3
               for listing, _code, confirmed, _w in every)
    # A cancelled session stays listed, marked; one show needs no sign-up; some close before the day.
    cancelled = [listing for listing, *_rest in every if listing.session.is_cancelled]
    assert len(cancelled) == 1 and cancelled[0].session.date >= today
    assert "This session has been cancelled." in page(client, f"/evenimente/{cancelled[0].id}", english=True)
    information = [listing for listing, *_rest in every if not listing.takes_signups]
    assert len(information) == 1 and information[0].session.date >= today
    assert "No sign-up needed" in page(client, f"/evenimente/{information[0].id}", english=True)
    assert sum(1 for listing, *_rest in every if listing.signup_deadline and listing.session.date >= today) >= 5


def check_sign_ups_and_messages(client, db, every, today):
    entries = db.scalars(select(SignUp).where(SignUp.listing_id.in_([listing.id for listing, *_rest in every]))).all()
    assert 200 <= len(entries) <= 600  # plausible, and modest so that `make run` stays fast
    by_status = {status: sum(1 for entry in entries if entry.status == status) for status in SignUpStatus}
    assert by_status[SignUpStatus.waitlisted] >= 3 and by_status[SignUpStatus.cancelled] >= 5
    # Capacity is never exceeded.
    for listing, _code, confirmed, _waiting in every:
        assert listing.capacity is None or confirmed <= listing.capacity, listing.title_ro
    # Many pupils, minors with a guardian's consent; a few taken by staff on the phone.
    minors = [entry for entry in entries if entry.guardian_consent_at is not None]
    assert len(minors) >= 60 and all(entry.guardian_name and entry.guardian_contact for entry in minors)
    assert all(volunteering.needs_guardian(entry.birth_date, entry.created_at.astimezone(clock.TIMEZONE).date()) is False
               for entry in entries if entry.guardian_consent_at is None)
    assert sum(1 for entry in entries if "Colegiul Național" in entry.school or "Liceul" in entry.school) >= 40
    assert any(entry.source == "staff" for entry in entries)
    # Promotions from the waiting list happened through cancellations.
    assert any(entry.status == SignUpStatus.confirmed and entry.confirmed_at > entry.created_at + timedelta(minutes=1)
               for entry in entries)
    # Every message points to the demo's address; a cancel link of an upcoming listing opens its page.
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id.in_([entry.id for entry in entries]))
                          .order_by(OutboxMessage.id)).all()
    assert len(messages) >= 100
    assert all("http://127.0.0.1:8000/" in message.body for message in messages)
    upcoming = {listing.id: listing for listing, *_rest in every if listing.session.date > today}
    message = next(message for message in messages
                   if db.get(SignUp, message.sign_up_id).listing_id in upcoming
                   and db.get(SignUp, message.sign_up_id).status == SignUpStatus.confirmed)
    cancel_link = next(line for line in message.body.splitlines() if "/inscriere/anulare/" in line)
    entry = db.get(SignUp, message.sign_up_id)
    assert upcoming[entry.listing_id].title_ro in page(client, urlsplit(cancel_link.strip()).path)


def check_hours_and_certificates(client, db, login_as):
    hours = db.execute(select(Project.code, func.count(VolunteerHours.id), func.sum(VolunteerHours.hours))
                       .join(VolunteerHours.project).where(Project.code.in_(PROJECTS)).group_by(Project.code)).all()
    assert {code for code, _count, _sum in hours} == PROJECTS
    assert all(count >= 5 and total >= 15 for _code, count, total in hours)
    # Hours come with attendance at the session.
    hour = db.scalars(select(VolunteerHours).limit(1)).first()
    assert db.scalar(select(Attendance.status).where(Attendance.session_id == hour.session_id,
                                                     Attendance.person_id == hour.person_id)).value == "present"
    certificates = db.scalars(select(VolunteerCertificate).order_by(VolunteerCertificate.id)).all()
    assert 2 <= len(certificates) <= 4
    login_as("coordinator")
    for certificate in certificates:
        logged = db.scalar(select(func.sum(VolunteerHours.hours)).where(
            VolunteerHours.person_id == certificate.person_id, VolunteerHours.project_id == certificate.project_id,
            VolunteerHours.day.between(certificate.first_day, certificate.last_day)))
        assert certificate.hours == logged and certificate.hours >= 3
        text = page(client, f"/portal/adeverinte-voluntariat/{certificate.id}")
        assert certificate.person.last_name in text and certificate.person.first_name in text
    with client.session_transaction() as session:
        session.clear()  # back to a visitor of the public site


def check_public_pages_show_no_sign_up(app, client, db, every):
    """Names, contacts and guardians of people who signed up appear on no public page."""
    entries = db.scalars(select(SignUp).where(SignUp.listing_id.in_([listing.id for listing, *_rest in every]))
                         .order_by(SignUp.id)).all()
    # A name the organisation itself wrote in a public text (a quoted manager) is not a sign-up's.
    published = " ".join(part for listing, *_rest in every for part in (
        listing.title_ro, listing.title_en, listing.description_ro, listing.description_en))
    for model in (NewsPost, MediaImage):
        for row in db.scalars(select(model)):
            published += " ".join(str(value) for value in vars(row).values() if isinstance(value, str))
    secrets = set()
    for entry in entries[::7]:
        secrets |= {entry.full_name, f"{entry.last_name} {entry.first_name}", entry.email, entry.phone,
                    entry.guardian_name, entry.guardian_contact}
    secrets = {value for value in secrets if value and len(value) > 5 and value not in published}
    assert len(secrets) >= 100
    # Every public page: the lists, each listing (page and calendar file), the news and the galleries.
    values = {"listing_id": [listing.id for listing, *_rest in every], "post_id": db.scalars(select(NewsPost.id)).all(),
              "code": sorted(PROJECTS)}
    with app.test_request_context():
        urls = set()
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
                continue
            needed = rule.arguments - {"slug"}
            if not needed:
                urls.add(url_for(rule.endpoint))
            elif len(needed) == 1 and next(iter(needed)) in values:
                name = next(iter(needed))
                urls |= {url_for(rule.endpoint, **{name: value}) for value in values[name]}
    pages = 0
    for url in sorted(urls):
        response = client.get(url, follow_redirects=True)  # a post without its slug, an event at /voluntariat/
        if response.status_code != 200:
            continue
        pages += 1
        text = html.unescape(response.get_data(as_text=True))
        leaked = sorted(value for value in secrets if value in text)
        assert not leaked, (url, leaked[:5])
    assert pages >= 2 * len(every)  # each listing's page and calendar file at least
