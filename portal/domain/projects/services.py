"""Projects: reading them for the portal and the public site, and setting them up.

Set-up rules (projects, zones, activities, members, service types) live here; every change is
checked against the acting user's rights in that project.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.domain.accounts.models import Role, User
from portal.domain.actor import Actor
from portal.domain.errors import DomainError
from portal.domain.people.streets import street_key
from portal.domain.projects.models import Activity, ActivityKind, Project, ProjectMember, Zone, ZoneStreet
from portal.domain.text import normalize_ro

PROJECTS_MANAGE = "projects.manage"  # create projects, edit their data, zones and members
ACTIVITIES_MANAGE = "activities.manage"  # activities, service types, sessions and rosters of a project


def projects_overview(db: Session, *, public_only: bool = False, project_ids: set[int] | None = None) -> list[Project]:
    """Projects with their zones, activities and indicators loaded in a fixed number of queries.

    `project_ids` limits the list to the projects a user works on (None: all of them)."""
    query = (
        select(Project)
        .options(
            selectinload(Project.zones).selectinload(Zone.streets),
            selectinload(Project.activities),
            selectinload(Project.indicators),
        )
        .order_by(Project.start_date.desc(), Project.code)
    )
    if public_only:
        query = query.where(Project.is_public.is_(True))
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids or {-1}))
    return list(db.scalars(query))


def visible_projects(db: Session, actor: Actor) -> list[Project]:
    query = select(Project).order_by(Project.short_name)
    if actor.project_ids is not None:
        query = query.where(Project.id.in_(actor.project_ids or {-1}))
    return list(db.scalars(query))


def require(actor: Actor, project_id: int, permission: str) -> None:
    if not actor.can_in(project_id, permission):
        raise DomainError(_l("You do not have the right to do this in this project."), code="forbidden")


# Projects ----------------------------------------------------------------------------------------

@dataclass
class ProjectData:
    code: str
    title: str
    short_name: str
    programme: str
    beneficiary: str
    funder_line: str
    town: str
    start_date: date
    end_date: date
    summary_ro: str = ""
    summary_en: str = ""
    is_public: bool = False
    attendance_lock_days: int = 7


def _check_project(db: Session, data: ProjectData, project_id: int | None) -> None:
    if data.end_date < data.start_date:
        raise DomainError(_l("The project cannot end before it starts."), code="project_dates", field="end_date")
    if not 0 <= data.attendance_lock_days <= 365:
        raise DomainError(_l("Give a number of days between 0 and 365."), code="lock_days",
                          field="attendance_lock_days")
    clash = db.scalar(select(Project.id).where(Project.code == data.code, Project.id != (project_id or -1)))
    if clash:
        raise DomainError(_l("Another project already has this code."), code="project_code_taken", field="code")


def _apply_project(project: Project, data: ProjectData) -> None:
    for name, value in vars(data).items():
        setattr(project, name, normalize_ro(value.strip()) if isinstance(value, str) else value)


def create_project(db: Session, data: ProjectData, actor: Actor) -> Project:
    if PROJECTS_MANAGE not in actor.everywhere:
        raise DomainError(_l("Only an administrator can create projects."), code="forbidden")
    _check_project(db, data, None)
    project = Project()
    _apply_project(project, data)
    db.add(project)
    db.flush()
    from portal.domain.casework.services import add_default_service_types

    add_default_service_types(db, project)
    return project


def update_project(db: Session, project: Project, data: ProjectData, actor: Actor) -> Project:
    require(actor, project.id, PROJECTS_MANAGE)
    _check_project(db, data, project.id)
    _apply_project(project, data)
    return project


# Zones -------------------------------------------------------------------------------------------

def parse_streets(text: str) -> list[str]:
    """One street per line; blank lines and repeats (also without diacritics) dropped."""
    streets, seen = [], set()
    for line in (text or "").splitlines():
        name = normalize_ro(" ".join(line.split()))
        key = street_key(name)
        if name and key and key not in seen:
            seen.add(key)
            streets.append(name)
    return streets


def save_zone(db: Session, project: Project, actor: Actor, *, name: str, description: str, streets_text: str,
              zone: Zone | None = None) -> Zone:
    require(actor, project.id, PROJECTS_MANAGE)
    name = normalize_ro(name.strip())
    clash = db.scalar(select(Zone.id).where(Zone.project_id == project.id, Zone.name == name,
                                            Zone.id != (zone.id if zone else -1)))
    if clash:
        raise DomainError(_l("This project already has a zone with this name."), code="zone_name_taken", field="name")
    if zone is None:
        zone = Zone(project=project)
        db.add(zone)
    zone.name = name
    zone.description = normalize_ro(description.strip())
    wanted = {street_key(street): street for street in parse_streets(streets_text)}
    for street in list(zone.streets):
        if street.folded_name not in wanted:
            zone.streets.remove(street)
        else:
            street.name = wanted.pop(street.folded_name)
    for key, street in wanted.items():
        zone.streets.append(ZoneStreet(name=street, folded_name=key))
    return zone


# Activities --------------------------------------------------------------------------------------

ACTIVITY_CODE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")


def save_activity(db: Session, project: Project, actor: Actor, *, code: str, name_ro: str, name_en: str,
                  kind: ActivityKind, description: str = "", is_active: bool = True,
                  activity: Activity | None = None) -> Activity:
    require(actor, project.id, ACTIVITIES_MANAGE)
    code = code.strip().upper()
    if not code or not set(code) <= ACTIVITY_CODE_CHARACTERS:
        raise DomainError(_l("Write the code with letters, digits and dots, for example A1.1."),
                          code="activity_code", field="code")
    clash = db.scalar(select(Activity.id).where(Activity.project_id == project.id, Activity.code == code,
                                                Activity.id != (activity.id if activity else -1)))
    if clash:
        raise DomainError(_l("This project already has an activity with this code."), code="activity_code_taken",
                          field="code")
    if activity is None:
        activity = Activity(project=project)
        db.add(activity)
    elif activity.kind != kind and _has_records(db, activity):
        raise DomainError(_l("The kind cannot change once sessions or services are recorded."),
                          code="activity_kind_locked", field="kind")
    activity.code = code
    activity.name_ro = normalize_ro(name_ro.strip())
    activity.name_en = name_en.strip()
    activity.kind = kind
    activity.description = normalize_ro(description.strip())
    activity.is_active = is_active
    db.flush()
    return activity


def _has_records(db: Session, activity: Activity) -> bool:
    from portal.domain.activities.models import ActivitySession
    from portal.domain.casework.models import ServiceDelivery

    return bool(db.scalar(select(func.count()).select_from(ActivitySession).where(
        ActivitySession.activity_id == activity.id)) or db.scalar(select(func.count()).select_from(
            ServiceDelivery).where(ServiceDelivery.activity_id == activity.id)))


# Members -----------------------------------------------------------------------------------------

MEMBER_ROLES = (Role.coordinator, Role.staff, Role.viewer)


def set_member(db: Session, project: Project, user: User, role: Role, actor: Actor) -> ProjectMember:
    require(actor, project.id, PROJECTS_MANAGE)
    if role not in MEMBER_ROLES:
        raise DomainError(_l("Choose coordinator, staff or viewer."), code="member_role", field="role")
    if user.role == Role.admin:
        raise DomainError(_l("Administrators already work on every project."), code="member_admin", field="user_id")
    member = db.scalar(select(ProjectMember).where(ProjectMember.project_id == project.id,
                                                   ProjectMember.user_id == user.id))
    if member is None:
        member = ProjectMember(project=project, user=user, role=role)
        db.add(member)
    member.role = role
    return member


def remove_member(db: Session, member: ProjectMember, actor: Actor) -> None:
    require(actor, member.project_id, PROJECTS_MANAGE)
    db.delete(member)


def project_members(db: Session, project: Project) -> list[ProjectMember]:
    return list(db.scalars(select(ProjectMember).join(User).where(ProjectMember.project_id == project.id)
                           .options(selectinload(ProjectMember.user)).order_by(User.full_name)))


def project_staff(db: Session, project_id: int) -> list[User]:
    """Who can facilitate a session or give a service: active members and administrators."""
    members = select(ProjectMember.user_id).where(ProjectMember.project_id == project_id,
                                                  ProjectMember.role != Role.viewer)
    return list(db.scalars(select(User).where(User.is_active.is_(True),
                                              (User.id.in_(members)) | (User.role == Role.admin))
                           .order_by(User.full_name)))
