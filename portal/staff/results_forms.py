"""Forms of a project's indicators: the indicator with its rule, a logged adjustment, the deletion."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange
from wtforms.widgets import TextInput

from portal.domain.results.services import parse_number
from portal.staff.forms import id_or_none, typed_required
from portal.staff import labels
from portal.staff.people_forms import RoDateField, _length, _required
from portal.staff.session_forms import CheckboxList



def plain_number(value: Decimal | None) -> str:
    """1110.00 → "1110", 2.50 → "2,5": how the number goes back into a form field."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


class NumberField(Field):
    """A number typed the Romanian way; a wrong one keeps its text and says how to write it."""

    widget = TextInput()
    invalid_message = _l("Write a number, for example 1.110, 1110 or 2,5.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return plain_number(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_number(valuelist[0])
            if self.data is None:
                raise ValueError(self.invalid_message)


def _rule_or_blank(value):
    return value or ""


class IndicatorForm(FlaskForm):
    code = StringField(_l("Code"), validators=[_required(), _length(20)], render_kw={"autocomplete": "off"})
    name_ro = StringField(_l("Name in Romanian"), validators=[_required(), _length(300)])
    name_en = StringField(_l("Name in English"), validators=[_length(300)])
    target = NumberField(_l("Target"), validators=[typed_required()], render_kw={"inputmode": "decimal", "autocomplete": "off"})
    unit = SelectField(_l("Unit"), choices=lambda: labels.choices(labels.INDICATOR_UNIT), validators=[_required()])
    is_public = BooleanField(_l("Shown on the public site"), default=True)
    rule = SelectField(_l("Rule"), coerce=_rule_or_blank,
                       choices=lambda: labels.choices(labels.RULE_KIND, blank=_l("No rule yet (target only)")))
    activity_id = SelectField(_l("Activity"), coerce=id_or_none, validate_choice=False)
    min_sessions = IntegerField(_l("Minimum number of sessions attended"), default=1, validators=[
        typed_required(), NumberRange(min=1, max=1000, message=_l("Give a number of sessions between 1 and 1000."))],
        render_kw={"inputmode": "numeric", "min": 1})
    characteristic = SelectField(_l("Only persons with this characteristic"),
                                 choices=lambda: labels.characteristic_choices())
    service_type_ids = CheckboxList(_l("Service types"), coerce=int, validate_choice=False)
    benefit_kind_id = SelectField(_l("Benefit kind"), coerce=id_or_none, validate_choice=False)


class AdjustmentForm(FlaskForm):
    amount = StringField(_l("Amount to add"), validators=[_required(), _length(20)],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    effective_on = RoDateField(_l("Counts from (day)"), validators=[typed_required()])
    reason = TextAreaField(_l("Reason"), validators=[_required(), _length(2000)], render_kw={"rows": 3})


class DeleteIndicatorForm(FlaskForm):
    """The confirmation step: nothing to fill, only the CSRF token."""
