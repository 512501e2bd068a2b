"""Signing in and out, and changing one's own password."""
import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from portal.domain.accounts import services as accounts
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.i18n import LOCALE_COOKIE
from portal.staff import bp
from portal.staff.forms import LoginForm, OwnPasswordForm
from portal.staff.guard import EXPIRED_USER, LAST_SEEN, preserved_fields
from portal.web import safe_next
from portal.staff.permissions import PUBLIC, SIGNED_IN, requires

REPLAY_PREFIX = "replay__"


def render_login(form: LoginForm | None = None, *, next_url: str | None = None,
                 preserved: list | None = None, status: int = 200):
    form = form or LoginForm()
    if next_url is not None:
        form.next.data = next_url
    return render_template("portal/login.html", form=form, preserved=preserved or [],
                           replay_prefix=REPLAY_PREFIX), status


def _limits() -> accounts.LoginLimits:
    config = current_app.config
    return accounts.LoginLimits(
        per_account=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        per_address=config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
        lockout_minutes=config["LOGIN_LOCKOUT_MINUTES"],
    )


def _replayed_fields() -> list[tuple[str, str]]:
    return [
        (name[len(REPLAY_PREFIX):], value)
        for name, value in preserved_fields()
        if name.startswith(REPLAY_PREFIX)
    ]


@bp.route("/autentificare", methods=["GET", "POST"])
@requires(PUBLIC)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")) or url_for("portal.dashboard"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        return render_login(form)
    replay = _replayed_fields()
    if not form.validate_on_submit():
        return render_login(form, preserved=replay, status=422)
    try:
        user = accounts.authenticate(db.session, form.email.data, form.password.data,
                                     request.remote_addr or "unknown", _limits())
    except accounts.LoginThrottled as throttled:
        db.session.commit()
        flash(ngettext("Too many failed sign-in attempts. Wait %(num)d minute and try again.",
                       "Too many failed sign-in attempts. Wait %(num)d minutes and try again.",
                       throttled.minutes), "error")
        return render_login(form, preserved=replay, status=429)
    except DomainError as error:
        # The failed attempt must be kept even though this response is an error.
        db.session.commit()
        flash(str(error.message), "error")
        return render_login(form, preserved=replay, status=422)

    expired_user = session.pop(EXPIRED_USER, None)
    # A fresh session on sign-in (no fixation), keeping only the language choice.
    session.clear()
    login_user(user)
    session.permanent = True
    session[LAST_SEEN] = int(time.time())
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen:
        user.locale = chosen
    target = safe_next(form.next.data) or url_for("portal.dashboard")
    if replay and expired_user == user.id:
        # The same person, back after the session expired: offer the form they were sending.
        return render_template("portal/resubmit.html", action=target, fields=replay)
    return redirect(target, code=303)


@bp.post("/iesire")
@requires(SIGNED_IN)
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("portal.login"), code=303)


@bp.route("/cont/parola", methods=["GET", "POST"])
@requires(SIGNED_IN)
def account_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(db.session, current_user, form.current_password.data,
                                         form.password.data)
        except DomainError as error:
            getattr(form, error.field or "password").errors.append(str(error.message))
        else:
            # The new password ended every session, this one included: start a new one here.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other open sessions have been closed."), "success")
            return redirect(url_for("portal.dashboard"), code=303)
    status = 422 if form.errors else 200
    return render_template("portal/account_password.html", form=form), status
