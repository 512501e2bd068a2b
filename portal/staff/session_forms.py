"""Forms of sessions, rosters and attendance. Times are typed as 12:30; dates as 24.11.2026."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import TimeField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.staff.people_forms import RoDateField, _length, _required

WEEKDAYS = (
    (1, _l("Monday")), (2, _l("Tuesday")), (3, _l("Wednesday")), (4, _l("Thursday")), (5, _l("Friday")),
    (6, _l("Saturday")), (7, _l("Sunday")),
)


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
    start_time = TimeField(_l("Starts at"), validators=[_required()],
                           render_kw={"placeholder": "12:30"})
    end_time = TimeField(_l("Ends at"), validators=[_required()], render_kw={"placeholder": "16:30"})
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
    date = RoDateField(_l("Day"), validators=[_required()])
    start_time = SessionForm.start_time
    end_time = SessionForm.end_time
    place = SessionForm.place
    capacity = SessionForm.capacity
    topic = SessionForm.topic
    facilitator_ids = CheckboxList(_l("Facilitators"), coerce=int)


class RosterAddForm(FlaskForm):
    person_id = HiddenField(validators=[_required()])
    joined_on = RoDateField(_l("On the list from"), validators=[_required()])


class RosterLeaveForm(FlaskForm):
    left_on = RoDateField(_l("Leaves the list on"), validators=[_required()])


class PaperForm(FlaskForm):
    numbers = TextAreaField(_l("Row numbers that signed"), validators=[_required(), _length(4000)])
    confirmed = HiddenField()
