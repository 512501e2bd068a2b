"""The public sign-up form. It checks only what the page must (lengths, a readable date); the rules
of a sign-up (contact, age, guardian, privacy) are the domain's, in check_sign_up."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TelField
from wtforms.fields.choices import SelectChoice

from portal.domain.volunteering.services import SignUpData
from portal.staff.people_forms import RoDateField, _length

class BirthDateField(RoDateField):
    """A date picked in the browser (2008-11-24) or typed where there is no picker (24.11.2008)."""

    invalid_message = _l("Write the date of birth as dd.mm.yyyy, for example 24.11.2008.")



class SignUpForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[_length(100)])
    first_name = StringField(_l("First name"), validators=[_length(100)])
    email = EmailField(_l("E-mail address"), validators=[_length(254)])
    phone = TelField(_l("Phone"), validators=[_length(40)])
    birth_date = BirthDateField(_l("Date of birth"))
    # The register counts people by sex (no CNP is asked here); the domain says when it is missing.
    sex = RadioField(_l("Sex"), choices=[SelectChoice(value="F", label=_l("Female")),
                                              SelectChoice(value="M", label=_l("Male"))], validate_choice=False)
    school = StringField(_l("School"), validators=[_length(200)])
    school_class = StringField(_l("Class"), validators=[_length(40)])
    guardian_name = StringField(_l("Name of the parent or guardian"), validators=[_length(200)])
    guardian_contact = StringField(_l("Phone or e-mail of the parent or guardian"), validators=[_length(254)])
    guardian_consent = BooleanField(_l("As parent or guardian, I agree to this sign-up."))
    privacy_accepted = BooleanField(_l("I have read the privacy notice and agree that these data are used for "
                                       "this sign-up."))
    # The honeypot: hidden from people, filled in by robots that fill in every field.
    website = StringField(_l("Leave this field empty"))

    def sign_up_data(self) -> SignUpData:
        return SignUpData(
            last_name=self.last_name.data or "", first_name=self.first_name.data or "",
            email=self.email.data or "", phone=self.phone.data or "", birth_date=self.birth_date.data,
            sex=self.sex.data if self.sex.data in ("F", "M") else None,
            school=self.school.data or "", school_class=self.school_class.data or "",
            privacy_accepted=bool(self.privacy_accepted.data), guardian_name=self.guardian_name.data or "",
            guardian_contact=self.guardian_contact.data or "", guardian_consent=bool(self.guardian_consent.data))

    def is_robot(self) -> bool:
        return bool((self.website.data or "").strip())

    def add_problems(self, problems: dict[str, object]) -> list[str]:
        """The domain's complaints on their fields (a field the form already faulted keeps its own);
        returns those about no field of this form, for the top of the page."""
        elsewhere = []
        for name, message in problems.items():
            field = self._fields.get(name)
            if field is None or name in ("csrf_token", "website"):
                elsewhere.append(str(message))
            elif not field.errors:
                field.errors = [*field.errors, str(message)]
        return elsewhere

    def has_errors(self) -> bool:
        return any(field.errors for field in self._fields.values())

