"""A listing's page with its sign-up form, the confirmation page and the cancel link.

The form works as a plain POST with a 303 to the confirmation page; with htmx only the form block
is swapped (errors in place) and success navigates with HX-Redirect. The confirmation page finds the
sign-up through the cancel token kept in the browser's session, not in the address: on a shared
school computer the history then holds no link that cancels someone's place.
"""
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from sqlalchemy import select

from portal.db import utcnow
from portal.domain import clock
from portal.domain.errors import DomainError
from portal.domain.outbox.models import OutboxMessage
from portal.domain.volunteering.models import SignUp, SignUpStatus
from portal.domain.volunteering.services import (
    ListingView,
    SignUpInvalid,
    SignUpLimits,
    cancel,
    check_sign_up,
    closes_at,
    is_volunteering,
    note_attempt,
    public_listing,
    read_cancel_token,
    sign_up,
    starts_at,
)
from portal.extensions import db, htmx
from portal.domain.text import paragraphs
from portal.i18n import format_long_date, localized
from portal.mail import send_after_commit
from portal.partials import render_page
from public_site import bp
from public_site.links import PublicLinks
from public_site.listings import listing_url
from public_site.signup_forms import SignUpForm

DETAIL_TEMPLATE = "public_site/listing.html"
SIGNUPS_KEPT = 5  # sign-ups a browser remembers for their confirmation page (a parent signs up children)
SESSION_KEY = "signups"
CONFIRMATION_SHOWN_SECONDS = 20 * 60  # then the e-mail (or the link written down) is what remains


def load_listing(listing_id: int) -> ListingView:
    """A published listing of a public project, or 404."""
    view = public_listing(db.session, listing_id)
    if view is None:
        abort(404)
    return view


def wrong_section(view: ListingView, volunteering: bool, endpoints: tuple[str, str] = ("public.event",
                                                                                     "public.opportunity")):
    """An opportunity asked for under /evenimente (or the reverse): a permanent redirect to its place.
    `endpoints`: the (event, opportunity) pair of the page asked for."""
    if is_volunteering(view.listing) == volunteering:
        return None
    target = url_for(endpoints[is_volunteering(view.listing)], listing_id=view.listing.id)
    return redirect(target, code=301 if request.method in ("GET", "HEAD") else 308)


def closed_reason(view: ListingView, now: datetime) -> str | None:
    """Why nobody can sign up here any more, or None while the form is open."""
    listing, session = view.listing, view.session
    if session.is_cancelled:
        return _("This session has been cancelled.")
    if not listing.takes_signups:
        return _("No sign-up is needed for this session: just come.")
    if now >= starts_at(session):
        if session.date < now.astimezone(clock.TIMEZONE).date():
            return _("This session has already taken place.")
        return _("Sign-up for this session has closed.")
    if now >= closes_at(listing):
        return _("Sign-up closed on %(when)s.", when=format_long_date(closes_at(listing)))
    return None


def _detail_page(view: ListingView, form: SignUpForm, *, message: str | None = None, status: int = 200):
    now = utcnow()
    block = "signup_form" if request.method == "POST" else None
    return render_page(DETAIL_TEMPLATE, block, status_code=status, view=view, listing=view.listing,
                       session=view.session, project=view.project, form=form, message=message,
                       closed=closed_reason(view, now), description=paragraphs(localized(view.listing, "description")),
                       action=listing_url(view.listing))


def _remember(listing_id: int, token: str) -> None:
    """Keep the newest sign-ups' tokens, in order ("" for a robot's pretend sign-up), with the time:
    the confirmation page shows a cancel link only for a short while, not to the next user of a
    shared computer (the signed cookie is readable, so it holds nothing for long)."""
    now = int(time.time())
    kept = [[kept_id, token_, at] for kept_id, token_, at in _kept(now) if kept_id != listing_id]
    browser_session[SESSION_KEY] = [*kept, [listing_id, token, now]][-SIGNUPS_KEPT:]


def _kept(now: int) -> list[list]:
    kept = browser_session.get(SESSION_KEY)
    if not isinstance(kept, list):
        return []
    return [entry for entry in kept if isinstance(entry, list) and len(entry) == 3
            and isinstance(entry[2], int) and now - entry[2] < CONFIRMATION_SHOWN_SECONDS]


def _remembered() -> list[list]:
    """(listing id, token) of this browser's recent sign-ups."""
    return [[listing_id, token] for listing_id, token, _at in _kept(int(time.time()))]


def _to_confirmation(listing_id: int):
    target = url_for("public.signup_done", listing_id=listing_id)
    if htmx and not htmx.boosted:
        return "", 200, {"HX-Redirect": target}
    return redirect(target, code=303)


@dataclass
class Refusal:
    """Why the page comes back instead of the confirmation: a message at the top and the status."""

    message: str
    status: int


def _take_sign_up(view: ListingView, form: SignUpForm):
    """The POST: count the attempt, then sign up. Returns the response, or a Refusal."""
    try:
        note_attempt(db.session, request.remote_addr or "unknown", SignUpLimits.from_config(current_app.config))
    except DomainError as refused:
        return Refusal(str(refused.message), 429)
    db.session.commit()  # refused and invalid attempts count too: the page may answer 4xx and roll back
    if form.is_robot():
        # Looks like a sign-up to the robot; nothing is stored.
        _remember(view.listing.id, "")
        return _to_confirmation(view.listing.id)
    form.validate()
    data = form.sign_up_data()
    if form.has_errors():
        elsewhere = form.add_problems(check_sign_up(data, clock.today())[1])
        return Refusal(" ".join([_("Please correct the fields marked below."), *elsewhere]), 422)
    try:
        result = sign_up(db.session, view.listing, data, secret_key=current_app.secret_key, links=PublicLinks())
    except SignUpInvalid as invalid:
        elsewhere = form.add_problems(invalid.problems)
        return Refusal(" ".join([str(invalid.message), *elsewhere]), 422)
    except DomainError as refused:  # already signed up, closed
        return Refusal(str(refused.message), 422)
    send_after_commit()
    _remember(view.listing.id, result.token)
    return _to_confirmation(view.listing.id)


def _detail(listing_id: int, volunteering: bool):
    view = load_listing(listing_id)
    if (moved := wrong_section(view, volunteering)) is not None:
        return moved
    form = SignUpForm()
    if request.method == "POST":
        outcome = _take_sign_up(view, form)
        if isinstance(outcome, Refusal):
            return _detail_page(view, form, message=outcome.message, status=outcome.status)
        return outcome
    return _detail_page(view, form)


@bp.route("/voluntariat/<int:listing_id>", methods=["GET", "POST"])
def opportunity(listing_id: int):
    return _detail(listing_id, volunteering=True)


@bp.route("/evenimente/<int:listing_id>", methods=["GET", "POST"])
def event(listing_id: int):
    return _detail(listing_id, volunteering=False)


# After the sign-up --------------------------------------------------------------------------------

def _private(response):
    body, status = response if isinstance(response, tuple) else (response, 200)
    return body, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


@bp.get("/inscriere/confirmare/<int:listing_id>")
def signup_done(listing_id: int):
    view = load_listing(listing_id)
    token = next((token for kept_id, token in _remembered() if kept_id == listing_id), None)
    if token is None:
        return redirect(listing_url(view.listing), code=303)
    entry, emailed, queued = None, False, False
    if token:
        try:
            entry = read_cancel_token(db.session, current_app.secret_key, token)
        except DomainError:
            return redirect(listing_url(view.listing), code=303)
        queued = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.sign_up_id == entry.id).limit(1)) is not None
        # Without SMTP the message waits in the outbox for staff: the person must keep the link.
        emailed = queued and bool(current_app.config.get("MAIL_SERVER"))
    else:
        token = secrets.token_urlsafe(48)
    status = entry.status if entry is not None else SignUpStatus.confirmed
    return _private(render_page(
        "public_site/signup_done.html", view=view, listing=view.listing, session=view.session, entry=entry,
        status=status, emailed=emailed, queued=queued, first_name=entry.first_name if entry else "",
        cancel_url=url_for("public.signup_cancel", token=token, _external=True)))


@bp.route("/inscriere/anulare/<token>", methods=["GET", "POST"])
def signup_cancel(token: str):
    """What a cancel link cancels (GET), and the cancellation (POST); a second POST changes nothing."""
    try:
        entry = read_cancel_token(db.session, current_app.secret_key, token)
    except DomainError as refused:
        status = 410 if refused.code == "cancel_link_expired" else 400
        return _private(render_page("public_site/signup_cancel.html", entry=None, error=str(refused.message),
                                    status_code=status))
    if request.method == "POST":
        if entry.status == SignUpStatus.cancelled:
            flash(_("This sign-up was already cancelled."), "info")
        else:
            cancel(db.session, entry, links=PublicLinks(), secret_key=current_app.secret_key)
            send_after_commit()
            flash(_("Your sign-up has been cancelled. Thank you for telling us: the place can go to someone else."),
                  "success")
        return redirect(url_for("public.signup_cancel", token=token), code=303)
    return _private(render_page("public_site/signup_cancel.html", entry=entry, error=None,
                                listing=entry.listing, session=entry.listing.session,
                                public=_is_public(entry)))


def _is_public(entry: SignUp) -> bool:
    listing = entry.listing
    return listing.is_published and listing.session.activity.project.is_public
