"""Calendar files (RFC 5545, made with icalendar): the feed of every public listing and one file per
listing for "add to calendar". Only what the public pages show: no one who signed up."""
from datetime import date, datetime, timedelta

from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event, vDuration

from portal.db import utcnow
from portal.domain import clock
from portal.domain.volunteering.services import ListingView, calendar_listings
from portal.extensions import db
from public_site import bp
from public_site.links import listing_endpoint
from public_site.signups import load_listing, wrong_section

ICS_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE_SECONDS = 900


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Comunitar//public listings//RO")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Bucharest")
    return calendar


def _event(view: ListingView, host: str, stamp: datetime) -> Event:
    listing, session = view.listing, view.session
    url = url_for(listing_endpoint(listing), listing_id=listing.id, _external=True)
    event = Event()
    event.add("uid", f"listing-{listing.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("last-modified", listing.updated_at or stamp)
    event.add("dtstart", datetime.combine(session.date, session.start_time, tzinfo=clock.TIMEZONE))
    event.add("dtend", datetime.combine(session.date, session.end_time, tzinfo=clock.TIMEZONE))
    event.add("summary", listing.title_ro)
    if session.place:
        event.add("location", session.place)
    description = "\n\n".join(part for part in (listing.description_ro, view.project.short_name, url) if part)
    event.add("description", description)
    event.add("url", url)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _host() -> str:
    return request.host.split(":")[0] or "comunitar"


def _ics(calendar: Calendar, filename: str | None = None) -> Response:
    # The time zone's rules only for the years the events span: a short VTIMEZONE, not 1970-2038.
    days = [event.decoded("dtstart").date() for event in calendar.walk("VEVENT")] or [clock.today()]
    calendar.add_missing_timezones(first_date=date(min(days).year, 1, 1), last_date=date(max(days).year + 1, 1, 1))
    response = Response(calendar.to_ical(), content_type=ICS_TYPE)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = f"public, max-age={FEED_CACHE_SECONDS}"
    return response


@bp.get("/evenimente.ics")
def calendar_feed():
    """Every published listing, from three months back on: a calendar people can subscribe to."""
    stamp = utcnow()
    calendar = _calendar(_("%(name)s: volunteering and events", name=current_app.config["ORGANISATION_NAME"]))
    calendar.add("refresh-interval", vDuration(timedelta(hours=6)), parameters={"VALUE": "DURATION"})
    host = _host()
    for view in calendar_listings(db.session):
        calendar.add_component(_event(view, host, stamp))
    return _ics(calendar)


def _one(listing_id: int, volunteering: bool):
    view = load_listing(listing_id)
    if (moved := wrong_section(view, volunteering, ("public.event_ics", "public.opportunity_ics"))) is not None:
        return moved
    calendar = _calendar(view.listing.title_ro)
    calendar.add_component(_event(view, _host(), utcnow()))
    prefix = "voluntariat" if volunteering else "eveniment"
    return _ics(calendar, f"{prefix}-{listing_id}.ics")


@bp.get("/voluntariat/<int:listing_id>.ics")
def opportunity_ics(listing_id: int):
    return _one(listing_id, volunteering=True)


@bp.get("/evenimente/<int:listing_id>.ics")
def event_ics(listing_id: int):
    return _one(listing_id, volunteering=False)
