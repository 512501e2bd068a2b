"""The form of an individual service. The choices are filled by the view from the user's projects."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from portal.domain.casework.services import MAX_MINUTES
from portal.staff.people_forms import RoDateField, _length, _required


def _id_or_none(value):
    """A chosen option's id; the blank "choose" option is no choice at all."""
    if value in (None, ""):
        return None
    return int(value)


def _typed():
    return InputRequired(message=_l("This field is required."))


class ServiceForm(FlaskForm):
    # The service checks that the activity, the type and the staff member belong together and to
    # the user's projects, and says so in words; a plain "not a valid choice" would not.
    activity_id = SelectField(_l("Activity"), coerce=_id_or_none, validate_choice=False, validators=[_required()])
    service_type_id = SelectField(_l("Service type"), coerce=_id_or_none, validate_choice=False,
                                  validators=[_required()])
    # InputRequired, not DataRequired: a date that does not parse keeps its own message.
    delivered_on = RoDateField(_l("Date of the service"), validators=[_typed()])
    duration_minutes = IntegerField(_l("Duration in minutes"), validators=[
        _typed(),
        NumberRange(min=1, max=MAX_MINUTES, message=_l("Give the duration in minutes, between 1 and 1440."))],
        render_kw={"min": 1, "max": MAX_MINUTES, "inputmode": "numeric"})
    staff_id = SelectField(_l("Staff member who gave the service"), coerce=_id_or_none, validate_choice=False, validators=[_required()])
    notes = TextAreaField(_l("Notes"), validators=[_length(4000)], render_kw={"rows": 5})
