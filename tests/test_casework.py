"""Individual services in the portal: recording, correcting, who reads the notes, the list, the person's timeline."""
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from portal.domain import clock
from portal.demo import load_demo
from portal.domain.activities import services as activities
from portal.domain.activities.models import AttendanceStatus
from portal.domain.actor import Actor, system_actor
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.casework import services as casework
from portal.domain.casework.models import ServiceDelivery, ServiceType
from portal.domain.people import services as people
from portal.domain.people.models import Answer, ConsentGiver, ConsentKind, LabourStatus, RiskReason, Sex
from portal.domain.projects.models import Activity, Project, Zone
from portal.domain.projects.services import ACTIVITIES_MANAGE

REGISTRAR = Actor(user=None, address="test", permissions=frozenset({"people.sensitive"}))
SYSTEM = system_actor(frozenset({casework.SERVICES_RECORD, ACTIVITIES_MANAGE, activities.ATTENDANCE_RECORD,
                                 activities.ATTENDANCE_CORRECT}))
DAY = date(2025, 3, 10)


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.flush()
    return {project.code: project for project in db_session.scalars(select(Project))}


@pytest.fixture
def bacau(demo):
    return demo["BC-SDL-2022"]


@pytest.fixture
def botosani(demo):
    return demo["155550"]


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is someone else's."""
    client.set_cookie("lang", "en")
    return client


def person_in(db_session, project: Project | None, last="Munteanu", first="Elena", street="Strada Letea",
              zone_name="Cartierul Letea"):
    person = people.create_person(db_session, people.PersonData(
        last_name=last, first_name=first, locality=project.town if project else "Bacău", street=street,
        birth_date=date(1948, 5, 2), sex=Sex.female), REGISTRAR, confirm_new=True).person
    people.record_consent(db_session, person, REGISTRAR, kind=ConsentKind.data_processing,
                          given_by=ConsentGiver.person, given_on=date(2023, 1, 10), document_ref="F-1")
    if project is not None:
        zone = db_session.scalar(select(Zone).where(Zone.project_id == project.id, Zone.name == zone_name))
        people.enroll(db_session, person, project, people.EntryData(
            zone_id=zone.id, entry_date=date(2023, 3, 1), risk_reason=RiskReason.minimum_income,
            labour_status=LabourStatus.inactive, isced_level=2,
            answers={"rural": Answer.no}), REGISTRAR)
    db_session.flush()
    return person


def activity(db_session, project: Project, code: str) -> Activity:
    return db_session.scalar(select(Activity).where(Activity.project_id == project.id, Activity.code == code))


def service_type(db_session, project: Project, name_en: str) -> ServiceType:
    return db_session.scalar(select(ServiceType).where(ServiceType.project_id == project.id,
                                                       ServiceType.name_en == name_en))


def record(db_session, person, project, code, type_name, staff, *, on=DAY, minutes=60, notes=""):
    return casework.record_service(db_session, person, casework.ServiceData(
        activity_id=activity(db_session, project, code).id,
        service_type_id=service_type(db_session, project, type_name).id, delivered_on=on,
        duration_minutes=minutes, staff_id=staff.id, notes=notes), SYSTEM)


def form_for(db_session, project, code="A3.1", type_name="Legal counselling", staff=None, **changes):
    data = {"activity_id": str(activity(db_session, project, code).id),
            "service_type_id": str(service_type(db_session, project, type_name).id),
            "delivered_on": "10.03.2025", "duration_minutes": "45", "staff_id": str(staff.id) if staff else "",
            "notes": "Discutat despre dreptul la pensie."}
    return {**data, **changes}


def rows(html: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", html, flags=re.S)[1:] if "<tbody>" in html else []


# Recording through the portal --------------------------------------------------------------------

def test_a_recorded_service_is_on_the_person_page_and_in_the_lists_filtered_three_ways(
        english, login_as, db_session, bacau):
    client = english
    person = person_in(db_session, bacau)
    staff = login_as("staff", full_name="Ana Asistentă")
    db_session.commit()

    page = client.get(f"/portal/persoane/{person.id}/servicii/nou")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A3.1 Legal counselling" in html and "A2.1 Mobile socio-medical home care" in html
    assert "Free medical tests" not in html  # Botoșani: the person is not in its target group
    assert "Legal education and personal development" not in html  # group sessions, not services
    assert f'<option selected value="{staff.id}">' in html or f'<option value="{staff.id}" selected>' in html
    assert f'value="{clock.today().isoformat()}"' in html

    sent = client.post_form(f"/portal/persoane/{person.id}/servicii/nou", form_for(db_session, bacau, staff=staff))
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith(f"/portal/persoane/{person.id}#servicii")
    service = db_session.scalar(select(ServiceDelivery).where(ServiceDelivery.person_id == person.id))
    assert (service.delivered_on, service.duration_minutes, service.staff_id, service.created_by_id) == (
        DAY, 45, staff.id, staff.id)

    detail = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    services_section = detail[detail.index('id="servicii"'):detail.index('id="consimtaminte"')]
    assert "The service has been recorded for Munteanu Elena." in detail
    assert "Legal counselling" in services_section and "Ana Asistentă" in services_section
    assert "45 minutes" in services_section and "Discutat despre dreptul la pensie." in services_section
    assert f"/portal/servicii?persoana={person.id}" in services_section
    assert "Record a service" in services_section

    a31, a21 = activity(db_session, bacau, "A3.1"), activity(db_session, bacau, "A2.1")
    for query in (f"persoana={person.id}", f"personal={staff.id}", f"activitate={a31.id}",
                  f"tip={service.service_type_id}", "de_la=01.03.2025&pana_la=2025-03-10"):
        listed = client.get(f"/portal/servicii?{query}").get_data(as_text=True)
        assert len(rows(listed)) == 1 and "Munteanu Elena" in rows(listed)[0], query
        assert "1 service" in listed
    for query in (f"activitate={a21.id}", "de_la=11.03.2025", f"personal={staff.id}&pana_la=09.03.2025"):
        assert rows(client.get(f"/portal/servicii?{query}").get_data(as_text=True)) == [], query

    everyone = client.get("/portal/servicii").get_data(as_text=True)
    row = rows(everyone)[0]
    assert f"/portal/persoane/{person.id}" in row
    assert f"/portal/servicii?personal={staff.id}" in row and f"/portal/servicii?activitate={a31.id}" in row
    partial = client.get(f"/portal/servicii?persoana={person.id}", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "Munteanu Elena" in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers.get("Vary", "")


def test_refused_services_keep_what_was_typed_with_the_error_on_the_field(english, login_as, db_session, bacau,
                                                                         botosani):
    client = english
    person = person_in(db_session, bacau)
    staff = login_as("staff")
    db_session.commit()
    url = f"/portal/persoane/{person.id}/servicii/nou"
    tomorrow = clock.today() + timedelta(days=1)
    cases = [
        ("delivered_on", form_for(db_session, bacau, staff=staff, delivered_on=tomorrow.strftime("%d.%m.%Y")),
         "the date cannot be in the future"),
        ("delivered_on", form_for(db_session, bacau, staff=staff, delivered_on="31.02.2025"),
         "Write the date as dd.mm.yyyy"),
        ("duration_minutes", form_for(db_session, bacau, staff=staff, duration_minutes="0"),
         "between 1 and 1440"),
        ("service_type_id", form_for(db_session, bacau, staff=staff, service_type_id=str(
            service_type(db_session, botosani, "Medical test").id)), "service type of this activity"),
        ("activity_id", form_for(db_session, botosani, code="A1.2", type_name="Medical test", staff=staff),
         "is not in this project"),
        ("activity_id", form_for(db_session, bacau, staff=staff, activity_id=""), "This field is required."),
    ]
    for field, data, message in cases:
        response = client.post_form(url, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, field
        error = re.search(rf'<p class="error-text" id="{field}-error">(.*?)</p>', html)
        assert error and message in error.group(1), (field, message)
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html)
        assert "Discutat despre dreptul la pensie." in html  # the notes stay
        assert f'value="{data["delivered_on"]}"' in html or f'value="{tomorrow.isoformat()}"' in html
    assert db_session.scalar(select(ServiceDelivery.id)) is None


def test_a_person_outside_the_users_projects_gets_an_explanation_instead_of_a_form(english, login_as,
                                                                                   db_session, bacau):
    client = english
    nobody = person_in(db_session, None)
    login_as("staff")
    db_session.commit()
    html = client.get(f"/portal/persoane/{nobody.id}/servicii/nou").get_data(as_text=True)
    assert "is not in the target group of any project" in html and 'name="activity_id"' not in html


# Who reads the notes, who records, who edits -----------------------------------------------------

def test_notes_are_read_by_their_author_and_a_coordinator_only(english, login_as, db_session, bacau):
    client = english
    person = person_in(db_session, bacau)
    author = login_as("staff")
    db_session.commit()
    assert client.post_form(f"/portal/persoane/{person.id}/servicii/nou", form_for(
        db_session, bacau, staff=author, notes="Depresie după decesul soțului.")).status_code == 303

    def pages():
        return (client.get(f"/portal/persoane/{person.id}").get_data(as_text=True),
                client.get(f"/portal/servicii?persoana={person.id}").get_data(as_text=True))

    assert all("Depresie după decesul soțului." in html for html in pages())
    login_as("coordinator")
    assert all("Depresie după decesul soțului." in html for html in pages())
    for role in ("staff", "viewer"):
        login_as(role)
        for html in pages():
            assert "Depresie" not in html, role
            assert "Legal counselling" in html and ">hidden<" in html, role


def test_a_viewer_sees_services_but_cannot_record_or_edit_them(english, login_as, db_session, bacau):
    client = english
    person = person_in(db_session, bacau)
    author = login_as("staff")
    service = record(db_session, person, bacau, "A3.1", "Legal counselling", author)
    login_as("viewer")
    db_session.commit()
    assert client.get(f"/portal/persoane/{person.id}/servicii/nou").status_code == 403
    assert client.post_form(f"/portal/persoane/{person.id}/servicii/nou",
                            form_for(db_session, bacau, staff=author)).status_code == 403
    assert client.get(f"/portal/servicii/{service.id}/editare").status_code == 403
    detail = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    assert "Legal counselling" in detail and "Record a service" not in detail
    assert f"/portal/servicii/{service.id}/editare" not in detail
    assert len(rows(client.get("/portal/servicii").get_data(as_text=True))) == 1


def test_a_user_of_another_project_does_not_see_the_service(english, login_as, db_session, bacau, botosani):
    client = english
    person = person_in(db_session, bacau)
    author = login_as("staff")
    service = record(db_session, person, bacau, "A3.1", "Legal counselling", author, notes="Confidențial")
    login_as("coordinator", member_of={botosani: "coordinator"})
    db_session.commit()
    assert client.get(f"/portal/servicii/{service.id}/editare").status_code == 404
    listed = client.get("/portal/servicii").get_data(as_text=True)
    assert rows(listed) == [] and "0 services" in listed
    assert "Mobile socio-medical home care" not in listed  # the selects offer only the user's projects
    assert "Free medical tests" in listed and author.full_name in listed  # author is staff in Botoșani too
    assert rows(client.get(f"/portal/servicii?persoana={person.id}").get_data(as_text=True)) == []
    detail = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    assert "Legal counselling" not in detail and "Confidențial" not in detail
    # A member of both projects who only views Bacău reaches the service but cannot change it.
    login_as("staff", member_of={botosani: "staff", bacau: "viewer"})
    assert client.get(f"/portal/servicii/{service.id}/editare").status_code == 403
    assert client.get(f"/portal/persoane/{person.id}/servicii/nou").get_data(as_text=True).count(
        'name="activity_id"') == 0


def test_the_author_edits_a_service_and_the_change_is_audited(english, login_as, db_session, bacau):
    client = english
    person = person_in(db_session, bacau)
    author = login_as("staff")
    db_session.commit()
    client.post_form(f"/portal/persoane/{person.id}/servicii/nou", form_for(db_session, bacau, staff=author))
    service = db_session.scalar(select(ServiceDelivery).where(ServiceDelivery.person_id == person.id))
    url = f"/portal/servicii/{service.id}/editare"

    page = client.get(url).get_data(as_text=True)
    assert 'value="45"' in page and "Discutat despre dreptul la pensie." in page
    refused = client.post_form(url, form_for(db_session, bacau, staff=author, duration_minutes="2000"))
    assert refused.status_code == 422 and 'value="2000"' in refused.get_data(as_text=True)
    saved = client.post_form(url, form_for(db_session, bacau, code="A3.2", type_name="Social assistance",
                                           staff=author, duration_minutes="90", notes="Dosar de ajutor social."),
                             environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("#servicii")
    db_session.expire_all()
    service = db_session.get(ServiceDelivery, service.id)
    assert (service.activity.code, service.duration_minutes, service.notes) == ("A3.2", 90, "Dosar de ajutor social.")
    assert service.updated_at is not None
    entries = db_session.scalars(select(AuditEntry).where(AuditEntry.person_id == person.id,
                                                          AuditEntry.user_id == author.id)
                                 .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries if entry.action != AuditAction.view] == [
        AuditAction.create, AuditAction.update]
    update = next(entry for entry in entries if entry.action == AuditAction.update)
    assert update.address == "10.9.8.7"
    assert update.details == f"service {service.id}: activity_id, service_type_id, duration_minutes, notes"

    login_as("staff")  # a colleague: neither gave nor wrote it
    assert client.get(url).status_code == 403
    assert client.post_form(url, form_for(db_session, bacau, staff=author)).status_code == 403
    login_as("coordinator")
    assert client.get(url).status_code == 200


# The list and the person's timeline --------------------------------------------------------------

def test_the_list_explains_a_bad_date_and_pages_through_many_services(english, login_as, db_session, bacau):
    client = english
    person = person_in(db_session, bacau)
    staff = login_as("staff")
    for number in range(casework.PAGE_SIZE + 1):
        record(db_session, person, bacau, "A2.1", "Home care visit", staff, on=DAY - timedelta(days=number))
    db_session.commit()

    bad = client.get("/portal/servicii?de_la=31.02.2025")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'id="de_la-error"' in html and "Write the date as dd.mm.yyyy" in html
    assert 'value="31.02.2025"' in html and rows(html) == []
    backwards = client.get("/portal/servicii?de_la=10.03.2025&pana_la=01.03.2025").get_data(as_text=True)
    assert "The last day cannot be before the first day." in backwards

    first = client.get(f"/portal/servicii?persoana={person.id}").get_data(as_text=True)
    assert len(rows(first)) == casework.PAGE_SIZE and "51 services" in first and "Page 1 of 2" in first
    assert "pagina=2" in first and f"persoana={person.id}" in first
    second = client.get(f"/portal/servicii?persoana={person.id}&pagina=2").get_data(as_text=True)
    assert len(rows(second)) == 1 and (DAY - timedelta(days=casework.PAGE_SIZE)).strftime("%d.%m.%Y") in second

    detail = client.get(f"/portal/persoane/{person.id}").get_data(as_text=True)
    services_section = detail[detail.index('id="servicii"'):detail.index('id="consimtaminte"')]
    assert len(rows(services_section)) == 20 and "51 services" in services_section


def test_the_timeline_shows_services_and_a_month_of_attendance(english, login_as, db_session, botosani):
    client = english
    child = person_in(db_session, botosani, last="Rusu", first="Andrei", street="Strada Parcului",
                      zone_name="Zona Urbană Marginalizată Parcul Tineretului")
    staff = login_as("staff")
    record(db_session, child, botosani, "A1.2", "Medical test", staff, on=date(2025, 3, 20))
    after_school = activity(db_session, botosani, "A2.1")
    sessions = activities.create_sessions(
        db_session, after_school, activities.SessionPlan(start_time=time(12, 30), end_time=time(16, 30)), SYSTEM,
        repeat=activities.Repeat(first_date=date(2025, 3, 3), last_date=date(2025, 3, 14), weekdays={1, 2, 3, 4, 5}))
    activities.add_to_roster(db_session, after_school, child, date(2025, 3, 1), SYSTEM)
    marks = [AttendanceStatus.present] * 7 + [AttendanceStatus.absent] * 2 + [AttendanceStatus.excused]
    for session, status in zip(sessions, marks, strict=True):
        activities.mark(db_session, session, child, status, SYSTEM)
    db_session.commit()

    html = client.get(f"/portal/persoane/{child.id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline-title"'):]
    items = re.findall(r"<li>(.*?)</li>", timeline, flags=re.S)
    texts = [re.sub(r"<[^>]+>", "", item).strip() for item in items]
    assert sorted(texts[:2]) == [
        "March 2025 1 service: Medical test (A1.2 Free medical tests)",
        "March 2025 Attendance at A2.1 After-school programme: 7 present, 2 absent, 1 excused",
    ]
    assert '<time datetime="2025-03">' in timeline
    assert texts[-1].endswith("Consent given: processing of personal data")

