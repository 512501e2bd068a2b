"""The import and export pages of the register."""
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.demo import load_demo
from portal.domain.people.models import ImportUpload, Person
from portal.domain.projects.models import Project

CSV = ("nume;prenume;cnp;data_nasterii;sex;localitate;strada;numar;bloc;scara;apartament;zona;telefon;email;"
       "gospodarie;data_intrarii;risc_saracie;motiv_risc;situatie_ocupare;nivel_isced;dizabilitate;etnie_roma\n"
       "Popa;Ana;;12.03.1985;F;Botoșani;Strada Parcului;1;;;;Zona Urbană Marginalizată Parcul Tineretului;;;G1;;;;;;;\n"
       "Popa;Ion;;01.02.1980;M;Botoșani;Strada Parcului;1;;;;Zona Urbană Marginalizată Parcul Tineretului;;;G1;;;;;;;\n"
       "Greșit;Rând;123;;;Botoșani;Strada Parcului;;;;;Zona Urbană Marginalizată Parcul Tineretului;;;;;;;;;;\n")


def upload(client, project_id, dry_run=True, content=CSV.encode("utf-8"), name="lista.csv"):
    data = {"project_id": str(project_id), "file": (io.BytesIO(content), name)}
    if dry_run:
        data["dry_run"] = "y"
    return client.post_form("/portal/import", data, content_type="multipart/form-data")


def test_a_dry_run_reports_and_the_confirmation_imports(client, login_as, db_session):
    load_demo(db_session)
    login_as("coordinator")
    db_session.commit()
    project = db_session.scalar(select(Project).where(Project.code == "155550"))
    checked = upload(client, project.id)
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "nimic importat încă" in html
    assert db_session.scalar(select(func.count()).select_from(Person)) == 0
    token = db_session.scalar(select(ImportUpload.token))
    assert f"/portal/import/{token}" in html
    assert "<td class=\"num\">4</td>" in html  # the bad row, numbered as the spreadsheet shows it
    done = client.post_form(f"/portal/import/{token}")
    assert "Import încheiat: 2 create" in done.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Person)) == 2
    assert db_session.scalar(select(func.count()).select_from(ImportUpload)) == 0
    assert client.post_form(f"/portal/import/{token}").status_code == 303  # used once only


def test_an_unreadable_file_is_explained(client, login_as, db_session):
    load_demo(db_session)
    login_as("coordinator")
    db_session.commit()
    project = db_session.scalar(select(Project).where(Project.code == "155550"))
    response = upload(client, project.id, content=b"\x00\x01\x02garbage\xff", name="poza.png")
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    missing = client.post_form("/portal/import", {"project_id": str(project.id)}, content_type="multipart/form-data")
    assert missing.status_code == 422


def test_templates_and_register_downloads(client, login_as, db_session):
    load_demo(db_session)
    login_as("coordinator")
    db_session.commit()
    project = db_session.scalar(select(Project).where(Project.code == "155550"))
    template = client.get("/portal/import/sablon.xlsx")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    headers = [cell.value for cell in next(load_workbook(io.BytesIO(template.data)).active.iter_rows(max_row=1))]
    assert headers[:3] == ["nume", "prenume", "cnp"]
    assert client.get("/portal/import/sablon.csv").data.startswith(b"\xef\xbb\xbf")
    register = client.get(f"/portal/proiecte/{project.id}/registru.xlsx")
    assert register.status_code == 200
    assert register.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(f"/portal/proiecte/{project.id}/registru.csv").status_code == 200
    assert client.get(f"/portal/proiecte/{project.id}/registru.pdf").status_code == 404


def test_staff_can_neither_import_nor_export(client, login_as, db_session):
    load_demo(db_session)
    login_as("staff")
    db_session.commit()
    project = db_session.scalar(select(Project).where(Project.code == "155550"))
    assert client.get("/portal/import").status_code == 403
    assert client.get(f"/portal/proiecte/{project.id}/registru.xlsx").status_code == 403
