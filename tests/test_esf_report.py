"""The ESF report: participants at entry in both programming periods' bands, its reconciliation, XLSX, CSV, access."""
import csv
import io
import re
from dataclasses import replace
from datetime import date
from itertools import count

import pytest
from sqlalchemy import select

from portal.demo import load_demo
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.people import services as people
from portal.domain.people.cnp import check_digit
from portal.domain.people.models import Answer, ConsentGiver, ConsentKind, ExitResult, LabourStatus, RiskReason, Sex
from portal.domain.projects.models import Project
from portal.domain.results import esf
from portal.domain.results.esf_export import csv_rows

COORDINATOR = Actor(user=None, address="test", permissions=frozenset({"people.sensitive"}))
ENTRY = date(2023, 3, 1)
_names = count(1)


@pytest.fixture
def projects(db_session):
    load_demo(db_session)
    db_session.flush()
    return {project.code: project for project in db_session.scalars(select(Project))}


@pytest.fixture
def zum(projects):
    return projects["155550"]


def foreign_cnp(born: date, serial: int) -> str:
    first12 = f"9{born:%y%m%d}70{serial:03d}"
    return first12 + str(check_digit(first12))


def person(db_session, *, age=30, sex=Sex.female, on=ENTRY):
    number = next(_names)
    born = date(on.year - age, on.month, on.day)
    # Without a sex only with a foreign citizen's CNP (first digit 9), which does not say it.
    cnp = "" if sex else foreign_cnp(born, number % 999 + 1)
    data = people.PersonData(last_name=f"Participant{number}", first_name="Test", locality="Botoșani",
                             street="Strada Parcului", birth_date=born, sex=sex, cnp=cnp)
    created = people.create_person(db_session, data, COORDINATOR, confirm_new=True).person
    minor = age < 19  # 18 on the entry day, still 17 when the consent was signed
    people.record_consent(db_session, created, COORDINATOR, kind=ConsentKind.data_processing,
                          given_by=ConsentGiver.guardian if minor else ConsentGiver.person,
                          guardian_name="Părinte Test" if minor else "", given_on=date(2023, 1, 10),
                          document_ref="F-1")
    return created


def enroll(db_session, project, who, *, on=ENTRY, labour=LabourStatus.unemployed, isced=2, **answers):
    entry = people.EntryData(zone_id=project.zones[0].id, entry_date=on, risk_reason=RiskReason.minimum_income,
                             labour_status=labour, isced_level=isced,
                             answers={name: Answer(value) for name, value in answers.items()})
    enrollment = people.enroll(db_session, who, project, entry, COORDINATOR)
    db_session.flush()
    return enrollment


def participant(db_session, project, *, age=30, sex=Sex.female, on=ENTRY, **entry):
    return enroll(db_session, project, person(db_session, age=age, sex=sex, on=on), on=on, **entry)


def column_of(table: esf.Table, column: str) -> dict[str, int]:
    return {row.key: row.cells[column] for row in table.rows}


# The figures ---------------------------------------------------------------------------------------

def test_age_bands_of_both_periods_split_at_their_boundaries(db_session, zum):
    sexes = [Sex.female, Sex.male, None]
    for index, age in enumerate([17, 18, 24, 25, 29, 30, 54, 55]):
        participant(db_session, zum, age=age, sex=sexes[index % 3])
    report = esf.esf_report(db_session, zum)
    assert report.total == 8
    assert report.participants.row("all").cells == {"F": 3, "M": 3, "not_recorded": 2, "total": 8}
    assert column_of(report.ages["2021"], "total") == {"under_18": 1, "18_29": 4, "30_54": 2, "55_plus": 1}
    assert column_of(report.ages["2014"], "total") == {"under_25": 3, "25_54": 4, "over_54": 1}
    # 17 F, 18 M, 24 -, 25 F, 29 M, 30 -, 54 F, 55 M
    assert report.ages["2021"].row("18_29").cells == {"F": 1, "M": 2, "not_recorded": 1, "total": 4}
    assert report.ages["2014"].row("under_25").cells == {"F": 1, "M": 1, "not_recorded": 1, "total": 3}
    assert report.ages["2014"].row("over_54").cells == {"F": 0, "M": 1, "not_recorded": 0, "total": 1}
    assert report.ok


def test_education_bands_keep_isced_0_and_the_unrecorded_level(db_session, zum):
    for level in [0, 1, 2, 3, 4, 5, 8, None]:
        participant(db_session, zum, isced=level)
    report = esf.esf_report(db_session, zum)
    assert column_of(report.education["2014"], "total") == {
        "isced_0": 1, "isced_1_2": 2, "isced_3_4": 2, "isced_5_8": 2, "not_recorded": 1}
    assert column_of(report.education["2021"], "total") == {
        "isced_0_2": 3, "isced_3_4": 2, "isced_5_8": 2, "not_recorded": 1}
    checks = {check.key: check for check in report.band_set("2014").checks}
    assert checks["education:total"].left == checks["education:total"].right == 8


def test_labour_status_with_its_of_which_rows_adds_up_to_everyone(db_session, zum):
    for status, sex in [(LabourStatus.employed, Sex.male), (LabourStatus.unemployed, Sex.female),
                        (LabourStatus.long_term_unemployed, Sex.female), (LabourStatus.long_term_unemployed, Sex.male),
                        (LabourStatus.inactive, None), (LabourStatus.inactive_not_in_education, Sex.female)]:
        participant(db_session, zum, labour=status, sex=sex)
    report = esf.esf_report(db_session, zum)
    labour = report.labour
    assert column_of(labour, "total") == {"employed": 1, "unemployed": 3, "long_term_unemployed": 2,
                                          "inactive": 2, "inactive_not_in_education": 1}
    assert labour.row("unemployed").cells == {"F": 2, "M": 1, "not_recorded": 0, "total": 3}
    assert labour.row("long_term_unemployed").part_of == "unemployed"
    for band_set in report.band_sets:
        checks = {check.key: check for check in band_set.checks}
        for column, everyone in {"F": 3, "M": 2, "not_recorded": 1, "total": 6}.items():
            check = checks[f"labour_status:{column}"]
            assert (check.left, check.right, check.ok) == (everyone, everyone, True)


def test_refused_and_not_asked_answers_have_their_own_columns(db_session, zum):
    participant(db_session, zum, sex=Sex.female, disability="refused", rural="yes", homeless="no")
    participant(db_session, zum, sex=Sex.male, disability="yes", minority="yes", rural="yes")
    participant(db_session, zum, sex=None, disability="no", minority="refused")
    situations = esf.esf_report(db_session, zum).situations
    assert situations.row("disability").cells == {
        "yes": 1, "no": 1, "refused": 1, "not_asked": 0, "total": 3, "yes_F": 0, "yes_M": 1, "yes_not_recorded": 0}
    assert situations.row("minority").cells == {
        "yes": 1, "no": 0, "refused": 1, "not_asked": 1, "total": 3, "yes_F": 0, "yes_M": 1, "yes_not_recorded": 0}
    assert situations.row("rural").cells["yes"] == 2
    assert (situations.row("rural").cells["yes_F"], situations.row("rural").cells["yes_M"]) == (1, 1)
    assert situations.row("homeless").cells["no"] == 1 and situations.row("homeless").cells["not_asked"] == 2
    assert situations.row("jobless_household").cells["not_asked"] == 3
    assert situations.row("disability").sensitive and not situations.row("rural").sensitive


def test_a_reentry_counts_once_with_its_first_entry_data(db_session, zum):
    enrollment = participant(db_session, zum, age=24, labour=LabourStatus.unemployed)
    people.exit_enrollment(db_session, enrollment, COORDINATOR, exit_date=date(2023, 6, 1),
                           result=ExitResult.completed)
    people.enroll(db_session, enrollment.person, zum, people.EntryData(
        zone_id=zum.zones[0].id, entry_date=date(2024, 4, 1), risk_reason=RiskReason.minimum_income,
        labour_status=LabourStatus.employed), COORDINATOR)
    db_session.flush()
    report = esf.esf_report(db_session, zum)
    assert report.total == 1
    assert report.labour.cell("unemployed", "total") == 1 and report.labour.cell("employed", "total") == 0
    assert report.ages["2014"].cell("under_25", "total") == 1
    # The period follows the first entry, not the re-entry.
    assert esf.esf_report(db_session, zum, first=date(2024, 1, 1)).total == 0


def test_a_merged_record_is_not_counted_twice_and_an_erased_one_still_counts(db_session, zum):
    keep = person(db_session)
    absorb = person(db_session)
    enroll(db_session, zum, keep, on=date(2023, 5, 1))
    enroll(db_session, zum, absorb, on=ENTRY, rural="yes")
    assert esf.esf_report(db_session, zum).total == 2
    people.merge_persons(db_session, keep, absorb, COORDINATOR)
    db_session.flush()
    report = esf.esf_report(db_session, zum)
    assert report.total == 1 and report.situations.cell("rural", "yes") == 1
    people.erase_person(db_session, keep, COORDINATOR)
    db_session.flush()
    erased = esf.esf_report(db_session, zum)
    assert erased.total == 1 and erased.ages["2021"].cell("30_54", "F") == 1


def test_the_period_filter_reads_the_first_entry_day_inclusively(db_session, zum):
    for day in (date(2023, 3, 1), date(2023, 6, 15), date(2024, 1, 10)):
        participant(db_session, zum, on=day)
    assert esf.esf_report(db_session, zum).total == 3
    assert esf.esf_report(db_session, zum, first=date(2023, 6, 1)).total == 2
    assert esf.esf_report(db_session, zum, last=date(2023, 6, 15)).total == 2
    assert esf.esf_report(db_session, zum, first=date(2023, 6, 15), last=date(2023, 6, 15)).total == 1
    assert esf.esf_report(db_session, zum, first=date(2025, 1, 1)).total == 0


def test_the_reconciliation_notices_a_table_that_does_not_add_up(db_session, zum):
    for status in LabourStatus:
        participant(db_session, zum, labour=status)
    report = esf.esf_report(db_session, zum)
    assert report.ok and all(check.ok for band_set in report.band_sets for check in band_set.checks)
    assert len(report.band_set("2021").checks) == 3 * 4 + 6
    without_inactive = replace(report, labour=replace(report.labour, rows=tuple(
        row for row in report.labour.rows if row.key != "inactive")))
    broken = {check.key: check for check in without_inactive.band_set("2021").checks}
    assert not broken["labour_status:total"].ok
    assert (broken["labour_status:total"].left, broken["labour_status:total"].right) == (3, 5)
    assert not without_inactive.ok


def test_other_projects_are_not_counted(db_session, zum, projects):
    participant(db_session, zum)
    assert esf.esf_report(db_session, projects["BC-SDL-2022"]).total == 0


# The page and the files ----------------------------------------------------------------------------

@pytest.fixture
def mixed(db_session, zum):
    """Eight participants of ZUM with every kind of value."""
    rows = [(17, Sex.female, LabourStatus.inactive, 1, "refused"), (18, Sex.male, LabourStatus.unemployed, 0, "yes"),
            (24, None, LabourStatus.long_term_unemployed, 3, "no"), (25, Sex.female, LabourStatus.employed, 5, "yes"),
            (29, Sex.male, LabourStatus.inactive_not_in_education, None, "not_asked"),
            (30, Sex.female, LabourStatus.unemployed, 2, "yes"), (54, Sex.male, LabourStatus.employed, 8, "no"),
            (55, Sex.female, LabourStatus.unemployed, 4, "refused")]
    for age, sex, labour, isced, disability in rows:
        participant(db_session, zum, age=age, sex=sex, labour=labour, isced=isced, disability=disability)
    db_session.commit()
    return esf.esf_report(db_session, zum)


def sheet_values(sheet) -> dict[tuple[str, str], list]:
    """{(table title, row label): [numbers]} from a band set's sheet."""
    values, title = {}, None
    for row in sheet.iter_rows(values_only=True):
        cells = [cell for cell in row if cell is not None]
        if len(cells) == 1 and isinstance(cells[0], str):
            title = cells[0]
        elif cells and isinstance(cells[0], str) and all(isinstance(cell, int) for cell in cells[1:]) and len(cells) > 1:
            values[(title, cells[0].strip())] = cells[1:]
    return values


def test_the_xlsx_holds_both_band_sets_with_the_same_numbers(client, login_as, db_session, zum, mixed):
    from openpyxl import load_workbook

    login_as("coordinator")
    client.set_cookie("lang", "en")
    response = client.get(f"/portal/proiecte/{zum.id}/raport-fse.xlsx?de_la=01.01.2023")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "raport-fse-155550" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["2014-2020", "2021-2027", "Indicators"]
    for name in workbook.sheetnames[:2]:
        sheet = workbook[name]
        assert "155550" in sheet["B2"].value and "ZUM BT PLUS" in sheet["B2"].value
        assert "01.01.2023" in sheet["B3"].value
        assert sheet["A1"].font.bold and sheet["A2"].font.bold
    sheet_2014, sheet_2021 = (sheet_values(workbook[name]) for name in workbook.sheetnames[:2])
    assert sheet_2021[("Labour status at entry", "unemployed")] == [2, 1, 1, 4]
    assert sheet_2021[("Labour status at entry", "of which long-term unemployed")] == [0, 0, 1, 1]
    assert sheet_2021[("Age at entry", "18–29")] == [1, 2, 1, 4]
    assert sheet_2014[("Age at entry", "under 25")] == [1, 1, 1, 3]
    assert sheet_2014[("Education at entry (ISCED)", "ISCED 0 (below ISCED 1)")] == [0, 1, 0, 1]
    assert sheet_2014[("Education at entry (ISCED)", "not recorded")] == [0, 1, 0, 1]
    assert sheet_2021[("Education at entry (ISCED)", "ISCED 0–2")] == [2, 1, 0, 3]
    # yes, no, refused, not asked, total, yes by sex
    assert sheet_2021[("Disadvantaged situations at entry", "participants with disabilities *")] == [
        3, 2, 2, 1, 8, 2, 1, 0]
    for title_and_row, numbers in sheet_2021.items():
        if title_and_row[0] == "Labour status at entry":
            report_row = next(row for row in mixed.labour.rows if str(row.label) == title_and_row[1])
            assert numbers == [report_row.cells[column] for column in esf.COLUMNS]
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.export)).all()
    assert any("ESF report 155550 (xlsx)" in entry.details and "8 participants" in entry.details
               for entry in entries)


def test_the_csv_is_long_format_with_machine_keys(client, login_as, zum, mixed):
    login_as("coordinator")
    response = client.get(f"/portal/proiecte/{zum.id}/raport-fse.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == ["band_set", "table", "row", "column", "value"]
    values = {tuple(line[:4]): int(line[4]) for line in lines[1:] if line[1] != "indicators"}
    indicators = {tuple(line[:4]): line[4] for line in lines[1:] if line[1] == "indicators"}
    assert len(values) + len(indicators) == len(lines) - 1  # one line per figure
    assert indicators[("", "indicators", "I3", "unit")] == "persons"
    assert indicators[("", "indicators", "I3", "target")] == "98"
    assert indicators[("", "indicators", "I8", "achieved")] == "0"  # nobody in the social shop in this test
    assert indicators[("", "indicators", "I16", "unit")] == "lei"
    assert values[("2021-2027", "labour_status", "unemployed", "F")] == 2
    assert values[("2014-2020", "labour_status", "unemployed", "total")] == 4
    assert values[("2014-2020", "age", "under_25", "total")] == 3
    assert values[("2021-2027", "age", "55_plus", "F")] == 1
    assert values[("2014-2020", "education", "isced_0", "M")] == 1
    assert values[("2021-2027", "education", "not_recorded", "total")] == 1
    assert values[("2021-2027", "situations", "disability", "refused")] == 2
    assert values[("2021-2027", "situations", "disability", "not_asked")] == 1
    assert values[("2021-2027", "participants", "all", "total")] == 8
    assert values[("2021-2027", "reconciliation", "labour_status:total", "rows")] == 8
    assert {key[0] for key in values} == {"2014-2020", "2021-2027"}
    assert {**values, **indicators} == {tuple(map(str, row[:4])): row[4] for row in csv_rows(mixed)}


def test_the_page_shows_both_band_sets_or_one(client, login_as, zum, mixed):
    login_as("coordinator")
    client.set_cookie("lang", "en")
    page = client.get(f"/portal/proiecte/{zum.id}/raport-fse").get_data(as_text=True)
    assert "ESF report: participants at entry" in page
    assert "2014-2020 bands" in page and "2021-2027 bands" in page
    assert "of which long-term unemployed" in page and "ISCED 0 (below ISCED 1)" in page and "55 and over" in page
    assert f"/portal/proiecte/{zum.id}/raport-fse.xlsx" in page and f"/portal/proiecte/{zum.id}/raport-fse.csv" in page
    assert not re.search(r"Participant\d", page)  # aggregates only, never names
    only = client.get(f"/portal/proiecte/{zum.id}/raport-fse?benzi=2014&de_la=2023-01-01&pana_la=31.12.2023")
    text = only.get_data(as_text=True)
    assert "2014-2020 bands" in text and "2021-2027 bands" not in text and "over 54" in text
    assert "raport-fse.csv?de_la=2023-01-01&amp;pana_la=31.12.2023" in text
    project_page = client.get(f"/portal/proiecte/{zum.id}").get_data(as_text=True)
    assert f"/portal/proiecte/{zum.id}/raport-fse" in project_page


def test_the_disability_and_minority_rows_need_the_special_category_right(client, login_as, zum, mixed):
    login_as("viewer")  # reads the project, not special-category data
    client.set_cookie("lang", "en")
    page = client.get(f"/portal/proiecte/{zum.id}/raport-fse").get_data(as_text=True)
    assert "Jobless household" in page or "jobless" in page.lower()
    assert "Disability" not in page and "minority" not in page.lower().replace("the disability and minority rows", "")
    assert "shown only to those with the right to special-category data" in page
    rows = client.get(f"/portal/proiecte/{zum.id}/raport-fse.csv").get_data(as_text=True)
    assert ",disability," not in rows and ",minority," not in rows and ",homeless," in rows


def test_bad_dates_are_explained_on_the_form(client, login_as, zum):
    login_as("coordinator")
    client.set_cookie("lang", "en")
    response = client.get(f"/portal/proiecte/{zum.id}/raport-fse?de_la=31.02.2023&pana_la=ieri")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Write the date as dd.mm.yyyy" in text and 'value="31.02.2023"' in text
    reversed_ = client.get(f"/portal/proiecte/{zum.id}/raport-fse?de_la=01.06.2023&pana_la=01.05.2023")
    assert "The last day cannot be before the first day." in reversed_.get_data(as_text=True)
    download = client.get(f"/portal/proiecte/{zum.id}/raport-fse.xlsx?de_la=xx")
    assert download.status_code == 303 and "raport-fse?de_la=xx" in download.headers["Location"]
    assert client.get(f"/portal/proiecte/{zum.id}/raport-fse.pdf").status_code == 404


def test_only_those_who_see_the_project_see_its_report(client, login_as, zum, projects):
    for path in ("raport-fse", "raport-fse.xlsx", "raport-fse.csv"):
        anonymous = client.get(f"/portal/proiecte/{zum.id}/{path}")
        assert anonymous.status_code == 302 and "/portal/autentificare" in anonymous.headers["Location"]
    login_as("viewer", member_of={projects["BC-SDL-2022"]: "viewer"})
    for path in ("raport-fse", "raport-fse.xlsx", "raport-fse.csv"):
        assert client.get(f"/portal/proiecte/{zum.id}/{path}").status_code in (403, 404)
    assert client.get(f"/portal/proiecte/{projects['BC-SDL-2022'].id}/raport-fse").status_code == 200
    assert client.get("/portal/proiecte/999999/raport-fse").status_code == 404
