"""A person's volunteering: hours per project, hours for other tasks, and the printable volunteer certificate
("adeverință de voluntariat", Law 78/2014). Only the projects where the user manages sign-ups count."""
from dataclasses import dataclass
from decimal import Decimal

from flask import abort, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.domain import clock
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.people.models import Person
from portal.domain.projects.models import Project
from portal.domain.projects.services import visible_projects
from portal.domain.volunteering import services as volunteering
from portal.domain.volunteering.models import VolunteerCertificate, VolunteerHours
from portal.extensions import db
from portal.i18n import format_number
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor, show_error
from portal.staff.permissions import SIGNUPS_MANAGE, can, require_in_project, requires
from portal.staff.signup_forms import CertificateForm, HoursForm

# The law's own name, as cited in Romanian documents.
LAW = "Legea nr. 78/2014 privind reglementarea activității de voluntariat în România"
CERTIFICATE_LOCALE = "ro"


def managed_project_ids(act: Actor) -> set[int] | None:
    """The projects where the actor manages volunteers; None for every project."""
    if SIGNUPS_MANAGE in act.everywhere:
        return None
    return {project_id for project_id, rights in act.project_permissions.items() if SIGNUPS_MANAGE in rights}


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        abort(404)
    return person


def _project_choices(form, act: Actor) -> list[Project]:
    projects = [project for project in visible_projects(db.session, act) if act.can_in(project.id, SIGNUPS_MANAGE)]
    form.project_id.choices = [(project.id, f"{project.short_name} ({project.code})") for project in projects]
    return projects


@dataclass
class ProjectHours:
    project: Project
    total: Decimal
    entries: list[VolunteerHours]


def _render(person: Person, *, hours_form: HoursForm | None = None, certificate_form: CertificateForm | None = None,
            status: int = 200):
    act = actor()
    today = clock.today()
    ids = managed_project_ids(act)
    by_project: dict[int, ProjectHours] = {}
    for entry in volunteering.person_hours(db.session, person.id, ids):
        group = by_project.setdefault(entry.project_id, ProjectHours(entry.project, Decimal("0"), []))
        group.total += entry.hours
        group.entries.append(entry)
    hours_form = hours_form or HoursForm(formdata=None, prefix="ore", day=today)
    certificate_form = certificate_form or CertificateForm(formdata=None, prefix="adeverinta", last_day=today)
    projects = _project_choices(hours_form, act)
    _project_choices(certificate_form, act)
    if len(projects) == 1 and hours_form.project_id.data is None:
        hours_form.project_id.data = certificate_form.project_id.data = projects[0].id
    if certificate_form.first_day.data is None and not certificate_form.first_day.errors:
        certificate_form.first_day.data = min((entry.day for group in by_project.values() for entry in group.entries),
                                              default=today)
    record(db.session, act, AuditAction.view, person.id, "volunteering")
    return render_page("portal/volunteers/person.html", person=person, groups=list(by_project.values()),
                       total=sum((group.total for group in by_project.values()), Decimal("0")),
                       certificates=volunteering.certificates(db.session, person.id, ids),
                       hours_form=hours_form, certificate_form=certificate_form,
                       status_code=status)


@bp.get("/persoane/<int:person_id>/voluntariat")
@requires(SIGNUPS_MANAGE)
def volunteering_page(person_id: int):
    person = _person_or_404(person_id)
    if person.merged_into_id:
        return redirect(url_for("portal.volunteering_page", person_id=person.merged_into_id), code=303)
    return _render(person)


def _project_or_error(form, project_id: int | None) -> Project | None:
    project = db.session.get(Project, project_id) if project_id else None
    if project is None or not actor().can_in(project.id, SIGNUPS_MANAGE):
        form.project_id.errors = [*form.project_id.errors, _("Choose one of your projects.")]
        return None
    return project


@bp.post("/persoane/<int:person_id>/voluntariat/ore")
@requires(SIGNUPS_MANAGE)
def volunteer_hours_add(person_id: int):
    person = _person_or_404(person_id)
    form = HoursForm(prefix="ore")
    _project_choices(form, actor())
    if form.validate_on_submit() and (project := _project_or_error(form, form.project_id.data)) is not None:
        try:
            hours = volunteering.parse_hours(form.hours.data)
            volunteering.log_hours(db.session, person, project, hours, form.day.data, actor(), task=form.task.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(hours)s h recorded for %(name)s.", hours=format_number(hours), name=person.full_name),
                  "success")
            return redirect(url_for("portal.volunteering_page", person_id=person.id, _anchor="ore"), code=303)
    return _render(person, hours_form=form, status=422)


@bp.post("/ore-voluntariat/<int:entry_id>/stergere")
@requires(SIGNUPS_MANAGE)
def volunteer_hours_remove(entry_id: int):
    entry = db.session.get(VolunteerHours, entry_id)
    if entry is None:
        abort(404)
    require_in_project(entry.project_id, SIGNUPS_MANAGE)
    person_id = entry.person_id
    try:
        volunteering.remove_hours(db.session, entry, actor())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("The entry has been removed."), "success")
    return redirect(url_for("portal.volunteering_page", person_id=person_id, _anchor="ore"), code=303)


@bp.post("/persoane/<int:person_id>/voluntariat/adeverinta")
@requires(SIGNUPS_MANAGE)
def certificate_issue(person_id: int):
    person = _person_or_404(person_id)
    form = CertificateForm(prefix="adeverinta")
    _project_choices(form, actor())
    if form.validate_on_submit() and (project := _project_or_error(form, form.project_id.data)) is not None:
        try:
            certificate = volunteering.issue_certificate(db.session, person, project, form.first_day.data,
                                                         form.last_day.data, actor())
        except DomainError as error:
            if error.field is None:
                form.project_id.errors = [*form.project_id.errors, str(error.message)]
            else:
                show_error(form, error)
        else:
            return redirect(url_for("portal.certificate", number=certificate.id), code=303)
    return _render(person, certificate_form=form, status=422)


@bp.get("/adeverinte-voluntariat/<int:number>")
@requires(SIGNUPS_MANAGE)
def certificate(number: int):
    certificate = db.session.scalar(select(VolunteerCertificate).where(VolunteerCertificate.id == number).options(
        joinedload(VolunteerCertificate.person), joinedload(VolunteerCertificate.project)))
    if certificate is None or certificate.person.erased_at is not None:
        abort(404)
    require_in_project(certificate.project_id, SIGNUPS_MANAGE)
    record(db.session, actor(), AuditAction.view, certificate.person_id, f"volunteer certificate no. {number}")
    # A document issued under Romanian law: in Romanian, whatever language the portal is read in.
    with force_locale(CERTIFICATE_LOCALE):
        return render_page("portal/volunteers/certificate.html", certificate=certificate, person=certificate.person,
                           project=certificate.project, LAW=LAW,
                           activities=[line for line in certificate.activities.splitlines() if line.strip()])


# The person page's short section ------------------------------------------------------------------

@dataclass
class VolunteerSummary:
    total: Decimal
    certificates: int


@bp.app_context_processor
def _volunteer_helpers():
    def volunteer_summary(person: Person) -> VolunteerSummary | None:
        """Total volunteer hours in the user's projects, for the person page; None when the user may not see them."""
        if not current_user.is_authenticated or not can(SIGNUPS_MANAGE):
            return None
        ids = managed_project_ids(actor())
        hours = select(func.coalesce(func.sum(VolunteerHours.hours), 0)).where(VolunteerHours.person_id == person.id)
        count = select(func.count(VolunteerCertificate.id)).where(VolunteerCertificate.person_id == person.id)
        if ids is not None:
            hours = hours.where(VolunteerHours.project_id.in_(ids or {-1}))
            count = count.where(VolunteerCertificate.project_id.in_(ids or {-1}))
        return VolunteerSummary(Decimal(db.session.scalar(hours) or 0), db.session.scalar(count) or 0)

    return {"volunteer_summary": volunteer_summary}
