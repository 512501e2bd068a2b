"""User administration: list, create, change role or status, reset a password (admins only)."""
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.domain.accounts import services as accounts
from portal.domain.accounts.models import Role, User
from portal.domain.accounts.queries import PAGE_SIZE, search_users
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.partials import render_page
from portal.staff import bp
from portal.staff.forms import ROLE_LABELS, PasswordResetForm, UserCreateForm, UserEditForm
from portal.staff.permissions import MANAGE_USERS, requires


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _show_error(form, error: DomainError):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


@bp.get("/utilizatori")
@requires(MANAGE_USERS)
def users_list():
    text = request.args.get("q", "").strip()
    role = request.args.get("rol", "")
    page = request.args.get("pagina", 1, type=int) or 1
    users, total = search_users(db.session, text=text, role=role, page=page)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_page("portal/users.html", block="results", users=users, total=total, page=page,
                       pages=pages, text=text, role=role, role_labels=ROLE_LABELS)


@bp.route("/utilizatori/nou", methods=["GET", "POST"])
@requires(MANAGE_USERS)
def user_create():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, email=form.email.data, full_name=form.full_name.data,
                                        role=Role(form.role.data), password=form.password.data)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(_("The account of %(name)s has been created.", name=user.full_name), "success")
            return redirect(url_for("portal.users_list"), code=303)
    return render_page("portal/user_form.html", form=form, user=None,
                       status_code=422 if form.errors else 200)


@bp.route("/utilizatori/<int:user_id>", methods=["GET", "POST"])
@requires(MANAGE_USERS)
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            accounts.update_user(db.session, user, actor=current_user, full_name=form.full_name.data,
                                 role=Role(form.role.data), is_active=form.is_active.data)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(_("The account of %(name)s has been saved.", name=user.full_name), "success")
            return redirect(url_for("portal.users_list"), code=303)
    return render_page("portal/user_form.html", form=form, user=user, password_form=PasswordResetForm(),
                       status_code=422 if form.errors else 200)


@bp.post("/utilizatori/<int:user_id>/parola")
@requires(MANAGE_USERS)
def user_password(user_id: int):
    user = _user_or_404(user_id)
    password_form = PasswordResetForm()
    if password_form.validate_on_submit():
        try:
            accounts.set_password(db.session, user, password_form.password.data)
        except DomainError as error:
            _show_error(password_form, error)
        else:
            if user.id == current_user.id:
                login_user(user)  # the new password ended this session too
            flash(_("A new password has been set for %(name)s; their open sessions were closed.",
                    name=user.full_name), "success")
            return redirect(url_for("portal.user_edit", user_id=user.id), code=303)
    form = UserEditForm(obj=user)
    form.role.data = user.role.value
    return render_page("portal/user_form.html", form=form, user=user, password_form=password_form,
                       status_code=422)
