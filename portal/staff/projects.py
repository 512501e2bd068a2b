"""Setting up a project: its data, zones, activities, who works on it and its service types.

Administrators create projects and decide zones and staff; a project's coordinators keep its
activities and service types up to date; every member sees the project page.
"""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain.accounts.models import Role, User
from portal.domain.casework import services as casework
from portal.domain.casework.models import ServiceType
from portal.domain.errors import DomainError
from portal.domain.projects import services as projects
from portal.domain.projects.models import Activity, ActivityKind, Project, ProjectMember, Zone
from portal.extensions import db
from portal.partials import render_page
from portal.staff import bp, labels
from portal.staff.forms import ROLE_LABELS
from portal.staff.people import actor, show_error
from portal.staff.permissions import (
    ACTIVITIES_MANAGE, PROJECTS_MANAGE, VIEW_PROJECTS, can, require_in_project, requires,
)
from portal.staff.project_forms import (
    ActivityForm, MemberForm, ProjectForm, ServiceTypeForm, ServiceTypeStateForm, ZoneForm,
)

PROJECT_FIELDS = ("code", "title", "short_name", "programme", "beneficiary", "funder_line", "town", "start_date",
                  "end_date", "summary_ro", "summary_en", "is_public", "attendance_lock_days")


def project_or_404(project_id: int, permission: str = VIEW_PROJECTS) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    require_in_project(project.id, permission)
    return project


def _redirect_to_project(project_id: int, anchor: str | None = None):
    return redirect(url_for("portal.project_detail", project_id=project_id, _anchor=anchor), code=303)


# The project page --------------------------------------------------------------------------------

def _member_candidates(project: Project) -> list[User]:
    """Active accounts that may join: administrators already work everywhere."""
    members = select(ProjectMember.user_id).where(ProjectMember.project_id == project.id)
    return list(db.session.scalars(select(User).where(User.is_active.is_(True), User.role != Role.admin,
                                                      User.id.not_in(members)).order_by(User.full_name)))


def _candidate_choices(candidates: list[User]) -> list[tuple[int, str]]:
    return [(user.id, f"{user.full_name} ({user.email})") for user in candidates]


def _member_form(project: Project) -> MemberForm:
    form = MemberForm(formdata=None)
    form.user_id.choices = _candidate_choices(_member_candidates(project))
    return form


def _render_project(project_id: int, status: int = 200, **forms):
    found = projects.projects_overview(db.session, project_ids={project_id})
    if not found:
        abort(404)
    project = found[0]
    context = {
        "project": project,
        "members": projects.project_members(db.session, project),
        "service_types": casework.service_types(db.session, project.id, active_only=False),
        "can_manage_project": can(PROJECTS_MANAGE, project_id=project.id),
        "can_manage_activities": can(ACTIVITIES_MANAGE, project_id=project.id),
        "role_labels": ROLE_LABELS,
        "member_roles": projects.MEMBER_ROLES,
        "labels": labels,
    }
    if context["can_manage_project"]:
        context["member_form"] = forms.get("member_form") or _member_form(project)
    if context["can_manage_activities"]:
        context["service_type_form"] = forms.get("service_type_form") or ServiceTypeForm(formdata=None)
    return render_page("portal/projects/detail.html", status_code=status, **context)


@bp.get("/proiecte/<int:project_id>")
@requires(VIEW_PROJECTS)
def project_detail(project_id: int):
    project_or_404(project_id)
    return _render_project(project_id)


# Project data ------------------------------------------------------------------------------------

def _project_data(form: ProjectForm) -> projects.ProjectData:
    values = {name: getattr(form, name).data for name in PROJECT_FIELDS}
    return projects.ProjectData(**{name: "" if value is None else value for name, value in values.items()})


@bp.route("/proiecte/nou", methods=["GET", "POST"])
@requires(PROJECTS_MANAGE)
def project_create():
    form = ProjectForm()
    if form.validate_on_submit():
        try:
            project = projects.create_project(db.session, _project_data(form), actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The project %(name)s has been created.", name=project.short_name), "success")
            return _redirect_to_project(project.id)
    return render_page("portal/projects/form.html", form=form, project=None,
                       status_code=422 if form.errors else 200)


@bp.route("/proiecte/<int:project_id>/editare", methods=["GET", "POST"])
@requires(PROJECTS_MANAGE)
def project_edit(project_id: int):
    project = project_or_404(project_id, PROJECTS_MANAGE)
    form = ProjectForm(obj=project if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            projects.update_project(db.session, project, _project_data(form), actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The project data has been saved."), "success")
            return _redirect_to_project(project.id)
    return render_page("portal/projects/form.html", form=form, project=project,
                       status_code=422 if form.errors else 200)


# Zones -------------------------------------------------------------------------------------------

def _zone_or_404(project: Project, zone_id: int) -> Zone:
    zone = db.session.get(Zone, zone_id)
    if zone is None or zone.project_id != project.id:
        abort(404)
    return zone


def _save_zone(project: Project, zone: Zone | None):
    form = ZoneForm(obj=zone if request.method == "GET" else None)
    if request.method == "GET" and zone is not None:
        form.streets.data = "\n".join(street.name for street in zone.streets)
    if form.validate_on_submit():
        try:
            saved = projects.save_zone(db.session, project, actor(), name=form.name.data,
                                       description=form.description.data or "",
                                       streets_text=form.streets.data or "", zone=zone)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The zone %(name)s has been saved.", name=saved.name), "success")
            return _redirect_to_project(project.id, "zone")
    return render_page("portal/projects/zone_form.html", form=form, project=project, zone=zone,
                       status_code=422 if form.errors else 200)


@bp.route("/proiecte/<int:project_id>/zone/nou", methods=["GET", "POST"])
@requires(PROJECTS_MANAGE)
def zone_create(project_id: int):
    return _save_zone(project_or_404(project_id, PROJECTS_MANAGE), None)


@bp.route("/proiecte/<int:project_id>/zone/<int:zone_id>/editare", methods=["GET", "POST"])
@requires(PROJECTS_MANAGE)
def zone_edit(project_id: int, zone_id: int):
    project = project_or_404(project_id, PROJECTS_MANAGE)
    return _save_zone(project, _zone_or_404(project, zone_id))


# Activities --------------------------------------------------------------------------------------

def _save_activity(project: Project, activity: Activity | None):
    form = ActivityForm(obj=activity if request.method == "GET" else None)
    if request.method == "GET" and activity is not None:
        form.kind.data = activity.kind.value
    if form.validate_on_submit():
        try:
            saved = projects.save_activity(db.session, project, actor(), code=form.code.data,
                                           name_ro=form.name_ro.data, name_en=form.name_en.data or "",
                                           kind=ActivityKind(form.kind.data),
                                           description=form.description.data or "",
                                           is_active=form.is_active.data, activity=activity)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The activity %(code)s has been saved.", code=saved.code), "success")
            return redirect(url_for("portal.activity_detail", activity_id=saved.id), code=303)
    return render_page("portal/projects/activity_form.html", form=form, project=project, activity=activity,
                       status_code=422 if form.errors else 200)


@bp.route("/proiecte/<int:project_id>/activitati/nou", methods=["GET", "POST"])
@requires(ACTIVITIES_MANAGE)
def activity_create(project_id: int):
    return _save_activity(project_or_404(project_id, ACTIVITIES_MANAGE), None)


@bp.route("/activitati/<int:activity_id>/editare", methods=["GET", "POST"])
@requires(ACTIVITIES_MANAGE)
def activity_edit(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        abort(404)
    return _save_activity(project_or_404(activity.project_id, ACTIVITIES_MANAGE), activity)


# Members -----------------------------------------------------------------------------------------

@bp.post("/proiecte/<int:project_id>/membri")
@requires(PROJECTS_MANAGE)
def member_save(project_id: int):
    project = project_or_404(project_id, PROJECTS_MANAGE)
    candidates = _member_candidates(project)
    members = projects.project_members(db.session, project)
    form = MemberForm()
    # The add form offers newcomers; a member's row sends its own user to change their role.
    form.user_id.choices = [(user.id, user.full_name) for user in [*candidates, *(m.user for m in members)]]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            member = projects.set_member(db.session, project, user, Role(form.role.data), actor())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s works on this project as %(role)s.", name=user.full_name,
                    role=ROLE_LABELS[member.role]), "success")
            return _redirect_to_project(project.id, "echipa")
    if not candidates or form.user_id.data in {member.user_id for member in members}:
        # No add form on the page to hold the message (a row's change, or nobody left to add): on top.
        for problem in form:
            for message in problem.errors:
                flash(f"{problem.label.text}: {message}", "error")
        return _render_project(project.id, status=422)
    form.user_id.choices = _candidate_choices(candidates)
    return _render_project(project.id, status=422, member_form=form)


@bp.post("/proiecte/<int:project_id>/membri/<int:member_id>/stergere")
@requires(PROJECTS_MANAGE)
def member_remove(project_id: int, member_id: int):
    project = project_or_404(project_id, PROJECTS_MANAGE)
    member = db.session.get(ProjectMember, member_id)
    if member is None or member.project_id != project.id:
        abort(404)
    name = member.user.full_name
    try:
        projects.remove_member(db.session, member, actor())
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s no longer works on this project.", name=name), "success")
    return _redirect_to_project(project.id, "echipa")


# Service types -----------------------------------------------------------------------------------

@bp.post("/proiecte/<int:project_id>/tipuri-servicii")
@requires(ACTIVITIES_MANAGE)
def service_type_create(project_id: int):
    project = project_or_404(project_id, ACTIVITIES_MANAGE)
    form = ServiceTypeForm()
    if form.validate_on_submit():
        try:
            saved = casework.save_service_type(db.session, project, actor(), name_ro=form.name_ro.data,
                                               name_en=form.name_en.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The service type %(name)s has been added.", name=saved.name_ro), "success")
            return _redirect_to_project(project.id, "tipuri-servicii")
    return _render_project(project.id, status=422, service_type_form=form)


@bp.post("/proiecte/<int:project_id>/tipuri-servicii/<int:type_id>")
@requires(ACTIVITIES_MANAGE)
def service_type_toggle(project_id: int, type_id: int):
    project = project_or_404(project_id, ACTIVITIES_MANAGE)
    service_type = db.session.get(ServiceType, type_id)
    if service_type is None or service_type.project_id != project.id:
        abort(404)
    form = ServiceTypeStateForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    try:
        casework.save_service_type(db.session, project, actor(), name_ro=service_type.name_ro,
                                   name_en=service_type.name_en, is_active=active, service_type=service_type)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        if active:
            flash(_("%(name)s can be chosen again for new services.", name=service_type.name_ro), "success")
        else:
            flash(_("%(name)s is no longer offered for new services; services already recorded keep it.",
                    name=service_type.name_ro), "success")
    return _redirect_to_project(project.id, "tipuri-servicii")
