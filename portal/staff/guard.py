"""Before every portal view: signed in, session still fresh, permission declared and held."""
import time

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import ngettext
from flask_login import current_user, logout_user

from portal.domain.accounts.services import load_user_for_session
from portal.extensions import db, login_manager
from portal.staff import bp
from portal.staff.permissions import PUBLIC, can, required_permission

LAST_SEEN = "last_seen"
EXPIRED_USER = "expired_user"


@login_manager.user_loader
def _load_user(session_id: str):
    return load_user_for_session(db.session, session_id)


@login_manager.unauthorized_handler
def _unauthorized():
    return redirect(url_for("portal.login", next=request.full_path))


def _here() -> str:
    path = request.full_path
    return path[:-1] if path.endswith("?") else path


def preserved_fields() -> list[tuple[str, str]]:
    """What an expired session's form carried, minus the CSRF token and any password."""
    return [
        (name, value)
        for name, values in request.form.lists()
        if name != "csrf_token" and "password" not in name
        for value in values
    ]


def _end_expired_session():
    from portal.staff.auth import render_login

    user_id = current_user.id
    logout_user()
    session.pop(LAST_SEEN, None)
    session[EXPIRED_USER] = user_id
    flash(ngettext("Your session ended after %(num)d minute without activity. Sign in again to continue.",
                   "Your session ended after %(num)d minutes without activity. Sign in again to continue.",
                   current_app.config["SESSION_IDLE_MINUTES"]), "warning")
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("portal.login", next=_here()))
    # A form was being sent: keep what was typed and offer it again after signing in.
    return render_login(next_url=_here(), preserved=preserved_fields(), status=401)


@bp.before_request
def guard():
    view = current_app.view_functions.get(request.endpoint)
    permission = required_permission(view)
    if permission == PUBLIC:
        return None
    if current_user.is_authenticated:
        idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
        last_seen = session.get(LAST_SEEN, 0)
        if time.time() - last_seen > idle_limit:
            return _end_expired_session()
    if not current_user.is_authenticated:
        return redirect(url_for("portal.login", next=_here()))
    session[LAST_SEEN] = int(time.time())
    if permission is None or not can(permission):
        abort(403)
    return None


@bp.app_context_processor
def _permissions_in_templates():
    return {"can": can}
