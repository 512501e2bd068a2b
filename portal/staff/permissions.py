"""Who may do what in the portal: one table, used by the views and by the templates.

A view declares the permission it needs with @requires(...). The portal checks it before the view
runs; a view that declares nothing is refused to everyone, so a forgotten check fails closed.
"""
from flask_login import current_user

from portal.domain.accounts.models import Role

SIGNED_IN = "signed_in"  # any active account: dashboard, own password, sign-out
VIEW_PROJECTS = "projects.view"
MANAGE_USERS = "users.manage"
PEOPLE_VIEW = "people.view"
PEOPLE_EDIT = "people.edit"
PEOPLE_SENSITIVE = "people.sensitive"  # GDPR special categories: disability, ethnicity
PEOPLE_IMPORT = "people.import"
PEOPLE_EXPORT = "people.export"  # the register and a person's data export
PEOPLE_MERGE = "people.merge"
PEOPLE_ERASE = "people.erase"
AUDIT_VIEW = "audit.view"

_READ = {SIGNED_IN, VIEW_PROJECTS, PEOPLE_VIEW}
_STAFF = _READ | {PEOPLE_EDIT}
_COORDINATOR = _STAFF | {PEOPLE_SENSITIVE, PEOPLE_IMPORT, PEOPLE_EXPORT, PEOPLE_MERGE}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.admin: frozenset(_COORDINATOR | {MANAGE_USERS, PEOPLE_ERASE, AUDIT_VIEW}),
    Role.coordinator: frozenset(_COORDINATOR),
    Role.staff: frozenset(_STAFF),
    Role.viewer: frozenset(_READ),
}

PUBLIC = "public"  # the sign-in page itself


def requires(permission: str):
    def decorate(view):
        view.required_permission = permission
        return view

    return decorate


def can(permission: str, user=None) -> bool:
    user = user if user is not None else current_user
    if permission == PUBLIC:
        return True
    if not user or not user.is_authenticated:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def actor_for(user, address: str):
    """The acting user as the domain services see them: who, from where, with which rights."""
    from portal.domain.actor import Actor

    return Actor(user=user, address=address, permissions=ROLE_PERMISSIONS.get(user.role, frozenset()))


def required_permission(view) -> str | None:
    return getattr(view, "required_permission", None)

