"""Forms of sessions, rosters and attendance. Times are typed as 12:30; dates as 24.11.2026."""
import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from portal.staff.people_forms import RoDateField, _length, _required

WEEKDAYS = (
    (1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")), (5, _l("Friday")),
    (6, _l("Saturday")), (7, _l("Sunday")),
)


class TimeInput(TextInput):
    input_type = "time"


class RoTimeField(Field):
    """A time picked in the browser (12:30) or typed on an old one as 12.30 or 12 30; a wrong one keeps its text."""

    widget = TimeInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        match = re.fullmatch(r"(\d{1,2})[:. h](\d{2})(?::\d{2})?", text)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(_l("Write the time as hh:mm, for example 12:30."))
        self.data = time(int(match.group(1)), int(match.group(2)))


def _typed():
    # InputRequired, not DataRequired: a time or date that does not parse keeps its own message.
    return InputRequired(message=_l("This field is required."))


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(FlaskForm):
    repeat = RadioField(_l("How often"), choices=lambda: [("once", _l("Once")), ("weekly", _l("Every week, on chosen days"))],
                        default="once")
    date = RoDateField(_l("Day"))
    first_date = RoDateField(_l("From"))
    last_date = RoDateField(_l("Until"))
    weekdays = CheckboxList(_l("Days of the week"), choices=lambda: [(str(number), label) for number, label in WEEKDAYS],
                            default=["1", "2", "3", "4", "5"])
    skipped = TextAreaField(_l("Days to skip (holidays)"), validators=[_length(4000)])
    start_time = RoTimeField(_l("Starts at"), validators=[_typed()], render_kw={"placeholder": "12:30"})
    end_time = RoTimeField(_l("Ends at"), validators=[_typed()], render_kw={"placeholder": "16:30"})
    place = StringField(_l("Place"), validators=[_length(200)])
    capacity = IntegerField(_l("Capacity (places)"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("The capacity must be at least 1, or left empty."))])
    topic = StringField(_l("Topic"), validators=[_length(300)])
    facilitator_ids = CheckboxList(_l("Facilitators"), coerce=int)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.repeat.data == "weekly":
            for field in (self.first_date, self.last_date):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, _l("This field is required.")]
                    valid = False
        elif self.date.data is None and not self.date.errors:
            self.date.errors = [*self.date.errors, _l("This field is required.")]
            valid = False
        return valid


class SessionEditForm(FlaskForm):
    date = RoDateField(_l("Day"), validators=[_typed()])
    start_time = SessionForm.start_time
    end_time = SessionForm.end_time
    place = SessionForm.place
    capacity = SessionForm.capacity
    topic = SessionForm.topic
    facilitator_ids = CheckboxList(_l("Facilitators"), coerce=int)


class RosterAddForm(FlaskForm):
    person_id = HiddenField(validators=[_required()])
    joined_on = RoDateField(_l("On the list from"), validators=[_typed()])


class RosterLeaveForm(FlaskForm):
    left_on = RoDateField(_l("Leaves the list on"), validators=[_typed()])


class PaperForm(FlaskForm):
    numbers = TextAreaField(_l("Row numbers that signed"), validators=[_required(), _length(4000)])
    confirmed = HiddenField()
    previewed = HiddenField()  # the numbers the preview showed: changed numbers are shown again first
