"""One session's attendance: marking rows, everyone present, walk-ins, the paper sheet and its re-entry."""
from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.domain import clock
from portal.domain.activities import services as activities
from portal.domain.activities.models import AttendanceStatus
from portal.domain.errors import DomainError
from portal.domain.people.models import Person
from portal.domain.people.queries import search_people
from portal.extensions import db, htmx
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor
from portal.staff.permissions import ATTENDANCE_RECORD, VIEW_PROJECTS, can, requires
from portal.staff.session_forms import PaperForm
from portal.web import form_id
from portal.staff.sessions import session_or_404

MAX_BLANK_ROWS = 40


def _context(session, totals: activities.SheetTotals, today: date) -> dict:
    project_id = session.activity.project_id
    may_mark = (can(ATTENDANCE_RECORD, project_id=project_id) and not session.is_cancelled
                and session.date <= today and activities.can_mark(actor(), session, today))
    return {
        "session": session, "activity": session.activity, "project": session.activity.project, "totals": totals,
        "today": today, "may_mark": may_mark,
        "locked": activities.is_locked(session, today), "locked_since": activities.locked_since(session),
        # Built once per page, not once per row: a sheet has up to a few hundred rows.
        "mark_url": url_for("portal.attendance_mark", session_id=session.id),
        "AttendanceStatus": AttendanceStatus,
        "status_labels": {"present": _("Present"), "absent": _("Absent"), "excused": _("Excused"),
                          "": _("Not marked")},
    }


@bp.get("/sesiuni/<int:session_id>")
@requires(VIEW_PROJECTS)
def session_detail(session_id: int):
    session = session_or_404(session_id)
    today = clock.today()
    rows = activities.sheet_rows(db.session, session)
    text = request.args.get("q", "").strip()
    found = []
    if text and session.activity.allows_walk_ins:
        marked = {row.person.id for row in rows}
        found = [person for person in search_people(db.session, text=text, page=1).people[:20]
                 if person.id not in marked]
    return render_page("portal/activities/session.html", block="walk_in_results" if request.args.get(
        "partial") == "walk-in" else None, text=text, found=found, rows=rows,
        **_context(session, activities.sheet_totals(rows), today))


def _parse_mark(value: str) -> tuple[int, AttendanceStatus] | None:
    person_id, _sep, status = (value or "").partition(":")
    if form_id(person_id) is None or status not in AttendanceStatus._value2member_map_:
        return None
    return form_id(person_id), AttendanceStatus(status)


@bp.post("/sesiuni/<int:session_id>/prezenta")
@requires(ATTENDANCE_RECORD)
def attendance_mark(session_id: int):
    """One row: with htmx the row comes back (and the counts, out of band); without, the page."""
    session = session_or_404(session_id, ATTENDANCE_RECORD, facilitators=False)
    parsed = _parse_mark(request.form.get("mark", ""))
    if parsed is None:
        abort(400)
    person_id, status = parsed
    person = db.session.get(Person, person_id) or abort(404)
    today = clock.today()
    try:
        activities.mark(db.session, session, person, status, actor(), today=today)
    except DomainError as error:
        db.session.rollback()
        if htmx and not htmx.boosted:
            # The row stays as it was; only the message (out of band) is shown.
            body, status = render_page("portal/activities/session.html", block="mark_error",
                                       message=str(error.message), status_code=422,
                                       **_context(session, activities.SheetTotals({}, 0), today))
            return body, status, {"HX-Reswap": "none"}
        flash(str(error.message), "error")
        return redirect(url_for("portal.session_detail", session_id=session.id), code=303)
    if htmx and not htmx.boosted:
        db.session.flush()
        row, totals = activities.sheet_row(db.session, session, person.id)
        return render_page("portal/activities/session.html", block="mark_response", row=row,
                           **_context(session, totals, today))
    return redirect(url_for("portal.session_detail", session_id=session.id, _anchor=f"row-{person.id}"), code=303)


@bp.post("/sesiuni/<int:session_id>/toti-prezenti")
@requires(ATTENDANCE_RECORD)
def attendance_all_present(session_id: int):
    session = session_or_404(session_id, ATTENDANCE_RECORD)
    try:
        count = activities.mark_all_present(db.session, session, actor())
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(ngettext("%(num)d person marked present; rows already marked stay as they were.",
                       "%(num)d people marked present; rows already marked stay as they were.", count), "success")
    return redirect(url_for("portal.session_detail", session_id=session.id), code=303)


@bp.post("/sesiuni/<int:session_id>/ocazional")
@requires(ATTENDANCE_RECORD)
def attendance_walk_in(session_id: int):
    session = session_or_404(session_id, ATTENDANCE_RECORD)
    person_id = form_id(request.form.get("person_id"))
    person = db.session.get(Person, person_id) if person_id else None
    if person is None:
        abort(404)
    try:
        activities.mark(db.session, session, person, AttendanceStatus.present, actor(), walk_in=True)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s has been added as present.", name=person.full_name), "success")
    return redirect(url_for("portal.session_detail", session_id=session.id, _anchor=f"row-{person.id}"), code=303)


# Paper -------------------------------------------------------------------------------------------

@bp.get("/sesiuni/<int:session_id>/foaie")
@requires(VIEW_PROJECTS)
def attendance_sheet(session_id: int):
    """The A4 sheet people sign: print it from the browser (the print stylesheet lays it out)."""
    session = session_or_404(session_id)
    blank = min(max(request.args.get("randuri-goale", 5, type=int) or 0, 0), MAX_BLANK_ROWS)
    rows = activities.sheet_rows(db.session, session)
    return render_page("portal/activities/sheet.html", session=session, activity=session.activity,
                       project=session.activity.project, rows=rows, blank=blank,
                       sheet_code=activities.sheet_code(rows),
                       blank_numbers=range(len(rows) + 1, len(rows) + blank + 1), max_blank=MAX_BLANK_ROWS)


@bp.route("/sesiuni/<int:session_id>/din-foaie", methods=["GET", "POST"])
@requires(ATTENDANCE_RECORD)
def attendance_from_paper(session_id: int):
    """Type the numbers of the rows that signed; the page shows who becomes present and absent, then saves."""
    session = session_or_404(session_id, ATTENDANCE_RECORD)
    form = PaperForm()
    preview = None
    if form.validate_on_submit():
        apply = form.confirmed.data == "1" and form.previewed.data == form.numbers.data
        try:
            result = activities.record_from_paper(db.session, session, form.numbers.data, actor(), apply=apply)
        except DomainError as error:
            form.confirmed.data = ""
            form.numbers.errors = [*form.numbers.errors, str(error.message)]
        else:
            if apply:
                flash(_("Saved from the paper sheet: %(present)d present, %(absent)d absent or excused.",
                        present=len(result.present), absent=len(result.absent)), "success")
                return redirect(url_for("portal.session_detail", session_id=session.id), code=303)
            preview = result
            form.confirmed.data = "1"
            form.previewed.data = form.numbers.data
    rows = activities.sheet_rows(db.session, session)
    return render_page("portal/activities/paper.html", form=form, preview=preview, session=session,
                       activity=session.activity, rows=rows, sheet_code=activities.sheet_code(rows),
                       status_code=422 if form.errors else 200)


@bp.get("/sesiuni/<int:session_id>/istoric")
@requires(VIEW_PROJECTS)
def attendance_history(session_id: int):
    session = session_or_404(session_id)
    return render_page("portal/activities/history.html", session=session, activity=session.activity,
                       changes=activities.history(db.session, session))
