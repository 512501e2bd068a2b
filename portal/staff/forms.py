from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from portal.domain.accounts.models import Role
from portal.domain.accounts.services import MIN_PASSWORD_LENGTH

ROLE_LABELS = {
    Role.admin: _l("Administrator"),
    Role.coordinator: _l("Coordinator"),
    Role.staff: _l("Staff"),
    Role.viewer: _l("Viewer (read only)"),
}


def role_choices():
    return [(role.value, label) for role, label in ROLE_LABELS.items()]


def _required():
    return DataRequired(message=_l("This field is required."))


def _email_field(label):
    return EmailField(label, validators=[
        _required(), Email(message=_l("Enter a valid e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")),
    ])


def _new_password_fields():
    password = PasswordField(_l("Password"), validators=[
        _required(),
        Length(min=MIN_PASSWORD_LENGTH,
               message=_l("The password must have at least %(min)d characters.")),
    ])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        _required(), EqualTo("password", message=_l("The two passwords are not the same.")),
    ])
    return password, confirm


class LoginForm(FlaskForm):
    email = _email_field(_l("E-mail address"))
    password = PasswordField(_l("Password"), validators=[_required()])
    next = HiddenField()


class UserCreateForm(FlaskForm):
    email = _email_field(_l("E-mail address"))
    full_name = StringField(_l("Full name"), validators=[
        _required(), Length(max=200, message=_l("At most %(max)d characters."))])
    role = SelectField(_l("Role"), choices=role_choices, validators=[_required()])
    password, password_confirm = _new_password_fields()


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[
        _required(), Length(max=200, message=_l("At most %(max)d characters."))])
    role = SelectField(_l("Role"), choices=role_choices, validators=[_required()])
    is_active = BooleanField(_l("Active (can sign in)"))


class PasswordResetForm(FlaskForm):
    password, password_confirm = _new_password_fields()


class OwnPasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required()])
    password, password_confirm = _new_password_fields()


def typed_required():
    """Required, for fields whose value may be 0 or False (InputRequired looks at what was sent)."""
    return InputRequired(message=_l("This field is required."))


def id_or_none(value):
    """A select's value as an id, or None for the blank choice or anything else."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
