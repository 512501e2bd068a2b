"""Forms of a project's set-up: its data, zones, activities, staff and service types."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from portal.domain.projects.services import MEMBER_ROLES
from portal.staff import labels
from portal.staff.forms import ROLE_LABELS
from portal.staff.people_forms import RoDateField, _length, _required


def _typed():
    """Required, but a wrongly typed value keeps its own complaint (DataRequired would replace it)."""
    return InputRequired(message=_l("This field is required."))


class ProjectForm(FlaskForm):
    code = StringField(_l("MySMIS code"), validators=[_required(), _length(40)])
    short_name = StringField(_l("Short name"), validators=[_required(), _length(80)])
    title = StringField(_l("Full title"), validators=[_required(), _length(300)])
    programme = StringField(_l("Programme and priority axis"), validators=[_required(), _length(300)])
    beneficiary = StringField(_l("Run by (beneficiary and partners)"), validators=[_required(), _length(300)])
    funder_line = StringField(_l("Funding line printed on attendance sheets"), validators=[_required(), _length(500)])
    town = StringField(_l("Town"), validators=[_required(), _length(100)])
    start_date = RoDateField(_l("Start date"), validators=[_typed()])
    end_date = RoDateField(_l("End date"), validators=[_typed()])
    attendance_lock_days = IntegerField(_l("Attendance sheets close after (days)"), default=7, validators=[
        _typed(),
        NumberRange(min=0, max=365, message=_l("Give a number of days between 0 and 365."))])
    summary_ro = TextAreaField(_l("Public summary in Romanian"), validators=[_length(5000)])
    summary_en = TextAreaField(_l("Public summary in English"), validators=[_length(5000)])
    is_public = BooleanField(_l("Shown on the public site"))


class ZoneForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_required(), _length(120)])
    description = TextAreaField(_l("Description"), validators=[_length(2000)])
    streets = TextAreaField(_l("Streets, one per line"), validators=[_length(20000)], render_kw={"rows": 12})


class ActivityForm(FlaskForm):
    code = StringField(_l("Code"), validators=[_required(), _length(20)])
    name_ro = StringField(_l("Name in Romanian"), validators=[_required(), _length(300)])
    name_en = StringField(_l("Name in English"), validators=[_length(300)])
    kind = SelectField(_l("Kind"), choices=lambda: labels.choices(labels.ACTIVITY_KIND), validators=[_required()])
    description = TextAreaField(_l("Description"), validators=[_length(2000)])
    is_active = BooleanField(_l("Active (new sessions can be planned)"), default=True)


def member_role_choices():
    return [(role.value, ROLE_LABELS[role]) for role in MEMBER_ROLES]


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Staff member"), coerce=int, validators=[_required()])
    role = SelectField(_l("Role in this project"), choices=member_role_choices, validators=[_required()])


class ServiceTypeForm(FlaskForm):
    name_ro = StringField(_l("Service type in Romanian"), validators=[_required(), _length(150)])
    name_en = StringField(_l("Service type in English"), validators=[_length(150)])


class ServiceTypeStateForm(FlaskForm):
    """Says the state wanted, so a form sent twice does not switch the type back."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
