"""Forms of benefits: a kind, a new list, a person added to a draft, a line's amount, a payment."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional

from portal.domain.benefits.models import (
    BenefitCategory,
    BenefitFrequency,
    BenefitUnit,
    EntitlementRule,
)
from portal.staff.forms import id_or_none, typed_required
from portal.staff.people_forms import RoDateField, _length, _required
from portal.staff.results_forms import NumberField

CATEGORY = {
    BenefitCategory.cash_subsidy: _l("Cash subsidy"),
    BenefitCategory.prize: _l("Prize"),
    BenefitCategory.hot_meal: _l("Hot meal"),
    BenefitCategory.school_kit: _l("School kit"),
    BenefitCategory.voucher: _l("Voucher"),
}
UNIT = {BenefitUnit.lei: _l("lei"), BenefitUnit.pieces: _l("pieces")}
FREQUENCY = {
    BenefitFrequency.monthly: _l("Every month"),
    BenefitFrequency.yearly: _l("Every year"),
    BenefitFrequency.once: _l("Once in the project"),
}
RULE = {
    EntitlementRule.manual: _l("Chosen by staff (nobody is proposed)"),
    EntitlementRule.enrolled: _l("Everyone in the target group, or on the activity's list, in the period"),
    EntitlementRule.attendance: _l("Present at a minimum number of the activity's sessions in the period"),
    EntitlementRule.per_presence: _l("The amount for each session present in the period"),
}


def _choices(labels: dict):
    return lambda: [(key.value, label) for key, label in labels.items()]


class KindForm(FlaskForm):
    category = SelectField(_l("Category"), choices=_choices(CATEGORY), validators=[_required()])
    name_ro = StringField(_l("Name in Romanian"), validators=[_required(), _length(200)])
    name_en = StringField(_l("Name in English"), validators=[_length(200)])
    unit = SelectField(_l("Unit"), choices=_choices(UNIT), validators=[_required()])
    amount = NumberField(_l("Amount per person and period"), validators=[typed_required()],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    frequency = SelectField(_l("How often"), choices=_choices(FREQUENCY), validators=[_required()])
    rule = SelectField(_l("Who is entitled"), choices=_choices(RULE), validators=[_required()])
    activity_id = SelectField(_l("Activity"), coerce=id_or_none, validate_choice=False)
    min_sessions = IntegerField(_l("Minimum number of sessions present"), default=1, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Give a number of sessions between 0 and 1000."))],
        render_kw={"inputmode": "numeric", "min": 0})
    is_active = BooleanField(_l("Given now (new lists can be drawn up)"), default=True)


class ListForm(FlaskForm):
    kind_id = SelectField(_l("Benefit"), coerce=id_or_none, validate_choice=False, validators=[_required()])
    period = StringField(_l("Period"), validators=[_length(10)], render_kw={"autocomplete": "off"})
    notes = TextAreaField(_l("Notes"), validators=[_length(2000)], render_kw={"rows": 2})


class AddLineForm(FlaskForm):
    person_id = HiddenField(validators=[_required()])
    quantity = NumberField(_l("Amount"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField(_l("Note"), validators=[_length(300)])


class LineForm(FlaskForm):
    quantity = NumberField(_l("Amount"), validators=[typed_required()],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    note = StringField(_l("Note"), validators=[_length(300)])


class DeleteListForm(FlaskForm):
    """The confirmation step: nothing to fill, only the CSRF token."""


class PaymentForm(FlaskForm):
    paid_on = RoDateField(_l("Paid or handed over on"), validators=[typed_required()])
    document_no = StringField(_l("Document number"), validators=[_required(), _length(60)],
                              render_kw={"autocomplete": "off"})
    paid_by_id = SelectField(_l("Paid or handed over by"), coerce=id_or_none, validate_choice=False,
                             validators=[_required()])
