"""Setting up a project in the portal: its data, zones, activities, staff and service types.

Users here read the portal in English, so the checks hold whatever the Romanian catalog says.
"""
import re

import pytest
from sqlalchemy import select

from portal.demo import load_demo
from portal.domain.accounts.models import Role
from portal.domain.casework.models import ServiceType
from portal.domain.casework.services import service_types
from portal.domain.projects.models import Activity, ActivityKind, Project, ProjectMember, Zone


def sign_in(login_as, role, **kwargs):
    return login_as(role, locale="en", **kwargs)


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.flush()
    first, second = db_session.scalars(select(Project).order_by(Project.code)).all()
    return first, second


def project_form(**changes) -> dict:
    return {"code": "PEO-2026-01", "short_name": "Cartier Viu", "title": "Servicii integrate în cartierul Ştefan",
            "programme": "PEO 2021-2027, Prioritatea 6", "beneficiary": "Primăria Municipiului Test",
            "funder_line": "Proiect cofinanțat din Fondul Social European Plus", "town": "Botoșani",
            "start_date": "01.03.2026", "end_date": "2029-02-28", "attendance_lock_days": "10",
            "summary_ro": "", "summary_en": "", "is_public": "y", **changes}


def field_error(page: str, field_id: str) -> str:
    """The error text shown under a form field, or '' when it has none."""
    found = re.search(rf'<p class="error-text" id="{field_id}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


# Project data ------------------------------------------------------------------------------------

def test_admin_creates_a_project_with_the_default_service_types_and_edits_it(client, login_as, db_session):
    sign_in(login_as, "admin")
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert 'href="/portal/proiecte/nou"' in dashboard
    assert client.get("/portal/proiecte/nou").status_code == 200

    response = client.post_form("/portal/proiecte/nou", project_form())
    assert response.status_code == 303
    project = db_session.scalar(select(Project).where(Project.code == "PEO-2026-01"))
    assert response.headers["Location"] == f"/portal/proiecte/{project.id}"
    assert project.title == "Servicii integrate în cartierul Ștefan"  # cedilla normalised
    assert project.attendance_lock_days == 10 and project.is_public
    assert len(service_types(db_session, project.id)) == 6

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The project Cartier Viu has been created." in page
    assert "10 days" in page and "Home care visit" in page and "Job orientation" in page
    assert f'href="/portal/proiecte/{project.id}"' in client.get("/portal/").get_data(as_text=True)

    edit_page = client.get(f"/portal/proiecte/{project.id}/editare").get_data(as_text=True)
    assert 'value="PEO-2026-01"' in edit_page and 'value="2026-03-01"' in edit_page
    response = client.post_form(f"/portal/proiecte/{project.id}/editare",
                                project_form(short_name="Cartier Viu II", attendance_lock_days="3", is_public=""))
    assert response.status_code == 303
    db_session.expire_all()
    assert (project.short_name, project.attendance_lock_days, project.is_public) == ("Cartier Viu II", 3, False)
    assert "The project data has been saved." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_bad_dates_keep_the_form_with_the_error_on_the_field(client, login_as, db_session):
    sign_in(login_as, "admin")
    response = client.post_form("/portal/proiecte/nou", project_form(start_date="01.03.2026", end_date="01.02.2026"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "end_date") == "The project cannot end before it starts."
    assert 'value="Cartier Viu"' in page and 'value="Botoșani"' in page and 'value="01.02.2026"' in page

    response = client.post_form("/portal/proiecte/nou", project_form(start_date="31.02.2026",
                                                                      attendance_lock_days="400"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "start_date") == "Write the date as dd.mm.yyyy, for example 24.11.2026."
    assert 'value="31.02.2026"' in page  # the wrong date stays as typed, to be corrected
    assert field_error(page, "attendance_lock_days") == "Give a number of days between 0 and 365."
    assert db_session.scalar(select(Project).where(Project.code == "PEO-2026-01")) is None


def test_a_project_code_is_used_once(client, login_as, demo):
    first, _second = demo
    sign_in(login_as, "admin")
    response = client.post_form("/portal/proiecte/nou", project_form(code=first.code))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "code") == "Another project already has this code."


# Zones -------------------------------------------------------------------------------------------

def test_a_zone_keeps_each_street_once(client, login_as, db_session, demo):
    project, _other = demo
    sign_in(login_as, "admin")
    assert client.get(f"/portal/proiecte/{project.id}/zone/nou").status_code == 200
    response = client.post_form(f"/portal/proiecte/{project.id}/zone/nou", {
        "name": "Cartierul Pod", "description": "Blocurile de lângă pod",
        "streets": "Strada Mărășești\nStr. Marasesti\n\n  Str. Ştefan   cel Mare \n"
                   "strada ștefan cel mare\nAleea Teilor"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/portal/proiecte/{project.id}#zone"
    zone = db_session.scalar(select(Zone).where(Zone.project_id == project.id, Zone.name == "Cartierul Pod"))
    assert [street.name for street in zone.streets] == ["Aleea Teilor", "Str. Ștefan cel Mare", "Strada Mărășești"]
    page = client.get(f"/portal/proiecte/{project.id}").get_data(as_text=True)
    assert "The zone Cartierul Pod has been saved." in page
    assert "<summary>3 streets</summary>" in page and "<li>Aleea Teilor</li>" in page

    edit_url = f"/portal/proiecte/{project.id}/zone/{zone.id}/editare"
    assert "Aleea Teilor\nStr. Ștefan cel Mare\nStrada Mărășești" in client.get(edit_url).get_data(as_text=True)
    response = client.post_form(edit_url, {"name": "Cartierul Pod", "description": "",
                                           "streets": "Strada Mărășești\nStrada Vânătorilor"})
    assert response.status_code == 303
    db_session.expire_all()
    assert [street.name for street in zone.streets] == ["Strada Mărășești", "Strada Vânătorilor"]

    taken = project.zones[0].name if project.zones[0].id != zone.id else project.zones[1].name
    response = client.post_form(edit_url, {"name": taken, "description": "", "streets": "Strada Nouă"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "name") == "This project already has a zone with this name."
    assert "Strada Nouă" in page


def test_a_zone_of_another_project_is_not_found(client, login_as, demo):
    first, second = demo
    sign_in(login_as, "admin")
    assert client.get(f"/portal/proiecte/{first.id}/zone/{second.zones[0].id}/editare").status_code == 404


# Activities --------------------------------------------------------------------------------------

def test_activity_create_and_edit(client, login_as, db_session, demo):
    project, _other = demo
    sign_in(login_as, "admin")
    page = client.get(f"/portal/proiecte/{project.id}/activitati/nou").get_data(as_text=True)
    assert '<option value="individual_service">individual services</option>' in page
    response = client.post_form(f"/portal/proiecte/{project.id}/activitati/nou", {
        "code": "a9.1", "name_ro": "Ateliere de lectură", "name_en": "Reading workshops", "kind": "group_sessions",
        "description": "Marțea și joia", "is_active": "y"})
    assert response.status_code == 303
    activity = db_session.scalar(select(Activity).where(Activity.project_id == project.id, Activity.code == "A9.1"))
    assert response.headers["Location"] == f"/portal/activitati/{activity.id}"
    assert activity.kind is ActivityKind.group_sessions and activity.is_active

    listing = client.get(f"/portal/proiecte/{project.id}").get_data(as_text=True)
    assert f'<a href="/portal/activitati/{activity.id}">A9.1</a>' in listing
    assert "Reading workshops" in listing

    edit_url = f"/portal/activitati/{activity.id}/editare"
    edit_page = client.get(edit_url).get_data(as_text=True)
    assert 'value="A9.1"' in edit_page and '<option selected value="group_sessions">' in edit_page
    response = client.post_form(edit_url, {"code": "A9.1", "name_ro": "Ateliere de lectură și scriere",
                                           "name_en": "", "kind": "public_event", "description": ""})
    assert response.status_code == 303
    db_session.expire_all()
    assert activity.name_ro == "Ateliere de lectură și scriere" and activity.kind is ActivityKind.public_event
    assert activity.is_active is False  # the box was left unticked: the activity is closed
    row = re.search(r'A9\.1</a></td>.*?</tr>', client.get(f"/portal/proiecte/{project.id}").get_data(as_text=True),
                    re.DOTALL).group(0)
    assert "public event" in row and "closed" in row


def test_an_activity_code_is_used_once_per_project(client, login_as, db_session, demo):
    project, other = demo
    sign_in(login_as, "admin")
    existing = project.activities[0]
    response = client.post_form(f"/portal/proiecte/{project.id}/activitati/nou", {
        "code": existing.code.lower(), "name_ro": "Altă activitate", "name_en": "", "kind": "benefit",
        "description": "", "is_active": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "code") == "This project already has an activity with this code."
    assert 'value="Altă activitate"' in page and '<option selected value="benefit">' in page
    # The same code is free in another project.
    free = next(activity.code for activity in project.activities
                if activity.code not in {other_activity.code for other_activity in other.activities})
    response = client.post_form(f"/portal/proiecte/{other.id}/activitati/nou", {
        "code": free, "name_ro": "Altă activitate", "name_en": "", "kind": "benefit", "is_active": "y"})
    assert response.status_code == 303


# Members -----------------------------------------------------------------------------------------

def test_admin_adds_a_staff_member_changes_their_role_and_removes_them(client, login_as, make_user, db_session,
                                                                       demo):
    project, _other = demo
    sign_in(login_as, "admin")
    newcomer = make_user("staff", full_name="Ioana Nouă")
    make_user("admin", full_name="Alt Administrator")
    make_user("staff", full_name="Cont Dezactivat", is_active=False)
    db_session.commit()

    page = client.get(f"/portal/proiecte/{project.id}").get_data(as_text=True)
    add_form = page[page.index('id="member-add-title"'):]
    assert f'<option value="{newcomer.id}">Ioana Nouă' in add_form
    assert "Alt Administrator" not in add_form and "Cont Dezactivat" not in add_form

    url = f"/portal/proiecte/{project.id}/membri"
    response = client.post_form(url, {"user_id": newcomer.id, "role": "staff"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/portal/proiecte/{project.id}#echipa"
    member = db_session.scalar(select(ProjectMember).where(ProjectMember.project_id == project.id,
                                                           ProjectMember.user_id == newcomer.id))
    assert member.role is Role.staff
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ioana Nouă works on this project as Staff." in page
    assert f'id="member-role-{member.id}"' in page

    response = client.post_form(url, {"user_id": newcomer.id, "role": "coordinator"})
    assert response.status_code == 303
    db_session.expire_all()
    assert member.role is Role.coordinator

    response = client.post_form(url, {"user_id": newcomer.id, "role": "admin"})
    assert response.status_code == 422
    assert '<li class="error">Role in this project: ' in response.get_data(as_text=True)
    db_session.expire_all()
    assert member.role is Role.coordinator

    response = client.post_form(f"{url}/{member.id}/stergere")
    assert response.status_code == 303
    assert "Ioana Nouă no longer works on this project." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert db_session.scalar(select(ProjectMember).where(ProjectMember.id == member.id)) is None


def test_an_administrator_is_not_added_as_a_member(client, login_as, make_user, db_session, demo):
    project, _other = demo
    sign_in(login_as, "admin")
    other_admin = make_user("admin")
    db_session.commit()
    response = client.post_form(f"/portal/proiecte/{project.id}/membri", {"user_id": other_admin.id, "role": "staff"})
    assert response.status_code == 422
    assert '<li class="error">Staff member: ' in response.get_data(as_text=True)  # nobody left to add
    make_user("viewer", full_name="Vizitator Nou")
    db_session.commit()
    response = client.post_form(f"/portal/proiecte/{project.id}/membri", {"user_id": other_admin.id, "role": "staff"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "user_id") != "" and "Vizitator Nou" in page
    assert db_session.scalar(select(ProjectMember).where(ProjectMember.user_id == other_admin.id)) is None


# Who sees and changes what -----------------------------------------------------------------------

def test_a_user_who_is_not_a_member_does_not_see_the_project(client, login_as, demo):
    first, second = demo
    sign_in(login_as, "staff", member_of={first: "staff"})
    assert client.get(f"/portal/proiecte/{second.id}").status_code == 404
    assert client.get(f"/portal/proiecte/{second.id + 1000}").status_code == 404
    page = client.get(f"/portal/proiecte/{first.id}").get_data(as_text=True)
    assert first.title in page
    dashboard = client.get("/portal/").get_data(as_text=True)
    assert f'href="/portal/proiecte/{first.id}"' in dashboard
    assert second.short_name not in dashboard and f'href="/portal/proiecte/{second.id}"' not in dashboard


def test_staff_see_the_project_but_cannot_set_it_up(client, login_as, db_session, demo):
    project, _other = demo
    sign_in(login_as, "staff")
    page = client.get(f"/portal/proiecte/{project.id}").get_data(as_text=True)
    assert project.zones[0].name in page and project.activities[0].code in page
    assert "Edit the project data" not in page and "Add an activity" not in page
    assert "/membri" not in page and "/tipuri-servicii" not in page and "New project" not in page
    activity = project.activities[0]
    service_type = service_types(db_session, project.id)[0]
    for url in ("/portal/proiecte/nou", f"/portal/proiecte/{project.id}/editare",
                f"/portal/proiecte/{project.id}/zone/nou",
                f"/portal/proiecte/{project.id}/zone/{project.zones[0].id}/editare",
                f"/portal/proiecte/{project.id}/activitati/nou", f"/portal/activitati/{activity.id}/editare"):
        assert client.get(url).status_code == 403, url
    member = db_session.scalar(select(ProjectMember).where(ProjectMember.project_id == project.id))
    for url, data in ((f"/portal/proiecte/{project.id}/membri", {"user_id": member.user_id, "role": "viewer"}),
                      (f"/portal/proiecte/{project.id}/membri/{member.id}/stergere", {}),
                      (f"/portal/proiecte/{project.id}/tipuri-servicii", {"name_ro": "Altceva"}),
                      (f"/portal/proiecte/{project.id}/tipuri-servicii/{service_type.id}", {"active": "0"})):
        assert client.post_form(url, data).status_code == 403, url
    db_session.expire_all()
    assert member.role is not Role.viewer and service_type.is_active


def test_a_coordinator_manages_activities_and_service_types_of_their_own_project(client, login_as, db_session,
                                                                                  demo):
    first, second = demo
    # The role in the project counts, not the account's: a staff account coordinating one project.
    sign_in(login_as, "staff", member_of={first: "coordinator", second: "viewer"})
    page = client.get(f"/portal/proiecte/{first.id}").get_data(as_text=True)
    assert "Add an activity" in page and "Add a service type" in page
    assert "Edit the project data" not in page and "Add a zone" not in page and "Add a staff member" not in page

    response = client.post_form(f"/portal/proiecte/{first.id}/activitati/nou", {
        "code": "A8.1", "name_ro": "Cinema în cartier", "kind": "public_event", "is_active": "y"})
    assert response.status_code == 303
    response = client.post_form(f"/portal/proiecte/{first.id}/tipuri-servicii",
                                {"name_ro": "Mediere școlară", "name_en": "School mediation"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/portal/proiecte/{first.id}#tipuri-servicii"
    assert "School mediation" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert client.get(f"/portal/proiecte/{first.id}/editare").status_code == 403
    assert client.get(f"/portal/proiecte/{first.id}/zone/nou").status_code == 403
    assert client.post_form(f"/portal/proiecte/{first.id}/membri", {"role": "staff"}).status_code == 403
    # Where they only watch, they change nothing.
    assert client.get(f"/portal/proiecte/{second.id}/activitati/nou").status_code == 403
    assert client.get(f"/portal/activitati/{second.activities[0].id}/editare").status_code == 403
    assert client.post_form(f"/portal/proiecte/{second.id}/tipuri-servicii",
                            {"name_ro": "Mediere școlară"}).status_code == 403
    assert "Add an activity" not in client.get(f"/portal/proiecte/{second.id}").get_data(as_text=True)
    assert db_session.scalar(select(Activity).where(Activity.project_id == second.id,
                                                    Activity.code == "A8.1")) is None


# Service types -----------------------------------------------------------------------------------

def test_a_service_type_is_withdrawn_and_offered_again(client, login_as, db_session, demo):
    project, other = demo
    sign_in(login_as, "coordinator")
    medical = db_session.scalar(select(ServiceType).where(ServiceType.project_id == project.id,
                                                          ServiceType.name_en == "Medical test"))
    url = f"/portal/proiecte/{project.id}/tipuri-servicii/{medical.id}"
    response = client.post_form(url, {"active": "0"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Offer Medical test again" in page and "Stop offering Medical test" not in page
    db_session.expire_all()
    assert medical.is_active is False
    assert medical not in service_types(db_session, project.id)
    assert medical in service_types(db_session, project.id, active_only=False)

    assert client.post_form(url, {"active": "0"}).status_code == 303  # sent twice: still withdrawn
    db_session.expire_all()
    assert medical.is_active is False
    assert client.post_form(url, {"active": "1"}).status_code == 303
    db_session.expire_all()
    assert medical.is_active is True

    assert client.post_form(url, {}).status_code == 400
    assert client.post_form(f"/portal/proiecte/{other.id}/tipuri-servicii/{medical.id}",
                            {"active": "0"}).status_code == 404


def test_a_service_type_name_is_used_once_per_project(client, login_as, db_session, demo):
    project, _other = demo
    sign_in(login_as, "coordinator")
    response = client.post_form(f"/portal/proiecte/{project.id}/tipuri-servicii",
                                {"name_ro": "test  MEDICAL", "name_en": "Another test"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "name_ro") == "This project already has a service type with this name."
    assert 'value="Another test"' in page
    assert len(service_types(db_session, project.id, active_only=False)) == 6
