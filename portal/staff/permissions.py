"""Who may do what in the portal: one table, used by the views and by the templates.

A view declares the permission it needs with @requires(...). The portal checks it before the view
runs; a view that declares nothing is refused to everyone, so a forgotten check fails closed.

Two kinds of rights:
- organisation-wide ones (the register of people, accounts, the audit log) follow the account's role;
- project rights (activities, sessions, attendance, services) follow the role the user has in each
  project they are a member of. Administrators hold every right in every project. The guard lets a
  project-scoped view run when the user holds the right in at least one project; the view then
  checks the project of the object it loaded (`require_in_project`).
"""
from flask import abort, g
from flask_login import current_user
from sqlalchemy import select

from portal.domain.accounts.models import Role
from portal.domain.activities.services import ATTENDANCE_CORRECT, ATTENDANCE_RECORD
from portal.domain.casework.services import SERVICE_NOTES, SERVICES_RECORD
from portal.domain.people.services import SENSITIVE as PEOPLE_SENSITIVE
from portal.domain.projects.models import ProjectMember
from portal.domain.projects.services import ACTIVITIES_MANAGE, PROJECTS_MANAGE
# PUBLIC_PUBLISH: publish sessions, news and photos of a project on the public site.
# SIGNUPS_MANAGE: a project's sign-up lists, their messages, volunteer hours and certificates.
from portal.domain.news.services import PUBLIC_PUBLISH
from portal.domain.volunteering.services import SIGNUPS_MANAGE
# RESULTS_MANAGE: a project's indicators (targets and rules) and their logged adjustments.
from portal.domain.results.services import RESULTS_MANAGE
# BENEFITS_PROPOSE: draw up entitlement lists (proposed from attendance), add and remove persons on a draft.
# BENEFITS_APPROVE / BENEFITS_PAY: approve a list; record a payment or hand-over. BENEFITS_MANAGE: the kinds.
from portal.domain.benefits.services import BENEFITS_APPROVE, BENEFITS_MANAGE, BENEFITS_PAY, BENEFITS_PROPOSE
# SHOP_RECORD: community-work hours and purchases at the social shop; SHOP_MANAGE: products, stock, corrections.
from portal.domain.benefits.shop import SHOP_MANAGE, SHOP_RECORD

SIGNED_IN = "signed_in"  # any active account: dashboard, own password, sign-out
MANAGE_USERS = "users.manage"
PEOPLE_VIEW = "people.view"
PEOPLE_EDIT = "people.edit"
PEOPLE_IMPORT = "people.import"
PEOPLE_EXPORT = "people.export"  # the register and a person's data export
PEOPLE_MERGE = "people.merge"
PEOPLE_ERASE = "people.erase"
AUDIT_VIEW = "audit.view"

# Project rights.
VIEW_PROJECTS = "projects.view"  # see the project, its activities, sessions, attendance and services
PEOPLE_ENROLL = "people.enroll"  # enrol in (or import into) the project's target group, exits, entry answers

_READ = {SIGNED_IN, VIEW_PROJECTS, PEOPLE_VIEW}
_STAFF = _READ | {PEOPLE_EDIT, PEOPLE_ENROLL, ATTENDANCE_RECORD, SERVICES_RECORD, SIGNUPS_MANAGE,
                  BENEFITS_PROPOSE, SHOP_RECORD}
_COORDINATOR = _STAFF | {PUBLIC_PUBLISH, RESULTS_MANAGE, PEOPLE_SENSITIVE, PEOPLE_IMPORT, PEOPLE_EXPORT, PEOPLE_MERGE, ACTIVITIES_MANAGE,
                         ATTENDANCE_CORRECT, SERVICE_NOTES, BENEFITS_MANAGE, BENEFITS_APPROVE, BENEFITS_PAY, SHOP_MANAGE}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.admin: frozenset(_COORDINATOR | {MANAGE_USERS, PROJECTS_MANAGE, PEOPLE_ERASE, AUDIT_VIEW}),
    Role.coordinator: frozenset(_COORDINATOR),
    Role.staff: frozenset(_STAFF),
    Role.viewer: frozenset(_READ),
}

PROJECT_SCOPED = frozenset({VIEW_PROJECTS, PEOPLE_ENROLL, ACTIVITIES_MANAGE, ATTENDANCE_RECORD, ATTENDANCE_CORRECT,
                            SERVICES_RECORD, SERVICE_NOTES, PUBLIC_PUBLISH, SIGNUPS_MANAGE, RESULTS_MANAGE,
                            BENEFITS_PROPOSE, BENEFITS_APPROVE, BENEFITS_PAY, BENEFITS_MANAGE, SHOP_RECORD, SHOP_MANAGE})

PUBLIC = "public"  # the sign-in page itself


def requires(permission: str):
    def decorate(view):
        view.required_permission = permission
        return view

    return decorate


def project_roles(user) -> dict[int, Role]:
    """The user's role in each project they belong to, read once per request."""
    cache = g.setdefault("_project_roles", {})
    if user.id not in cache:
        from portal.extensions import db

        cache[user.id] = dict(db.session.execute(
            select(ProjectMember.project_id, ProjectMember.role).where(ProjectMember.user_id == user.id)).all())
    return cache[user.id]


def _project_permissions(user) -> dict[int, frozenset[str]]:
    return {project_id: ROLE_PERMISSIONS[role] & PROJECT_SCOPED for project_id, role in project_roles(user).items()}


def can(permission: str, user=None, project_id: int | None = None) -> bool:
    """Whether the user holds the right: organisation-wide, in the given project, or (for a project
    right asked without a project) in at least one project."""
    user = user if user is not None else current_user
    if permission == PUBLIC:
        return True
    if not user or not user.is_authenticated:
        return False
    if user.role == Role.admin or permission not in PROJECT_SCOPED:
        return permission in ROLE_PERMISSIONS.get(user.role, frozenset())
    granted = _project_permissions(user)
    if project_id is not None:
        return permission in granted.get(project_id, frozenset())
    return any(permission in rights for rights in granted.values())


def require_in_project(project_id: int, permission: str = VIEW_PROJECTS) -> None:
    """404 for a project the user does not work on (it does not exist for them), 403 for a missing right."""
    if not can(VIEW_PROJECTS, project_id=project_id):
        abort(404)
    if not can(permission, project_id=project_id):
        abort(403)


def actor_for(user, address: str):
    """The acting user as the domain services see them: who, from where, with which rights."""
    from portal.domain.actor import Actor

    permissions = ROLE_PERMISSIONS.get(user.role, frozenset())
    if user.role == Role.admin:
        return Actor(user=user, address=address, permissions=permissions, everywhere=permissions)
    return Actor(user=user, address=address, permissions=permissions - PROJECT_SCOPED,
                 project_permissions=_project_permissions(user))


def required_permission(view) -> str | None:
    return getattr(view, "required_permission", None)
