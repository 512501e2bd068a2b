"""Forms of the target-group register. Dates accept zz.ll.aaaa and aaaa-ll-zz."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import TextInput

from portal.domain.people.models import SENSITIVE_SITUATIONS, SITUATIONS
from portal.staff import labels

DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class DateInput(TextInput):
    input_type = "date"


class RoDateField(Field):
    """A date typed as 24.11.2026 or picked in the browser (2026-11-24); a wrong one keeps its text."""

    widget = DateInput()
    invalid_message = _l("Write the date as dd.mm.yyyy, for example 24.11.2026.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = parse_date(valuelist[0])
            except ValueError:
                raise ValueError(self.invalid_message) from None


def _required():
    return DataRequired(message=_l("This field is required."))


def _length(maximum):
    return Length(max=maximum, message=_l("At most %(max)d characters."))


class PersonForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[_required(), _length(100)])
    first_name = StringField(_l("First name"), validators=[_required(), _length(100)])
    cnp = StringField(_l("CNP (personal numeric code)"), validators=[Optional(), _length(20)])
    birth_date = RoDateField(_l("Birth date"))
    sex = SelectField(_l("Sex"), choices=lambda: labels.choices(labels.SEX, blank=_l("— choose —")),
                      validators=[Optional()])
    locality = StringField(_l("Town or village"), validators=[_required(), _length(100)])
    street = StringField(_l("Street"), validators=[_required(), _length(150)])
    number = StringField(_l("Number"), validators=[_length(20)])
    block = StringField(_l("Block"), validators=[_length(20)])
    staircase = StringField(_l("Staircase"), validators=[_length(20)])
    apartment = StringField(_l("Apartment"), validators=[_length(20)])
    phone = StringField(_l("Phone"), validators=[_length(30)])
    email = StringField(_l("E-mail address"), validators=[
        Optional(), Email(message=_l("Enter a valid e-mail address.")), _length(254)])
    confirm_new = HiddenField()


def _zone_choices(projects):
    return {project.short_name: [(str(zone.id), zone.name) for zone in project.zones] for project in projects}


class EnrollmentForm(FlaskForm):
    project_id = SelectField(_l("Project"), validators=[_required()])
    zone_id = SelectField(_l("Zone (criterion 1: lives in the zone)"), validators=[_required()])
    entry_date = RoDateField(_l("Entry date"), validators=[_required()])
    risk_reason = SelectField(_l("Risk of poverty or social exclusion (criterion 2)"),
                              choices=lambda: labels.choices(labels.RISK_REASON), validators=[_required()])
    risk_details = TextAreaField(_l("Details of the risk"), validators=[_length(2000)])
    labour_status = SelectField(_l("Labour status at entry"), choices=lambda: labels.choices(labels.LABOUR_STATUS),
                                validators=[_required()])
    isced_level = SelectField(_l("Education at entry"),
                              choices=lambda: labels.choices(labels.ISCED, blank=_l("not known")),
                              validators=[Optional()])
    situation_disability = SelectField(labels.SITUATION["disability"], choices=lambda: labels.choices(labels.ANSWER))
    situation_minority = SelectField(labels.SITUATION["minority"], choices=lambda: labels.choices(labels.ANSWER))
    situation_homeless = SelectField(labels.SITUATION["homeless"], choices=lambda: labels.choices(labels.ANSWER))
    situation_jobless_household = SelectField(labels.SITUATION["jobless_household"],
                                              choices=lambda: labels.choices(labels.ANSWER))
    situation_single_parent_household = SelectField(labels.SITUATION["single_parent_household"],
                                                    choices=lambda: labels.choices(labels.ANSWER))
    situation_rural = SelectField(labels.SITUATION["rural"], choices=lambda: labels.choices(labels.ANSWER))

    def set_projects(self, projects):
        self.project_id.choices = [(str(project.id), f"{project.short_name} ({project.code})") for project in projects]
        self.zone_id.choices = _zone_choices(projects)

    def situation_fields(self, sensitive: bool):
        return [getattr(self, f"situation_{name}") for name in SITUATIONS
                if sensitive or name not in SENSITIVE_SITUATIONS]


class ConsentForm(FlaskForm):
    kind = SelectField(_l("Consent to"), choices=lambda: labels.choices(labels.CONSENT_KIND), validators=[_required()])
    given_by = SelectField(_l("Given by"), choices=lambda: labels.choices(labels.CONSENT_GIVER),
                           validators=[_required()])
    guardian_name = StringField(_l("Name of the parent or guardian"), validators=[_length(200)])
    given_on = RoDateField(_l("Date of the signature"), validators=[_required()])
    document_ref = StringField(_l("Document number or reference"), validators=[_length(100)])


class WithdrawConsentForm(FlaskForm):
    withdrawn_on = RoDateField(_l("Withdrawn on"), validators=[_required()])


class ExitForm(FlaskForm):
    exit_date = RoDateField(_l("Exit date"), validators=[_required()])
    result = SelectField(_l("Result at exit"), choices=lambda: labels.choices(labels.EXIT_RESULT),
                         validators=[_required()])
    notes = TextAreaField(_l("Notes"), validators=[_length(2000)])


class ReentryForm(FlaskForm):
    entry_date = RoDateField(_l("Re-entry date"), validators=[_required()])


class AnswerForm(FlaskForm):
    situation = HiddenField(validators=[_required()])
    answer = SelectField(_l("Answer"), choices=lambda: labels.choices(
        {key: value for key, value in labels.ANSWER.items() if key.value != "not_asked"}), validators=[_required()])
    answered_on = RoDateField(_l("Date"), validators=[_required()])


class HouseholdForm(FlaskForm):
    member_code = StringField(_l("Code of a household member (e.g. P000123)"), validators=[_required(), _length(12)])


class MergeForm(FlaskForm):
    other_code = StringField(_l("Code of the other record (e.g. P000123)"), validators=[_required(), _length(12)])
    confirmed = HiddenField()


class EraseForm(FlaskForm):
    confirm_code = StringField(_l("Type the person's code to confirm"), validators=[_required(), _length(12)])


class ImportForm(FlaskForm):
    project_id = SelectField(_l("Project"), validators=[_required()])
    file = FileField(_l("File (CSV or XLSX)"))
    dry_run = BooleanField(_l("Only check the file (dry run), import nothing"), default=True)
