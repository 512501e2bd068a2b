"""Importing the target group from CSV and XLSX: encodings, row errors, matching, idempotence, dry run, CLI."""
from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from datetime import date, datetime

import pytest
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.people.cnp import check_digit
from portal.domain.people.importer import (
    TEMPLATE_HEADERS, ImportReport, RowError, UnreadableFile, import_people, template_csv, template_xlsx,
)
from portal.domain.people.models import (
    Answer, Consent, ConsentGiver, ConsentKind, Enrollment, EnrollmentPeriod, Household, LabourStatus, Person,
    RiskReason, Sex,
)
from portal.domain.people.services import PersonData, create_person, record_consent
from portal.domain.projects.models import Project
from tests.conftest import password_hash

ACTOR = Actor(user=None, address="test", permissions=frozenset({"people.sensitive"}))
ZUM_ZONE = "Zona Urbană Marginalizată Parcul Tineretului"
HEADERS = ["nume", "prenume", "cnp", "data_nasterii", "sex", "localitate", "strada", "numar", "zona", "telefon",
           "gospodarie", "data_intrarii", "risc_saracie", "motiv_risc", "situatie_ocupare", "nivel_isced",
           "dizabilitate", "etnie_roma", "consimtamant"]


def make_cnp(sex_digit: int, year: int, month: int, day: int, serial: int = 123, county: str = "07") -> str:
    first12 = f"{sex_digit}{year % 100:02d}{month:02d}{day:02d}{county}{serial:03d}"
    return first12 + str(check_digit(first12))


def row(headers=HEADERS, **values) -> list[str]:
    base = {"localitate": "Botoșani", "strada": "Strada Parcului", "numar": "3", "zona": ZUM_ZONE}
    base.update(values)
    return [base.get(header, "") for header in headers]


def enrolled(**values) -> list[str]:
    """A row that also enters the ZUM BT PLUS target group."""
    return row(**{"data_intrarii": "15.03.2022", "risc_saracie": "da", "motiv_risc": "VMI",
                  "situatie_ocupare": "somer", "consimtamant": "da", **values})


def csv_bytes(rows, *, delimiter=";", encoding="utf-8-sig", headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([headers, *rows])
    return buffer.getvalue().encode(encoding)


def pairs(report: ImportReport) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in report.errors]


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def person_named(db, last: str, first: str) -> Person | None:
    return db.scalar(select(Person).where(Person.last_name == last, Person.first_name == first))


@pytest.fixture
def fast_demo(monkeypatch):
    # load_demo hashes four passwords with scrypt; one cached hash does for these tests.
    cached = password_hash()
    monkeypatch.setattr("portal.domain.accounts.services.hash_password", lambda _password: cached)


@pytest.fixture
def zum(db_session, fast_demo) -> Project:
    load_demo(db_session)
    return db_session.scalar(select(Project).where(Project.code == "155550"))


@pytest.fixture
def bacau(zum, db_session) -> Project:
    return db_session.scalar(select(Project).where(Project.code == "BC-SDL-2022"))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


# Reading the file --------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8-sig"), (";", "utf-8"), (",", "utf-8-sig"),
                                                 (",", "utf-8")])
def test_csv_with_comma_or_semicolon_and_utf8_with_or_without_bom(db_session, zum, ctx, delimiter, encoding):
    content = csv_bytes([
        row(nume="  Popescu ", prenume="Ion", cnp=make_cnp(1, 1985, 3, 12), telefon="0740 123 456"),
        row(nume="Bălășoiu", prenume="Ana-Maria", data_nasterii="1990-07-01", sex="f", strada="Str. Pacea"),
    ], delimiter=delimiter, encoding=encoding)
    assert content.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    report = import_people(db_session, zum, "persoane.csv", content, ACTOR)

    assert report.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    ion = person_named(db_session, "Popescu", "Ion")
    assert ion.birth_date == date(1985, 3, 12) and ion.sex == Sex.male  # from the CNP
    assert ion.phone == "0740 123 456" and ion.phone_digits == "0740123456" and ion.code.startswith("P")
    ana = person_named(db_session, "Bălășoiu", "Ana-Maria")
    assert (ana.birth_date, ana.sex, ana.cnp, ana.street) == (date(1990, 7, 1), Sex.female, None, "Str. Pacea")


def test_csv_with_excels_sep_line_keeps_the_header_on_row_1(db_session, zum, ctx):
    content = b"sep=,\r\n" + csv_bytes([row(nume="Popescu", prenume="Ion", cnp="123")], delimiter=",",
                                        encoding="utf-8")
    report = import_people(db_session, zum, "excel.csv", content, ACTOR)
    assert pairs(report) == [(2, "cnp")]


def test_cp1250_file_from_older_excel_gets_comma_below_letters(db_session, bacau, ctx):
    headers = ["Nume", "Prenume", "Data naşterii", "Sex", "Localitate", "Stradă", "Zonă", "Data intrării",
               "Risc sărăcie", "Motiv risc", "Situaţie ocupare", "Consimţământ"]
    lines = [headers, ["Ţăranu", "Ştefania", "04.11.1979", "F", "Bacău", "Str. Ştefan cel Mare", "cartierul izvoare",
                       "10.10.2022", "da", "şomaj", "şomer de lungă durată", "da"]]
    text = "\r\n".join(";".join(line) for line in lines) + "\r\n"
    content = text.encode("cp1250")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    report = import_people(db_session, bacau, "vechi.csv", content, ACTOR)

    assert report.as_dict() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    person = person_named(db_session, "Țăranu", "Ștefania")
    assert person is not None and person.street == "Str. Ștefan cel Mare" and person.locality == "Bacău"
    assert "ş" not in person.search_name and person.search_name == "taranu stefania"
    enrollment = person.enrollments[0]
    assert enrollment.zone.name == "Cartierul Izvoare"
    assert enrollment.risk_reason == RiskReason.unemployment
    assert enrollment.labour_status == LabourStatus.long_term_unemployed


def test_xlsx_with_real_date_cells_numbers_and_text_dates(db_session, zum, ctx):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nume", "Prenume", "CNP", "Data nașterii", "SEX", "Localitate", "Strada", "Nr", "Zona",
                  "Telefon", "Data intrării", "Risc sărăcie", "Motiv risc", "Situație ocupare", "Nivel ISCED",
                  "Consimțământ"])
    cnp = make_cnp(2, 1988, 5, 20)
    sheet.append(["Ionescu", "Maria", int(cnp), None, None, "Botoșani", "Aleea Tineretului", 7, ZUM_ZONE,
                  740123456, datetime(2022, 4, 1), "da", "venit minim de incluziune", "angajat", 3,
                  datetime(2022, 3, 30)])
    sheet.append(["Georgescu", "Vlad", None, datetime(1975, 1, 31), "m", "Botoșani", "Strada Sportului", "12A",
                  ZUM_ZONE, "0755111222", "02.05.2022", "da", "familie monoparentală", "inactiv", "2", "da"])
    sheet.append([None] * 16)  # an empty row in between is skipped
    sheet.append(["Dumitru", "Elena", None, "1991-12-24", "F", "Botoșani", "Strada Pacea", None, ZUM_ZONE])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = import_people(db_session, zum, "lista.xlsx", buffer.getvalue(), ACTOR)

    assert report.as_dict() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    maria = person_named(db_session, "Ionescu", "Maria")
    assert maria.cnp == cnp and maria.birth_date == date(1988, 5, 20) and maria.number == "7"
    assert maria.phone == "0740123456"
    assert maria.enrollments[0].first_entry_date == date(2022, 4, 1)
    assert maria.enrollments[0].risk_reason == RiskReason.minimum_income
    assert maria.enrollments[0].isced_level == 3
    assert maria.consents[0].given_on == date(2022, 3, 30)
    vlad = person_named(db_session, "Georgescu", "Vlad")
    assert vlad.birth_date == date(1975, 1, 31) and vlad.sex == Sex.male and vlad.number == "12A"
    assert vlad.enrollments[0].first_entry_date == date(2022, 5, 2)
    assert vlad.enrollments[0].risk_reason == RiskReason.single_parent
    assert person_named(db_session, "Dumitru", "Elena").birth_date == date(1991, 12, 24)


@pytest.mark.parametrize("filename, content", [
    ("date.csv", b""),
    ("date.csv", b" \r\n\r\n  \n"),
    ("date.csv", random.Random(7).randbytes(4096)),
    ("poza.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
    ("lista.xlsx", b"nume;prenume\nPopescu;Ion\n"),
    ("lista.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)),
    ("stricat.xlsx", b"PK\x03\x04" + random.Random(3).randbytes(600)),
])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(db_session, zum, ctx, filename, content):
    with pytest.raises(UnreadableFile) as raised:
        import_people(db_session, zum, filename, content, ACTOR)
    assert str(raised.value.message)
    assert count(db_session, Person) == 0


def test_a_zip_that_is_not_a_workbook_is_unreadable(db_session, zum, ctx):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("document.txt", "nu este un registru Excel")
    with pytest.raises(UnreadableFile):
        import_people(db_session, zum, "lista.xlsx", buffer.getvalue(), ACTOR)


# Row errors --------------------------------------------------------------------------------------------

def test_each_bad_row_is_reported_with_its_row_and_column_and_the_good_rows_are_imported(db_session, zum, ctx):
    good_cnp = make_cnp(1, 1980, 1, 1, serial=11)
    bad_check = make_cnp(1, 1980, 1, 2, serial=12)
    bad_check = bad_check[:12] + str((int(bad_check[12]) + 1) % 10)
    rows = [
        row(nume="Bun", prenume="Primul", cnp=good_cnp),                                        # 2
        row(nume="Rau", prenume="Cnp", cnp=bad_check),                                          # 3
        row(nume="Bun", prenume="Al Doilea", data_nasterii="02.02.1982", sex="M"),             # 4
        row(prenume="Fara Nume", data_nasterii="03.03.1983", sex="F"),                         # 5
        row(nume="Rau", prenume="Zona", data_nasterii="04.04.1984", sex="F", zona="Centru"),   # 6
        row(nume="Rau", prenume="Data", data_nasterii="31.02.1990", sex="M", cnp=make_cnp(1, 1990, 2, 1)),  # 7
        row(nume="Rau", prenume="Sex", data_nasterii="05.05.1985", sex="X"),                   # 8
        enrolled(nume="Rau", prenume="Risc", data_nasterii="06.06.1986", sex="F", risc_saracie="nu"),  # 9
        enrolled(nume="Rau", prenume="Ocupare", data_nasterii="07.07.1987", sex="F",
                 situatie_ocupare="pensionar"),                                                # 10
        enrolled(nume="Rau", prenume="Isced", data_nasterii="08.08.1988", sex="F", nivel_isced="9"),  # 11
        enrolled(nume="Rau", prenume="Intrare", data_nasterii="09.09.1989", sex="F",
                 data_intrarii="15.03.2021", consimtamant="01.03.2021"),                      # 12
        enrolled(nume="Rau", prenume="Strada", data_nasterii="10.10.1990", sex="F",
                 strada="Strada Marchian"),                                                    # 13
        row(nume="Rau", prenume="Fara Strada", data_nasterii="11.11.1991", sex="M", strada=""),  # 14
        row(nume="Rau", prenume="Nepotrivire", cnp=make_cnp(2, 1992, 12, 12), data_nasterii="13.12.1992"),  # 15
        enrolled(nume="Rau", prenume="Intrebare", data_nasterii="01.01.1993", sex="M",
                 dizabilitate="poate"),                                                        # 16
        enrolled(nume="Rau", prenume="Motiv", data_nasterii="02.01.1993", sex="M", motiv_risc=""),  # 17
        row(nume="Rau", prenume="Identitate"),                                                 # 18
        enrolled(nume="Rau", prenume="Consimtamant", data_nasterii="03.01.1993", sex="M",
                 consimtamant="20.03.2022"),                                                   # 19
        row(nume="Bun", prenume="Ultimul", data_nasterii="01.01.2000", sex="F", strada="Aleea Tineretului"),  # 20
    ]

    report = import_people(db_session, zum, "greseli.csv", csv_bytes(rows), ACTOR)

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert pairs(report) == [
        (3, "cnp"), (5, "nume"), (6, "zona"), (7, "data_nasterii"), (8, "sex"), (9, "risc_saracie"),
        (10, "situatie_ocupare"), (11, "nivel_isced"), (12, "data_intrarii"), (13, "zona"), (14, "strada"),
        (15, "data_nasterii"), (16, "dizabilitate"), (17, "motiv_risc"), (18, "cnp"), (19, "consimtamant"),
    ]
    messages = {error.row: error.message for error in report.errors}
    assert messages[3] == str(_l("The CNP has a wrong check digit."))
    assert messages[15] == str(_l("The birth date does not match the CNP."))
    assert messages[12] == str(_l("The entry date must fall within the project's period."))
    assert all(isinstance(error.message, str) and error.message for error in report.errors)
    assert report.as_dict()["errors"][0] == {"row": 3, "column": "cnp", "message": messages[3]}
    # Good rows are in; a failing row leaves nothing, not even the person its enrollment was for.
    assert {person.first_name for person in db_session.scalars(select(Person))} == {"Primul", "Al Doilea", "Ultimul"}
    assert count(db_session, Enrollment) == 0 and count(db_session, Consent) == 0


def test_a_row_can_report_several_columns(db_session, zum, ctx):
    report = import_people(db_session, zum, "x.csv", csv_bytes([
        row(nume="", prenume="", cnp="123", localitate="", zona="Nicăieri"),
    ]), ACTOR)
    assert pairs(report) == [(2, "nume"), (2, "prenume"), (2, "cnp"), (2, "localitate"), (2, "zona")]


def test_header_problems_stop_the_file_and_are_reported_on_row_1(db_session, zum, ctx):
    headers = ["Nume", "Prenume", "Data nașterii", "Localitate", "Strada", "Observații", "nume"]
    content = csv_bytes([["Popescu", "Ion", "01.01.1980", "Botoșani", "Strada Parcului", "x", "y"]],
                        headers=headers)
    report = import_people(db_session, zum, "x.csv", content, ACTOR)
    assert pairs(report) == [(1, "Observații"), (1, "nume"), (1, "zona"), (1, "cnp")]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert count(db_session, Person) == 0


def test_header_only_file_imports_nothing_without_errors(db_session, zum, ctx):
    report = import_people(db_session, zum, "gol.csv", template_csv(), ACTOR)
    assert report.as_dict() == {"created": 0, "updated": 0, "unchanged": 0, "errors": []}


# Matching, updates, idempotence --------------------------------------------------------------------------

def household_file(*extra) -> bytes:
    return csv_bytes([
        enrolled(nume="Lungu", prenume="Vasile", cnp=make_cnp(1, 1980, 6, 1, serial=1), gospodarie="L1",
                 dizabilitate="nu", etnie_roma="da", nivel_isced="2"),
        enrolled(nume="Lungu", prenume="Maria", cnp=make_cnp(2, 1982, 7, 2, serial=2), gospodarie="L1",
                 situatie_ocupare="inactiv"),
        enrolled(nume="Lungu", prenume="Andrei", data_nasterii="03.08.2012", sex="M", gospodarie="L1",
                 situatie_ocupare="inactiv", motiv_risc="familie monoparentală"),
        row(nume="Rusu", prenume="Ioana", data_nasterii="04.09.1960", sex="F", gospodarie="R1", telefon="0744000111"),
        *extra,
    ])


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db_session, zum, ctx):
    first = import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    assert first.as_dict() == {"created": 4, "updated": 0, "unchanged": 0, "errors": []}
    before = {model: count(db_session, model) for model in (Person, Household, Enrollment, EnrollmentPeriod, Consent)}
    assert before == {Person: 4, Household: 2, Enrollment: 3, EnrollmentPeriod: 3, Consent: 3}

    second = import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)

    assert second.as_dict() == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}
    assert {model: count(db_session, model) for model in before} == before


def test_households_are_grouped_by_the_gospodarie_key(db_session, zum, ctx):
    import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    lungu = db_session.scalar(select(Household).where(Household.import_key == "L1"))
    assert lungu.import_project_id == zum.id
    assert sorted(member.first_name for member in lungu.members) == ["Andrei", "Maria", "Vasile"]
    rusu = db_session.scalar(select(Household).where(Household.import_key == "R1"))
    assert [member.first_name for member in rusu.members] == ["Ioana"]


def test_enrollment_is_created_with_frozen_entry_data(db_session, zum, ctx):
    import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    vasile = person_named(db_session, "Lungu", "Vasile")
    (enrollment,) = vasile.enrollments
    assert enrollment.project_id == zum.id and enrollment.zone.name == ZUM_ZONE
    assert enrollment.first_entry_date == date(2022, 3, 15) and enrollment.age_at_entry == 41
    assert enrollment.risk_reason == RiskReason.minimum_income
    assert enrollment.labour_status == LabourStatus.unemployed and enrollment.isced_level == 2
    assert (enrollment.disability, enrollment.minority, enrollment.homeless) == (Answer.no, Answer.yes,
                                                                                  Answer.not_asked)
    assert enrollment.minority_on == date(2022, 3, 15)
    assert [(period.entry_date, period.exit_date) for period in enrollment.periods] == [(date(2022, 3, 15), None)]
    andrei = person_named(db_session, "Lungu", "Andrei")
    assert andrei.enrollments[0].age_at_entry == 9
    assert andrei.enrollments[0].risk_reason == RiskReason.single_parent

    # A later file with other entry answers leaves the enrollment as it was at entry.
    changed = csv_bytes([enrolled(nume="Lungu", prenume="Vasile", cnp=vasile.cnp, situatie_ocupare="angajat",
                                  motiv_risc="anchetă socială", nivel_isced="4", data_intrarii="01.06.2022")])
    report = import_people(db_session, zum, "alta.csv", changed, ACTOR)
    assert report.as_dict() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    db_session.refresh(enrollment)
    assert (enrollment.labour_status, enrollment.risk_reason, enrollment.isced_level) == (
        LabourStatus.unemployed, RiskReason.minimum_income, 2)
    assert len(enrollment.periods) == 1


def test_consent_da_records_the_consent_on_the_entry_date_and_a_minors_by_a_guardian(db_session, zum, ctx):
    import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    (consent,) = person_named(db_session, "Lungu", "Vasile").consents
    assert (consent.kind, consent.given_by, consent.given_on, consent.guardian_name) == (
        ConsentKind.data_processing, ConsentGiver.person, date(2022, 3, 15), "")
    (minor,) = person_named(db_session, "Lungu", "Andrei").consents
    assert (minor.given_by, minor.guardian_name) == (ConsentGiver.guardian, "(din formularul de înscriere)")
    assert person_named(db_session, "Rusu", "Ioana").consents == []  # no entry, no consent column: nothing


def test_entry_is_refused_without_a_consent_and_allowed_with_one_recorded_before(db_session, zum, ctx):
    cnp = make_cnp(1, 1970, 2, 2, serial=5)
    no_consent = csv_bytes([enrolled(nume="Stan", prenume="Petru", cnp=cnp, consimtamant="")])
    report = import_people(db_session, zum, "a.csv", no_consent, ACTOR)
    assert pairs(report) == [(2, "consimtamant")] and report.created == 0
    assert count(db_session, Person) == 0

    person = create_person(db_session, PersonData(last_name="Stan", first_name="Petru", cnp=cnp,
                                                  locality="Botoșani", street="Strada Parcului"), ACTOR).person
    record_consent(db_session, person, ACTOR, kind=ConsentKind.data_processing, given_by=ConsentGiver.person,
                   given_on=date(2022, 2, 20))
    report = import_people(db_session, zum, "a.csv", no_consent, ACTOR)
    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert len(person.enrollments) == 1 and len(person.consents) == 1


def test_a_changed_phone_in_a_second_file_updates_one_person(db_session, zum, ctx):
    import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    rows = list(csv.reader(io.StringIO(household_file().decode("utf-8-sig")), delimiter=";"))
    rows[4][HEADERS.index("telefon")] = "0744 999 888"
    changed = csv_bytes(rows[1:])

    report = import_people(db_session, zum, "gospodarii-2.csv", changed, ACTOR)

    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 3, "errors": []}
    ioana = person_named(db_session, "Rusu", "Ioana")
    assert ioana.phone == "0744 999 888" and ioana.phone_digits == "0744999888"
    audit = db_session.scalars(select(AuditEntry.details).where(AuditEntry.person_id == ioana.id,
                                                                AuditEntry.action == AuditAction.update)).all()
    assert audit == ["phone"]


def test_empty_cells_keep_what_the_register_holds(db_session, zum, ctx):
    import_people(db_session, zum, "gospodarii.csv", household_file(), ACTOR)
    sparse = csv_bytes([["Rusu", "Ioana", "04.09.1960", "F", "Botoșani", "Strada Parcului", ZUM_ZONE]],
                       headers=["nume", "prenume", "data_nasterii", "sex", "localitate", "strada", "zona"])
    report = import_people(db_session, zum, "x.csv", sparse, ACTOR)
    assert report.as_dict() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    ioana = person_named(db_session, "Rusu", "Ioana")
    assert ioana.phone == "0744000111" and ioana.number == "3" and ioana.household.import_key == "R1"


def test_name_and_birth_date_match_one_person_and_several_are_an_error(db_session, zum, ctx):
    data = PersonData(last_name="Bălan", first_name="Ștefan", birth_date=date(1977, 4, 4), sex=Sex.male,
                      locality="Botoșani", street="Strada Parcului", number="3")
    existing = create_person(db_session, data, ACTOR).person
    cnp = make_cnp(1, 1977, 4, 4, serial=44)
    content = csv_bytes([row(nume="BALAN", prenume="stefan", data_nasterii="04.04.1977", sex="M", cnp=cnp)])

    report = import_people(db_session, zum, "x.csv", content, ACTOR)

    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    assert existing.cnp == cnp and count(db_session, Person) == 1

    create_person(db_session, PersonData(last_name="Tudor", first_name="Ana", birth_date=date(1990, 1, 1),
                                         sex=Sex.female), ACTOR)
    create_person(db_session, PersonData(last_name="Tudor", first_name="Ana", birth_date=date(1990, 1, 1),
                                         sex=Sex.female), ACTOR, confirm_new=True)
    report = import_people(db_session, zum, "y.csv", csv_bytes([
        row(nume="Tudor", prenume="Ana", data_nasterii="01.01.1990", sex="F"),
    ]), ACTOR)
    assert pairs(report) == [(2, "nume")] and count(db_session, Person) == 3


def test_the_same_person_twice_in_one_file_is_created_once(db_session, zum, ctx):
    content = csv_bytes([row(nume="Popa", prenume="Dan", data_nasterii="01.01.1970", sex="M"),
                         row(nume="Popa", prenume="Dan", data_nasterii="01.01.1970", sex="M", telefon="0711")])
    report = import_people(db_session, zum, "x.csv", content, ACTOR)
    assert report.as_dict() == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}


# Dry run and audit ---------------------------------------------------------------------------------------

def test_dry_run_reports_the_same_and_changes_nothing(db_session, zum, ctx):
    content = household_file(row(nume="", prenume="X", cnp="1"))
    audit_before = count(db_session, AuditEntry)

    dry = import_people(db_session, zum, "gospodarii.csv", content, ACTOR, dry_run=True)

    assert (dry.created, dry.updated, dry.unchanged, len(dry.errors)) == (4, 0, 0, 2)
    for model in (Person, Household, Enrollment, Consent):
        assert count(db_session, model) == 0
    assert count(db_session, AuditEntry) == audit_before

    real = import_people(db_session, zum, "gospodarii.csv", content, ACTOR)
    assert real.as_dict() == dry.as_dict()
    assert count(db_session, Person) == 4
    summary = db_session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.import_)).all()
    assert [(entry.person_id, entry.details) for entry in summary] == [
        (None, "gospodarii.csv, created 4, updated 0, unchanged 0, errors 2")]
    created = db_session.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == AuditAction.create))
    assert created == 4


def test_a_person_without_the_sensitive_right_imports_without_special_categories(db_session, zum, ctx):
    staff = Actor(user=None, address="test", permissions=frozenset())
    import_people(db_session, zum, "gospodarii.csv", household_file(), staff)
    enrollment = person_named(db_session, "Lungu", "Vasile").enrollments[0]
    assert (enrollment.disability, enrollment.minority) == (Answer.not_asked, Answer.not_asked)


# Templates ------------------------------------------------------------------------------------------------

def test_templates_have_the_canonical_headers_and_instructions(db_session, zum, ctx):
    assert TEMPLATE_HEADERS[:22] == [
        "nume", "prenume", "cnp", "data_nasterii", "sex", "localitate", "strada", "numar", "bloc", "scara",
        "apartament", "zona", "telefon", "email", "gospodarie", "data_intrarii", "risc_saracie", "motiv_risc",
        "situatie_ocupare", "nivel_isced", "dizabilitate", "etnie_roma"]
    assert TEMPLATE_HEADERS[22:] == ["consimtamant"]

    raw = template_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").strip().split(";") == TEMPLATE_HEADERS

    workbook = load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames[1] == "Instrucțiuni"
    assert [cell.value for cell in workbook.worksheets[0][1]] == TEMPLATE_HEADERS
    guide = workbook["Instrucțiuni"]
    described = {line[0] for line in guide.iter_rows(min_row=2, values_only=True)}
    assert set(TEMPLATE_HEADERS) <= described
    situations = " ".join(str(value) for line in guide.iter_rows(values_only=True) for value in line if value)
    assert "somer de lunga durata" in situations and "inactiv fara studii/formare" in situations

    # The template filled in imports as it is.
    sheet = workbook.worksheets[0]
    values = dict(nume="Pavel", prenume="Irina", cnp=make_cnp(2, 1995, 1, 9), localitate="Botoșani",
                  strada="Strada Luceafărului", zona=ZUM_ZONE, data_intrarii="01.06.2022", risc_saracie="da",
                  motiv_risc="ajutor social", situatie_ocupare="inactiv fara studii/formare", consimtamant="da")
    sheet.append([values.get(header) for header in TEMPLATE_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_people(db_session, zum, "sablon.xlsx", buffer.getvalue(), ACTOR)
    assert report.as_dict() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    assert person_named(db_session, "Pavel", "Irina").enrollments[0].labour_status == \
        LabourStatus.inactive_not_in_education


def test_report_as_dict_shape():
    report = ImportReport(created=1, errors=[RowError(4, "cnp", "greșit")])
    assert report.as_dict() == {"created": 1, "updated": 0, "unchanged": 0,
                                "errors": [{"row": 4, "column": "cnp", "message": "greșit"}]}


# The command line -------------------------------------------------------------------------------------------

def test_cli_json_prints_one_object_and_exits_0_with_row_errors(app, db_session, zum, tmp_path):
    path = tmp_path / "persoane.csv"
    path.write_bytes(csv_bytes([row(nume="Popescu", prenume="Ion", cnp=make_cnp(1, 1985, 3, 12)),
                                row(nume="Rău", prenume="Cnp", cnp="1234567890123")]))
    result = app.test_cli_runner().invoke(args=["import-people", str(path), "--project", "155550", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1
    payload = json.loads(result.stdout)
    assert payload["created"] == 1 and payload["updated"] == 0 and payload["unchanged"] == 0
    assert [(error["row"], error["column"]) for error in payload["errors"]] == [(3, "cnp")]
    assert "Rău" not in result.stdout  # messages, not the personal values
    assert person_named(db_session, "Popescu", "Ion") is not None  # committed

    again = app.test_cli_runner().invoke(args=["import-people", str(path), "--project", "155550", "--json"])
    assert json.loads(again.stdout)["unchanged"] == 1


def test_cli_dry_run_and_readable_summary(app, db_session, zum, tmp_path):
    path = tmp_path / "persoane.csv"
    path.write_bytes(csv_bytes([row(nume="Popescu", prenume="Ion", cnp=make_cnp(1, 1985, 3, 12)),
                                row(nume="Rau", prenume="Fara zona", cnp=make_cnp(1, 1986, 3, 12), zona="")]))
    result = app.test_cli_runner().invoke(args=["import-people", str(path), "--project", "155550", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "created: 1" in result.stdout and "row 3, zona:" in result.stdout
    assert count(db_session, Person) == 0


def test_cli_fails_for_an_unreadable_file_and_an_unknown_project(app, db_session, zum, tmp_path):
    runner = app.test_cli_runner()
    broken = tmp_path / "stricat.xlsx"
    broken.write_bytes(b"PK\x03\x04 nu este zip")
    unreadable = runner.invoke(args=["import-people", str(broken), "--project", "155550", "--json"])
    assert unreadable.exit_code != 0
    assert unreadable.stdout == ""

    good = tmp_path / "bun.csv"
    good.write_bytes(template_csv())
    unknown = runner.invoke(args=["import-people", str(good), "--project", "NU-EXISTA", "--json"])
    assert unknown.exit_code != 0 and "NU-EXISTA" in unknown.output
