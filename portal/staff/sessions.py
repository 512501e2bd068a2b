"""An activity's sessions, planning them, the roster, and each staff member's sessions."""
from datetime import timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.domain import clock
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, RosterEntry
from portal.domain.errors import DomainError
from portal.domain.people.models import Person
from portal.domain.people.queries import search_people
from portal.domain.projects.models import Activity
from portal.domain.projects.services import ACTIVITIES_MANAGE, project_staff
from portal.domain.volunteering import services as volunteering
from portal.extensions import db
from portal.mail import send_after_commit
from portal.partials import render_page
from portal.staff import bp, labels
from portal.staff.people import actor, show_error
from portal.staff.permissions import VIEW_PROJECTS, can, require_in_project, requires
from portal.web import form_id
from public_site.links import PublicLinks
from portal.staff.people_forms import parse_date
from portal.staff.session_forms import RosterAddForm, RosterLeaveForm, SessionEditForm, SessionForm


def activity_or_404(activity_id: int, permission: str = VIEW_PROJECTS) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    require_in_project(activity.project_id, permission)
    return activity


def session_or_404(session_id: int, permission: str = VIEW_PROJECTS, *, facilitators: bool = True) -> ActivitySession:
    session = activities.load_session(db.session, session_id, facilitators=facilitators)
    if session is None:
        abort(404)
    require_in_project(session.activity.project_id, permission)
    return session


# The activity page -------------------------------------------------------------------------------

@bp.get("/activitati/<int:activity_id>")
@requires(VIEW_PROJECTS)
def activity_detail(activity_id: int):
    activity = activity_or_404(activity_id)
    past = request.args.get("trecute") == "1"
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    lines, has_next = ([], False)
    if activity.kind in activities.SESSION_KINDS:
        lines, has_next = activities.activity_sessions(db.session, activity, upcoming=not past, today=clock.today(),
                                                       page=page)
    roster_size = db.session.scalar(select(func.count()).select_from(RosterEntry).where(
        RosterEntry.activity_id == activity.id, RosterEntry.left_on.is_(None)))
    return render_page("portal/activities/detail.html", activity=activity, lines=lines, has_next=has_next,
                       page=page, past=past, roster_size=roster_size, labels=labels,
                       takes_sessions=activity.kind in activities.SESSION_KINDS)


# Planning ----------------------------------------------------------------------------------------

def _facilitator_choices(form, activity: Activity) -> None:
    form.facilitator_ids.choices = [(user.id, user.full_name) for user in project_staff(db.session, activity.project_id)]


def _plan(form) -> activities.SessionPlan:
    return activities.SessionPlan(start_time=form.start_time.data, end_time=form.end_time.data,
                                  place=form.place.data or "", capacity=form.capacity.data,
                                  topic=form.topic.data or "", facilitator_ids=list(form.facilitator_ids.data or []))


@bp.route("/activitati/<int:activity_id>/sesiuni/nou", methods=["GET", "POST"])
@requires(ACTIVITIES_MANAGE)
def session_create(activity_id: int):
    activity = activity_or_404(activity_id, ACTIVITIES_MANAGE)
    form = SessionForm()
    _facilitator_choices(form, activity)
    if request.method == "GET":
        form.date.data = clock.today()
        form.facilitator_ids.data = [current_user.id] if any(
            user_id == current_user.id for user_id, _label in form.facilitator_ids.choices) else []
    if form.validate_on_submit():
        skipped, bad = activities.parse_dates(form.skipped.data)
        if bad:
            form.skipped.errors = [_("Not dates: %(bad)s. Write them as dd.mm.yyyy.", bad=", ".join(bad))]
        else:
            repeat = None
            if form.repeat.data == "weekly":
                repeat = activities.Repeat(first_date=form.first_date.data, last_date=form.last_date.data,
                                           weekdays={int(day) for day in form.weekdays.data or []}, skipped=skipped)
            try:
                created = activities.create_sessions(db.session, activity, _plan(form), actor(),
                                                     on=form.date.data, repeat=repeat)
            except DomainError as error:
                show_error(form, error)
            else:
                if len(created) == 1:
                    flash(_("The session of %(day)s has been planned.", day=created[0].date.strftime("%d.%m.%Y")),
                          "success")
                else:
                    flash(_("%(count)d sessions have been planned, from %(first)s to %(last)s.", count=len(created),
                            first=created[0].date.strftime("%d.%m.%Y"), last=created[-1].date.strftime("%d.%m.%Y")),
                          "success")
                return redirect(url_for("portal.activity_detail", activity_id=activity.id), code=303)
    return render_page("portal/activities/session_form.html", form=form, activity=activity, session=None,
                       status_code=422 if form.errors or request.method == "POST" else 200)


@bp.route("/sesiuni/<int:session_id>/editare", methods=["GET", "POST"])
@requires(ACTIVITIES_MANAGE)
def session_edit(session_id: int):
    session = session_or_404(session_id, ACTIVITIES_MANAGE)
    form = SessionEditForm(obj=session if request.method == "GET" else None)
    _facilitator_choices(form, session.activity)
    if request.method == "GET":
        form.facilitator_ids.data = [user.id for user in session.facilitators]
    if form.validate_on_submit():
        before = (session.date, session.start_time, session.end_time, session.place)
        try:
            activities.update_session(db.session, session, _plan(form), form.date.data, actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The session has been saved."), "success")
            if before != (session.date, session.start_time, session.end_time, session.place) and \
                    volunteering.tell_session_changed(db.session, session, PublicLinks(), current_app.secret_key,
                                                      moved=True):
                send_after_commit()
                flash(_("The people signed up on the public site get a message where they gave an e-mail address."),
                      "success")
            return redirect(url_for("portal.session_detail", session_id=session.id), code=303)
    return render_page("portal/activities/session_form.html", form=form, activity=session.activity, session=session,
                       status_code=422 if form.errors or request.method == "POST" else 200)


@bp.post("/sesiuni/<int:session_id>/anulare")
@requires(ACTIVITIES_MANAGE)
def session_cancel(session_id: int):
    session = session_or_404(session_id, ACTIVITIES_MANAGE)
    cancelled = request.form.get("cancelled", "1") == "1"
    try:
        activities.cancel_session(db.session, session, actor(), cancelled=cancelled)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("The session has been cancelled.") if cancelled else _("The session takes place again."), "success")
        if volunteering.tell_session_changed(db.session, session, PublicLinks(), current_app.secret_key):
            send_after_commit()
            flash(_("The people signed up on the public site get a message where they gave an e-mail address."),
                  "success")
    return redirect(url_for("portal.session_detail", session_id=session.id), code=303)


# My sessions -------------------------------------------------------------------------------------

@bp.get("/sesiunile-mele")
@requires(VIEW_PROJECTS)
def my_sessions():
    period = request.args.get("perioada", "azi")
    today = clock.today()
    if period == "saptamana":
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=6)
    else:
        period, first, last = "azi", today, today
    lines = activities.my_sessions(db.session, current_user.id, first, last, project_ids=actor().project_ids)
    return render_page("portal/activities/my_sessions.html", lines=lines, period=period, first=first, last=last,
                       today=today)


# The roster --------------------------------------------------------------------------------------

@bp.get("/activitati/<int:activity_id>/participanti")
@requires(VIEW_PROJECTS)
def roster(activity_id: int):
    activity = activity_or_404(activity_id)
    return _render_roster(activity)


def _render_roster(activity: Activity, status: int = 200, add_form=None):
    text = request.values.get("q", "").strip()
    found = []
    may_manage = can(ACTIVITIES_MANAGE, project_id=activity.project_id)
    if text and may_manage:
        result = search_people(db.session, text=text, project_id=activity.project_id, status="active", page=1)
        on_list = set(db.session.scalars(select(RosterEntry.person_id).where(
            RosterEntry.activity_id == activity.id, RosterEntry.left_on.is_(None))))
        found = [(person, person.id in on_list) for person in result.people[:20]]
    entries = activities.roster(db.session, activity, include_left=request.args.get("toti") == "1")
    if add_form is None:
        # "On the list from" travels with the search, so a child added late can join from an earlier day.
        add_form = RosterAddForm(formdata=None, joined_on=clock.today())
        try:
            add_form.joined_on.data = parse_date(request.values.get("din", "")) or clock.today()
        except ValueError:
            add_form.joined_on.errors = [_("Write the date as dd.mm.yyyy, for example 24.11.2026.")]
    return render_page("portal/activities/roster.html", block="found" if request.args.get("partial") == "found" else None,
                       activity=activity, entries=entries, text=text, found=found, may_manage=may_manage,
                       add_form=add_form,
                       leave_form=RosterLeaveForm(formdata=None, left_on=clock.today()),
                       show_left=request.args.get("toti") == "1", status_code=status)


@bp.post("/activitati/<int:activity_id>/participanti")
@requires(ACTIVITIES_MANAGE)
def roster_add(activity_id: int):
    activity = activity_or_404(activity_id, ACTIVITIES_MANAGE)
    form = RosterAddForm()
    if form.validate_on_submit():
        person_id = form_id(form.person_id.data)
        person = db.session.get(Person, person_id) if person_id else None
        if person is None:
            abort(404)
        try:
            activities.add_to_roster(db.session, activity, person, form.joined_on.data, actor())
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("%(name)s is now on the list of %(activity)s.", name=person.full_name, activity=activity.code),
                  "success")
            return redirect(url_for("portal.roster", activity_id=activity.id, q=request.form.get("q", ""),
                                    din=form.joined_on.data.strftime("%d.%m.%Y")), code=303)
    db.session.rollback()
    return _render_roster(activity, status=422, add_form=form)


@bp.post("/activitati/<int:activity_id>/participanti/<int:entry_id>/iesire")
@requires(ACTIVITIES_MANAGE)
def roster_leave(activity_id: int, entry_id: int):
    activity = activity_or_404(activity_id, ACTIVITIES_MANAGE)
    entry = db.session.get(RosterEntry, entry_id)
    if entry is None or entry.activity_id != activity.id:
        abort(404)
    form = RosterLeaveForm()
    if form.validate_on_submit():
        activities.remove_from_roster(db.session, entry, form.left_on.data, actor(), activity)
        flash(_("%(name)s leaves the list on %(day)s; earlier sheets keep them.", name=entry.person.full_name,
                day=entry.left_on.strftime("%d.%m.%Y")), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(message) for message in errors), "error")
    return redirect(url_for("portal.roster", activity_id=activity.id), code=303)

