"""The public side of sign-ups: the lists and their archive, a listing's page and form, the waiting list,
minors, duplicates, robots, the rate limit, cancel links, the outbox, calendar files, htmx, privacy."""
import functools
import gzip
import itertools
import re
import time as clock_time
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.domain import clock
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession
from portal.domain.actor import system_actor
from portal.domain.errors import DomainError
from portal.domain.news.models import MediaImage
from portal.domain.outbox import services as outbox
from portal.domain.outbox.models import OutboxMessage
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import ACTIVITIES_MANAGE
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import (
    ListingCategory,
    PublicListing,
    SignUp,
    SignUpAttempt,
    SignUpStatus,
)

ADMIN = system_actor(frozenset({ACTIVITIES_MANAGE, volunteering.PUBLIC_PUBLISH, volunteering.SIGNUPS_MANAGE}))
TODAY = clock.today()
_minutes = itertools.count()


# Factories ---------------------------------------------------------------------------------------

def make_project(db, code="PUB-1", is_public=True, short_name="ORAȘUL VERDE") -> Project:
    project = Project(code=code, title=f"Proiectul {code}", short_name=short_name, programme="PEO",
                      beneficiary="Asociația Comunitar", funder_line="Proiect cofinanțat din FSE+", town="Bacău",
                      start_date=date(2020, 1, 1), end_date=date(2035, 12, 31), is_public=is_public)
    db.add(project)
    db.flush()
    return project


def make_activity(db, project: Project, kind=ActivityKind.public_event, code="A1") -> Activity:
    activity = Activity(project=project, code=code, name_ro=f"Activitatea {code}", kind=kind)
    db.add(activity)
    db.flush()
    return activity


def make_listing(db, activity: Activity, day: date, *, category=ListingCategory.cultural_event, title="Seară de film",
                 start: time | None = None, place="Casa de Cultură", **data) -> PublicListing:
    """A session on `day` published on the site; each at its own minute, so none is a double click."""
    start = start or time(17, next(_minutes) % 60)
    end = (datetime.combine(day, start) + timedelta(hours=2)).time()
    session = activities.create_sessions(db, activity, activities.SessionPlan(start_time=start, end_time=end,
                                                                              place=place), ADMIN, on=day)[0]
    return volunteering.publish(db, session, volunteering.ListingData(category=category, title_ro=title, **data),
                                ADMIN)


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is filled in separately."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def site(db_session):
    """A public project with an events activity and a volunteering activity."""
    project = make_project(db_session)
    events = make_activity(db_session, project, ActivityKind.public_event, "E1")
    helpers = make_activity(db_session, project, ActivityKind.volunteering, "V1")
    db_session.commit()
    return {"project": project, "events": events, "volunteering": helpers, "db": db_session}


def an_event(site, days=10, **data) -> PublicListing:
    listing = make_listing(site["db"], site["events"], TODAY + timedelta(days=days), **data)
    site["db"].commit()
    return listing


def an_opportunity(site, days=10, **data) -> PublicListing:
    data = {"title": "Ecologizare în parc", "category": ListingCategory.volunteering, **data}
    listing = make_listing(site["db"], site["volunteering"], TODAY + timedelta(days=days), **data)
    site["db"].commit()
    return listing


def adult(**changes) -> dict:
    return {"last_name": "Popescu", "first_name": "Maria", "email": "maria.popescu@exemplu.ro", "phone": "",
            "birth_date": "1990-05-17", "sex": "F", "privacy_accepted": "y", **changes}


def minor(**changes) -> dict:
    birth = TODAY.replace(year=TODAY.year - 15) if not (TODAY.month == 2 and TODAY.day == 29) else date(2011, 3, 1)
    return adult(**{"last_name": "Ionescu", "first_name": "Andrei", "email": "", "phone": "0744 555 111", "sex": "M",
                    "birth_date": birth.isoformat(), "school": "Colegiul Național", "school_class": "a IX-a A",
                    **changes})


def sign_up(client, listing: PublicListing, data: dict, **kwargs):
    return client.post_form(f"/evenimente/{listing.id}" if listing.category != ListingCategory.volunteering
                            else f"/voluntariat/{listing.id}", data, **kwargs)


def sign_ups(db, listing: PublicListing) -> list[SignUp]:
    db.expire_all()
    return list(db.scalars(select(SignUp).where(SignUp.listing_id == listing.id).order_by(SignUp.id)))


def page(response) -> str:
    return response.get_data(as_text=True)


def token_of(entry: SignUp) -> str:
    return volunteering.cancel_token("test-secret-key", entry)


def cancel_link_in(html: str, db) -> SignUp:
    """The sign-up the page's cancel link (shown in full, as a link) is for."""
    [token] = set(re.findall(r'href="http://localhost/inscriere/anulare/([^"]+)"', html))
    assert f">http://localhost/inscriere/anulare/{token}<" in html
    return volunteering.read_cancel_token(db, "test-secret-key", token)


def titles_in_order(html: str, titles: list[str]) -> list[str]:
    found = sorted((html.index(title), title) for title in titles if title in html)
    return [title for _, title in found]


# The lists ---------------------------------------------------------------------------------------

def test_lists_show_upcoming_soonest_first_and_keep_the_past_in_an_archive(english, site):
    an_opportunity(site, days=20, title="Plantăm copaci")
    an_opportunity(site, days=3, title="Curățăm malul")
    an_opportunity(site, days=-5, title="Zi de colectare deșeuri")
    an_opportunity(site, days=-40, title="Vizită la cămin")
    an_event(site, days=4, title="Spectacol de teatru")
    upcoming = page(english.get("/voluntariat"))
    assert titles_in_order(upcoming, ["Plantăm copaci", "Curățăm malul", "Zi de colectare deșeuri",
                                      "Vizită la cămin", "Spectacol de teatru"]) == ["Curățăm malul", "Plantăm copaci"]
    assert 'href="/voluntariat/arhiva"' in upcoming
    archive = page(english.get("/voluntariat/arhiva"))
    assert titles_in_order(archive, ["Plantăm copaci", "Curățăm malul", "Zi de colectare deșeuri",
                                     "Vizită la cămin"]) == ["Zi de colectare deșeuri", "Vizită la cămin"]
    events = page(english.get("/evenimente"))
    assert "Spectacol de teatru" in events and "Curățăm malul" not in events
    assert "No event has taken place yet" in page(english.get("/evenimente/arhiva"))


def test_cards_tell_the_day_the_place_the_project_and_the_places_left(english, site, db_session):
    open_one = an_event(site, title="Atelier de pictură", category=ListingCategory.workshop, capacity=12,
                        place="Sala mare")
    full_one = an_event(site, days=11, title="Excursie la munte", category=ListingCategory.excursion, capacity=1)
    an_event(site, days=12, title="Concert în aer liber", category=ListingCategory.show)
    cancelled = an_event(site, days=13, title="Seară de poezie")
    db_session.add(SignUp(listing_id=full_one.id, status=SignUpStatus.confirmed, last_name="X", first_name="Y",
                          email="x@y.ro", email_key="x@y.ro", birth_date=date(1990, 1, 1),
                          privacy_accepted_at=datetime.now().astimezone(), token_nonce="n1"))
    activities.cancel_session(db_session, db_session.get(ActivitySession, cancelled.session_id), ADMIN)
    db_session.commit()
    html = page(english.get("/evenimente"))
    assert "12 places left" in html and "Full — waiting list" in html and "No limit on places" in html
    assert "Sala mare" in html and "ORAȘUL VERDE" in html and "Workshop" in html
    assert f'href="/evenimente/{open_one.id}"' in html
    day = open_one.session.date
    assert f'datetime="{day.isoformat()}T{open_one.session.start_time.strftime("%H:%M")}"' in html
    card = html[html.index("Seară de poezie") - 400:html.index("Seară de poezie") + 600]
    assert "is-cancelled" in card and "Cancelled" in card


def test_a_listing_with_a_picture_shows_its_thumbnail(english, site, db_session):
    image = MediaImage(project_id=site["project"].id, stored_name="a1b2c3d4e5f6", width=1600, height=1067,
                       thumb_width=320, thumb_height=213, size_bytes=1000, alt_ro="Voluntari în parc")
    db_session.add(image)
    listing = an_opportunity(site)
    listing.image_id = image.id
    db_session.commit()
    for html in (page(english.get("/voluntariat")), page(english.get(f"/voluntariat/{listing.id}"))):
        img = re.search(r'<img [^>]*src="/media/a1b2c3d4e5f6-thumb\.webp"[^>]*>', html).group(0)
        assert 'width="320"' in img and 'height="213"' in img and 'loading="lazy"' in img and "alt=" in img


def test_filters_by_category_and_month_work_without_javascript(english, site):
    first_month = (TODAY.replace(day=1) + timedelta(days=40)).replace(day=1)
    later_month = (first_month + timedelta(days=40)).replace(day=1)
    def site_days(day):
        return (day - TODAY).days

    an_event(site, days=site_days(first_month + timedelta(days=2)), title="Atelier de ceramică",
             category=ListingCategory.workshop)
    an_event(site, days=site_days(later_month + timedelta(days=3)), title="Spectacol de dans",
             category=ListingCategory.show)
    an_event(site, days=site_days(later_month + timedelta(days=5)), title="Atelier de lectură",
             category=ListingCategory.workshop)
    html = page(english.get("/evenimente"))
    assert '<form method="get" action="/evenimente"' in html
    assert f'<option value="{first_month:%Y-%m}">' in html and f'<option value="{later_month:%Y-%m}">' in html
    workshops = page(english.get("/evenimente?categorie=workshop"))
    assert "Atelier de ceramică" in workshops and "Atelier de lectură" in workshops
    assert "Spectacol de dans" not in workshops
    assert '<option value="workshop" selected>' in workshops
    later = page(english.get(f"/evenimente?luna={later_month:%Y-%m}"))
    assert "Spectacol de dans" in later and "Atelier de lectură" in later and "Atelier de ceramică" not in later
    both = page(english.get(f"/evenimente?luna={first_month:%Y-%m}&categorie=show"))
    assert "No event matches these filters" in both and 'href="/evenimente"' in both
    # A value that is not offered is ignored rather than failing.
    assert "Spectacol de dans" in page(english.get("/evenimente?categorie=nimic&luna=2099-99"))


def test_the_lists_page_by_twenty(english, site):
    for number in range(volunteering.PAGE_SIZE + 2):
        an_event(site, days=5 + number, title=f"Eveniment numărul {number:02d}")
    first = page(english.get("/evenimente"))
    assert "Eveniment numărul 00" in first and "Eveniment numărul 21" not in first
    assert 'href="/evenimente?pagina=2"' in first
    second = page(english.get("/evenimente?pagina=2"))
    assert "Eveniment numărul 21" in second and "Eveniment numărul 00" not in second


def test_unpublished_listings_and_private_projects_stay_off_the_site(english, site, db_session):
    hidden = an_event(site, title="Ședință internă", is_published=False)
    private_project = make_project(db_session, code="PRIV-1", is_public=False, short_name="PRIVAT")
    private = make_listing(db_session, make_activity(db_session, private_project), TODAY + timedelta(days=3),
                           title="Eveniment privat")
    db_session.commit()
    html = page(english.get("/evenimente"))
    assert "Ședință internă" not in html and "Eveniment privat" not in html
    assert english.get(f"/evenimente/{hidden.id}").status_code == 404
    assert english.get(f"/evenimente/{private.id}").status_code == 404
    assert english.get(f"/evenimente/{private.id}.ics").status_code == 404
    assert "Eveniment privat" not in english.get("/evenimente.ics").get_data(as_text=True)


def test_a_listing_under_the_wrong_section_moves_permanently(english, site):
    opportunity = an_opportunity(site)
    event = an_event(site)
    response = english.get(f"/evenimente/{opportunity.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/voluntariat/{opportunity.id}")
    response = english.get(f"/voluntariat/{event.id}.ics")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/evenimente/{event.id}.ics")


# A listing's page --------------------------------------------------------------------------------

def test_the_detail_page_shows_plain_text_places_and_the_form(english, site):
    listing = an_event(site, capacity=30)
    # Set on the model: what a description with lines and paragraphs looks like once stored.
    listing.description_ro = "Prima parte.\nA doua linie.\n\n<b>Al doilea</b> paragraf."
    site["db"].commit()
    html = page(english.get(f"/evenimente/{listing.id}"))
    assert "<p>Prima parte.<br>A doua linie.</p>" in html
    assert "&lt;b&gt;Al doilea&lt;/b&gt; paragraf." in html and "<b>Al doilea" not in html
    assert "30 places left" in html
    assert f'href="/evenimente/{listing.id}.ics"' in html
    assert f'<form method="post" action="/evenimente/{listing.id}"' in html
    assert 'hx-post="/evenimente/' in html and 'name="csrf_token"' in html
    for name in ("last_name", "first_name", "email", "phone", "birth_date", "school", "school_class",
                 "guardian_name", "guardian_contact", "guardian_consent", "privacy_accepted"):
        assert f'name="{name}"' in html, name
    assert 'type="date"' in html and 'href="/confidentialitate"' in html
    assert "Parent or guardian (under 18)" in html
    honeypot = re.search(r'<div class="hp-field" aria-hidden="true">.*?</div>', html, re.DOTALL).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot and 'name="website"' in honeypot
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html


@pytest.mark.parametrize("setup, reason", [
    ({"signup_deadline": "past"}, "Sign-up closed on"),
    ({"cancelled": True}, "This session has been cancelled."),
    ({"takes_signups": False}, "No sign-up is needed for this session: just come."),
    ({"days": -3}, "This session has already taken place."),
])
def test_a_closed_listing_says_why_and_refuses_sign_ups(english, site, db_session, setup, reason):
    listing = an_event(site, days=setup.get("days", 10), takes_signups=setup.get("takes_signups", True))
    if setup.get("signup_deadline"):
        listing.signup_deadline = datetime.now().astimezone() - timedelta(hours=1)
    if setup.get("cancelled"):
        activities.cancel_session(db_session, db_session.get(ActivitySession, listing.session_id), ADMIN)
    db_session.commit()
    html = page(english.get(f"/evenimente/{listing.id}"))
    assert reason in html
    assert 'name="last_name"' not in html and "htmx" not in html
    response = sign_up(english, listing, adult())
    assert response.status_code == 422
    assert sign_ups(db_session, listing) == []


# Signing up --------------------------------------------------------------------------------------

def test_places_are_confirmed_while_they_last_then_people_wait(english, site, db_session):
    listing = an_event(site, capacity=2)
    people = [adult(email=f"persoana{n}@exemplu.ro", first_name=f"Persoana{n}") for n in range(3)]
    for person in people[:2]:
        response = sign_up(english, listing, person)
        assert response.status_code == 303
        assert response.headers["Location"] == f"/inscriere/confirmare/{listing.id}"
        assert "Your place is confirmed" in page(english.get(response.headers["Location"]))
    response = sign_up(english, listing, people[2], follow_redirects=True)
    assert "You are on the waiting list" in page(response)
    assert [entry.status for entry in sign_ups(db_session, listing)] == [
        SignUpStatus.confirmed, SignUpStatus.confirmed, SignUpStatus.waitlisted]
    detail = page(english.get(f"/evenimente/{listing.id}"))
    assert "Full — waiting list" in detail and "1 person" in detail and "Join the waiting list" in detail


def test_the_confirmation_page_shows_the_cancel_link_and_whether_mail_went(english, site, db_session):
    listing = an_event(site)
    done = page(sign_up(english, listing, adult(), follow_redirects=True))
    entry = sign_ups(db_session, listing)[0]
    assert cancel_link_in(done, db_session) == entry
    # No mail server here: the message waits in the outbox, so the page does not claim it was sent.
    assert "the message may take a while: keep the link below" in done
    assert "We have sent a message" not in done
    english.application.config["MAIL_SERVER"] = "smtp.example.invalid"
    with_mail = page(english.get(f"/inscriere/confirmare/{listing.id}"))
    english.application.config["MAIL_SERVER"] = ""
    assert "We have sent a message to the e-mail address you gave" in with_mail
    assert "maria.popescu@exemplu.ro" not in done and "Popescu" not in done
    phone_only = page(sign_up(english, listing, adult(email="", phone="0722 000 111", first_name="Ion"),
                              follow_redirects=True))
    assert "You gave no e-mail address" in phone_only
    assert cancel_link_in(phone_only, db_session) == sign_ups(db_session, listing)[1]
    # Another browser has no sign-up to confirm: it is sent to the listing.
    stranger = english.application.test_client()
    response = stranger.get(f"/inscriere/confirmare/{listing.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/evenimente/{listing.id}")


def test_a_minor_needs_a_guardian_and_nothing_is_kept_without_one(english, site, db_session):
    listing = an_opportunity(site)
    response = sign_up(english, listing, minor())
    assert response.status_code == 422
    html = page(response)
    for name in ("guardian_name", "guardian_contact", "guardian_consent"):
        assert f'id="{name}-error"' in html, name
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{name}"', html), name
    assert sign_ups(db_session, listing) == []
    response = sign_up(english, listing, minor(guardian_name="Elena Ionescu", guardian_contact="0744 555 222",
                                               guardian_consent="y"))
    assert response.status_code == 303
    [entry] = sign_ups(db_session, listing)
    assert entry.guardian_name == "Elena Ionescu" and entry.guardian_consent_at is not None
    assert entry.school == "Colegiul Național" and entry.school_class == "a IX-a A"


def test_an_adult_needs_no_guardian(english, site, db_session):
    listing = an_opportunity(site)
    assert sign_up(english, listing, adult()).status_code == 303
    [entry] = sign_ups(db_session, listing)
    assert entry.guardian_name == "" and entry.guardian_consent_at is None
    assert entry.birth_date == date(1990, 5, 17)


def test_a_typed_birth_date_is_read_and_a_wrong_one_is_explained(english, site, db_session):
    listing = an_event(site)
    assert sign_up(english, listing, adult(birth_date="17.05.1990")).status_code == 303
    assert sign_ups(db_session, listing)[0].birth_date == date(1990, 5, 17)
    response = sign_up(english, listing, adult(email="altcineva@exemplu.ro", birth_date="31.02.1990"))
    assert response.status_code == 422
    assert "Write the date of birth as dd.mm.yyyy" in page(response)
    assert 'value="31.02.1990"' in page(response)


def test_errors_keep_every_valid_value_and_mark_each_field(english, site, db_session):
    listing = an_event(site)
    response = sign_up(english, listing, adult(privacy_accepted="", email="maria@", phone="0722 123 456",
                                               school="Liceul de Artă", guardian_name="Cineva"))
    assert response.status_code == 422
    html = page(response)
    for value in ('value="Popescu"', 'value="Maria"', 'value="maria@"', 'value="0722 123 456"', 'value="1990-05-17"',
                  'value="Liceul de Artă"', 'value="Cineva"'):
        assert value in html, value
    assert 'id="email-error"' in html and 'id="privacy_accepted-error"' in html
    assert "Please correct the fields marked below." in html
    assert sign_ups(db_session, listing) == []


def test_one_place_per_person_by_e_mail_or_phone(english, site, db_session):
    listing = an_event(site, capacity=10)
    assert sign_up(english, listing, adult(phone="+40 722 123 456")).status_code == 303
    again = sign_up(english, listing, adult(email="MARIA.POPESCU@exemplu.ro"))
    assert again.status_code == 422
    assert "You are already signed up for this session" in page(again)
    by_phone = sign_up(english, listing, adult(email="alt@exemplu.ro", phone="0722123456"))
    assert by_phone.status_code == 422 and "already signed up" in page(by_phone)
    assert len(sign_ups(db_session, listing)) == 1


def test_a_robot_filling_the_hidden_field_sees_success_and_nothing_is_kept(english, site, db_session):
    listing = an_event(site)
    response = sign_up(english, listing, adult(website="http://spam.example"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/inscriere/confirmare/{listing.id}"
    assert "Your place is confirmed" in page(english.get(response.headers["Location"]))
    assert sign_ups(db_session, listing) == []
    assert db_session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert db_session.scalar(select(func.count(SignUpAttempt.id))) == 1


def test_too_many_attempts_from_one_address_are_refused(english, app, site, db_session):
    app.config["SIGNUP_MAX_PER_ADDRESS"] = 2
    listing = an_event(site)
    assert sign_up(english, listing, adult(email="unu@exemplu.ro")).status_code == 303
    assert sign_up(english, listing, adult(email="doi@exemplu.ro", privacy_accepted="")).status_code == 422
    third = sign_up(english, listing, adult(email="trei@exemplu.ro"))
    assert third.status_code == 429
    assert "Too many sign-ups from this connection" in page(third)
    assert 'value="trei@exemplu.ro"' in page(third)
    with_htmx = sign_up(english, listing, adult(email="trei@exemplu.ro"), headers={"HX-Request": "true"})
    assert with_htmx.status_code == 429 and page(with_htmx).lstrip().startswith('<section id="signup"')
    assert "Too many sign-ups from this connection" in page(with_htmx)
    assert [entry.email for entry in sign_ups(db_session, listing)] == ["unu@exemplu.ro"]
    # Another address is not held back by this one.
    response = sign_up(english, listing, adult(email="patru@exemplu.ro"), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 303


# Cancel links ------------------------------------------------------------------------------------

def test_a_cancel_link_frees_the_place_for_the_first_waiting(english, site, db_session):
    listing = an_event(site, capacity=1)
    sign_up(english, listing, adult(first_name="Primul", email="primul@exemplu.ro"))
    sign_up(english, listing, adult(first_name="Doilea", email="doilea@exemplu.ro"))
    first, second = sign_ups(db_session, listing)
    assert (first.status, second.status) == (SignUpStatus.confirmed, SignUpStatus.waitlisted)
    url = f"/inscriere/anulare/{token_of(first)}"
    shown = page(english.get(url))
    assert "Seară de film" in shown and "Primul" in shown and "Cancel my sign-up" in shown
    assert "primul@exemplu.ro" not in shown and "Popescu" not in shown
    response = english.post_form(url)
    assert response.status_code == 303
    assert "Your sign-up has been cancelled" in page(english.get(response.headers["Location"]))
    first, second = sign_ups(db_session, listing)
    assert (first.status, second.status) == (SignUpStatus.cancelled, SignUpStatus.confirmed)
    promoted = db_session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "doilea@exemplu.ro")
                                  .order_by(OutboxMessage.id)).all()
    assert len(promoted) == 2 and "/inscriere/anulare/" in promoted[-1].body
    again = english.post_form(url, follow_redirects=True)
    assert "This sign-up was already cancelled." in page(again)
    assert [entry.status for entry in sign_ups(db_session, listing)] == [SignUpStatus.cancelled,
                                                                         SignUpStatus.confirmed]


def test_a_tampered_or_late_cancel_link_gets_a_clear_page(english, site, db_session, monkeypatch):
    listing = an_event(site, days=2)
    sign_up(english, listing, adult())
    [entry] = sign_ups(db_session, listing)
    token = token_of(entry)
    tampered = english.get(f"/inscriere/anulare/{token[:-3]}abc")
    assert tampered.status_code == 400
    assert "This cancel link is not valid" in page(tampered) and 'class="site-header"' in page(tampered)
    assert english.post_form(f"/inscriere/anulare/{token[:-3]}abc").status_code == 400
    # The link lives CANCEL_LINK_MAX_DAYS days at most.
    later = clock_time.time() + (volunteering.CANCEL_LINK_MAX_DAYS + 1) * 24 * 3600
    with monkeypatch.context() as patched:
        patched.setattr("itsdangerous.timed.time.time", lambda: later)
        with pytest.raises(DomainError) as expired:
            volunteering.read_cancel_token(db_session, "test-secret-key", token)
    assert expired.value.code == "cancel_link_expired"
    # Once the session has started the link no longer cancels.
    started = volunteering.starts_at(listing.session) + timedelta(minutes=1)
    with pytest.raises(DomainError, match="cancel_link_expired"):
        volunteering.read_cancel_token(db_session, "test-secret-key", token, now=started)
    listing.session.date = TODAY - timedelta(days=1)
    db_session.commit()
    late = english.post_form(f"/inscriere/anulare/{token}")
    assert late.status_code == 410 and "the session has already started" in page(late)
    assert sign_ups(db_session, listing)[0].status == SignUpStatus.confirmed


# Messages ----------------------------------------------------------------------------------------

def test_messages_are_stored_with_the_cancel_link_and_kept_without_smtp(english, site, db_session):
    listing = an_event(site)
    sign_up(english, listing, adult())
    [entry] = sign_ups(db_session, listing)
    [message] = db_session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "maria.popescu@exemplu.ro" and message.sign_up_id == entry.id
    [token] = re.findall(r"http://localhost/inscriere/anulare/(\S+)", message.body)
    assert volunteering.read_cancel_token(db_session, "test-secret-key", token).id == entry.id
    assert f"http://localhost/evenimente/{listing.id}" in message.body
    assert message.sent_at is None and message.attempts == 0  # no MAIL_SERVER: stored, visible to staff


def test_with_smtp_configured_the_message_goes_after_the_commit(english, app, site, db_session, monkeypatch):
    sent = []

    def fake_sender(settings, messages):
        sent.extend((settings.server, message.recipient, message.subject) for message in messages)
        return {}

    app.config["MAIL_SERVER"] = "smtp.exemplu.test"
    monkeypatch.setattr(outbox, "deliver", functools.partial(outbox.deliver, sender=fake_sender))
    listing = an_event(site)
    assert sign_up(english, listing, adult()).status_code == 303
    assert [(server, recipient) for server, recipient, _ in sent] == [("smtp.exemplu.test", "maria.popescu@exemplu.ro")]
    db_session.expire_all()
    assert db_session.scalars(select(OutboxMessage)).one().sent_at is not None


def test_a_failing_mail_server_loses_nothing(app, site, db_session):
    listing = an_event(site)
    with app.test_request_context():
        result = volunteering.sign_up(db_session, listing, volunteering.SignUpData(
            last_name="Radu", first_name="Ana", email="ana@exemplu.ro", birth_date=date(1980, 1, 1),
            sex="F", privacy_accepted=True), secret_key="k", links=_Links())
    settings = outbox.SmtpSettings(server="smtp.exemplu.test")
    assert outbox.deliver(db_session, settings, sender=lambda s, messages: {m.id: "refused" for m in messages}) == (0, 1)
    message = db_session.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id == result.sign_up.id)).one()
    assert message.sent_at is None and message.attempts == 1 and message.last_error == "refused"
    assert outbox.deliver(db_session, settings, sender=lambda s, messages: {}) == (1, 0)
    assert message.sent_at is not None


class _Links:
    def cancel(self, token):
        return f"https://exemplu.ro/inscriere/anulare/{token}"

    def listing(self, listing):
        return f"https://exemplu.ro/evenimente/{listing.id}"


# Calendar ----------------------------------------------------------------------------------------

def test_the_calendar_feed_carries_every_public_listing(english, site, db_session):
    event = an_event(site, title="Seară de jazz", place="Parcul Central", description_ro="Intrare liberă.")
    opportunity = an_opportunity(site, days=12)
    cancelled = an_event(site, days=14, title="Târg anulat")
    activities.cancel_session(db_session, db_session.get(ActivitySession, cancelled.session_id), ADMIN)
    db_session.commit()
    response = english.get("/evenimente.ics")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.get_data())
    events = {str(item["UID"]): item for item in calendar.walk("VEVENT")}
    assert set(events) == {f"listing-{event.id}@localhost", f"listing-{opportunity.id}@localhost",
                           f"listing-{cancelled.id}@localhost"}
    jazz = events[f"listing-{event.id}@localhost"]
    assert str(jazz["SUMMARY"]) == "Seară de jazz" and str(jazz["LOCATION"]) == "Parcul Central"
    start = jazz["DTSTART"].dt
    assert (start.date(), start.time(), str(start.tzinfo)) == (event.session.date, event.session.start_time,
                                                               "Europe/Bucharest")
    assert "Intrare liberă." in str(jazz["DESCRIPTION"])
    assert str(jazz["URL"]) == f"http://localhost/evenimente/{event.id}"
    assert str(jazz["STATUS"]) == "CONFIRMED"
    assert str(events[f"listing-{cancelled.id}@localhost"]["STATUS"]) == "CANCELLED"
    assert calendar.walk("VTIMEZONE")


def test_one_listing_downloads_as_a_calendar_file(english, site):
    listing = an_opportunity(site)
    response = english.get(f"/voluntariat/{listing.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="voluntariat-{listing.id}.ics"'
    [item] = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert str(item["UID"]) == f"listing-{listing.id}@localhost" and str(item["SUMMARY"]) == "Ecologizare în parc"
    assert item["DTEND"].dt - item["DTSTART"].dt == timedelta(hours=2)


# htmx --------------------------------------------------------------------------------------------

def test_with_htmx_only_the_form_comes_back_with_its_errors(english, site, db_session):
    listing = an_event(site)
    response = sign_up(english, listing, adult(first_name=""), headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = page(response)
    assert html.lstrip().startswith('<section id="signup"') and "<html" not in html and "site-header" not in html
    assert 'id="first_name-error"' in html and 'value="Popescu"' in html
    assert sign_ups(db_session, listing) == []
    done = sign_up(english, listing, adult(), headers={"HX-Request": "true"})
    assert done.status_code == 200 and done.headers["HX-Redirect"] == f"/inscriere/confirmare/{listing.id}"
    assert len(sign_ups(db_session, listing)) == 1
    assert "HX-Request" in done.headers["Vary"]


def test_the_form_page_carries_htmx_without_inline_script(english, site):
    html = page(english.get(f"/evenimente/{an_event(site).id}"))
    assert re.search(r'<script src="/static/vendor/htmx-[^"]+\.js[^"]*" defer></script>', html)
    assert '"responseHandling"' in html and '"allowEval":false' in html


# Privacy and weight ------------------------------------------------------------------------------

SECRETS = ["Zamfirescu-Tudorache", "xenofont.zt@ascuns.ro", "0799 314 159", "0799314159",
           "Gherghinoiu", "Anastasievici", "0788 271 828", "Bunicuța Gherghinoiu", "Liceul Secret"]


def _fill(rule, listings, token, project_code) -> list[str]:
    """Concrete addresses of a rule: every listing for a listing id, a real token, a value otherwise."""
    paths = [rule.rule]
    for argument in rule.arguments:
        pattern = re.compile(rf"<(?:[^:>]+:)?{argument}>")
        if argument == "listing_id":
            values = [str(listing.id) for listing in listings]
        elif argument == "token":
            values = [token]
        elif argument == "code":
            values = ["ro", "en", project_code]
        else:
            values = ["1"]
        paths = [pattern.sub(value, path) for path in paths for value in values]
    return paths


def test_no_public_page_shows_who_signed_up(english, app, site, db_session):
    event = an_event(site, capacity=1)
    opportunity = an_opportunity(site)
    past = an_event(site, days=-2, title="Eveniment trecut")
    sign_up(english, event, adult(last_name="Zamfirescu-Tudorache", first_name="Xenofont",
                                  email="xenofont.zt@ascuns.ro", phone="0799 314 159", school="Liceul Secret"))
    sign_up(english, event, minor(last_name="Anastasievici", first_name="Xenofont", phone="0788 271 828",
                                  guardian_name="Bunicuța Gherghinoiu", guardian_contact="0799 000 123",
                                  guardian_consent="y"))
    sign_up(english, opportunity, adult(last_name="Zamfirescu-Tudorache", first_name="Xenofont",
                                        email="xenofont.zt@ascuns.ro"))
    assert len(sign_ups(db_session, event)) == 2 and len(sign_ups(db_session, opportunity)) == 1
    token = token_of(sign_ups(db_session, event)[0])
    checked = answered = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
            continue
        for path in _fill(rule, [event, opportunity, past], token, site["project"].code):
            response = english.get(path, follow_redirects=True)
            text = response.get_data(as_text=True)
            answered += response.status_code == 200
            shown = [secret for secret in SECRETS if secret in text]
            if rule.endpoint in ("public.signup_cancel", "public.signup_done"):
                # The person's own pages: at most their first name.
                assert shown == [], (path, shown)
            else:
                assert shown == [] and "Xenofont" not in text, (path, shown)
            checked += 1
    assert checked >= 25 and answered >= 25


def _transfer_size(client, path) -> int:
    response = client.get(path, headers={"Accept-Encoding": "gzip"})
    total = len(response.get_data())
    html = (gzip.decompress(response.get_data()) if response.headers.get("Content-Encoding") == "gzip"
            else response.get_data()).decode()
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html):
        with client.get(asset, headers={"Accept-Encoding": "gzip"}) as asset_response:
            total += len(asset_response.get_data())
    return total


def test_a_full_list_and_a_detail_page_stay_under_60_kb(client, site):
    listings = [an_event(site, days=3 + number, title=f"Atelier de teatru pentru copii și părinți {number}",
                         capacity=40, description_ro="Descriere lungă. " * 80) for number in range(25)]
    sizes = {path: _transfer_size(client, path) for path in
             ("/evenimente", f"/evenimente/{listings[0].id}", "/evenimente/arhiva")}
    assert all(size < 60 * 1024 for size in sizes.values()), sizes


def test_the_confirmation_page_shows_the_cancel_link_only_for_a_while(english, site, db_session, monkeypatch):
    """The next user of a shared school computer does not find the previous pupil's cancel link."""
    import time as clock_time

    listing = an_event(site)
    sign_up(english, listing, adult())
    assert english.get(f"/inscriere/confirmare/{listing.id}").status_code == 200
    later = clock_time.time() + 21 * 60
    monkeypatch.setattr("public_site.signups.time.time", lambda: later)
    response = english.get(f"/inscriere/confirmare/{listing.id}")
    assert response.status_code == 303 and "/inscriere/anulare/" not in response.get_data(as_text=True)
