"""The register's rules: who a person is, who is eligible, who consented, and what happened to the record.

Every function takes the database session, plain values and the acting user (an Actor), writes an
audit entry for each read or change of personal data, and raises DomainError with a translated
sentence and a stable code when a rule says no. None of them commits: the request (or the CLI
command) commits once at its end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from portal.domain import clock
from portal.db import utcnow
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.people.cnp import mismatches, parse_cnp
from portal.domain.people.models import (
    SENSITIVE_SITUATIONS, SITUATIONS, Answer, Consent, ConsentGiver, ConsentKind, DocumentKind, DossierDocument,
    Enrollment, EnrollmentPeriod, ExitResult, Household, LabourStatus, Person, PersonNameWord, RiskReason, Sex,
)
from portal.domain.people.streets import street_key
from portal.domain.projects.models import Project, Zone, ZoneStreet
from portal.domain.text import fold, normalize_ro

# Rights the register's rules look at (the portal's permission table grants them to roles).
SENSITIVE = "people.sensitive"

ERASED_NAME = "Șters"


@dataclass
class Problem:
    field: str
    message: object  # a lazy translation


class InvalidData(DomainError):
    """Several fields are wrong at once; each problem names its field."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_l("Please correct the fields marked below."), code="invalid_data")
        self.problems = problems


class PossibleDuplicates(DomainError):
    def __init__(self, candidates: list[Person]):
        super().__init__(_l("This person may already be registered. Open the existing record, or confirm that "
                            "this is a different person."), code="possible_duplicates")
        self.candidates = candidates


@dataclass
class PersonData:
    """What identifies and reaches a person, as typed by staff or read from an import row."""

    last_name: str = ""
    first_name: str = ""
    cnp: str = ""
    birth_date: date | None = None
    sex: Sex | None = None
    locality: str = ""
    street: str = ""
    number: str = ""
    block: str = ""
    staircase: str = ""
    apartment: str = ""
    phone: str = ""
    email: str = ""

    def normalized(self) -> "PersonData":
        cleaned = {}
        for item in fields(self):
            value = getattr(self, item.name)
            cleaned[item.name] = normalize_ro(value) if type(value) is str else value
        cleaned["sex"] = Sex(self.sex) if self.sex else None
        cleaned["cnp"] = re.sub(r"\s", "", cleaned["cnp"] or "")
        cleaned["email"] = (cleaned["email"] or "").lower()
        return PersonData(**cleaned)


PERSON_FIELDS = tuple(item.name for item in fields(PersonData))


def search_name(last_name: str, first_name: str) -> str:
    return f"{fold(last_name)} {fold(first_name)}".strip()


def phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    # +40 7xx and 0040 7xx are the same number as 07xx.
    if digits.startswith("0040"):
        digits = "0" + digits[4:]
    elif digits.startswith("40") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def check_person_data(db: Session, data: PersonData, *, person_id: int | None = None,
                      today: date | None = None) -> tuple[PersonData, list[Problem]]:
    """Validate and complete the data (birth date and sex from the CNP); return it with any problems."""
    today = today or clock.today()
    problems: list[Problem] = []
    data = data.normalized()
    if not data.last_name:
        problems.append(Problem("last_name", _l("The last name is required.")))
    if not data.first_name:
        problems.append(Problem("first_name", _l("The first name is required.")))
    if data.cnp:
        try:
            info = parse_cnp(data.cnp, today=today)
        except DomainError as error:
            problems.append(Problem("cnp", error.message))
        else:
            for name in mismatches(info, data.birth_date, data.sex.value if data.sex else None):
                if name == "birth_date":
                    problems.append(Problem("birth_date", _l("The birth date does not match the CNP.")))
                else:
                    problems.append(Problem("sex", _l("The sex does not match the CNP.")))
            data = replace(data, birth_date=data.birth_date or info.birth_date,
                           sex=data.sex or (Sex(info.sex) if info.sex else None))
            taken = db.scalar(select(Person).where(Person.cnp == data.cnp, Person.id != (person_id or 0)))
            if taken is not None and person_id is not None:
                problems.append(Problem("cnp", _l("This CNP belongs to another person (%(code)s). If they are the "
                                                  "same person, merge the two records.", code=taken.code)))
    elif not (data.birth_date and data.sex):
        problems.append(Problem("cnp", _l("Give the CNP, or both the birth date and the sex.")))
    if data.birth_date and data.birth_date > today:
        problems.append(Problem("birth_date", _l("The birth date cannot be in the future.")))
    if data.birth_date and data.birth_date.year < 1900:
        problems.append(Problem("birth_date", _l("The birth date is too far in the past.")))
    return data, problems


def index_name(db: Session, person: Person) -> None:
    """Rewrite the person's name words (none for an erased or merged record)."""
    db.execute(delete(PersonNameWord).where(PersonNameWord.person_id == person.id))
    if person.is_active_record:
        words = sorted({word[:100] for word in person.search_name.split()})
        if words:
            db.execute(insert(PersonNameWord), [{"word": word, "person_id": person.id, "search_name": person.search_name}
                                                for word in words])


def _apply(person: Person, data: PersonData) -> list[str]:
    changed = []
    for name in PERSON_FIELDS:
        value = getattr(data, name)
        if name == "cnp":
            value = value or None
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    person.search_name = search_name(person.last_name, person.first_name)
    person.phone_digits = phone_digits(person.phone)
    return changed


def find_duplicates(db: Session, data: PersonData, *, exclude_id: int | None = None) -> list[Person]:
    """People with the same folded name (either order) and birth date: maybe the same person."""
    if not data.birth_date:
        return []
    names = {search_name(data.last_name, data.first_name), search_name(data.first_name, data.last_name)}
    query = select(Person).where(Person.search_name.in_(names), Person.birth_date == data.birth_date,
                                 Person.merged_into_id.is_(None), Person.erased_at.is_(None))
    if exclude_id:
        query = query.where(Person.id != exclude_id)
    return list(db.scalars(query.order_by(Person.id)))


def person_by_cnp(db: Session, cnp: str) -> Person | None:
    cnp = re.sub(r"\s", "", cnp or "")
    if not cnp:
        return None
    return db.scalar(select(Person).where(Person.cnp == cnp))


@dataclass
class CreateResult:
    person: Person
    existing: bool  # True when the CNP matched a person already registered


def create_person(db: Session, data: PersonData, actor: Actor, *, confirm_new: bool = False,
                  household: Household | None = None) -> CreateResult:
    """Register a person; the same CNP is the same person, a similar name and birth date is asked about."""
    data, problems = check_person_data(db, data)
    if problems:
        raise InvalidData(problems)
    existing = person_by_cnp(db, data.cnp)
    if existing is not None:
        return CreateResult(existing, existing=True)
    if not confirm_new:
        candidates = find_duplicates(db, data)
        if candidates:
            raise PossibleDuplicates(candidates)
    person = Person(last_name="", first_name="", search_name="", created_by_id=actor.user_id, household=household)
    _apply(person, data)
    db.add(person)
    db.flush()
    person.code = f"P{person.id:06d}"
    index_name(db, person)
    record(db, actor, AuditAction.create, person.id)
    return CreateResult(person, existing=False)


def update_person(db: Session, person: Person, data: PersonData, actor: Actor) -> list[str]:
    _require_active(person)
    data, problems = check_person_data(db, data, person_id=person.id)
    if problems:
        raise InvalidData(problems)
    changed = _apply(person, data)
    if {"last_name", "first_name"} & set(changed):
        index_name(db, person)
    if changed:
        record(db, actor, AuditAction.update, person.id, ", ".join(changed))
    return changed


def read_person(db: Session, person_id: int, actor: Actor) -> Person | None:
    """Load a person for display, leaving a trace that their record was read."""
    person = db.get(Person, person_id)
    if person is not None:
        record(db, actor, AuditAction.view, person.id)
    return person


def _require_active(person: Person) -> None:
    if person.erased_at is not None:
        raise DomainError(_l("This record has been erased and can no longer be changed."), code="erased")
    if person.merged_into_id is not None:
        raise DomainError(_l("This record was merged into another one; change that one instead."), code="merged")


# Households -------------------------------------------------------------------------------------

def household_for_import_key(db: Session, project_id: int, key: str) -> Household:
    household = db.scalar(select(Household).where(Household.import_project_id == project_id,
                                                  Household.import_key == key))
    if household is None:
        household = Household(import_project_id=project_id, import_key=key)
        db.add(household)
        db.flush()
    return household


def join_household(db: Session, person: Person, other: Person, actor: Actor) -> Household:
    """Put `person` in the household of `other` (making one if `other` has none)."""
    _require_active(person)
    if other.household is None:
        other.household = Household()
        db.flush()
    person.household = other.household
    record(db, actor, AuditAction.update, person.id, "household")
    return other.household


def leave_household(db: Session, person: Person, actor: Actor) -> None:
    _require_active(person)
    person.household = None
    record(db, actor, AuditAction.update, person.id, "household")


# Consent ----------------------------------------------------------------------------------------

def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def record_consent(db: Session, person: Person, actor: Actor, *, kind: ConsentKind, given_by: ConsentGiver,
                   given_on: date, guardian_name: str = "", document_ref: str = "") -> Consent:
    _require_active(person)
    guardian_name = normalize_ro(guardian_name) or ""
    if given_on > clock.today():
        raise DomainError(_l("The consent date cannot be in the future."), code="consent_future", field="given_on")
    age = age_on(person.birth_date, given_on)
    if given_by == ConsentGiver.person and age is not None and age < 18:
        raise DomainError(_l("The person was under 18 on that date: the consent must be given by a parent or "
                             "guardian."), code="consent_minor", field="given_by")
    if given_by == ConsentGiver.guardian and not guardian_name:
        raise DomainError(_l("Write the name of the parent or guardian who gave the consent."),
                          code="guardian_name_missing", field="guardian_name")
    consent = Consent(person=person, kind=ConsentKind(kind), given_by=ConsentGiver(given_by), given_on=given_on,
                      guardian_name=guardian_name, document_ref=normalize_ro(document_ref) or "",
                      recorded_by_id=actor.user_id)
    db.add(consent)
    record(db, actor, AuditAction.consent, person.id, f"given: {consent.kind.value}")
    return consent


def withdraw_consent(db: Session, consent: Consent, actor: Actor, on: date) -> Consent:
    _require_active(consent.person)
    if consent.withdrawn_on is not None:
        raise DomainError(_l("This consent was already withdrawn."), code="consent_withdrawn")
    if on < consent.given_on:
        raise DomainError(_l("A consent cannot be withdrawn before it was given."), code="withdrawal_before_consent",
                          field="withdrawn_on")
    consent.withdrawn_on = on
    record(db, actor, AuditAction.consent, consent.person_id, f"withdrawn: {consent.kind.value}")
    return consent


def has_consent(person: Person, kind: ConsentKind, on: date | None = None) -> bool:
    on = on or clock.today()
    return any(consent.kind == kind and consent.given_on <= on
               and (consent.withdrawn_on is None or consent.withdrawn_on > on) for consent in person.consents)


# Enrollment -------------------------------------------------------------------------------------

@dataclass
class EntryData:
    """What is asked when a person enters a project's target group."""

    zone_id: int
    entry_date: date
    risk_reason: RiskReason
    risk_details: str = ""
    labour_status: LabourStatus = LabourStatus.inactive
    isced_level: int | None = None
    answers: dict[str, Answer] = field(default_factory=dict)  # situation -> answer


def zone_has_street(db: Session, zone: Zone, street: str) -> bool:
    key = street_key(street)
    return bool(key) and db.scalar(
        select(func.count()).select_from(ZoneStreet).where(ZoneStreet.zone_id == zone.id,
                                                           ZoneStreet.folded_name == key)) > 0


def enroll(db: Session, person: Person, project: Project, entry: EntryData, actor: Actor) -> Enrollment:
    """Put a person in the target group, or re-enter them; they stay one participant of the project."""
    _require_active(person)
    zone = db.get(Zone, entry.zone_id)
    if zone is None or zone.project_id != project.id:
        raise DomainError(_l("Choose one of the project's zones."), code="zone_unknown", field="zone_id")
    enrollment = db.scalar(select(Enrollment).where(Enrollment.person_id == person.id,
                                                    Enrollment.project_id == project.id))
    if enrollment is not None:
        return reenter(db, enrollment, entry.entry_date, actor)
    if not has_consent(person, ConsentKind.data_processing, entry.entry_date):
        raise DomainError(_l("There is no consent to data processing for this person on the entry date. Record "
                             "the signed consent first, then enrol them."), code="consent_missing")
    if not zone_has_street(db, zone, person.street):
        raise DomainError(_l("The address (%(street)s) is not on a street of the zone “%(zone)s”: the person does "
                             "not meet the first criterion.", street=person.street or "—", zone=zone.name),
                          code="outside_zone", field="zone_id")
    if not project.start_date <= entry.entry_date <= project.end_date:
        raise DomainError(_l("The entry date must fall within the project's period."), code="entry_outside_project",
                          field="entry_date")
    if entry.isced_level is not None and not 0 <= entry.isced_level <= 8:
        raise DomainError(_l("The ISCED level goes from 0 to 8."), code="isced_range", field="isced_level")
    if entry.risk_reason == RiskReason.other and not normalize_ro(entry.risk_details):
        raise DomainError(_l("Describe the risk of poverty or social exclusion."), code="risk_details_missing",
                          field="risk_details")
    age = age_on(person.birth_date, entry.entry_date)
    enrollment = Enrollment(person=person, project_id=project.id, zone_id=zone.id, first_entry_date=entry.entry_date,
                            age_at_entry=age if age is not None else 0, risk_reason=RiskReason(entry.risk_reason),
                            risk_details=normalize_ro(entry.risk_details) or "",
                            labour_status=LabourStatus(entry.labour_status), isced_level=entry.isced_level,
                            created_by_id=actor.user_id)
    for situation in SITUATIONS:
        answer = Answer(entry.answers.get(situation, Answer.not_asked))
        if situation in SENSITIVE_SITUATIONS and not actor.can(SENSITIVE):
            answer = Answer.not_asked  # only roles with the special-categories right record these
        setattr(enrollment, situation, answer)
        setattr(enrollment, f"{situation}_on", None if answer == Answer.not_asked else entry.entry_date)
    enrollment.periods.append(EnrollmentPeriod(entry_date=entry.entry_date))
    db.add(enrollment)
    record(db, actor, AuditAction.enroll, person.id, f"project {project.code}")
    return enrollment


def reenter(db: Session, enrollment: Enrollment, entry_date: date, actor: Actor) -> Enrollment:
    """A new stay for someone who left; the entry characteristics stay those of the first entry."""
    _require_active(enrollment.person)
    current = enrollment.current_period
    if current is not None and current.exit_date is None:
        raise DomainError(_l("The person is already in this project's target group."), code="already_enrolled")
    if current is not None and entry_date <= current.exit_date:
        raise DomainError(_l("A re-entry must come after the last exit."), code="reentry_before_exit",
                          field="entry_date")
    enrollment.periods.append(EnrollmentPeriod(entry_date=entry_date))
    record(db, actor, AuditAction.enroll, enrollment.person_id, "re-entry")
    return enrollment


def exit_enrollment(db: Session, enrollment: Enrollment, actor: Actor, *, exit_date: date, result: ExitResult,
                    notes: str = "") -> EnrollmentPeriod:
    _require_active(enrollment.person)
    period = enrollment.current_period
    if period is None or period.exit_date is not None:
        raise DomainError(_l("The person is not in the target group now."), code="not_enrolled")
    if exit_date < period.entry_date:
        raise DomainError(_l("The exit date cannot come before the entry date."), code="exit_before_entry",
                          field="exit_date")
    period.exit_date = exit_date
    period.exit_result = ExitResult(result)
    period.exit_notes = normalize_ro(notes) or ""
    record(db, actor, AuditAction.enroll, enrollment.person_id, f"exit: {period.exit_result.value}")
    return period


def set_answer(db: Session, enrollment: Enrollment, actor: Actor, situation: str, answer: Answer,
               on: date) -> None:
    """Record an entry question that was not asked at entry. An answer already given is never rewritten."""
    _require_active(enrollment.person)
    if situation not in SITUATIONS:
        raise DomainError(_l("Unknown question."), code="unknown_situation")
    if situation in SENSITIVE_SITUATIONS and not actor.can(SENSITIVE):
        raise DomainError(_l("Your role cannot record special-category data."), code="sensitive_forbidden")
    if getattr(enrollment, situation) != Answer.not_asked:
        raise DomainError(_l("This answer was given at entry and is kept as it was."), code="answer_frozen")
    setattr(enrollment, situation, Answer(answer))
    setattr(enrollment, f"{situation}_on", on)
    record(db, actor, AuditAction.update, enrollment.person_id, f"entry answer: {situation}")


def set_document(db: Session, enrollment: Enrollment, actor: Actor, kind: DocumentKind, present: bool,
                 received_on: date | None = None) -> None:
    _require_active(enrollment.person)
    kind = DocumentKind(kind)
    existing = next((document for document in enrollment.documents if document.kind == kind), None)
    if present and existing is None:
        enrollment.documents.append(DossierDocument(kind=kind, received_on=received_on or clock.today(),
                                                    recorded_by_id=actor.user_id))
    elif not present and existing is not None:
        enrollment.documents.remove(existing)
    else:
        return
    record(db, actor, AuditAction.document, enrollment.person_id, f"{kind.value}: {'present' if present else 'missing'}")


# Merge and erasure ------------------------------------------------------------------------------

# Every table that points at a person and must simply follow a merge. Features whose rows need more
# than a moved key (one mark per session, one place per list) do it in their own merge_person.
PERSON_REFERENCES: list[tuple[type, str]] = [(Consent, "person_id")]


def _dependent_features():
    """The features that keep rows about a person: a merge, an erasure and an export reach them too."""
    from portal.domain.activities import services as activities
    from portal.domain.casework import services as casework
    from portal.domain.benefits import services as benefits, shop
    from portal.domain.volunteering import services as volunteering

    return activities, casework, volunteering, benefits, shop


def merge_persons(db: Session, keep: Person, absorb: Person, actor: Actor) -> Person:
    """Join two records of one person: `absorb` disappears into `keep`, and no history is lost.

    Enrollments in the same project become one (the earlier entry and its frozen characteristics
    stay; the other's stays become extra periods); everything else moves over; empty fields of the
    kept record are filled from the other. The absorbed record remains, pointing at the kept one.
    """
    if keep.id == absorb.id:
        raise DomainError(_l("Choose two different records."), code="merge_same")
    _require_active(keep)
    _require_active(absorb)
    if keep.cnp and absorb.cnp and keep.cnp != absorb.cnp:
        raise DomainError(_l("The two records have different CNPs: they are two different people."),
                          code="merge_cnp_conflict")
    for enrollment in list(absorb.enrollments):
        kept = next((other for other in keep.enrollments if other.project_id == enrollment.project_id), None)
        if kept is None:
            enrollment.person = keep
            continue
        first, second = sorted([kept, enrollment], key=lambda item: item.first_entry_date)
        for period in list(second.periods):
            period.enrollment = first
        for document in list(second.documents):
            if all(existing.kind != document.kind for existing in first.documents):
                document.enrollment = first
        db.flush()
        db.delete(second)
        db.flush()  # the unique (person, project) pair is free only once the other enrollment is gone
        first.person = keep
    db.flush()
    for model, column in PERSON_REFERENCES:
        db.execute(update(model).where(getattr(model, column) == absorb.id).values({column: keep.id}))
    for feature in _dependent_features():
        feature.merge_person(db, keep, absorb)
    absorbed_cnp = absorb.cnp
    absorb.cnp = None
    db.flush()
    for name in PERSON_FIELDS:
        if not getattr(keep, name) and getattr(absorb, name):
            setattr(keep, name, getattr(absorb, name))
    if not keep.cnp and absorbed_cnp:
        keep.cnp = absorbed_cnp
    if keep.household is None and absorb.household is not None:
        keep.household = absorb.household
    keep.search_name = search_name(keep.last_name, keep.first_name)
    keep.phone_digits = phone_digits(keep.phone)
    absorb.merged_into_id = keep.id
    absorb.household = None
    index_name(db, absorb)
    record(db, actor, AuditAction.merge, keep.id, f"absorbed {absorb.code}")
    record(db, actor, AuditAction.merge, absorb.id, f"merged into {keep.code}")
    db.expire(keep, ["enrollments", "consents"])
    return keep


def erase_person(db: Session, person: Person, actor: Actor) -> Person:
    """GDPR erasure: identifying data goes; sex, age at entry and every count stay, so indicators hold."""
    _require_active(person)
    person.last_name = ERASED_NAME
    person.first_name = person.code or ""
    person.search_name = ""
    person.cnp = None
    person.birth_date = None
    for name in ("locality", "street", "number", "block", "staircase", "apartment", "phone", "phone_digits", "email"):
        setattr(person, name, "")
    person.household = None
    for consent in person.consents:
        consent.guardian_name = ""
        consent.document_ref = ""
    for enrollment in person.enrollments:
        enrollment.risk_details = ""
        for period in enrollment.periods:
            period.exit_notes = ""
    activities, casework, volunteering, benefits, shop = _dependent_features()
    activities.erase_person(db, person, clock.today())
    casework.erase_person(db, person)
    volunteering.erase_person(db, person, clock.today())
    benefits.erase_person(db, person)
    shop.erase_person(db, person)
    person.erased_at = utcnow()
    index_name(db, person)
    record(db, actor, AuditAction.erase, person.id)
    return person


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    """Everything the register holds about a person (GDPR art. 15 and 20), as plain values."""
    record(db, actor, AuditAction.export, person.id, "personal data export")
    show_sensitive = actor.can(SENSITIVE)
    return {
        "code": person.code,
        "identity": {name: _plain(getattr(person, name)) for name in PERSON_FIELDS},
        "household": {
            "members": len(person.household.members) if person.household else 0,
        },
        "enrollments": [
            {
                "project": enrollment.project.code,
                "zone": enrollment.zone.name,
                "first_entry_date": enrollment.first_entry_date.isoformat(),
                "age_at_entry": enrollment.age_at_entry,
                "risk_reason": enrollment.risk_reason.value,
                "risk_details": enrollment.risk_details,
                "labour_status": enrollment.labour_status.value,
                "isced_level": enrollment.isced_level,
                "situations": {
                    situation: {"answer": getattr(enrollment, situation).value,
                                "on": _plain(getattr(enrollment, f"{situation}_on"))}
                    for situation in SITUATIONS if show_sensitive or situation not in SENSITIVE_SITUATIONS
                },
                "periods": [{"entry_date": period.entry_date.isoformat(), "exit_date": _plain(period.exit_date),
                             "exit_result": period.exit_result.value if period.exit_result else None}
                            for period in enrollment.periods],
                "documents": sorted(document.kind.value for document in enrollment.documents),
            }
            for enrollment in person.enrollments
        ],
        "consents": [
            {"kind": consent.kind.value, "given_by": consent.given_by.value, "guardian_name": consent.guardian_name,
             "given_on": consent.given_on.isoformat(), "document_ref": consent.document_ref,
             "withdrawn_on": _plain(consent.withdrawn_on)}
            for consent in person.consents
        ],
        **_dependent_exports(db, person, actor),
    }


def _dependent_exports(db: Session, person: Person, actor: Actor) -> dict:
    exports = {}
    for feature in _dependent_features():
        exports.update(feature.export_person(db, person, actor))
    return exports


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def _prefix_range(column, prefix: str):
    """column starts with prefix, written as a range so that a plain index serves it."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


@dataclass(frozen=True)
class SearchText:
    """What a search box holds: a person code, digits (CNP or phone), or words of a name."""

    code: str | None = None
    digits: str | None = None
    phone: str | None = None
    words: tuple[str, ...] = ()


def parse_search(text: str) -> SearchText:
    text = (text or "").strip()
    if not text:
        return SearchText()
    if re.fullmatch(r"[Pp]\d{1,6}", text):
        return SearchText(code=f"P{int(text[1:]):06d}")
    compact = re.sub(r"[\s+().-]", "", text)
    if compact.isdigit() and len(compact) >= 4:
        return SearchText(digits=compact, phone=phone_digits(text) or compact)
    return SearchText(words=tuple(word[:100] for word in fold(text).split()))


def name_word_range(column, prefix: str):
    return _prefix_range(column, prefix)


def person_query_text(text: str):
    """SQL conditions on Person for a search box: every one an index range (name words by prefix,
    CNP and phone by their first digits, or the exact person code)."""
    search = parse_search(text)
    if search.code:
        return [Person.code == search.code]
    if search.digits:
        return [or_(_prefix_range(Person.cnp, search.digits), _prefix_range(Person.phone_digits, search.phone))]
    return [Person.id.in_(select(PersonNameWord.person_id).where(_prefix_range(PersonNameWord.word, token)))
            for token in search.words]
