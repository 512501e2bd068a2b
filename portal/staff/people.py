"""The target-group register: search, register, the person page and what changes on it."""
import json
from datetime import date, timedelta
from typing import NamedTuple

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.domain import clock
from portal.domain.activities.services import AttendanceSummary, person_attendance_by_month
from portal.domain.audit import services as audit
from portal.domain.benefits import services as benefit_services
from portal.domain.benefits import shop
from portal.domain.benefits.models import BenefitLine
from portal.domain.casework import services as casework
from portal.domain.errors import DomainError
from portal.domain.people import services as people
from portal.domain.people.models import (
    SENSITIVE_SITUATIONS, SITUATIONS, Answer, Consent, ConsentGiver, ConsentKind, DocumentKind, Enrollment,
    ExitResult, LabourStatus, Person, RiskReason, Sex,
)
from portal.domain.people.queries import person_page, search_people
from portal.domain.projects.models import Project
from portal.domain.projects.services import visible_projects
from portal.extensions import db
from portal.i18n import format_short_date, localized
from portal.partials import render_page
from portal.staff import bp, labels
from portal.staff.people_forms import (
    AnswerForm, ConsentForm, EnrollmentForm, EraseForm, ExitForm, HouseholdForm, MergeForm, PersonForm,
    ReentryForm, WithdrawConsentForm,
)
from portal.staff.permissions import (
    AUDIT_VIEW, PEOPLE_EDIT, PEOPLE_ERASE, PEOPLE_EXPORT, PEOPLE_MERGE, PEOPLE_SENSITIVE, PEOPLE_VIEW, actor_for,
    PEOPLE_ENROLL, can, require_in_project, requires,
)

TEMPLATE_CONTEXT = {"labels": labels, "SITUATIONS": SITUATIONS, "SENSITIVE_SITUATIONS": SENSITIVE_SITUATIONS,
                    "DocumentKind": DocumentKind}


def actor():
    return actor_for(current_user, request.remote_addr or "")


def _person_or_404(person_id: int) -> Person:
    person = person_page(db.session, person_id)
    if person is None:
        abort(404)
    return person


def _editable_or_redirect(person: Person):
    """Merged and erased records are kept for history but no longer change."""
    if person.merged_into_id:
        flash(_("This record was merged into another one."), "warning")
        return redirect(url_for("portal.person_detail", person_id=person.merged_into_id), code=303)
    if person.erased_at:
        abort(404)
    return None


def _enrollment_or_404(person: Person, enrollment_id: int) -> Enrollment:
    """An enrolment changes only for someone who enrols people in its project."""
    enrollment = next((item for item in person.enrollments if item.id == enrollment_id), None)
    if enrollment is None:
        abort(404)
    require_in_project(enrollment.project_id, PEOPLE_ENROLL)
    return enrollment


def enrolling_projects() -> list[Project]:
    return [project for project in visible_projects(db.session, actor()) if can(PEOPLE_ENROLL, project_id=project.id)]


def show_error(form, error: DomainError) -> None:
    """Put a service's complaint on the field it names, or at the top of the page."""
    problems = error.problems if isinstance(error, people.InvalidData) else [people.Problem(error.field, error.message)]
    for problem in problems:
        field = getattr(form, problem.field or "", None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(problem.message)]
        else:
            flash(str(problem.message), "error")


def _person_data(form: PersonForm) -> people.PersonData:
    return people.PersonData(
        last_name=form.last_name.data or "", first_name=form.first_name.data or "", cnp=form.cnp.data or "",
        birth_date=form.birth_date.data, sex=Sex(form.sex.data) if form.sex.data else None,
        locality=form.locality.data or "", street=form.street.data or "", number=form.number.data or "",
        block=form.block.data or "", staircase=form.staircase.data or "", apartment=form.apartment.data or "",
        phone=form.phone.data or "", email=form.email.data or "")


# Search ------------------------------------------------------------------------------------------

@bp.get("/persoane")
@requires(PEOPLE_VIEW)
def people_list():
    args = request.args
    project_id = args.get("proiect", type=int)
    zone_id = args.get("zona", type=int)
    status = args.get("stare", "")
    text = args.get("q", "").strip()
    projects = visible_projects(db.session, actor())
    if project_id and project_id not in {project.id for project in projects}:
        abort(404)
    zones = [zone for project in projects for zone in project.zones]
    if zone_id and zone_id not in {zone.id for zone in zones}:
        abort(404)
    result = search_people(db.session, text=text, project_id=project_id, zone_id=zone_id, status=status,
                           page=args.get("pagina", 1, type=int) or 1)
    return render_page("portal/people/list.html", block="results", result=result, text=text, project_id=project_id,
                       zone_id=zone_id, status=status, projects=projects, zones=zones, **TEMPLATE_CONTEXT)


# Register and edit -------------------------------------------------------------------------------

@bp.route("/persoane/nou", methods=["GET", "POST"])
@requires(PEOPLE_EDIT)
def person_create():
    form = PersonForm()
    candidates = []
    if form.validate_on_submit():
        try:
            result = people.create_person(db.session, _person_data(form), actor(),
                                          confirm_new=form.confirm_new.data == "1")
        except people.PossibleDuplicates as duplicates:
            candidates = duplicates.candidates
            form.confirm_new.data = "1"
        except DomainError as error:
            show_error(form, error)
        else:
            if result.existing:
                flash(_("A person with this CNP is already registered: here is their record."), "info")
            else:
                flash(_("%(name)s has been registered with the code %(code)s.", name=result.person.full_name,
                        code=result.person.code), "success")
            return redirect(url_for("portal.person_detail", person_id=result.person.id), code=303)
    status = 422 if form.errors or candidates else 200
    return render_page("portal/people/form.html", form=form, person=None, candidates=candidates, status_code=status,
                       **TEMPLATE_CONTEXT)


@bp.route("/persoane/<int:person_id>/editare", methods=["GET", "POST"])
@requires(PEOPLE_EDIT)
def person_edit(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = PersonForm(obj=person if request.method == "GET" else None)
    if request.method == "GET":
        form.sex.data = person.sex.value if person.sex else ""
        form.cnp.data = person.cnp or ""
    if form.validate_on_submit():
        try:
            changed = people.update_person(db.session, person, _person_data(form), actor())
        except DomainError as error:
            show_error(form, error)
        else:
            if changed:
                flash(_("The changes have been saved."), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id), code=303)
    return render_page("portal/people/form.html", form=form, person=person, candidates=[],
                       status_code=422 if form.errors else 200, **TEMPLATE_CONTEXT)


# The person page ---------------------------------------------------------------------------------

class TimelineEvent(NamedTuple):
    day: date  # where it sorts
    when: str  # the date as shown
    machine: str  # the same for <time datetime>
    text: str


def _on(day: date, text: str) -> TimelineEvent:
    return TimelineEvent(day, format_short_date(day), day.isoformat(), text)


def _attendance_counts(summary: AttendanceSummary) -> str:
    parts = [ngettext("%(num)d present", "%(num)d present", summary.present)]
    if summary.absent:
        parts.append(ngettext("%(num)d absent", "%(num)d absent", summary.absent))
    if summary.excused:
        parts.append(ngettext("%(num)d excused", "%(num)d excused", summary.excused))
    return ", ".join(parts)


def _month_event(month: date, text: str) -> TimelineEvent:
    # A month sorts at its last day, above what else happened in it.
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return TimelineEvent(month_end, format_date(month, "LLLL yyyy"), month.strftime("%Y-%m"), text)


def _benefit_event(line: BenefitLine) -> TimelineEvent:
    """A benefit: on the day it was paid or handed over, or, while it is not, at the start of its period."""
    from portal.staff.benefits import benefit_amount, period_label

    values = {"benefit": localized(line.kind, "name"), "period": period_label(line),
              "amount": benefit_amount(line.quantity, line.kind.unit), "number": line.list_id}
    if line.paid_on:
        return _on(line.paid_on, _("%(benefit)s for %(period)s: %(amount)s paid or handed over (list no. %(number)d)",
                                   **values))
    return _on(line.benefit_list.period_start, _("%(benefit)s for %(period)s: %(amount)s on list no. %(number)d, "
                                                 "not yet paid", **values))


def _timeline(person: Person, services: list[casework.ServiceSummary] = (),
              attendance: list[AttendanceSummary] = (), benefit_lines: list[BenefitLine] = ()) -> list[TimelineEvent]:
    """What happened to the person, newest first, with services and attendance summed up per month
    (a child who comes every weekday, or a weekly home visit, would otherwise fill the page)."""
    events = []
    for enrollment in person.enrollments:
        for index, period in enumerate(enrollment.periods):
            events.append(_on(period.entry_date, _("Entered the target group of %(project)s",
                                                   project=enrollment.project.short_name)
                              if index == 0 else _("Re-entered the target group of %(project)s",
                                                   project=enrollment.project.short_name)))
            if period.exit_date:
                events.append(_on(period.exit_date, _("Left the target group of %(project)s: %(result)s",
                                                      project=enrollment.project.short_name,
                                                      result=labels.EXIT_RESULT[period.exit_result])))
    for consent in person.consents:
        events.append(_on(consent.given_on, _("Consent given: %(kind)s", kind=labels.CONSENT_KIND[consent.kind])))
        if consent.withdrawn_on:
            events.append(_on(consent.withdrawn_on, _("Consent withdrawn: %(kind)s",
                                                      kind=labels.CONSENT_KIND[consent.kind])))
    for summary in services:
        events.append(_month_event(summary.month, ngettext(
            "%(num)d service: %(type)s (%(activity)s)", "%(num)d services: %(type)s (%(activity)s)", summary.count,
            type=localized(summary.service_type, "name"),
            activity=f"{summary.activity.code} {localized(summary.activity, 'name')}")))
    for summary in attendance:
        events.append(_month_event(summary.month, _(
            "Attendance at %(activity)s: %(counts)s",
            activity=f"{summary.activity.code} {localized(summary.activity, 'name')}",
            counts=_attendance_counts(summary))))
    events.extend(_benefit_event(line) for line in benefit_lines)
    return sorted(events, key=lambda event: event.day, reverse=True)


LATEST_SERVICES = 20


def _render_person(person: Person, status: int = 200, **forms):
    today = clock.today()
    acting = actor()
    page, _has_next, total = casework.list_services(db.session, acting, casework.ServiceFilter(person_id=person.id))
    latest = page[:LATEST_SERVICES]
    services = casework.person_services_by_month(db.session, person.id, acting.project_ids)
    attendance = [summary for summary in person_attendance_by_month(db.session, person.id)
                  if acting.sees_project(summary.activity.project_id)]
    benefit_lines = benefit_services.person_benefits(db.session, person.id, acting.project_ids)
    context = {
        "person": person, "timeline": _timeline(person, services, attendance, benefit_lines), "today": today,
        "benefit_lines": benefit_lines,
        "shop_balances": shop.person_balances(db.session, person.id, acting.project_ids),
        "show_sensitive": can(PEOPLE_SENSITIVE),
        "services": latest, "services_total": total,
        "readable_notes": {service.id for service in latest if casework.can_read_notes(acting, service)},
        "editable_services": {service.id for service in latest if casework.can_edit(acting, service)},
        "consent_form": ConsentForm(formdata=None, given_on=today),
        "withdraw_form": WithdrawConsentForm(formdata=None, withdrawn_on=today),
        # One exit or re-entry form per enrollment, each with its own field ids.
        "exit_forms": {enrollment.id: ExitForm(formdata=None, prefix=f"exit{enrollment.id}", exit_date=today)
                       for enrollment in person.enrollments},
        "reentry_forms": {enrollment.id: ReentryForm(formdata=None, prefix=f"reentry{enrollment.id}",
                                                     entry_date=today) for enrollment in person.enrollments},
        "answer_form": AnswerForm(formdata=None, answered_on=today),
        "household_form": HouseholdForm(formdata=None),
        "action_form": FlaskForm(formdata=None),
        "missing_data_consent": not people.has_consent(person, ConsentKind.data_processing),
    }
    for name, failed in forms.items():
        if name in ("exit_form", "reentry_form"):
            context[name + "s"][failed.enrollment_id] = failed
        else:
            context[name] = failed
    return render_page("portal/people/detail.html", status_code=status, **context, **TEMPLATE_CONTEXT)


@bp.get("/persoane/<int:person_id>")
@requires(PEOPLE_VIEW)
def person_detail(person_id: int):
    person = _person_or_404(person_id)
    if person.merged_into_id:
        return redirect(url_for("portal.person_detail", person_id=person.merged_into_id), code=303)
    if person.erased_at:
        abort(404)
    audit.record(db.session, actor(), audit.AuditAction.view, person.id)
    return _render_person(person)


# Consent -----------------------------------------------------------------------------------------

@bp.post("/persoane/<int:person_id>/consimtaminte")
@requires(PEOPLE_EDIT)
def consent_create(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            people.record_consent(db.session, person, actor(), kind=ConsentKind(form.kind.data),
                                  given_by=ConsentGiver(form.given_by.data), given_on=form.given_on.data,
                                  guardian_name=form.guardian_name.data or "", document_ref=form.document_ref.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The consent has been recorded."), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="consimtaminte"), code=303)
    db.session.rollback()
    return _render_person(_person_or_404(person_id), status=422, consent_form=form)


@bp.post("/persoane/<int:person_id>/consimtaminte/<int:consent_id>/retragere")
@requires(PEOPLE_EDIT)
def consent_withdraw(person_id: int, consent_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.person_id != person.id:
        abort(404)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        try:
            people.withdraw_consent(db.session, consent, actor(), form.withdrawn_on.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The withdrawal of the consent has been recorded."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(message) for message in errors), "error")
    return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="consimtaminte"), code=303)


# Enrollment --------------------------------------------------------------------------------------

def _entry_data(form: EnrollmentForm) -> people.EntryData:
    answers = {name: Answer(getattr(form, f"situation_{name}").data or Answer.not_asked.value) for name in SITUATIONS}
    return people.EntryData(
        zone_id=int(form.zone_id.data), entry_date=form.entry_date.data, risk_reason=RiskReason(form.risk_reason.data),
        risk_details=form.risk_details.data or "", labour_status=LabourStatus(form.labour_status.data),
        isced_level=int(form.isced_level.data) if form.isced_level.data not in (None, "") else None, answers=answers)


@bp.route("/persoane/<int:person_id>/inscriere", methods=["GET", "POST"])
@requires(PEOPLE_EDIT)
def enrollment_create(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = EnrollmentForm()
    form.set_projects(enrolling_projects())
    if request.method == "GET":
        form.entry_date.data = clock.today()
    if form.validate_on_submit():
        project = db.session.get(Project, int(form.project_id.data))
        require_in_project(project.id, PEOPLE_ENROLL)
        try:
            people.enroll(db.session, person, project, _entry_data(form), actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s is now in the target group of %(project)s.", name=person.full_name,
                    project=project.short_name), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id), code=303)
    return render_page("portal/people/enroll.html", form=form, person=person, show_sensitive=can(PEOPLE_SENSITIVE),
                       status_code=422 if form.errors or request.method == "POST" else 200, **TEMPLATE_CONTEXT)


@bp.post("/persoane/<int:person_id>/inscrieri/<int:enrollment_id>/iesire")
@requires(PEOPLE_EDIT)
def enrollment_exit(person_id: int, enrollment_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    enrollment = _enrollment_or_404(person, enrollment_id)
    form = ExitForm(prefix=f"exit{enrollment.id}")
    form.enrollment_id = enrollment.id
    if form.validate_on_submit():
        try:
            people.exit_enrollment(db.session, enrollment, actor(), exit_date=form.exit_date.data,
                                   result=ExitResult(form.result.data), notes=form.notes.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The exit from the target group has been recorded."), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id), code=303)
    db.session.rollback()
    return _render_person(_person_or_404(person_id), status=422, exit_form=form)


@bp.post("/persoane/<int:person_id>/inscrieri/<int:enrollment_id>/reintrare")
@requires(PEOPLE_EDIT)
def enrollment_reenter(person_id: int, enrollment_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    enrollment = _enrollment_or_404(person, enrollment_id)
    form = ReentryForm(prefix=f"reentry{enrollment.id}")
    form.enrollment_id = enrollment.id
    if form.validate_on_submit():
        try:
            people.reenter(db.session, enrollment, form.entry_date.data, actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The re-entry has been recorded; the person is still counted once."), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id), code=303)
    db.session.rollback()
    return _render_person(_person_or_404(person_id), status=422, reentry_form=form)


@bp.post("/persoane/<int:person_id>/inscrieri/<int:enrollment_id>/raspuns")
@requires(PEOPLE_EDIT)
def enrollment_answer(person_id: int, enrollment_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    enrollment = _enrollment_or_404(person, enrollment_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            people.set_answer(db.session, enrollment, actor(), form.situation.data, Answer(form.answer.data),
                              form.answered_on.data)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            flash(_("The answer has been recorded."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(message) for message in errors), "error")
    return redirect(url_for("portal.person_detail", person_id=person.id), code=303)


@bp.post("/persoane/<int:person_id>/inscrieri/<int:enrollment_id>/dosar")
@requires(PEOPLE_EDIT)
def dossier_update(person_id: int, enrollment_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    enrollment = _enrollment_or_404(person, enrollment_id)
    present = set(request.form.getlist("documents"))
    for kind in DocumentKind:
        people.set_document(db.session, enrollment, actor(), kind, kind.value in present)
    flash(_("The dossier has been saved."), "success")
    return redirect(url_for("portal.person_detail", person_id=person.id, _anchor=f"dosar-{enrollment.id}"), code=303)


# Household ---------------------------------------------------------------------------------------

@bp.post("/persoane/<int:person_id>/gospodarie")
@requires(PEOPLE_EDIT)
def household_join(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = HouseholdForm()
    if form.validate_on_submit():
        code = form.member_code.data.strip().upper()
        other = db.session.scalar(select(Person).where(Person.code == code, Person.merged_into_id.is_(None),
                                                       Person.erased_at.is_(None)))
        if other is None or other.id == person.id:
            form.member_code.errors = [_("No other person has this code.")]
        else:
            people.join_household(db.session, person, other, actor())
            flash(_("%(name)s is now in the same household as %(other)s.", name=person.full_name,
                    other=other.full_name), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="gospodarie"), code=303)
    db.session.rollback()
    return _render_person(_person_or_404(person_id), status=422, household_form=form)


@bp.post("/persoane/<int:person_id>/gospodarie/iesire")
@requires(PEOPLE_EDIT)
def household_leave(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    people.leave_household(db.session, person, actor())
    flash(_("%(name)s is no longer in a household.", name=person.full_name), "success")
    return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="gospodarie"), code=303)


# Merge, data export, erasure, audit ---------------------------------------------------------------

@bp.route("/persoane/<int:person_id>/unire", methods=["GET", "POST"])
@requires(PEOPLE_MERGE)
def person_merge(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = MergeForm()
    other = None
    if form.validate_on_submit():
        code = form.other_code.data.strip().upper()
        other = db.session.scalar(select(Person).where(Person.code == code))
        if other is None or other.id == person.id or not other.is_active_record:
            form.other_code.errors = [_("No other active record has this code.")]
            other = None
        elif form.confirmed.data == "1":
            try:
                people.merge_persons(db.session, person, other, actor())
            except DomainError as error:
                show_error(form, error)
            else:
                flash(_("The record %(other)s has been merged into %(code)s.", other=other.code, code=person.code),
                      "success")
                return redirect(url_for("portal.person_detail", person_id=person.id), code=303)
        else:
            form.confirmed.data = "1"
    status = 422 if form.errors else 200
    return render_page("portal/people/merge.html", form=form, person=person, other=other, status_code=status,
                       **TEMPLATE_CONTEXT)


@bp.get("/persoane/<int:person_id>/date-personale")
@requires(PEOPLE_EXPORT)
def person_data(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    exported = people.export_person(db.session, person, actor())
    if request.args.get("format") == "json":
        body = json.dumps(exported, ensure_ascii=False, indent=2)
        return Response(body, mimetype="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{person.code}.json"'})
    return render_page("portal/people/data.html", person=person, exported=exported, **TEMPLATE_CONTEXT)


@bp.route("/persoane/<int:person_id>/stergere", methods=["GET", "POST"])
@requires(PEOPLE_ERASE)
def person_erase(person_id: int):
    person = _person_or_404(person_id)
    if (stop := _editable_or_redirect(person)) is not None:
        return stop
    form = EraseForm()
    if form.validate_on_submit():
        if form.confirm_code.data.strip().upper() != person.code:
            form.confirm_code.errors = [_("The code does not match this person's code.")]
        else:
            people.erase_person(db.session, person, actor())
            flash(_("The personal data of %(code)s has been erased. Counts and attendance stay, without a name.",
                    code=person.code), "success")
            return redirect(url_for("portal.people_list"), code=303)
    return render_page("portal/people/erase.html", form=form, person=person, status_code=422 if form.errors else 200,
                       **TEMPLATE_CONTEXT)


@bp.get("/persoane/<int:person_id>/jurnal")
@requires(AUDIT_VIEW)
def person_audit(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    entries = audit.entries_for_person(db.session, person.id, page=page)
    return render_page("portal/people/audit.html", subject=person.code, person=person, user=None, entries=entries,
                       page=page, **TEMPLATE_CONTEXT)


@bp.get("/utilizatori/<int:user_id>/jurnal")
@requires(AUDIT_VIEW)
def user_audit(user_id: int):
    from portal.domain.accounts.models import User

    user = db.session.get(User, user_id) or abort(404)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    entries = audit.entries_for_user(db.session, user.id, page=page)
    return render_page("portal/people/audit.html", subject=user.full_name, person=None, user=user, entries=entries,
                       page=page, **TEMPLATE_CONTEXT)
