"""The list of who signed up for a public session, and what staff do about each of them.

Each row's buttons are small forms that work with JavaScript off (303 back to the row); with htmx the
list (counts and table) comes back in place, since a cancellation or a move changes other rows too.
"""
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.domain import clock
from portal.domain.activities.models import ActivitySession, Attendance, AttendanceStatus
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.people.services import age_on
from portal.domain.projects.models import Activity
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import PublicListing, SignUp, SignUpStatus
from portal.extensions import db, htmx
from portal.i18n import format_number, format_short_date
from portal.mail import send_after_commit
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor
from portal.staff.permissions import PUBLIC_PUBLISH, SIGNUPS_MANAGE, can, require_in_project, requires
from portal.staff.sessions import session_or_404
from portal.web import form_id
from public_site.links import PublicLinks
from public_site.listings import category_label

LIST_TEMPLATE = "portal/signups/list.html"


def message_services() -> dict:
    """What every sign-up service that writes messages needs from the web layer."""
    return {"links": PublicLinks(), "secret_key": current_app.secret_key}


# The sign-up list --------------------------------------------------------------------------------

@dataclass
class Row:
    entry: SignUp
    position: int  # within its group: the n-th confirmed, the n-th waiting
    age: int | None
    minor: bool
    mark: AttendanceStatus | None  # on the session's attendance, once linked to a person
    hours: object | None  # Decimal logged at this session


def _listing_or_404(session: ActivitySession) -> PublicListing:
    listing = volunteering.staff_listing(db.session, session.id)
    if listing is None:
        abort(404)
    return listing


def _list_context(session: ActivitySession, listing: PublicListing, today: date) -> dict:
    act = actor()
    entries = volunteering.staff_sign_ups(db.session, listing, act)
    person_ids = {entry.person_id for entry in entries if entry.person_id is not None}
    marks = dict(db.session.execute(select(Attendance.person_id, Attendance.status).where(
        Attendance.session_id == session.id, Attendance.person_id.in_(person_ids))).all()) if person_ids else {}
    is_volunteering = volunteering.is_volunteering(listing)
    hours = volunteering.hours_by_session(db.session, listing) if is_volunteering else {}
    rows, seen = [], {}
    for entry in entries:
        seen[entry.status] = seen.get(entry.status, 0) + 1
        age = age_on(entry.birth_date, today)
        rows.append(Row(entry=entry, position=seen[entry.status], age=age,
                        minor=entry.guardian_consent_at is not None or (age is not None and age < volunteering.ADULT_AGE),
                        mark=marks.get(entry.person_id), hours=hours.get(entry.person_id)))
    confirmed = seen.get(SignUpStatus.confirmed, 0)
    started = session.date <= today and not session.is_cancelled
    return {
        "session": session, "activity": session.activity, "project": session.activity.project, "listing": listing,
        "rows": rows, "confirmed": confirmed, "waitlisted": seen.get(SignUpStatus.waitlisted, 0),
        "cancelled": seen.get(SignUpStatus.cancelled, 0),
        "seats_left": None if listing.capacity is None else max(listing.capacity - confirmed, 0),
        "targets": volunteering.move_targets(db.session, listing, today),
        "is_volunteering": is_volunteering, "may_mark": started,
        "default_hours": format_number(volunteering.session_hours(session)),
        "category_label": category_label(listing.category), "Status": SignUpStatus, "today": today,
    }


@bp.get("/sesiuni/<int:session_id>/inscrieri")
@requires(SIGNUPS_MANAGE)
def signup_list(session_id: int):
    session = session_or_404(session_id, SIGNUPS_MANAGE, facilitators=False)
    listing = volunteering.staff_listing(db.session, session.id)
    if listing is None:
        return render_page(LIST_TEMPLATE, session=session, activity=session.activity,
                           project=session.activity.project, listing=None)
    record(db.session, actor(), AuditAction.view, None, f"sign-up list of session {session.id}")
    return render_page(LIST_TEMPLATE, **_list_context(session, listing, clock.today()))


def _entry_or_404(signup_id: int) -> SignUp:
    entry = db.session.scalar(select(SignUp).where(SignUp.id == signup_id).options(
        joinedload(SignUp.listing).joinedload(PublicListing.session).joinedload(ActivitySession.activity)
        .joinedload(Activity.project)))
    if entry is None or entry.erased_at is not None:
        abort(404)
    require_in_project(entry.listing.session.activity.project_id, SIGNUPS_MANAGE)
    return entry


def _answer(session_id: int, signup_id: int, *, notice: str = "", problem: str = ""):
    """The list again: in place for htmx, else a 303 back to the row with the message flashed."""
    if htmx and not htmx.boosted:
        session = session_or_404(session_id, SIGNUPS_MANAGE, facilitators=False)
        context = _list_context(session, _listing_or_404(session), clock.today())
        return render_page(LIST_TEMPLATE, block="signup_list", notice=notice, problem=problem,
                           status_code=422 if problem else 200, **context)
    flash(problem or notice, "error" if problem else "success")
    return redirect(url_for("portal.signup_list", session_id=session_id, _anchor=f"signup-{signup_id}"), code=303)


def _run(change) -> tuple[str, str]:
    """Do the change; (notice, "") when done, ("", why) when a rule said no (and nothing is kept)."""
    try:
        return change(), ""
    except DomainError as error:
        db.session.rollback()
        return "", str(error.message)


def _promoted_text(promoted: SignUp | None) -> str:
    if promoted is None:
        return ""
    return " " + _("%(name)s, the first on the waiting list, got the freed place.", name=promoted.full_name)


@bp.post("/inscrieri/<int:signup_id>/confirmare")
@requires(SIGNUPS_MANAGE)
def signup_confirm(signup_id: int):
    entry = _entry_or_404(signup_id)
    session_id = entry.listing.session_id

    def change() -> str:
        volunteering.confirm(db.session, entry, actor(), **message_services())
        send_after_commit()
        return _("%(name)s has a confirmed place.", name=entry.full_name)

    notice, problem = _run(change)
    return _answer(session_id, signup_id, notice=notice, problem=problem)


@bp.post("/inscrieri/<int:signup_id>/anulare")
@requires(SIGNUPS_MANAGE)
def signup_cancel(signup_id: int):
    entry = _entry_or_404(signup_id)
    session_id = entry.listing.session_id

    def change() -> str:
        promoted = volunteering.cancel(db.session, entry, actor=actor(), **message_services())
        send_after_commit()
        return _("The sign-up of %(name)s is cancelled.", name=entry.full_name) + _promoted_text(promoted)

    notice, problem = _run(change)
    return _answer(session_id, signup_id, notice=notice, problem=problem)


@bp.post("/inscrieri/<int:signup_id>/mutare")
@requires(SIGNUPS_MANAGE)
def signup_move(signup_id: int):
    entry = _entry_or_404(signup_id)
    session_id = entry.listing.session_id
    target_id = form_id(request.form.get("target_id"))
    target = db.session.get(PublicListing, target_id) if target_id else None

    def change() -> str:
        if target is None:
            raise DomainError(_("Choose the session to move to."), code="signup_move_target")
        promoted = volunteering.move(db.session, entry, target, actor(), **message_services())
        send_after_commit()
        where = f"{target.title_ro} ({format_short_date(target.session.date)})"
        text = (_("%(name)s moved to %(session)s, with a confirmed place.", name=entry.full_name, session=where)
                if entry.status == SignUpStatus.confirmed else
                _("%(name)s moved to %(session)s, on the waiting list there.", name=entry.full_name, session=where))
        return text + _promoted_text(promoted)

    notice, problem = _run(change)
    return _answer(session_id, signup_id, notice=notice, problem=problem)


@bp.post("/inscrieri/<int:signup_id>/prezenta")
@requires(SIGNUPS_MANAGE)
def signup_attendance(signup_id: int):
    entry = _entry_or_404(signup_id)
    session_id = entry.listing.session_id
    wanted = request.form.get("status", "")
    if wanted not in (AttendanceStatus.present.value, AttendanceStatus.absent.value):
        abort(400)

    def change() -> str:
        volunteering.record_attendance(db.session, entry, AttendanceStatus(wanted), actor())
        if wanted == AttendanceStatus.present.value:
            return _("%(name)s came: recorded on the attendance sheet.", name=entry.full_name)
        return _("%(name)s did not come: recorded on the attendance sheet.", name=entry.full_name)

    notice, problem = _run(change)
    return _answer(session_id, signup_id, notice=notice, problem=problem)


@bp.post("/inscrieri/<int:signup_id>/ore")
@requires(SIGNUPS_MANAGE)
def signup_hours(signup_id: int):
    entry = _entry_or_404(signup_id)
    session_id = entry.listing.session_id

    def change() -> str:
        if not volunteering.is_volunteering(entry.listing):
            raise DomainError(_("Volunteer hours are recorded for volunteering sessions."), code="hours_listing")
        hours = volunteering.parse_hours(request.form.get("hours", ""))
        volunteering.log_sign_up_hours(db.session, entry, hours, actor())
        return _("%(hours)s h of volunteering recorded for %(name)s, who is marked present.",
                 hours=format_number(hours), name=entry.full_name)

    notice, problem = _run(change)
    return _answer(session_id, signup_id, notice=notice, problem=problem)


@bp.post("/sesiuni/<int:session_id>/inscrieri/toti-au-venit")
@requires(SIGNUPS_MANAGE)
def signups_all_came(session_id: int):
    session = session_or_404(session_id, SIGNUPS_MANAGE, facilitators=False)
    listing = _listing_or_404(session)
    try:
        added = volunteering.confirmed_to_attendance(db.session, listing, actor())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(ngettext("%(num)d person marked present; those already on the sheet stay as they were.",
                       "%(num)d people marked present; those already on the sheet stay as they were.", added),
              "success")
    return redirect(url_for("portal.signup_list", session_id=session.id), code=303)


# The session page's line about the public site ----------------------------------------------------

@dataclass
class ListingSummary:
    listing: PublicListing | None
    confirmed: int = 0
    waitlisted: int = 0


@bp.app_context_processor
def _listing_helpers():
    def public_listing_summary(session: ActivitySession) -> ListingSummary | None:
        """For the session page: the session's public listing and its counts, when the user deals with them."""
        project_id = session.activity.project_id
        if not (can(SIGNUPS_MANAGE, project_id=project_id) or can(PUBLIC_PUBLISH, project_id=project_id)):
            return None
        listing = volunteering.staff_listing(db.session, session.id)
        if listing is None:
            return ListingSummary(None)
        return ListingSummary(listing, *volunteering.listing_counts(db.session, listing.id))

    return {"public_listing_summary": public_listing_summary}
