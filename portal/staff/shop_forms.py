"""Forms of the social shop. Hours are typed as text ("2,5") and read by shop.parse_hours, which says
what is wrong in words; the quantities of a purchase are one input per product, read by the view."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange

from portal.domain.benefits.shop import MAX_STOCK_CHANGE
from portal.staff.forms import id_or_none, typed_required
from portal.staff.people_forms import RoDateField, _length, _required


def _whole(minimum: int):
    return NumberRange(min=minimum, max=MAX_STOCK_CHANGE,
                       message=_l("Write a whole number from %(min)d to %(max)d.", min=minimum, max=MAX_STOCK_CHANGE))


class ProductForm(FlaskForm):
    name_ro = StringField(_l("Name in Romanian"), validators=[_required(), _length(200)])
    name_en = StringField(_l("Name in English (optional)"), validators=[_length(200)])
    price_hours = StringField(_l("Price in hours"), validators=[_required(), _length(10)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    is_active = BooleanField(_l("On offer (shown on the purchase form)"), default=True)


class ReceiveForm(FlaskForm):
    quantity = IntegerField(_l("Pieces received"), validators=[typed_required(), _whole(1)],
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    note = StringField(_l("Where from (optional)"), validators=[_length(300)])


class CountForm(FlaskForm):
    counted = IntegerField(_l("Pieces counted on the shelf"), validators=[typed_required(), _whole(0)],
                           render_kw={"inputmode": "numeric", "autocomplete": "off"})
    note = StringField(_l("Note (optional)"), validators=[_length(300)])


class WorkForm(FlaskForm):
    day = RoDateField(_l("Day of the work"), validators=[typed_required()])
    task = StringField(_l("Work done"), validators=[_required(), _length(300)])
    hours = StringField(_l("Hours"), validators=[_required(), _length(10)],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    verified_by_id = SelectField(_l("Verified by"), coerce=id_or_none, validate_choice=False,
                                 validators=[_required()])


class PurchaseForm(FlaskForm):
    """The day; the quantities are the inputs `<prefix>-buc-<product id>`, one per product on offer."""

    day = RoDateField(_l("Day of the purchase"), validators=[typed_required()])


class CreditForm(FlaskForm):
    """A button: the person's volunteer hours not yet credited become shop hours."""


class CorrectionForm(FlaskForm):
    line_id = SelectField(_l("Line to correct"), coerce=id_or_none, validate_choice=False, validators=[_required()])
    hours = StringField(_l("Hours to add or take away"), validators=[_required(), _length(10)],
                        render_kw={"autocomplete": "off"})
    reason = StringField(_l("Reason"), validators=[_required(), _length(300)])


class ReverseForm(FlaskForm):
    purchase_id = SelectField(_l("Receipt"), coerce=id_or_none, validate_choice=False, validators=[_required()])
    reason = StringField(_l("Reason"), validators=[_required(), _length(300)])

