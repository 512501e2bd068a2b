"""Importing the target group from a spreadsheet: CSV (comma, semicolon or tab; UTF-8 with or without BOM,
or Windows-1250 as older Romanian Excel writes it) or Excel .xlsx (first sheet).

The first non-empty row holds the column names; they match whatever the case, diacritics or spacing
("Data nașterii" is `data_nasterii`). Row numbers in the report are the spreadsheet's own (header = 1).

Columns (the template, `template_xlsx()` / `template_csv()`, has them all, with the same explanations
on its second sheet, "Instrucțiuni"):

- `nume`, `prenume` (required)
- `cnp`, or both `data_nasterii` and `sex` (required)
- `data_nasterii`: zz.ll.aaaa or aaaa-ll-zz (a real date cell in Excel works too)
- `sex`: M or F (also m/f, masculin/feminin)
- `localitate`, `strada` (required), `numar`, `bloc`, `scara`, `apartament`
- `zona` (required): the name of one of the project's zones, as in the portal (diacritics and case do not matter)
- `telefon`, `email`
- `gospodarie`: any key (a number, a family name); rows with the same key form one household
- `data_intrarii`: when filled, the person also enters the project's target group on that date; then:
  - `risc_saracie`: must be `da` (the second eligibility criterion)
  - `motiv_risc`: free text; "venit minim", "VMI", "VMG", "ajutor social" mean the minimum inclusion income;
    "șomaj"/"șomer" unemployment; "dizabilitate"/"handicap" disability; "monoparental" a single-parent family;
    "anchetă" a social inquiry; anything else is kept as the description of another reason
  - `situatie_ocupare` (required): `angajat` (or `independent`), `somer`, `somer de lunga durata`, `inactiv`,
    `inactiv fara studii/formare` (inactive, not in education or training); diacritics and feminine forms accepted
  - `nivel_isced`: 0 to 8
  - `dizabilitate`, `etnie_roma`: `da`, `nu`, `refuz` (refused to answer); empty = not asked
- `consimtamant` (optional): the date the signed consent to data processing was given, or `da` for the entry
  date. A minor's consent is recorded as given by a parent or guardian. A person who enters the target group
  needs a consent in force on the entry date: from this column or recorded before in the portal.

How rows are matched: the same CNP is the same person; otherwise the same name (without diacritics, in either
order) and birth date, when exactly one registered person has them. Several such people make the row an error
(resolve them in the portal first). An empty cell never erases what the register already holds. An enrollment
already in the register keeps its frozen entry data; a later entry date after an exit is a re-entry.

Every row is imported on its own (a savepoint per row): a bad row is reported with its row number, column and
reason, and leaves nothing behind; the good rows around it are imported. A problem with the column names stops
the whole file. A dry run does everything, reports the same, and rolls it all back.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.people.models import (
    Answer, ConsentGiver, ConsentKind, Enrollment, Household, LabourStatus, Person, RiskReason, Sex,
)
from portal.domain.people.services import (
    PERSON_FIELDS, EntryData, InvalidData, PersonData, age_on, check_person_data, create_person, enroll,
    find_duplicates, has_consent, household_for_import_key, person_by_cnp, record_consent, reenter, update_person,
)
from portal.domain.projects.models import Project
from portal.domain.text import fold, normalize_ro

TEMPLATE_HEADERS: list[str] = [
    "nume", "prenume", "cnp", "data_nasterii", "sex", "localitate", "strada", "numar", "bloc", "scara",
    "apartament", "zona", "telefon", "email", "gospodarie", "data_intrarii", "risc_saracie", "motiv_risc",
    "situatie_ocupare", "nivel_isced", "dizabilitate", "etnie_roma", "consimtamant",
]
_COLUMN_ORDER = {column: index for index, column in enumerate(TEMPLATE_HEADERS)}
REQUIRED_HEADERS = ("nume", "prenume", "localitate", "strada", "zona")
# Short forms people write in their own sheets.
HEADER_ALIASES = {"nr": "numar", "bl": "bloc", "sc": "scara", "ap": "apartament", "e_mail": "email"}

# Column -> PersonData field.
PERSON_COLUMNS = {
    "nume": "last_name", "prenume": "first_name", "cnp": "cnp", "data_nasterii": "birth_date", "sex": "sex",
    "localitate": "locality", "strada": "street", "numar": "number", "bloc": "block", "scara": "staircase",
    "apartament": "apartment", "telefon": "phone", "email": "email",
}
# A service's field name -> the column the problem is reported on.
FIELD_COLUMNS = {
    **{name: column for column, name in PERSON_COLUMNS.items()},
    "zone_id": "zona", "entry_date": "data_intrarii", "risk_reason": "motiv_risc", "risk_details": "motiv_risc",
    "labour_status": "situatie_ocupare", "isced_level": "nivel_isced",
    "given_on": "consimtamant", "given_by": "consimtamant", "guardian_name": "consimtamant",
}
TEXT_LIMITS = {column: Person.__table__.c[name].type.length
               for column, name in PERSON_COLUMNS.items() if name not in ("birth_date", "sex")}
TEXT_LIMITS["gospodarie"] = Household.__table__.c["import_key"].type.length

GUARDIAN_FROM_FORM = "(din formularul de înscriere)"

SEX_VALUES = {"m": Sex.male, "masculin": Sex.male, "barbat": Sex.male,
              "f": Sex.female, "feminin": Sex.female, "femeie": Sex.female}
ANSWER_VALUES = {"da": Answer.yes, "nu": Answer.no, "refuz": Answer.refused, "refuzat": Answer.refused,
                 "refuza": Answer.refused, "refuza sa raspunda": Answer.refused}
LABOUR_VALUES = {
    "angajat": LabourStatus.employed, "angajata": LabourStatus.employed,
    "independent": LabourStatus.employed, "independenta": LabourStatus.employed,
    "angajat independent": LabourStatus.employed,
    "somer": LabourStatus.unemployed, "somera": LabourStatus.unemployed,
    "somer de lunga durata": LabourStatus.long_term_unemployed,
    "somera de lunga durata": LabourStatus.long_term_unemployed,
    "somer pe termen lung": LabourStatus.long_term_unemployed,
    "inactiv": LabourStatus.inactive, "inactiva": LabourStatus.inactive,
    "inactiv fara studii formare": LabourStatus.inactive_not_in_education,
    "inactiva fara studii formare": LabourStatus.inactive_not_in_education,
    **{status.value.replace("_", " "): status for status in LabourStatus},
}
RISK_KEYWORDS = [
    (re.compile(r"venit\w* minim|\bvmi\b|\bvmg\b|ajutor\w* social"), RiskReason.minimum_income),
    (re.compile(r"somaj|somer"), RiskReason.unemployment),
    (re.compile(r"dizabilit|handicap"), RiskReason.disability),
    (re.compile(r"monoparental"), RiskReason.single_parent),
    (re.compile(r"ancheta"), RiskReason.social_inquiry),
]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [{"row": error.row, "column": error.column, "message": error.message}
                           for error in self.errors]}


class UnreadableFile(DomainError):
    """The file itself cannot be read: not CSV or XLSX, damaged, empty, or in an unknown encoding."""

    def __init__(self, message):
        super().__init__(message, code="unreadable_file")


class _RowFailed(Exception):
    def __init__(self, problems: list[tuple[str, object]]):
        super().__init__("row failed")
        self.problems = problems


# Reading the file ------------------------------------------------------------------------------------

def _read_rows(filename: str, content: bytes) -> list[tuple[int, list]]:
    """(spreadsheet row number, cell values) for every row of the file."""
    if not content or not content.strip():
        raise UnreadableFile(_l("The file is empty."))
    extension = PurePath(filename or "").suffix.lower()
    if content.startswith(b"PK"):
        return _xlsx_rows(content)
    if content.startswith(_OLE_MAGIC) or extension == ".xls":
        raise UnreadableFile(_l("Old Excel files (.xls) cannot be read: save the file as Excel workbook (.xlsx) "
                                "or as CSV, then import it again."))
    if extension in (".xlsx", ".xlsm"):
        raise UnreadableFile(_l("The Excel file is damaged or is not an .xlsx workbook."))
    return _csv_rows(content)


def _xlsx_rows(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Files from other programs make openpyxl warn about styles and extensions it ignores.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                if not workbook.worksheets:
                    raise UnreadableFile(_l("The Excel file has no sheet."))
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # some programs write a wrong sheet size: read every row there is
                rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
            finally:
                workbook.close()
    except UnreadableFile:
        raise
    except Exception:  # a damaged zip or workbook fails in many ways, all of which mean the same to the user
        raise UnreadableFile(_l("The Excel file is damaged or is not an .xlsx workbook.")) from None
    return rows


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            text = content.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(_l("The file's text could not be read: save it as CSV UTF-8.")) from None
    else:
        if b"\x00" in content:
            raise UnreadableFile(_l("The file is not a CSV or Excel (.xlsx) file."))
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("cp1250")
            except UnicodeDecodeError:
                raise UnreadableFile(_l("The file's text could not be read: save it as CSV UTF-8.")) from None
    text = text.lstrip("\ufeff").rstrip("\x1a")
    if _CONTROL.search(text):
        raise UnreadableFile(_l("The file is not a CSV or Excel (.xlsx) file."))
    return text


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(content: bytes) -> list[tuple[int, list]]:
    text = _decode(content)
    # Excel writes "sep=;" on a line of its own to say which separator follows; it is not a row.
    if hint := re.match(r"sep=(.)\r?\n", text):
        delimiter, text = hint[1], text[hint.end():]
    else:
        delimiter = _delimiter(text)
    if not text.strip():
        raise UnreadableFile(_l("The file is empty."))
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [(number, row) for number, row in enumerate(reader, 1)]
    except csv.Error:
        raise UnreadableFile(_l("The file is not a CSV or Excel (.xlsx) file.")) from None


def header_key(text) -> str:
    """ "Data nașterii" -> "data_nasterii"."""
    key = re.sub(r"[^a-z0-9]+", "_", fold(str(text))).strip("_")
    return HEADER_ALIASES.get(key, key)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Cell values -----------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "da" if value else "nu"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return normalize_ro(str(value)) or ""


def _token(value) -> str:
    """Lower case, no diacritics, words separated by single spaces: "Șomer de lungă durată" -> "somer de lunga durata"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(_text(value))).split())


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        if match := _DOTTED_DATE.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _ISO_DATE.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise ValueError(text)


class _Row:
    """One spreadsheet row: the cells by column, and the problems found while reading them."""

    def __init__(self, values: dict[str, object]):
        self.values = values
        self.problems: list[tuple[str, object]] = []

    def text(self, column: str) -> str:
        return _text(self.values.get(column))

    def blank(self, column: str) -> bool:
        return not self.text(column)

    def problem(self, column: str, message) -> None:
        self.problems.append((column, message))

    def date(self, column: str) -> date | None:
        if self.blank(column):
            return None
        try:
            return _date(self.values[column])
        except ValueError:
            self.problem(column, _l("Write the date as zz.ll.aaaa or aaaa-ll-zz."))
            return None

    def answer(self, column: str) -> Answer:
        if self.blank(column):
            return Answer.not_asked
        answer = ANSWER_VALUES.get(_token(self.values[column]))
        if answer is None:
            self.problem(column, _l("Write da, nu or refuz (or leave the cell empty if it was not asked)."))
            return Answer.not_asked
        return answer


def _phone(value) -> str:
    text = _text(value)
    # A phone number typed into a number cell loses its leading zero: 740123456 is 0740123456.
    if isinstance(value, (int, float)) and re.fullmatch(r"[237]\d{8}", text):
        return "0" + text
    return text


def _risk(text: str) -> tuple[RiskReason, str]:
    folded = _token(text)
    for pattern, reason in RISK_KEYWORDS:
        if pattern.search(folded):
            return reason, ""
    return RiskReason.other, text


# The import --------------------------------------------------------------------------------------------

@dataclass
class _Columns:
    by_index: dict[int, str]
    errors: list[RowError]
    header_row: int


def _columns(number: int, header: list) -> _Columns:
    by_index: dict[int, str] = {}
    errors: list[RowError] = []
    seen: set[str] = set()
    known = set(TEMPLATE_HEADERS)
    for index, cell in enumerate(header):
        if _is_blank(cell):
            continue
        key = header_key(cell)
        if key not in known:
            errors.append(RowError(number, _text(cell), str(_l(
                "Unknown column “%(name)s”. The columns are: %(columns)s.", name=_text(cell),
                columns=", ".join(TEMPLATE_HEADERS)))))
        elif key in seen:
            errors.append(RowError(number, key, str(_l("The column “%(name)s” appears twice.", name=key))))
        else:
            seen.add(key)
            by_index[index] = key
    for key in REQUIRED_HEADERS:
        if key not in seen:
            errors.append(RowError(number, key, str(_l("The column “%(name)s” is missing.", name=key))))
    if "cnp" not in seen and not {"data_nasterii", "sex"} <= seen:
        errors.append(RowError(number, "cnp", str(_l(
            "The file needs a “cnp” column, or both “data_nasterii” and “sex”."))))
    return _Columns(by_index, errors, number)


def import_people(db: Session, project: Project, filename: str, content: bytes, actor: Actor, *,
                  dry_run: bool = False) -> ImportReport:
    """Import the people of a CSV or XLSX file into the register (and the project's target group).

    Raises UnreadableFile when the file cannot be read at all; any other problem is a row of the report.
    Does not commit; a dry run leaves the session as it found it.
    """
    rows = _read_rows(filename, content)
    rows = [(number, cells) for number, cells in rows if not all(_is_blank(cell) for cell in cells)]
    if not rows:
        raise UnreadableFile(_l("The file is empty."))
    header_number, header = rows[0]
    columns = _columns(header_number, header)
    report = ImportReport()
    importer = _Importer(db, project, actor)
    outer = db.begin_nested()
    try:
        if columns.errors:
            report.errors.extend(columns.errors)
        else:
            for number, cells in rows[1:]:
                values = {column: cells[index] for index, column in columns.by_index.items() if index < len(cells)}
                if all(_is_blank(value) for value in values.values()):
                    continue
                importer.row(number, values, report)
    except BaseException:
        outer.rollback()
        raise
    if dry_run:
        outer.rollback()
    else:
        outer.commit()
        record(db, actor, AuditAction.import_, None,
               f"{filename}, created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
               f"errors {len(report.errors)}")
    return report


def _service(default_column: str, call, *args, **kwargs):
    """Run a service, turning its refusal into the row's problems on the right columns."""
    try:
        return call(*args, **kwargs)
    except InvalidData as error:
        raise _RowFailed([(FIELD_COLUMNS.get(problem.field, default_column), problem.message)
                          for problem in error.problems]) from None
    except DomainError as error:
        raise _RowFailed([(FIELD_COLUMNS.get(error.field or "", default_column), error.message)]) from None


class _Importer:
    def __init__(self, db: Session, project: Project, actor: Actor):
        self.db = db
        self.project = project
        self.actor = actor
        self.zones = {fold(zone.name): zone for zone in project.zones}

    def row(self, number: int, values: dict, report: ImportReport) -> None:
        try:
            with self.db.begin_nested():
                outcome = self._import(_Row(values))
        except _RowFailed as failed:
            problems = sorted(failed.problems, key=lambda problem: _COLUMN_ORDER.get(problem[0], len(_COLUMN_ORDER)))
            report.errors.extend(RowError(number, column, str(message)) for column, message in problems)
        except DBAPIError:
            # Guarded against above (lengths, uniqueness); should the database still refuse, the row is
            # reported and the savepoint has already undone it.
            report.errors.append(RowError(number, "", str(_l("The row could not be saved in the register."))))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)

    # Reading and checking the row, before anything is written.
    def _parse(self, row: _Row):
        raw = PersonData(
            last_name=row.text("nume"), first_name=row.text("prenume"), cnp=row.text("cnp"),
            birth_date=row.date("data_nasterii"), sex=None,
            locality=row.text("localitate"), street=row.text("strada"), number=row.text("numar"),
            block=row.text("bloc"), staircase=row.text("scara"), apartment=row.text("apartament"),
            phone=_phone(row.values.get("telefon")), email=row.text("email"),
        )
        if not row.blank("sex"):
            sex = SEX_VALUES.get(_token(row.values["sex"]))
            if sex is None:
                row.problem("sex", _l("Write M or F."))
            raw = replace(raw, sex=sex)
        for column in ("localitate", "strada", "zona"):
            if row.blank(column):
                row.problem(column, _l("This column is required."))
        for column, limit in TEXT_LIMITS.items():
            if len(row.text(column)) > limit:
                row.problem(column, _l("Too long: at most %(count)s characters.", count=limit))
        if raw.email and not _EMAIL.fullmatch(raw.email):
            row.problem("email", _l("The e-mail address is not valid."))
        data, problems = check_person_data(self.db, raw)
        unreadable = {column for column, _message in row.problems}
        for problem in problems:
            column = FIELD_COLUMNS.get(problem.field, "nume")
            # A cell already reported as unreadable is not reported again, nor is the CNP it stood in for.
            if column in unreadable or (column == "cnp" and not raw.cnp and unreadable & {"data_nasterii", "sex"}):
                continue
            row.problem(column, problem.message)

        zone = None
        if not row.blank("zona"):
            zone = self.zones.get(fold(row.text("zona")))
            if zone is None:
                row.problem("zona", _l("“%(zone)s” is not one of the project's zones: %(zones)s.",
                                       zone=row.text("zona"),
                                       zones="; ".join(known.name for known in self.project.zones)))

        entry = None
        if not row.blank("data_intrarii"):
            entry = self._entry(row, zone)

        consent_on = None
        consent = _token(row.values.get("consimtamant"))
        if consent == "da":
            if row.blank("data_intrarii"):
                row.problem("consimtamant", _l("“da” means the consent was given on the entry date, but "
                                               "data_intrarii is empty: write the date of the consent."))
            else:
                consent_on = entry.entry_date if entry else None
        elif consent and consent != "nu":
            consent_on = row.date("consimtamant")

        if row.problems:
            raise _RowFailed(row.problems)
        return data, zone, entry, consent_on

    def _entry(self, row: _Row, zone) -> EntryData | None:
        entry_date = row.date("data_intrarii")
        if _token(row.values.get("risc_saracie")) != "da":
            row.problem("risc_saracie", _l("To enter the target group the person must be at risk of poverty or "
                                           "social exclusion (risc_saracie = da): the second criterion is not met."))
        reason, details = _risk(row.text("motiv_risc"))
        labour = None
        if row.blank("situatie_ocupare"):
            row.problem("situatie_ocupare", _l("Give the labour status at entry."))
        else:
            labour = LABOUR_VALUES.get(_token(row.values["situatie_ocupare"]))
            if labour is None:
                row.problem("situatie_ocupare", _l(
                    "Unknown labour status: write angajat, somer, somer de lunga durata, inactiv or "
                    "inactiv fara studii/formare."))
        isced = None
        if not row.blank("nivel_isced"):
            text = re.sub(r"^isced\s*", "", _token(row.values["nivel_isced"]))
            if re.fullmatch(r"[0-8]", text):
                isced = int(text)
            else:
                row.problem("nivel_isced", _l("The ISCED level goes from 0 to 8."))
        answers = {"disability": row.answer("dizabilitate"), "minority": row.answer("etnie_roma")}
        if entry_date is None or zone is None or labour is None:
            return None
        return EntryData(zone_id=zone.id, entry_date=entry_date, risk_reason=reason, risk_details=details,
                         labour_status=labour, isced_level=isced, answers=answers)

    # Writing it.
    def _import(self, row: _Row) -> str:
        data, zone, entry, consent_on = self._parse(row)
        household = None
        if not row.blank("gospodarie"):
            household = household_for_import_key(self.db, self.project.id, row.text("gospodarie"))
        person = self._match(data)
        if person is None:
            outcome = "created"
            person = _service("nume", create_person, self.db, data, self.actor, confirm_new=True,
                              household=household).person
        else:
            changed = self._update(person, data, household)
            outcome = "updated" if changed else "unchanged"
        if consent_on is not None and not has_consent(person, ConsentKind.data_processing, consent_on):
            age = age_on(person.birth_date, consent_on)
            minor = age is not None and age < 18
            _service("consimtamant", record_consent, self.db, person, self.actor,
                     kind=ConsentKind.data_processing,
                     given_by=ConsentGiver.guardian if minor else ConsentGiver.person, given_on=consent_on,
                     guardian_name=GUARDIAN_FROM_FORM if minor else "")
            outcome = "created" if outcome == "created" else "updated"
        if entry is not None and self._enter(person, entry):
            outcome = "created" if outcome == "created" else "updated"
        return outcome

    def _match(self, data: PersonData) -> Person | None:
        if data.cnp:
            person = person_by_cnp(self.db, data.cnp)
            if person is not None:
                return person
        candidates = [candidate for candidate in find_duplicates(self.db, data)
                      if not (data.cnp and candidate.cnp and candidate.cnp != data.cnp)]
        if len(candidates) > 1:
            raise _RowFailed([("nume", _l(
                "Several registered people have this name and birth date (%(codes)s): resolve the duplicate in "
                "the portal, then import the row again.", codes=", ".join(person.code or "" for person in candidates)))])
        return candidates[0] if candidates else None

    def _update(self, person: Person, data: PersonData, household: Household | None) -> bool:
        """Fill in what the row gives; empty cells keep what the register holds."""
        current = {name: getattr(person, name) for name in PERSON_FIELDS}
        current["cnp"] = current["cnp"] or ""
        merged = PersonData(**{name: value if value not in ("", None) else current[name]
                               for name, value in ((name, getattr(data, name)) for name in PERSON_FIELDS)})
        changed = bool(_service("nume", update_person, self.db, person, merged, self.actor))
        if household is not None and person.household_id != household.id:
            person.household = household
            record(self.db, self.actor, AuditAction.update, person.id, "household")
            changed = True
        return changed

    def _enter(self, person: Person, entry: EntryData) -> bool:
        """Enrol the person (or re-enter them after an exit); False when the register already has it."""
        enrollment = self.db.scalar(
            select(Enrollment).where(Enrollment.person_id == person.id, Enrollment.project_id == self.project.id)
            .options(selectinload(Enrollment.periods)))
        if enrollment is not None:
            if enrollment.is_active or any(period.entry_date == entry.entry_date for period in enrollment.periods):
                return False
            _service("data_intrarii", reenter, self.db, enrollment, entry.entry_date, self.actor)
            return True
        if not has_consent(person, ConsentKind.data_processing, entry.entry_date):
            raise _RowFailed([("consimtamant", _l(
                "The person has no consent to data processing in force on the entry date: write the date of the "
                "signed consent in the consimtamant column (or da if it was signed on the entry date)."))])
        _service("data_intrarii", enroll, self.db, person, self.project, entry, self.actor)
        return True


# Templates ---------------------------------------------------------------------------------------------

INSTRUCTIONS: list[tuple[str, str, str]] = [
    ("nume", "da", "Numele de familie."),
    ("prenume", "da", "Prenumele."),
    ("cnp", "da, sau data_nasterii și sex", "Codul numeric personal, 13 cifre. Aceeași persoană = același CNP."),
    ("data_nasterii", "dacă lipsește CNP", "zz.ll.aaaa sau aaaa-ll-zz (sau o celulă de tip dată)."),
    ("sex", "dacă lipsește CNP", "M sau F."),
    ("localitate", "da", "Localitatea de domiciliu."),
    ("strada", "da", "Strada, ca în actul de identitate (de ex. Strada Parcului); trebuie să fie în zona aleasă "
                     "pentru înscrierea în grupul țintă."),
    ("numar", "nu", "Numărul."),
    ("bloc", "nu", "Blocul."),
    ("scara", "nu", "Scara."),
    ("apartament", "nu", "Apartamentul."),
    ("zona", "da", "Numele uneia dintre zonele proiectului, ca în portal."),
    ("telefon", "nu", "Numărul de telefon."),
    ("email", "nu", "Adresa de e-mail."),
    ("gospodarie", "nu", "O cheie oarecare (un număr, un nume de familie): rândurile cu aceeași cheie formează o "
                         "gospodărie."),
    ("data_intrarii", "nu", "Completată: persoana intră în grupul țintă al proiectului la această dată "
                            "(zz.ll.aaaa sau aaaa-ll-zz). Atunci sunt obligatorii risc_saracie = da, "
                            "situatie_ocupare și un consimțământ."),
    ("risc_saracie", "la intrare", "da (persoana este în risc de sărăcie sau excluziune socială)."),
    ("motiv_risc", "la intrare", "Text liber: venit minim / VMI / VMG, șomaj, dizabilitate / handicap, "
                                 "familie monoparentală, anchetă socială, sau alt motiv descris."),
    ("situatie_ocupare", "la intrare", "angajat (inclusiv independent), somer, somer de lunga durata, inactiv, "
                                       "inactiv fara studii/formare."),
    ("nivel_isced", "nu", "Nivelul de educație ISCED, de la 0 la 8."),
    ("dizabilitate", "nu", "da, nu sau refuz; gol = nu a fost întrebat."),
    ("etnie_roma", "nu", "da, nu sau refuz; gol = nu a fost întrebat."),
    ("consimtamant", "pentru intrare, dacă nu există deja",
     "Data la care s-a semnat consimțământul pentru prelucrarea datelor, sau da = la data intrării. Pentru "
     "minori se înregistrează ca dat de părinte sau tutore."),
]


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Persoane"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        # Text cells, so that Excel keeps a CNP's 13 digits and a phone's leading zero.
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 4)
        sheet.column_dimensions[cell.column_letter].number_format = "@"
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("Instrucțiuni")
    guide.append(["Coloană", "Obligatorie", "Ce se scrie"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for line in INSTRUCTIONS:
        guide.append(list(line))
    guide.append([])
    guide.append(["", "", "Prima linie a foii „Persoane” conține numele coloanelor; nu le schimbați. Fiecare "
                          "rând greșit este raportat cu numărul rândului, coloana și motivul; celelalte rânduri se "
                          "importă. Importul aceluiași fișier a doua oară nu schimbă nimic."])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 24
    guide.column_dimensions["C"].width = 100
    for row in guide.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv() -> bytes:
    return ("\ufeff" + ";".join(TEMPLATE_HEADERS) + "\r\n").encode("utf-8")
