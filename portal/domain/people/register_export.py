"""The target-group register of a project ("registrul grupului țintă"): one row per enrolled person.

The funder asks for it in Romanian, so headers and values are Romanian whatever the interface language;
the values of the coded columns are the import's tokens (sex M/F, da/nu/refuz, angajat/somer/...), so an
exported register reads like an import file. The special categories (disability, Roma ethnicity) are columns
only for those allowed to see them. An erased person keeps their code and what the indicators count (sex,
zone, entry, age at entry, risk, labour status, answers, exit); their identifying data is empty.
"""
from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.people.models import (
    Answer, DocumentKind, Enrollment, ExitResult, LabourStatus, Person, RiskReason,
)
from portal.domain.projects.models import Project

SENSITIVE = "people.sensitive"

ANSWER_VALUES = {Answer.yes: "da", Answer.no: "nu", Answer.refused: "refuz", Answer.not_asked: ""}
LABOUR_VALUES = {
    LabourStatus.employed: "angajat",
    LabourStatus.unemployed: "somer",
    LabourStatus.long_term_unemployed: "somer de lunga durata",
    LabourStatus.inactive: "inactiv",
    LabourStatus.inactive_not_in_education: "inactiv fara studii/formare",
}
RISK_VALUES = {
    RiskReason.minimum_income: "venit minim de incluziune",
    RiskReason.unemployment: "șomaj",
    RiskReason.disability: "dizabilitate",
    RiskReason.single_parent: "familie monoparentală",
    RiskReason.social_inquiry: "anchetă socială",
    RiskReason.other: "alt motiv",
}
EXIT_VALUES = {
    ExitResult.completed: "a finalizat serviciile",
    ExitResult.employed: "și-a găsit un loc de muncă",
    ExitResult.in_education: "în educație sau formare",
    ExitResult.qualification: "a obținut o calificare",
    ExitResult.dropped_out: "a abandonat",
    ExitResult.moved_away: "s-a mutat",
    ExitResult.deceased: "decedat",
}
DOCUMENT_VALUES = {
    DocumentKind.registration_form: "formular de înscriere",
    DocumentKind.id_copy: "copie act de identitate",
    DocumentKind.membership_declaration: "declarație de apartenență la grupul țintă",
    DocumentKind.consent_form: "consimțământ semnat",
    DocumentKind.ethnicity_declaration: "declarație de etnie",
    DocumentKind.income_proof: "dovada venitului",
}
# Situations at entry and their columns; the sensitive ones only with the special-categories right.
OPEN_SITUATIONS = [("homeless", "fara_adapost"), ("jobless_household", "gospodarie_fara_loc_de_munca"),
                   ("single_parent_household", "gospodarie_monoparentala"), ("rural", "mediu_rural")]
SENSITIVE_SITUATIONS = [("disability", "dizabilitate"), ("minority", "etnie_roma")]

HEADERS_BEFORE = ["cod", "nume", "prenume", "cnp", "data_nasterii", "sex", "adresa", "zona", "telefon", "email",
                  "gospodarie", "data_intrarii", "varsta_la_intrare", "risc", "situatie_ocupare", "nivel_isced"]
HEADERS_AFTER = ["data_iesirii", "rezultat", "documente_lipsa"]
DATE_COLUMNS = {"data_nasterii", "data_intrarii", "data_iesirii"}


def headers_for(actor: Actor) -> list[str]:
    situations = OPEN_SITUATIONS + (SENSITIVE_SITUATIONS if actor.can(SENSITIVE) else [])
    return HEADERS_BEFORE + [column for _name, column in situations] + HEADERS_AFTER


def missing_documents(enrollment: Enrollment, show_sensitive: bool) -> list[DocumentKind]:
    """The dossier's papers not yet filed: the four every participant needs, the ethnicity declaration for
    those who declared themselves Roma (listed only to who may see it), proof of income for the minimum income."""
    needed = [DocumentKind.registration_form, DocumentKind.id_copy, DocumentKind.membership_declaration,
              DocumentKind.consent_form]
    if show_sensitive and enrollment.minority == Answer.yes:
        needed.append(DocumentKind.ethnicity_declaration)
    if enrollment.risk_reason == RiskReason.minimum_income:
        needed.append(DocumentKind.income_proof)
    present = {document.kind for document in enrollment.documents}
    return [kind for kind in needed if kind not in present]


def _row(enrollment: Enrollment, show_sensitive: bool) -> list:
    person: Person = enrollment.person
    erased = person.erased_at is not None
    last = enrollment.current_period
    risk = RISK_VALUES[enrollment.risk_reason]
    if enrollment.risk_reason == RiskReason.other and enrollment.risk_details:
        risk = f"{risk}: {enrollment.risk_details}"
    situations = OPEN_SITUATIONS + (SENSITIVE_SITUATIONS if show_sensitive else [])
    if erased:
        identity, address, phone, email, household = ["", "", "", None], "", "", "", ""
    else:
        identity = [person.last_name, person.first_name, person.cnp or "", person.birth_date]
        address, phone, email = person.address, person.phone, person.email
        household = person.household_id if person.household_id is not None else ""
    return [
        person.code or "", *identity, person.sex.value if person.sex else "", address, enrollment.zone.name,
        phone, email, household,
        enrollment.first_entry_date, enrollment.age_at_entry, risk, LABOUR_VALUES[enrollment.labour_status],
        enrollment.isced_level if enrollment.isced_level is not None else "",
        *[ANSWER_VALUES[getattr(enrollment, name)] for name, _column in situations],
        last.exit_date if last else None,
        EXIT_VALUES[last.exit_result] if last and last.exit_result else "",
        ", ".join(DOCUMENT_VALUES[kind] for kind in missing_documents(enrollment, show_sensitive)),
    ]


def register_table(db: Session, project: Project, actor: Actor) -> tuple[list[str], list[list]]:
    """Headers and rows (dates as date objects) of the project's target-group register, in a fixed number of
    queries; leaves one audit entry."""
    show_sensitive = actor.can(SENSITIVE)
    enrollments = db.scalars(
        select(Enrollment).join(Enrollment.person).where(Enrollment.project_id == project.id)
        .options(selectinload(Enrollment.person), selectinload(Enrollment.zone),
                 selectinload(Enrollment.periods), selectinload(Enrollment.documents))
        .order_by(Enrollment.first_entry_date, Person.code, Enrollment.id)
    ).all()
    rows = [_row(enrollment, show_sensitive) for enrollment in enrollments]
    record(db, actor, AuditAction.export, None, f"target-group register {project.code}: {len(rows)} rows")
    return headers_for(actor), rows


def register_xlsx(db: Session, project: Project, actor: Actor) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    headers, rows = register_table(db, project, actor)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Registrul grupului țintă"[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) + 3)
    text_columns = {headers.index(name) for name in ("cnp", "telefon") if name in headers}
    date_columns = {index for index, name in enumerate(headers) if name in DATE_COLUMNS}
    for row in rows:
        sheet.append(row)
        for index in date_columns:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = "DD.MM.YYYY"
        for index in text_columns:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = "@"
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def register_csv(db: Session, project: Project, actor: Actor) -> bytes:
    headers, rows = register_table(db, project, actor)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
