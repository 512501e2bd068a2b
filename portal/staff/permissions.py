"""Who may do what in the portal: one table, used by the views and by the templates.

A view declares the permission it needs with @requires(...). The portal checks it before the view
runs; a view that declares nothing is refused to everyone, so a forgotten check fails closed.
"""
from flask_login import current_user

from portal.domain.accounts.models import Role

SIGNED_IN = "signed_in"  # any active account: dashboard, own password, sign-out
VIEW_PROJECTS = "projects.view"
MANAGE_USERS = "users.manage"

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.admin: frozenset({SIGNED_IN, VIEW_PROJECTS, MANAGE_USERS}),
    Role.coordinator: frozenset({SIGNED_IN, VIEW_PROJECTS}),
    Role.staff: frozenset({SIGNED_IN, VIEW_PROJECTS}),
    Role.viewer: frozenset({SIGNED_IN, VIEW_PROJECTS}),
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


def required_permission(view) -> str | None:
    return getattr(view, "required_permission", None)

