"""The staff results pages: the dashboard (target, achieved, percentage, bars, progress by month), an
indicator's page with its adjustments and the persons counted, and creating, editing and deleting
indicators — who may do what, and what a user sees change when the records change."""
import itertools
import re
from datetime import date, time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, AttendanceStatus
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditEntry
from portal.domain.people import services as people
from portal.domain.people.models import (
    ConsentGiver,
    ConsentKind,
    LabourStatus,
    Person,
    RiskReason,
    Sex,
)
from portal.domain.projects.models import (
    Activity,
    Indicator,
    IndicatorUnit,
    Project,
    RuleKind,
)
from portal.domain.results.models import IndicatorAdjustment

EVERYTHING = frozenset({"activities.manage", "attendance.record", "attendance.correct", "people.sensitive"})
MANAGER = Actor(user=None, address="test", everywhere=EVERYTHING, permissions=EVERYTHING)
BOTOSANI, BACAU = "155550", "BC-SDL-2022"
OCTOBER, NOVEMBER = date(2026, 10, 5), date(2026, 11, 2)


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.flush()
    return db_session


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is someone else's."""
    client.set_cookie("lang", "en")
    return client


def project(db, code=BOTOSANI) -> Project:
    return db.scalar(select(Project).where(Project.code == code))


def activity(db, code="A2.1", project_code=BOTOSANI) -> Activity:
    return db.scalar(select(Activity).join(Project).where(Project.code == project_code, Activity.code == code))


def indicator(db, code, project_code=BOTOSANI) -> Indicator:
    return db.scalar(select(Indicator).join(Project).where(Project.code == project_code, Indicator.code == code))


def enrolled(db, last: str, first: str = "Ana", project_code: str = BOTOSANI) -> Person:
    proj = project(db, project_code)
    person = people.create_person(db, people.PersonData(
        last_name=last, first_name=first, locality=proj.town, street=proj.zones[0].streets[0].name,
        birth_date=date(2015, 5, 5), sex=Sex.female), MANAGER, confirm_new=True).person
    people.record_consent(db, person, MANAGER, kind=ConsentKind.data_processing, given_by=ConsentGiver.guardian,
                          given_on=date(2023, 1, 10), guardian_name="Părinte", document_ref="F-1")
    people.enroll(db, person, proj, people.EntryData(
        zone_id=proj.zones[0].id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
        labour_status=LabourStatus.inactive, isced_level=1, answers={}), MANAGER)
    return person


_minutes = itertools.count()


def held(db, day: date, act: Activity) -> ActivitySession:
    plan = activities.SessionPlan(start_time=time(8, next(_minutes) % 60), end_time=time(12, 0), place="Sala 2")
    return activities.create_sessions(db, act, plan, MANAGER, on=day)[0]


def after_school(db, names=("Ionescu", "Barbu")) -> list[Person]:
    """Pupils on the after-school list (A2.1, counted by the demo indicator I3)."""
    act = activity(db)
    persons = [enrolled(db, name) for name in names]
    for person in persons:
        activities.add_to_roster(db, act, person, date(2024, 1, 1), MANAGER)
    return persons


def present(db, session: ActivitySession, *persons: Person) -> None:
    for person in persons:
        activities.mark(db, session, person, AttendanceStatus.present, MANAGER, today=session.date)
    db.commit()  # the records change in a committed transaction, as a portal request would


def row_of(html: str, code: str) -> str:
    """The dashboard's table row of one indicator."""
    for row in re.findall(r"<tr>.*?</tr>", html, re.DOTALL):
        if re.search(rf">{re.escape(code)}</a></th>", row):
            return row
    raise AssertionError(f"no row for {code}")


def achieved_in(html: str, code: str) -> str:
    cells = re.findall(r'<td class="num">(.*?)</td>', row_of(html, code), re.DOTALL)
    return re.sub(r"<p.*", "", cells[1], flags=re.DOTALL).strip()  # cells: target, achieved


def month_table(html: str) -> dict[str, dict[str, str]]:
    """{month label: {indicator code: cumulative value}} from the progress-by-month table."""
    table = re.search(r'<table class="months-table">(.*?)</table>', html, re.DOTALL).group(1)
    codes = re.findall(r"<abbr [^>]*>([^<]+)</abbr>", table)
    months = {}
    for label, cells in re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', table, re.DOTALL):
        months[label] = dict(zip(codes, re.findall(r'<td class="num">([^<]*)</td>', cells)))
    return months


def dashboard_url(db, code=BOTOSANI) -> str:
    return f"/portal/proiecte/{project(db, code).id}/rezultate"


# The dashboard ------------------------------------------------------------------------------------

def test_dashboard_shows_target_achieved_and_percent_and_moves_with_attendance(demo, login_as, english):
    ana, barbu = after_school(demo)
    login_as("viewer")
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert "98 persons" in row_of(page, "I3") and achieved_in(page, "I3") == "0"
    assert ">0%<" in row_of(page, "I3")

    present(demo, held(demo, OCTOBER, activity(demo)), ana)
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert achieved_in(page, "I3") == "1"
    assert ">1%<" in row_of(page, "I3")  # 1 of 98
    assert "Persons present at least once at A2.1 After-school programme" in row_of(page, "I3")

    present(demo, held(demo, NOVEMBER, activity(demo)), ana, barbu)
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert achieved_in(page, "I3") == "2"  # Ana came twice and counts once
    assert ">2%<" in row_of(page, "I3")
    assert "Computed at" in page


def test_a_person_attending_twice_counts_once(demo, login_as, english):
    ana, _barbu = after_school(demo)
    present(demo, held(demo, OCTOBER, activity(demo)), ana)
    present(demo, held(demo, NOVEMBER, activity(demo)), ana)
    login_as("viewer")
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert achieved_in(page, "I3") == "1"


def without_rule(db, code="I30") -> Indicator:
    added = Indicator(project_id=project(db).id, code=code, name_ro="Indicator fără regulă", name_en="Without a rule",
                      target=100, unit=IndicatorUnit.persons, is_public=True)
    db.add(added)
    db.commit()
    return added


def test_progress_by_month_shows_cumulative_values(demo, login_as, english):
    without_rule(demo)
    ana, barbu = after_school(demo)
    present(demo, held(demo, OCTOBER, activity(demo)), ana)
    present(demo, held(demo, NOVEMBER, activity(demo)), ana, barbu)
    login_as("viewer")
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    months = month_table(page)
    assert next(iter(months)) == "February 2022"  # the project's first month …
    assert list(months)[-1] == "November 2026"  # … up to this one
    assert months["September 2026"]["I3"] == "0"
    assert months["October 2026"]["I3"] == "1"
    assert months["November 2026"]["I3"] == "2"
    assert months["November 2026"]["I8"] == "0"  # nobody in the social shop yet
    assert months["November 2026"]["I30"] == "—"  # no rule and no adjustment
    assert '<polyline points="' in row_of(page, "I3")  # the sparkline


def test_an_indicator_without_a_rule_shows_a_dash(demo, login_as, english):
    without_rule(demo)
    login_as("viewer")
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    row = row_of(page, "I30")
    assert achieved_in(page, "I30") == "—" and "no rule yet" in row
    assert "No rule yet" in row and "%" not in row


def test_dashboard_links_the_reports_and_the_public_page(demo, login_as, english):
    login_as("coordinator")
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    proj = project(demo)
    assert f'href="/portal/proiecte/{proj.id}/raport-fse"' in page
    assert f'href="/rezultate/{proj.code}"' in page
    assert f'href="/portal/proiecte/{proj.id}/indicatori/nou"' in page
    assert f'href="/portal/indicatori/{indicator(demo, "I3").id}"' in page
    listing = english.get("/portal/").get_data(as_text=True)
    assert f'href="/portal/proiecte/{proj.id}/rezultate"' in listing
    assert f'href="/portal/proiecte/{proj.id}/rezultate"' in english.get(f"/portal/proiecte/{proj.id}").get_data(
        as_text=True)


def test_viewer_of_another_project_sees_nothing_of_this_one(demo, login_as, client):
    login_as("viewer", member_of={project(demo, BACAU): "viewer"})
    i3 = indicator(demo, "I3")
    assert client.get(dashboard_url(demo)).status_code == 404
    assert client.get(f"/portal/indicatori/{i3.id}?persoane=1").status_code == 404
    assert client.get(dashboard_url(demo, BACAU)).status_code == 200
    assert client.get(f"/portal/indicatori/{indicator(demo, 'I1', BACAU).id}").status_code == 200


def test_other_projects_are_not_found(demo, login_as, client):
    login_as("coordinator", member_of={project(demo, BACAU): "coordinator"})
    i3 = indicator(demo, "I3")
    assert client.get(dashboard_url(demo)).status_code == 404
    assert client.get(f"/portal/indicatori/{i3.id}").status_code == 404
    assert client.get(f"/portal/indicatori/{i3.id}/editare").status_code == 404
    assert client.post_form(f"/portal/indicatori/{i3.id}/ajustari", {
        "amount": "5", "effective_on": "05.10.2026", "reason": "Numărați pe hârtie în 2022"}).status_code == 404
    assert client.get(dashboard_url(demo, BACAU)).status_code == 200


# Adjustments --------------------------------------------------------------------------------------

def test_an_adjustment_with_a_reason_adds_to_the_achieved_value_as_a_line(demo, login_as, english):
    user = login_as("coordinator")
    i8 = indicator(demo, "I8")
    response = english.post_form(f"/portal/indicatori/{i8.id}/ajustari", {
        "amount": "12", "effective_on": "05.10.2026", "reason": "Cumpărători numărați pe hârtie în 2022"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/portal/indicatori/{i8.id}#ajustari")
    page = english.get(f"/portal/indicatori/{i8.id}").get_data(as_text=True)
    assert "+12" in page and "Cumpărători numărați pe hârtie în 2022" in page and user.full_name in page
    assert "05.10.2026" in page
    assert "never edited or deleted" in page
    dashboard = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert achieved_in(dashboard, "I8") == "12"
    assert month_table(dashboard)["October 2026"]["I8"] == "12"
    assert month_table(dashboard)["September 2026"]["I8"] == "0"

    english.post_form(f"/portal/indicatori/{i8.id}/ajustari", {
        "amount": "-2,5", "effective_on": "02.11.2026", "reason": "Două bonuri erau duble, corectat"})
    dashboard = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert achieved_in(dashboard, "I8") == "9.5"
    assert demo.scalar(select(func.count()).select_from(IndicatorAdjustment)
                       .where(IndicatorAdjustment.indicator_id == i8.id)) == 2


@pytest.mark.parametrize("typed, message", [
    ({"amount": "12", "reason": ""}, "This field is required."),
    ({"amount": "0", "reason": "Numărați pe hârtie în 2022"}, "Give a number other than zero"),
    ({"amount": "doisprezece", "reason": "Numărați pe hârtie în 2022"}, "Give a number other than zero"),
    ({"amount": "12", "reason": "hârtie"}, "Explain the adjustment in a sentence"),
])
def test_a_wrong_adjustment_is_refused_with_the_typed_values_kept(demo, login_as, english, typed, message):
    login_as("coordinator")
    i8 = indicator(demo, "I8")
    form = {"effective_on": "05.10.2026", **typed}
    response = english.post_form(f"/portal/indicatori/{i8.id}/ajustari", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'value="{typed["amount"]}"' in page and 'value="05.10.2026"' in page
    if typed["reason"]:
        assert re.search(rf'>\s*{typed["reason"]}</textarea>', page)
    assert demo.scalar(select(func.count()).select_from(IndicatorAdjustment)) == 0
    # With htmx only the form comes back, to be swapped in place.
    partial = english.post_form(f"/portal/indicatori/{i8.id}/ajustari", form, headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 422 and body.lstrip().startswith('<div id="adjustment-form">')
    assert message in body and "<html" not in body


def test_with_htmx_a_saved_adjustment_reloads_the_page(demo, login_as, english):
    login_as("coordinator")
    i8 = indicator(demo, "I8")
    response = english.post_form(f"/portal/indicatori/{i8.id}/ajustari", {
        "amount": "3", "effective_on": "05.10.2026", "reason": "Numărați pe hârtie în 2022"},
        headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith(f"/portal/indicatori/{i8.id}#ajustari")


def test_staff_cannot_add_adjustments_or_change_indicators(demo, login_as, client):
    login_as("staff")
    i3 = indicator(demo, "I3")
    page = client.get(f"/portal/indicatori/{i3.id}")
    assert page.status_code == 200 and "ajustari" in page.get_data(as_text=True)  # the list is there …
    assert f'action="/portal/indicatori/{i3.id}/ajustari"' not in page.get_data(as_text=True)  # … not the form
    assert client.post_form(f"/portal/indicatori/{i3.id}/ajustari", {
        "amount": "5", "effective_on": "05.10.2026", "reason": "Numărați pe hârtie în 2022"}).status_code == 403
    assert client.get(f"/portal/indicatori/{i3.id}/editare").status_code == 403
    assert client.post_form(f"/portal/indicatori/{i3.id}/editare", {"code": "I3"}).status_code == 403
    assert client.get(f"/portal/proiecte/{project(demo).id}/indicatori/nou").status_code == 403
    assert client.post_form(f"/portal/indicatori/{i3.id}/stergere").status_code == 403
    assert indicator(demo, "I3") is not None


def test_a_coordinator_elsewhere_is_only_staff_here(demo, login_as, client):
    """Rights follow the role in each project: coordinating Bacău gives nothing more in Botoșani."""
    login_as("coordinator", member_of={project(demo, BACAU): "coordinator", project(demo): "staff"})
    i3 = indicator(demo, "I3")
    assert client.post_form(f"/portal/indicatori/{i3.id}/ajustari", {
        "amount": "5", "effective_on": "05.10.2026", "reason": "Numărați pe hârtie în 2022"}).status_code == 403
    assert client.get(f"/portal/indicatori/{i3.id}/editare").status_code == 403


# Who is counted -----------------------------------------------------------------------------------

def test_the_persons_counted_are_listed_on_request_and_the_read_is_audited(demo, login_as, english):
    ana, barbu = after_school(demo)
    present(demo, held(demo, OCTOBER, activity(demo)), ana, barbu)
    user = login_as("viewer")
    i3 = indicator(demo, "I3")

    def audited():
        return demo.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.user_id == user.id, AuditEntry.details.like("indicator %")))

    page = english.get(f"/portal/indicatori/{i3.id}").get_data(as_text=True)
    assert "Ionescu" not in page and "Show the persons counted" in page and audited() == 0
    page = english.get(f"/portal/indicatori/{i3.id}?persoane=1").get_data(as_text=True)
    assert "2 persons counted." in page
    assert f'href="/portal/persoane/{ana.id}">Ionescu Ana</a>' in page
    assert f'href="/portal/persoane/{barbu.id}">Barbu Ana</a>' in page
    assert ana.code in page and ".10.2026</td>" in page  # the first day (or month) they counted
    assert audited() == 1


def test_who_counts_for_a_disability_indicator_needs_the_special_category_right(demo, login_as, english):
    ana, barbu = after_school(demo)
    present(demo, held(demo, OCTOBER, activity(demo)), ana, barbu)
    i3 = indicator(demo, "I3")
    i3.characteristic = "situation:disability"
    demo.commit()
    login_as("viewer")
    page = english.get(f"/portal/indicatori/{i3.id}?persoane=1").get_data(as_text=True)
    assert "Show the persons counted" not in page and "persons counted." not in page
    login_as("coordinator")  # holds the special-category right
    assert "Show the persons counted" in english.get(f"/portal/indicatori/{i3.id}").get_data(as_text=True)


def test_a_rule_counting_sessions_has_no_list_of_persons(demo, login_as, english):
    login_as("viewer")
    i5 = indicator(demo, "I5", BACAU)  # cultural evenings held
    page = english.get(f"/portal/indicatori/{i5.id}?persoane=1").get_data(as_text=True)
    assert "counts sessions, not persons" in page
    assert "Show the persons counted" not in page


# Creating, editing, deleting ----------------------------------------------------------------------

def indicator_form(**changes) -> dict:
    return {"code": "i20", "name_ro": "Participanți constanți la A doua șansă", "name_en": "Regular Second Chance pupils",
            "target": "1.110", "unit": "persons", "is_public": "y", "rule": "attending_persons", "activity_id": "",
            "min_sessions": "1", "characteristic": "", **changes}


def test_an_indicator_is_created_and_edited_with_its_rule(demo, login_as, english):
    login_as("coordinator")
    proj, a23 = project(demo), activity(demo, "A2.3")
    form = english.get(f"/portal/proiecte/{proj.id}/indicatori/nou").get_data(as_text=True)
    assert "under 18" in form and "55 and over" in form and "under 25 (2014–2020)" in form
    assert "No rule yet (target only)" in form and "A2.3 Second Chance" in form
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(
        activity_id=str(a23.id), min_sessions="10"))
    assert response.status_code == 303
    created = indicator(demo, "I20")
    assert created.target == Decimal(1110) and created.rule == RuleKind.attending_persons
    assert created.activity_id == a23.id and created.min_sessions == 10
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Persons present at ≥ 10 sessions of A2.3 Second Chance" in page

    edit_url = f"/portal/indicatori/{created.id}/editare"
    form = english.get(edit_url).get_data(as_text=True)
    assert 'value="I20"' in form and 'value="1110"' in form
    response = english.post_form(edit_url, indicator_form(code="I20", target="2,5", unit="hours", rule="",
                                                          is_public=""))
    assert response.status_code == 303
    demo.expire_all()
    edited = indicator(demo, "I20")
    assert edited.target == Decimal("2.5") and edited.unit == IndicatorUnit.hours and edited.rule is None
    assert not edited.is_public and edited.activity_id is None


def test_an_indicator_with_a_characteristic_and_service_types(demo, login_as, english):
    login_as("coordinator")
    proj = project(demo, BACAU)
    types = [item for item in demo.scalars(select(Indicator).where(Indicator.project_id == proj.id))]
    assert types  # the demo's indicators exist
    from portal.domain.casework.models import ServiceType

    service_types = list(demo.scalars(select(ServiceType).where(ServiceType.project_id == proj.id)))[:2]
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(
        code="S1", rule="services_delivered", service_type_ids=[str(item.id) for item in service_types], target="40",
        unit="services"))
    assert response.status_code == 303
    page = english.get(response.headers["Location"]).get_data(as_text=True)
    assert "Services of types" in page and "(count)" in page
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(
        code="S2", rule="enrolled_persons", characteristic="labour:unemployed"))
    assert response.status_code == 303
    assert "at entry: unemployed (including long-term)" in english.get(response.headers["Location"]).get_data(
        as_text=True)


def test_a_wrong_indicator_is_refused_on_the_right_field(demo, login_as, english):
    login_as("coordinator")
    proj, elsewhere = project(demo), activity(demo, "A2.1", BACAU)
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(
        activity_id=str(elsewhere.id)))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose an activity of this project." in page
    assert 'id="activity_id-error"' in page and 'value="i20"' in page and 'value="1.110"' in page
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(target="o mie"))
    assert response.status_code == 422 and "Write a number, for example 1.110" in response.get_data(as_text=True)
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(code="I3"))
    assert "already has an indicator with this code" in response.get_data(as_text=True)
    response = english.post_form(f"/portal/proiecte/{proj.id}/indicatori/nou", indicator_form(
        rule="enrolled_persons", min_sessions="5"))
    assert 'id="min_sessions-error"' in response.get_data(as_text=True)
    assert indicator(demo, "I20") is None


def test_an_indicator_is_deleted_after_a_confirmation_unless_it_has_adjustments(demo, login_as, english):
    login_as("coordinator")
    i8, i9 = indicator(demo, "I8"), indicator(demo, "I9")
    confirm = english.get(f"/portal/indicatori/{i8.id}/stergere")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Delete the indicator I8?" in page
    assert indicator(demo, "I8") is not None  # nothing happens before the confirmation
    response = english.post_form(f"/portal/indicatori/{i8.id}/stergere")
    assert response.status_code == 303 and response.headers["Location"].endswith(dashboard_url(demo))
    assert indicator(demo, "I8") is None
    page = english.get(dashboard_url(demo)).get_data(as_text=True)
    assert "The indicator I8 has been deleted." in page and ">I8</a></th>" not in page
    # Adjustments are a log: an indicator that has one stays.
    english.post_form(f"/portal/indicatori/{i9.id}/ajustari", {
        "amount": "4", "effective_on": "05.10.2026", "reason": "Numărați pe hârtie în 2022"})
    page = english.get(f"/portal/indicatori/{i9.id}/stergere").get_data(as_text=True)
    assert "It has 1 logged adjustment, so it cannot be deleted" in page and "Yes, delete" not in page
    response = english.post_form(f"/portal/indicatori/{i9.id}/stergere")
    assert response.status_code == 303 and indicator(demo, "I9") is not None
    assert demo.scalar(select(func.count()).select_from(IndicatorAdjustment)) == 1
