"""The target-group register export: XLSX and CSV, sensitive columns by right, erased people, fixed query count."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from portal.demo import load_demo
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.people.cnp import check_digit
from portal.domain.people.models import (
    Answer, ConsentGiver, ConsentKind, DocumentKind, ExitResult, LabourStatus, RiskReason, Sex,
)
from portal.domain.people.register_export import register_csv, register_table, register_xlsx
from portal.domain.people.services import (
    EntryData, PersonData, create_person, enroll, erase_person, exit_enrollment, household_for_import_key,
    record_consent, set_document,
)
from portal.domain.projects.models import Project
from tests.conftest import password_hash

SENSITIVE = Actor(user=None, address="test", permissions=frozenset({"people.sensitive"}))
PLAIN = Actor(user=None, address="test", permissions=frozenset())
ZUM_ZONE = "Zona Urbană Marginalizată Parcul Tineretului"
SENSITIVE_COLUMNS = {"dizabilitate", "etnie_roma"}


def make_cnp(sex_digit: int, year: int, month: int, day: int, serial: int) -> str:
    first12 = f"{sex_digit}{year % 100:02d}{month:02d}{day:02d}07{serial:03d}"
    return first12 + str(check_digit(first12))


@pytest.fixture
def projects(db_session, monkeypatch):
    cached = password_hash()
    monkeypatch.setattr("portal.domain.accounts.services.hash_password", lambda _password: cached)
    load_demo(db_session)
    zum = db_session.scalar(select(Project).where(Project.code == "155550"))
    bacau = db_session.scalar(select(Project).where(Project.code == "BC-SDL-2022"))
    return zum, bacau


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def add_member(db, project, number: int, *, entry=date(2022, 3, 15), street="Strada Parcului", zone_name=None,
               answers=None, risk=RiskReason.minimum_income, details="", household=None):
    data = PersonData(last_name=f"Membru{number}", first_name="Ion", cnp=make_cnp(1, 1980, 1, 1 + number % 28,
                                                                                  100 + number),
                      locality="Botoșani", street=street, number=str(number), phone=f"07400000{number:02d}",
                      email=f"m{number}@exemplu.ro")
    person = create_person(db, data, SENSITIVE, household=household).person
    record_consent(db, person, SENSITIVE, kind=ConsentKind.data_processing, given_by=ConsentGiver.person,
                   given_on=entry)
    zone = next(zone for zone in project.zones if zone.name == (zone_name or ZUM_ZONE))
    enrollment = enroll(db, person, project, EntryData(
        zone_id=zone.id, entry_date=entry, risk_reason=risk, risk_details=details, labour_status=LabourStatus.unemployed, isced_level=2,
        answers=answers or {}), SENSITIVE)
    db.flush()
    return person, enrollment


def test_register_table_has_one_row_per_enrolled_person(db_session, projects, ctx):
    zum, bacau = projects
    household = household_for_import_key(db_session, zum.id, "H1")
    first, first_enrollment = add_member(db_session, zum, 1, household=household,
                                         answers={"disability": Answer.yes, "minority": Answer.refused,
                                                  "homeless": Answer.no, "rural": Answer.no})
    second, second_enrollment = add_member(db_session, zum, 2, entry=date(2022, 4, 1), risk=RiskReason.other,
                                           details="locuință improprie")
    exit_enrollment(db_session, second_enrollment, SENSITIVE, exit_date=date(2022, 12, 20),
                    result=ExitResult.employed)
    for kind in (DocumentKind.registration_form, DocumentKind.id_copy, DocumentKind.membership_declaration):
        set_document(db_session, first_enrollment, SENSITIVE, kind, True, date(2022, 3, 15))
    add_member(db_session, bacau, 3, entry=date(2022, 10, 1), street="Strada Letea", zone_name="Cartierul Letea")
    create_person(db_session, PersonData(last_name="Neinscris", first_name="Ion", birth_date=date(1990, 1, 1),
                                         sex=Sex.male), SENSITIVE)

    headers, rows = register_table(db_session, zum, SENSITIVE)

    assert headers == [
        "cod", "nume", "prenume", "cnp", "data_nasterii", "sex", "adresa", "zona", "telefon", "email", "gospodarie",
        "data_intrarii", "varsta_la_intrare", "risc", "situatie_ocupare", "nivel_isced", "fara_adapost",
        "gospodarie_fara_loc_de_munca", "gospodarie_monoparentala", "mediu_rural", "dizabilitate", "etnie_roma",
        "data_iesirii", "rezultat", "documente_lipsa"]
    assert len(rows) == 2
    one, two = (dict(zip(headers, line)) for line in rows)
    assert one["cod"] == first.code and one["nume"] == "Membru1" and one["cnp"] == first.cnp
    assert one["data_nasterii"] == date(1980, 1, 2) and one["sex"] == "M"
    assert one["adresa"] == "Strada Parcului, nr. 1, Botoșani" and one["zona"] == ZUM_ZONE
    assert one["gospodarie"] == household.id and one["telefon"] == "0740000001"
    assert one["data_intrarii"] == date(2022, 3, 15) and one["varsta_la_intrare"] == 42
    assert one["risc"] == "venit minim de incluziune" and one["situatie_ocupare"] == "somer"
    assert one["nivel_isced"] == 2
    assert (one["fara_adapost"], one["gospodarie_fara_loc_de_munca"], one["mediu_rural"]) == ("nu", "", "nu")
    assert (one["dizabilitate"], one["etnie_roma"]) == ("da", "refuz")
    assert one["data_iesirii"] is None and one["rezultat"] == ""
    assert one["documente_lipsa"] == "consimțământ semnat, dovada venitului"
    assert two["risc"] == "alt motiv: locuință improprie" and two["gospodarie"] == ""
    assert two["data_iesirii"] == date(2022, 12, 20) and two["rezultat"] == "și-a găsit un loc de muncă"
    assert two["documente_lipsa"] == ("formular de înscriere, copie act de identitate, "
                                      "declarație de apartenență la grupul țintă, consimțământ semnat")

    audit = db_session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.export)).all()
    assert [(entry.person_id, entry.details) for entry in audit] == [
        (None, "target-group register 155550: 2 rows")]


def test_sensitive_columns_only_with_the_right(db_session, projects, ctx):
    zum, _bacau = projects
    add_member(db_session, zum, 1, answers={"disability": Answer.yes, "minority": Answer.yes})
    plain_headers, plain_rows = register_table(db_session, zum, PLAIN)
    assert SENSITIVE_COLUMNS.isdisjoint(plain_headers)
    assert len(plain_rows[0]) == len(plain_headers)
    # The missing ethnicity declaration would tell what the column hides.
    assert "etnie" not in plain_rows[0][plain_headers.index("documente_lipsa")]
    full_headers, full_rows = register_table(db_session, zum, SENSITIVE)
    assert SENSITIVE_COLUMNS <= set(full_headers)
    assert "declarație de etnie" in full_rows[0][full_headers.index("documente_lipsa")]


def test_xlsx_is_readable_with_one_row_per_enrolled_person(db_session, projects, ctx):
    zum, _bacau = projects
    people = [add_member(db_session, zum, number)[0] for number in (1, 2, 3)]

    workbook = load_workbook(io.BytesIO(register_xlsx(db_session, zum, PLAIN)), read_only=True)
    lines = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()

    headers = list(lines[0])
    assert headers[:3] == ["cod", "nume", "prenume"] and SENSITIVE_COLUMNS.isdisjoint(headers)
    assert len(lines) == 1 + len(people)
    assert sorted(line[0] for line in lines[1:]) == sorted(person.code for person in people)
    entry = headers.index("data_intrarii")
    assert all(line[entry] == datetime(2022, 3, 15) for line in lines[1:])
    cnp = headers.index("cnp")
    assert {line[cnp] for line in lines[1:]} == {person.cnp for person in people}

    sensitive = load_workbook(io.BytesIO(register_xlsx(db_session, zum, SENSITIVE)), read_only=True)
    sensitive_headers = next(sensitive.worksheets[0].iter_rows(values_only=True))
    sensitive.close()
    assert SENSITIVE_COLUMNS <= set(sensitive_headers)


def test_csv_has_bom_semicolons_romanian_headers_and_dates(db_session, projects, ctx):
    zum, _bacau = projects
    add_member(db_session, zum, 1)
    raw = register_csv(db_session, zum, PLAIN)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";")[:6] == ["cod", "nume", "prenume", "cnp", "data_nasterii", "sex"]
    assert "dizabilitate" not in lines[0] and "etnie_roma" not in lines[0]
    assert "15.03.2022" in lines[1] and "Botoșani" in lines[1]
    assert lines[2:] == [""]
    with_right = register_csv(db_session, zum, SENSITIVE).decode("utf-8-sig").split("\r\n")[0].split(";")
    assert with_right[-5:] == ["dizabilitate", "etnie_roma", "data_iesirii", "rezultat", "documente_lipsa"]


def test_an_erased_person_appears_with_the_code_only(db_session, projects, ctx):
    zum, _bacau = projects
    person, _enrollment = add_member(db_session, zum, 1)
    erase_person(db_session, person, SENSITIVE)
    headers, rows = register_table(db_session, zum, SENSITIVE)
    line = dict(zip(headers, rows[0]))
    assert line["cod"] == person.code
    for column in ("nume", "prenume", "cnp", "adresa", "telefon", "email", "gospodarie"):
        assert line[column] == "", column
    assert line["data_nasterii"] is None
    # What the indicators count stays.
    assert line["sex"] == "M" and line["varsta_la_intrare"] == 42 and line["data_intrarii"] == date(2022, 3, 15)


def test_the_number_of_queries_does_not_grow_with_the_rows(db_session, projects, ctx):
    zum, _bacau = projects
    statements: list[str] = []

    def count_statement(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries() -> int:
        db_session.flush()
        db_session.expire_all()
        statements.clear()
        event.listen(db_session.connection(), "before_cursor_execute", count_statement)
        try:
            register_table(db_session, zum, SENSITIVE)
            db_session.flush()
        finally:
            event.remove(db_session.connection(), "before_cursor_execute", count_statement)
        return len(statements)

    for number in (1, 2):
        add_member(db_session, zum, number)
    few = queries()
    for number in range(3, 13):
        add_member(db_session, zum, number)
    many = queries()
    assert many == few
    assert few <= 10
