"""Forms of the public listing of a session, the sign-up list's row actions, volunteer hours and certificates."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from portal.staff.forms import id_or_none, typed_required
from portal.staff.people_forms import RoDateField, _length, _required
from portal.staff.session_forms import RoTimeField
from public_site.listings import category_labels

class ListingForm(FlaskForm):
    category = SelectField(_l("Category"), choices=lambda: [(item.value, label) for item, label in category_labels().items()],
                           validators=[_required()])
    title_ro = StringField(_l("Title in Romanian"), validators=[_required(), _length(200)])
    title_en = StringField(_l("Title in English (optional)"), validators=[_length(200)])
    description_ro = TextAreaField(_l("Description in Romanian"), validators=[_length(10000)], render_kw={"rows": 6})
    description_en = TextAreaField(_l("Description in English (optional)"), validators=[_length(10000)],
                                   render_kw={"rows": 6})
    capacity = IntegerField(_l("Number of places"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("The number of places must be at least 1, or left empty "
                                                              "for no limit."))],
        render_kw={"min": 1, "inputmode": "numeric"})
    deadline_date = RoDateField(_l("Sign-up closes on (day)"))
    deadline_time = RoTimeField(_l("Sign-up closes at (time)"), render_kw={"placeholder": "18:00"})
    takes_signups = RadioField(_l("Sign-up"), default="signup", choices=lambda: [
        ("signup", _l("People sign up on the public site")),
        ("info", _l("Information only: no sign-up, people just come"))])
    is_published = BooleanField(_l("Shown on the public site"), default=True)
    photo = FileField(_l("Photo (optional)"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt_ro = StringField(_l("What the photo shows, in Romanian"), validators=[_length(300)])
    alt_en = StringField(_l("What the photo shows, in English (optional)"), validators=[_length(300)])
    remove_image = BooleanField(_l("Remove the current photo"))


class ActionForm(FlaskForm):
    """A row button: nothing to fill, only the CSRF token."""


class MoveForm(FlaskForm):
    target_id = SelectField(_l("Move to"), coerce=id_or_none, validate_choice=False, validators=[_required()])


class AttendanceForm(FlaskForm):
    status = SelectField(choices=[("present", "present"), ("absent", "absent")], validators=[_required()])


class SignUpHoursForm(FlaskForm):
    hours = StringField(_l("Hours"), validators=[_required(), _length(10)], render_kw={"inputmode": "decimal"})


class HoursForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=id_or_none, validate_choice=False, validators=[_required()])
    day = RoDateField(_l("Day"), validators=[typed_required()])
    hours = StringField(_l("Hours"), validators=[_required(), _length(10)], render_kw={"inputmode": "decimal"})
    task = StringField(_l("Task"), validators=[_required(), _length(300)])


class CertificateForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=id_or_none, validate_choice=False, validators=[_required()])
    first_day = RoDateField(_l("From"), validators=[typed_required()])
    last_day = RoDateField(_l("Until"), validators=[typed_required()])
