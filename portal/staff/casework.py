"""Individual services: recording one for a person, correcting it, and the list that filters them.

The list is one page for every question staff ask of it (a person's services, a staff member's,
an activity's): its filters are plain GET parameters, so the person page, the activity page and
the table's own links open it already filtered.
"""
import math
from dataclasses import dataclass, field

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from portal.domain import clock
from portal.domain.accounts.models import User
from portal.domain.actor import Actor
from portal.domain.casework import services as casework
from portal.domain.casework.models import ServiceDelivery, ServiceType
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.projects.services import project_staff, visible_projects
from portal.extensions import db
from portal.i18n import localized
from portal.partials import render_page
from portal.staff import bp
from portal.staff.casework_forms import ServiceForm
from portal.staff.people import actor, show_error
from portal.staff.people_forms import parse_date
from portal.staff.permissions import SERVICES_RECORD, VIEW_PROJECTS, require_in_project, requires

# Complaints of the service that name no field but belong next to the activity that was chosen.
_ACTIVITY_PROBLEMS = {"service_not_enrolled", "forbidden"}


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at:
        abort(404)
    return person


def _service_or_404(service_id: int, permission: str = VIEW_PROJECTS) -> ServiceDelivery:
    service = db.session.scalar(select(ServiceDelivery).where(ServiceDelivery.id == service_id).options(
        selectinload(ServiceDelivery.activity).selectinload(Activity.project),
        selectinload(ServiceDelivery.person), selectinload(ServiceDelivery.service_type),
        selectinload(ServiceDelivery.staff)))
    if service is None:
        abort(404)
    require_in_project(service.activity.project_id, permission)
    return service


def _show_error(form: ServiceForm, error: DomainError) -> None:
    if error.field is None and error.code in _ACTIVITY_PROBLEMS:
        form.activity_id.errors = [*form.activity_id.errors, str(error.message)]
    else:
        show_error(form, error)


def _service_data(form: ServiceForm) -> casework.ServiceData:
    return casework.ServiceData(activity_id=form.activity_id.data, service_type_id=form.service_type_id.data,
                                delivered_on=form.delivered_on.data, duration_minutes=form.duration_minutes.data,
                                staff_id=form.staff_id.data, notes=form.notes.data or "")


# The form's choices ------------------------------------------------------------------------------

@dataclass
class Choices:
    """What a user may pick when recording a service for one person, and why the list may be empty."""

    projects: list[Project]
    activities: list[Activity] = field(default_factory=list)
    enrolled: bool = False  # the person is in the target group of at least one project


def _choice(value, label: str, group: Project | None) -> SelectChoice:
    return SelectChoice(value=str(value), label=label, optgroup=group.short_name if group else None)


def _name(item) -> str:
    """Sort key: the name as the user reads it, in their language."""
    return localized(item, "name").casefold()


def _blank() -> SelectChoice:
    return SelectChoice(value="", label=_("— choose —"))


def _fill_choices(form: ServiceForm, person: Person, act: Actor, service: ServiceDelivery | None = None) -> Choices:
    """Activities of individual services of the projects where the user records services and the
    person is in the target group; the types and staff of those projects. Kept when editing: the
    service's own activity, type and staff member, even if closed or gone since."""
    enrolled = set(db.session.scalars(select(Enrollment.project_id).where(Enrollment.person_id == person.id)))
    projects = [project for project in visible_projects(db.session, act)
                if project.id in enrolled and act.can_in(project.id, SERVICES_RECORD)]
    if service is not None and service.activity.project not in projects:
        projects.append(service.activity.project)
    grouped = len(projects) > 1
    by_id = {project.id: project for project in projects}
    kept = service.activity_id if service is not None else -1
    activities = list(db.session.scalars(
        select(Activity).where(Activity.project_id.in_(by_id or {-1}), Activity.kind == ActivityKind.individual_service,
                               or_(Activity.is_active.is_(True), Activity.id == kept))
        .order_by(Activity.code)))
    activities.sort(key=lambda activity: projects.index(by_id[activity.project_id]))
    form.activity_id.choices = [_blank(), *(
        _choice(activity.id, f"{activity.code} {localized(activity, 'name')}",
                by_id[activity.project_id] if grouped else None) for activity in activities)]

    types: list[SelectChoice] = [_blank()]
    staff: dict[int, User] = {}
    for project in projects:
        project_types = sorted(casework.service_types(db.session, project.id), key=_name)
        current = service.service_type if service is not None else None
        if current is not None and current.project_id == project.id and current not in project_types:
            project_types.append(current)
        types += [_choice(kind.id, localized(kind, "name"), project if grouped else None) for kind in project_types]
        staff.update((user.id, user) for user in project_staff(db.session, project.id))
    if service is not None:
        staff.setdefault(service.staff_id, service.staff)
    form.service_type_id.choices = types
    form.staff_id.choices = [_blank(), *(_choice(user.id, user.full_name, None)
                                         for user in sorted(staff.values(), key=lambda user: user.full_name))]
    return Choices(projects=projects, activities=activities, enrolled=bool(enrolled))


# Recording and correcting ------------------------------------------------------------------------

@bp.route("/persoane/<int:person_id>/servicii/nou", methods=["GET", "POST"])
@requires(SERVICES_RECORD)
def service_create(person_id: int):
    person = _person_or_404(person_id)
    if person.merged_into_id:
        flash(_("This record was merged into another one."), "warning")
        return redirect(url_for("portal.service_create", person_id=person.merged_into_id), code=303)
    act = actor()
    form = ServiceForm()
    choices = _fill_choices(form, person, act)
    if request.method == "GET":
        form.delivered_on.data = clock.today()
        if any(choice.value == str(current_user.id) for choice in form.staff_id.choices):
            form.staff_id.data = current_user.id
        if len(choices.activities) == 1:
            form.activity_id.data = choices.activities[0].id
    if form.validate_on_submit():
        try:
            casework.record_service(db.session, person, _service_data(form), act)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The service has been recorded for %(name)s.", name=person.full_name), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="servicii"), code=303)
    return render_page("portal/casework/form.html", form=form, person=person, service=None, choices=choices,
                       status_code=422 if request.method == "POST" else 200)


@bp.route("/servicii/<int:service_id>/editare", methods=["GET", "POST"])
@requires(SERVICES_RECORD)
def service_edit(service_id: int):
    service = _service_or_404(service_id, SERVICES_RECORD)
    act = actor()
    if not casework.can_edit(act, service):
        abort(403)
    person = service.person
    form = ServiceForm(obj=service if request.method == "GET" else None)
    choices = _fill_choices(form, person, act, service)
    if form.validate_on_submit():
        try:
            changed = casework.update_service(db.session, service, _service_data(form), act)
        except DomainError as error:
            _show_error(form, error)
        else:
            if changed:
                flash(_("The changes have been saved."), "success")
            return redirect(url_for("portal.person_detail", person_id=person.id, _anchor="servicii"), code=303)
    return render_page("portal/casework/form.html", form=form, person=person, service=service, choices=choices,
                       status_code=422 if request.method == "POST" else 200)


# The list ----------------------------------------------------------------------------------------

@dataclass
class FilterOptions:
    """What the list's selects offer: only what belongs to the user's projects."""

    grouped: bool
    activities: list[tuple[Project, list[Activity]]]
    types: list[tuple[Project, list[ServiceType]]]
    staff: list[User]


def _filter_options(act: Actor, staff_id: int | None) -> FilterOptions:
    projects = visible_projects(db.session, act)
    ids = [project.id for project in projects] or [-1]
    activities = list(db.session.scalars(select(Activity).where(
        Activity.project_id.in_(ids), Activity.kind == ActivityKind.individual_service).order_by(Activity.code)))
    types = sorted(db.session.scalars(select(ServiceType).where(ServiceType.project_id.in_(ids))), key=_name)
    staff: dict[int, User] = {}
    for project in projects:
        staff.update((user.id, user) for user in project_staff(db.session, project.id))
    if staff_id and staff_id not in staff:
        # Someone who has left the project: their services there still list. Anyone else's name
        # is not shown to people who never worked with them.
        gave_here = db.session.scalar(select(ServiceDelivery.id).join(Activity).where(
            ServiceDelivery.staff_id == staff_id, Activity.project_id.in_(ids)).limit(1))
        user = db.session.get(User, staff_id) if gave_here else None
        if user is not None:
            staff[user.id] = user
    return FilterOptions(
        grouped=len(projects) > 1,
        activities=[(project, [item for item in activities if item.project_id == project.id]) for project in projects],
        types=[(project, [item for item in types if item.project_id == project.id]) for project in projects],
        staff=sorted(staff.values(), key=lambda user: user.full_name))


def _filter_url(**changes) -> str:
    """The list with one filter changed and the others kept, from its first page."""
    arguments = {name: value for name, value in request.args.items() if name != "pagina"}
    return url_for("portal.services_list", **{**arguments, **changes})


@bp.get("/servicii")
@requires(VIEW_PROJECTS)
def services_list():
    act = actor()
    args = request.args
    criteria = casework.ServiceFilter(person_id=args.get("persoana", type=int), staff_id=args.get("personal", type=int),
                                      activity_id=args.get("activitate", type=int),
                                      service_type_id=args.get("tip", type=int))
    errors: dict[str, str] = {}
    for name, attribute in (("de_la", "first"), ("pana_la", "last")):
        try:
            setattr(criteria, attribute, parse_date(args.get(name, "")))
        except ValueError:
            errors[name] = _("Write the date as dd.mm.yyyy, for example 24.11.2026.")
    if criteria.first and criteria.last and criteria.last < criteria.first:
        errors["pana_la"] = _("The last day cannot be before the first day.")
    page = max(args.get("pagina", 1, type=int) or 1, 1)
    services, has_next, total = [], False, 0
    if not errors:
        services, has_next, total = casework.list_services(db.session, act, criteria, page)
    person = db.session.get(Person, criteria.person_id) if criteria.person_id else None
    return render_page(
        "portal/casework/list.html", block="results", services=services, has_next=has_next, total=total, page=page,
        pages=max(math.ceil(total / casework.PAGE_SIZE), 1), criteria=criteria, person=person, errors=errors,
        first_text=args.get("de_la", ""), last_text=args.get("pana_la", ""),
        options=_filter_options(act, criteria.staff_id), filter_url=_filter_url,
        readable={service.id for service in services if casework.can_read_notes(act, service)},
        editable={service.id for service in services if casework.can_edit(act, service)})
