"""Benefits in the portal: kinds, drawing up a list, changing a draft, approving, paying, the printed list,
the person page, totals and their workbook; who may do what; refused input answered with 422."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.domain import clock
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.benefits import services as benefits
from portal.domain.benefits.models import (
    BenefitKind,
    BenefitLine,
    BenefitList,
    BenefitListStatus,
    EntitlementRule,
)
from tests.test_benefits import SYSTEM, TODAY, build_world, make_kind


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is someone else's."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def world(db_session):
    return build_world(db_session)


def drafted(db_session, world, rule=EntitlementRule.attendance, **changes):
    kind = make_kind(db_session, world, rule, **changes)
    blist = benefits.propose_list(db_session, world.project, kind, "2025-10", SYSTEM, today=TODAY)
    db_session.flush()
    return kind, blist


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error-text" id="{re.escape(field)}-error">(.*?)</p>', html, flags=re.DOTALL)
    return found.group(1) if found else ""


def test_a_coordinator_draws_up_changes_approves_pays_and_prints_a_list(english, login_as, db_session, world):
    client = english
    coordinator = login_as("coordinator")
    project = world.project
    sent = client.post_form(f"/portal/proiecte/{project.id}/beneficii/tipuri/nou", {
        "category": "cash_subsidy", "name_ro": "Subvenție de test", "name_en": "Test subsidy",
        "unit": "lei", "amount": "500", "frequency": "monthly", "rule": "attendance",
        "activity_id": str(world.activity.id), "min_sessions": "2", "is_active": "y"})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    kind = db_session.scalar(select(BenefitKind).where(BenefitKind.name_en == "Test subsidy"))
    home = client.get(f"/portal/proiecte/{project.id}/beneficii").get_data(as_text=True)
    assert "Test subsidy" in home and "500 lei" in home

    created = client.post_form(f"/portal/proiecte/{project.id}/beneficii/liste/nou",
                               {"kind_id": str(kind.id), "period": "2025-10"})
    assert created.status_code == 303
    blist = db_session.scalar(select(BenefitList).where(BenefitList.kind_id == kind.id))
    assert created.headers["Location"].endswith(f"/portal/beneficii/liste/{blist.id}")
    page = client.get(f"/portal/beneficii/liste/{blist.id}?q=Cristi")
    html = page.get_data(as_text=True)
    assert f"List no. {blist.id} has been drawn up with 2 persons." in html
    assert "Beneficiu Ana" in html and "Beneficiu Bogdan" in html and "Add Beneficiu Cristi" in html
    viewed = db_session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.view,
                                                         AuditEntry.details == f"benefit list {blist.id}")).all()
    assert len(viewed) == 1 and viewed[0].person_id is None and viewed[0].user_id == coordinator.id
    partial = client.get(f"/portal/beneficii/liste/{blist.id}?q=Cristi&partial=found", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True) and "Add Beneficiu Cristi" in partial.get_data(as_text=True)

    # Adding a person: a bad amount is refused with the text kept, then a good one is taken.
    url = f"/portal/beneficii/liste/{blist.id}/persoane"
    refused = client.post_form(url, {"person_id": str(world.cristi.id), "q": "Cristi", "quantity": "abc", "note": "târziu"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Write a number" in error_of(html, f"add-{world.cristi.id}-quantity")
    assert 'value="abc"' in html and 'value="târziu"' in html
    refused = client.post_form(url, {"person_id": str(world.outsider.id), "q": "Oana", "quantity": ""})
    assert refused.status_code == 422 and "is not in this project" in refused.get_data(as_text=True)
    assert client.post_form(url, {"person_id": str(world.cristi.id), "q": "Cristi", "quantity": "250",
                                  "note": "a venit târziu"}).status_code == 303
    ana, _bogdan, cristi = (db_session.scalar(select(BenefitLine).where(BenefitLine.list_id == blist.id,
                                                                       BenefitLine.person_id == person.id))
                           for person in (world.ana, world.bogdan, world.cristi))
    assert cristi.added_manually and str(cristi.quantity) == "250.00"

    # A line's amount: 0 refused on the line, then 450 kept.
    edit = f"/portal/beneficii/liste/{blist.id}/linii/{ana.id}"
    refused = client.http.post(edit, data={  # the line's form has its own prefix, CSRF token included
        f"line{ana.id}-csrf_token": client.csrf_token(), f"line{ana.id}-quantity": "0", f"line{ana.id}-note": "x"})
    assert refused.status_code == 422
    assert "greater than zero" in error_of(refused.get_data(as_text=True), f"line{ana.id}-quantity")
    saved = client.http.post(edit, data={f"line{ana.id}-csrf_token": client.csrf_token(),
                                         f"line{ana.id}-quantity": "450", f"line{ana.id}-note": "jumătate"})
    assert saved.status_code == 303
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/linii/{cristi.id}/stergere").status_code == 303
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/aprobare").status_code == 303
    db_session.expire_all()
    assert blist.status == BenefitListStatus.approved and len(blist.lines) == 2

    # Payment: a future day is refused with what was typed kept; then everyone not yet paid.
    pay = f"/portal/beneficii/liste/{blist.id}/plata"
    tomorrow = clock.today() + timedelta(days=1)
    refused = client.post_form(pay, {"paid_on": tomorrow.strftime("%d.%m.%Y"), "document_no": "OP 77",
                                     "paid_by_id": str(coordinator.id), "line_ids": str(ana.id)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "cannot be in the future" in error_of(html, "paid_on")
    assert 'value="OP 77"' in html and re.search(rf'value="{ana.id}"[^>]*checked', html)
    refused = client.post_form(pay, {"paid_on": "03.11.2025", "document_no": "OP 77", "paid_by_id": str(coordinator.id)})
    assert refused.status_code == 422 and "Choose the persons" in refused.get_data(as_text=True)
    assert client.post_form(pay, {"paid_on": "03.11.2025", "document_no": "OP 77", "paid_by_id": str(coordinator.id),
                                  "line_ids": str(ana.id)}).status_code == 303
    done = client.post_form(pay, {"paid_on": "04.11.2025", "document_no": "OP 78", "paid_by_id": str(coordinator.id),
                                  "toate": "1"})
    assert done.status_code == 303
    db_session.expire_all()
    assert {(line.person_id, line.document_no) for line in blist.lines} == {(world.ana.id, "OP 77"),
                                                                           (world.bogdan.id, "OP 78")}

    printed = client.get(f"/portal/beneficii/liste/{blist.id}/tipar")
    html = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "Payment list" in html and "Signature" in html
    assert html.count('<td class="sign"></td>') == 2 and "950 lei" in html
    assert "03.11.2025" in html and "OP 78" in html and world.ana.code in html
    assert world.ana.cnp is None or world.ana.cnp not in html
    assert "Approved by" in html and "Drawn up by" in html and project.funder_line in html

    person = client.get(f"/portal/persoane/{world.ana.id}").get_data(as_text=True)
    section = person[person.index('id="beneficii"'):]
    assert f"List no. {blist.id}" in section and "450 lei" in section and "03.11.2025" in section
    assert f"Test subsidy for October 2025: 450 lei paid or handed over (list no. {blist.id})" in person

    totals = client.get(f"/portal/proiecte/{project.id}/beneficii/totaluri?dupa=person")
    html = totals.get_data(as_text=True)
    assert totals.status_code == 200 and "Beneficiu Ana" in html and "950 lei" in html
    workbook = client.get(f"/portal/proiecte/{project.id}/beneficii/totaluri.xlsx?dupa=kind")
    assert workbook.status_code == 200 and "spreadsheetml" in workbook.content_type
    from openpyxl import load_workbook

    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(workbook.data)).active.iter_rows()]
    assert ["Test subsidy", 950, 0, 2, 2] in rows


def test_refused_kind_and_list_forms_keep_what_was_typed(english, login_as, db_session, world):
    client = english
    login_as("coordinator")
    url = f"/portal/proiecte/{world.project.id}/beneficii/tipuri/nou"
    base = {"category": "hot_meal", "name_ro": "Masă de test", "unit": "pieces", "amount": "1", "frequency": "monthly",
            "rule": "per_presence", "activity_id": str(world.activity.id), "min_sessions": "0"}
    for changes, field, message in (({"amount": "2,5"}, "amount", "whole numbers"),
                                    ({"amount": "zece"}, "amount", "Write a number"),
                                    ({"activity_id": ""}, "activity_id", "choose the activity"),
                                    ({"name_ro": ""}, "name_ro", "This field is required.")):
        response = client.post_form(url, {**base, **changes})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert message in error_of(html, field), (changes, error_of(html, field))
        assert 'aria-invalid="true"' in html
        if field != "name_ro":
            assert 'value="Masă de test"' in html
    assert db_session.scalar(select(BenefitKind.id).where(BenefitKind.name_ro == "Masă de test")) is None

    kind = make_kind(db_session, world, EntitlementRule.attendance)
    db_session.commit()
    create = f"/portal/proiecte/{world.project.id}/beneficii/liste/nou"
    for period, message in (("octombrie", "yyyy-mm"), ("2099-01", "project")):
        response = client.post_form(create, {"kind_id": str(kind.id), "period": period, "notes": "lista de test"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in error_of(html, "period")
        assert f'value="{period}"' in html and "lista de test" in html
    response = client.post_form(create, {"kind_id": "", "period": "2025-10"})
    assert response.status_code == 422 and "This field is required." in error_of(response.get_data(as_text=True),
                                                                                  "kind_id")
    bad = client.get(f"/portal/proiecte/{world.project.id}/beneficii/totaluri?de_la=31.02.2025")
    assert bad.status_code == 422 and "dd.mm.yyyy" in error_of(bad.get_data(as_text=True), "de_la")
    assert client.get(f"/portal/proiecte/{world.project.id}/beneficii/totaluri.xlsx?de_la=x").status_code == 303


def test_a_second_list_says_who_was_left_out_and_an_empty_list_is_not_approved(english, login_as, db_session, world):
    client = english
    kind, first = drafted(db_session, world)
    login_as("coordinator")
    sent = client.post_form(f"/portal/proiecte/{world.project.id}/beneficii/liste/nou",
                            {"kind_id": str(kind.id), "period": "2025-10"}, follow_redirects=True)
    html = sent.get_data(as_text=True)
    assert f"2 entitled persons are already on list no. {first.id} of this period and were left out." in html
    second = db_session.scalar(select(BenefitList).where(BenefitList.kind_id == kind.id, BenefitList.id != first.id))
    response = client.post_form(f"/portal/beneficii/liste/{second.id}/aprobare")
    assert response.status_code == 422 and "cannot be approved" in response.get_data(as_text=True)
    added = client.post_form(f"/portal/beneficii/liste/{second.id}/persoane",
                             {"person_id": str(world.ana.id), "q": "Ana"})
    assert added.status_code == 422 and f"already on list no. {first.id}" in added.get_data(as_text=True)


def test_who_may_propose_approve_and_pay(client, login_as, db_session, world):
    kind, blist = drafted(db_session, world)
    project = world.project
    line = blist.lines[0]
    login_as("staff")
    assert client.get(f"/portal/proiecte/{project.id}/beneficii").status_code == 200
    assert client.get(f"/portal/proiecte/{project.id}/beneficii/tipuri/nou").status_code == 403
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/aprobare").status_code == 403
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/plata", {"toate": "1"}).status_code == 403
    assert client.post_form(f"/portal/proiecte/{project.id}/beneficii/liste/nou",
                            {"kind_id": str(kind.id), "period": "2025-09"}).status_code == 303
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/linii/{line.id}/stergere").status_code == 303
    page = client.get(f"/portal/beneficii/liste/{blist.id}").get_data(as_text=True)
    assert "/aprobare" not in page and "/plata" not in page


def test_a_viewer_reads_but_cannot_propose(client, login_as, db_session, world):
    kind, blist = drafted(db_session, world)
    login_as("viewer")
    assert client.get(f"/portal/beneficii/liste/{blist.id}").status_code == 200
    assert client.get(f"/portal/beneficii/liste/{blist.id}/tipar").status_code == 200
    assert client.get(f"/portal/proiecte/{world.project.id}/beneficii/liste/nou").status_code == 403
    assert client.post_form(f"/portal/proiecte/{world.project.id}/beneficii/liste/nou",
                            {"kind_id": str(kind.id), "period": "2025-09"}).status_code == 403
    assert client.post_form(f"/portal/beneficii/liste/{blist.id}/persoane",
                            {"person_id": str(world.cristi.id)}).status_code == 403


def test_users_of_other_projects_get_404(client, login_as, db_session, world):
    from portal.domain.projects.models import Project

    kind, blist = drafted(db_session, world)
    bacau = db_session.scalar(select(Project).where(Project.code == "BC-SDL-2022"))
    login_as("coordinator", member_of={bacau: "coordinator"})
    for url in (f"/portal/proiecte/{world.project.id}/beneficii", f"/portal/beneficii/liste/{blist.id}",
                f"/portal/beneficii/liste/{blist.id}/tipar", f"/portal/proiecte/{world.project.id}/beneficii/totaluri",
                f"/portal/proiecte/{world.project.id}/beneficii/totaluri.xlsx",
                f"/portal/beneficii/tipuri/{kind.id}/editare"):
        assert client.get(url).status_code == 404, url
    for url in (f"/portal/beneficii/liste/{blist.id}/aprobare", f"/portal/beneficii/liste/{blist.id}/plata",
                f"/portal/beneficii/liste/{blist.id}/persoane"):
        assert client.post_form(url).status_code == 404, url
    person = client.get(f"/portal/persoane/{world.ana.id}").get_data(as_text=True)
    assert f"/portal/beneficii/liste/{blist.id}" not in person  # the benefits of another project are not shown


def test_the_project_page_links_benefits_and_the_shop(english, login_as, world):
    login_as("staff")
    html = english.get(f"/portal/proiecte/{world.project.id}").get_data(as_text=True)
    assert f"/portal/proiecte/{world.project.id}/beneficii" in html
    assert f"/portal/proiecte/{world.project.id}/magazin" in html


def test_a_kind_is_edited_and_a_list_form_offers_the_active_kinds(english, login_as, db_session, world):
    client = english
    kind = make_kind(db_session, world, EntitlementRule.attendance, name="Bursă de test", amount="250.50")
    login_as("coordinator")
    form = client.get(f"/portal/beneficii/tipuri/{kind.id}/editare")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and 'value="250,5"' in html and 'value="Bursă de test"' in html
    assert re.search(rf'<option selected value="{world.activity.id}"|<option value="{world.activity.id}" selected', html)
    changed = client.post_form(f"/portal/beneficii/tipuri/{kind.id}/editare", {
        "category": "cash_subsidy", "name_ro": "Bursă de test", "unit": "lei", "amount": "300", "frequency": "monthly",
        "rule": "attendance", "activity_id": str(world.activity.id), "min_sessions": "3"})
    assert changed.status_code == 303
    db_session.expire_all()
    assert (str(kind.amount), kind.min_sessions, kind.is_active) == ("300.00", 3, False)
    page = client.get(f"/portal/proiecte/{world.project.id}/beneficii/liste/nou").get_data(as_text=True)
    assert ">Bursă de test ·" not in page and "After-school subsidy ·" in page  # no longer given: no new lists
    assert "no longer given" in client.get(f"/portal/proiecte/{world.project.id}/beneficii").get_data(as_text=True)


def test_the_person_page_shows_benefits_on_the_timeline_and_the_shop_balance(english, login_as, db_session, world):
    from decimal import Decimal

    from portal.domain.actor import system_actor
    from portal.domain.benefits import shop
    from tests.test_benefits import _admin_id

    _kind, blist = drafted(db_session, world, name="Subvenție de test")
    shop.record_work(db_session, world.project, world.ana, system_actor(frozenset({shop.SHOP_RECORD})),
                     day=date(2025, 10, 2), task="Curățenie în parc", hours=Decimal("2.5"),
                     verified_by_id=_admin_id(db_session), today=TODAY)
    login_as("staff")
    html = english.get(f"/portal/persoane/{world.ana.id}").get_data(as_text=True)
    section = html[html.index('id="beneficii"'):html.index('id="consimtaminte"')]
    assert f"/portal/beneficii/liste/{blist.id}" in section and "500 lei" in section and "draft" in section
    assert f"/portal/proiecte/{world.project.id}/magazin/persoane/{world.ana.id}" in section
    assert "2.5 hours" in section
    timeline = html[html.index('id="timeline-title"'):]
    assert f"Subvenție de test for October 2025: 500 lei on list no. {blist.id}, not yet paid" in timeline
    assert '<time datetime="2025-10-01">' in timeline


# Review fixes --------------------------------------------------------------------------------------

def _approved(db_session, world, **changes):
    kind, blist = drafted(db_session, world, **changes)
    benefits.approve_list(db_session, blist, SYSTEM)
    db_session.commit()
    return kind, blist


def test_a_ticked_line_that_is_not_a_number_is_answered_on_the_form(english, login_as, db_session, world):
    _kind, blist = _approved(db_session, world)
    coordinator = login_as("coordinator")
    line = blist.lines[0]
    for garbled in ("²", f"{line.id}²", "١", "-1", " "):  # "²" and "١" are digits to str.isdigit(), not to int()
        response = english.post_form(f"/portal/beneficii/liste/{blist.id}/plata", {
            "paid_on": "03.11.2025", "document_no": "OP 9", "paid_by_id": str(coordinator.id),
            "line_ids": [str(line.id), garbled]})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, garbled
        assert "The persons ticked could not be read: tick them again in the table." in html
        assert 'value="OP 9"' in html and re.search(rf'value="{line.id}"[^>]*checked', html)
    db_session.expire_all()
    assert not any(item.is_paid for item in blist.lines)


def test_totals_links_are_built_from_what_was_understood(english, login_as, db_session, world):
    login_as("coordinator")
    base = f"/portal/proiecte/{world.project.id}/beneficii/totaluri"
    for query in ("project_id=1", "endpoint=x", "_external=1&_scheme=javascript&_anchor=%0Aalert(1)",
                  "_method=POST&values=1&dupa=person&tip=abc"):
        response = english.get(f"{base}?{query}")
        assert response.status_code == 200, query
    _kind, blist = _approved(db_session, world)
    benefits.record_payment(db_session, blist, [line.id for line in blist.lines], SYSTEM, paid_on=date(2025, 11, 3),
                            document_no="OP 1", paid_by_id=_admin_id(db_session), today=TODAY)
    db_session.commit()
    html = english.get(f"{base}?dupa=person&de_la=01.10.2025&_external=1&_scheme=javascript&_anchor=x&endpoint=y"
                       ).get_data(as_text=True)
    links = re.findall(r'href="([^"]*totaluri\.xlsx[^"]*)"', html)
    assert links == [f"{base}.xlsx?dupa=person&amp;de_la=01.10.2025"]
    redirected = english.get(f"{base}.xlsx?de_la=x&project_id=1&endpoint=y&_anchor=z")
    assert redirected.status_code == 303 and redirected.headers["Location"].endswith(f"{base}?dupa=kind&de_la=x")


def _admin_id(db):
    from tests.test_benefits import _admin_id as admin_id

    return admin_id(db)


def test_every_full_view_of_a_list_is_audited_only_the_search_fragment_is_not(english, login_as, db_session, world):
    _kind, blist = drafted(db_session, world)
    db_session.commit()
    login_as("coordinator")

    def views() -> int:
        return len(db_session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.view,
                                                               AuditEntry.details == f"benefit list {blist.id}")).all())

    htmx = {"HX-Request": "true"}
    for partial, headers, added in (("1", {}, 1), ("yes", htmx, 1), ("found", htmx, 0), ("found", {}, 1),
                                    ("", {}, 1)):
        before = views()
        response = english.get(f"/portal/beneficii/liste/{blist.id}?q=Ana&partial={partial}", headers=headers)
        assert response.status_code == 200
        assert ("Beneficiu Bogdan" in response.get_data(as_text=True)) == bool(added), (partial, headers)
        assert views() - before == added, (partial, headers)


def test_a_draft_list_is_deleted_after_a_confirmation(english, login_as, db_session, world):
    _kind, approved = _approved(db_session, world, name="Altă subvenție")
    _kind, blist = drafted(db_session, world)
    db_session.commit()
    login_as("staff")
    page = english.get(f"/portal/beneficii/liste/{blist.id}").get_data(as_text=True)
    url = f"/portal/beneficii/liste/{blist.id}/stergere"
    assert f'href="{url}"' in page
    confirm = english.get(url)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Delete list no." in html and "Yes, delete the list" in html
    assert f'action="{url}"' in html and "csrf_token" in html
    assert english.http.post(url).status_code == 400  # no CSRF token: nothing happens
    assert db_session.scalar(select(BenefitList.id).where(BenefitList.id == blist.id)) == blist.id
    done = english.post_form(url, follow_redirects=True)
    assert done.status_code == 200 and f"List no. {blist.id} has been deleted, with its 2 lines." in done.get_data(
        as_text=True)
    assert db_session.scalar(select(BenefitList.id).where(BenefitList.id == blist.id)) is None
    assert db_session.scalar(select(BenefitLine.id).where(BenefitLine.list_id == blist.id)) is None
    login_as("coordinator")
    assert f"/portal/beneficii/liste/{approved.id}/stergere" not in english.get(
        f"/portal/beneficii/liste/{approved.id}").get_data(as_text=True)
    refused = english.post_form(f"/portal/beneficii/liste/{approved.id}/stergere")
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/portal/beneficii/liste/{approved.id}")
    assert db_session.get(BenefitList, approved.id) is not None


def test_a_list_counting_sessions_is_offered_for_the_last_period_ended(english, login_as, db_session, world):
    kind = make_kind(db_session, world, EntitlementRule.attendance)
    db_session.commit()
    login_as("coordinator")
    create = f"/portal/proiecte/{world.project.id}/beneficii/liste/nou"
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    form = english.get(f"{create}?tip={kind.id}").get_data(as_text=True)
    assert f'value="{last_month}"' in form
    current = clock.today().strftime("%Y-%m")
    refused = english.post_form(create, {"kind_id": str(kind.id), "period": current})
    assert refused.status_code == 422
    assert "its list is drawn up once the period has ended" in error_of(refused.get_data(as_text=True), "period")


def test_the_printed_list_has_a_caption(english, login_as, db_session, world):
    _kind, blist = drafted(db_session, world)
    db_session.commit()
    login_as("viewer")
    html = english.get(f"/portal/beneficii/liste/{blist.id}/tipar").get_data(as_text=True)
    assert re.search(rf'<caption class="visually-hidden">Payment list no. {blist.id} · [^<]+ · October 2025</caption>', html)
