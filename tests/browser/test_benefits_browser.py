"""Benefits in Chromium: a coordinator opens a project's benefits, a draft list, approves it and records the
payment of everyone not yet paid through the page; the printable payment list and the totals. axe on each
of these pages.

The persons and the draft list are made through the domain services, in the live server's own database,
before any page is opened. The checks read ids, names and numbers, not labels, whose words may still change
with the translations.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.domain import clock

from .conftest import assert_no_axe_violations

BOTOSANI = "155550"
NAMES = [("Beneficiarescu", "Ana"), ("Beneficiarescu", "Bogdan")]


@dataclass(frozen=True)
class Seeded:
    project: int
    blist: int
    lines: dict[str, int]  # first name -> line id


@pytest.fixture(scope="module")
def seeded(live_server) -> Seeded:
    from sqlalchemy import select

    from portal.domain.actor import system_actor
    from portal.domain.benefits import services as benefits
    from portal.domain.benefits.models import (
        BenefitCategory,
        BenefitFrequency,
        BenefitUnit,
        EntitlementRule,
    )
    from portal.domain.people import services as people
    from portal.domain.people.models import (
        ConsentGiver,
        ConsentKind,
        LabourStatus,
        RiskReason,
        Sex,
    )
    from portal.domain.projects.models import Project
    from portal.extensions import db

    actor = system_actor(frozenset({benefits.BENEFITS_PROPOSE, benefits.BENEFITS_MANAGE}), address="browser-test")
    today = clock.today()
    with live_server.app.app_context():
        session = db.session
        project = session.scalar(select(Project).where(Project.code == BOTOSANI))
        zone = project.zones[0]
        kind = benefits.save_kind(session, project, actor, benefits.BenefitKindData(
            category=BenefitCategory.prize, name_ro="Premiu de test în browser", name_en="Browser test prize",
            unit=BenefitUnit.lei, amount=Decimal(150), frequency=BenefitFrequency.monthly,
            rule=EntitlementRule.manual))
        blist = benefits.propose_list(session, project, kind, today.strftime("%Y-%m"), actor, today=today)
        lines = {}
        for index, (last, first) in enumerate(NAMES):
            person = people.create_person(session, people.PersonData(
                last_name=last, first_name=first, locality=project.town, street=zone.streets[0].name,
                birth_date=date(1990, 3, 4), sex=Sex.female if first.endswith("a") else Sex.male),
                actor, confirm_new=True).person
            people.record_consent(session, person, actor, kind=ConsentKind.data_processing,
                                  given_by=ConsentGiver.person, given_on=date(2023, 1, 10), document_ref="F-7")
            people.enroll(session, person, project, people.EntryData(
                zone_id=zone.id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
                labour_status=LabourStatus.inactive, isced_level=2, answers={}), actor)
            line = benefits.add_line(session, blist, person, actor, quantity=Decimal(150 + 50 * index),
                                     note=f"locul {index + 1}")
            lines[first] = line.id
        session.commit()
        return Seeded(project=project.id, blist=blist.id, lines=lines)


def visit(page, url: str, *, axe: bool = True):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    if axe:
        assert_no_axe_violations(page)
    return response


def test_a_coordinator_approves_and_pays_a_list_and_prints_it(open_page, live_server, coordinator_state, seeded):
    page = open_page(storage_state=coordinator_state)
    list_url = live_server(f"/portal/beneficii/liste/{seeded.blist}")

    visit(page, live_server(f"/portal/proiecte/{seeded.project}/beneficii"))
    expect(page.locator(f'a[href$="/portal/beneficii/liste/{seeded.blist}"]')).to_have_count(1)
    visit(page, list_url)
    rows = page.locator("table.benefit-lines tbody tr")
    expect(rows).to_have_count(len(NAMES))
    for last, first in NAMES:
        expect(rows.filter(has_text=f"{last} {first}")).to_have_count(1)

    approve = page.locator('form[action$="/aprobare"] button[type=submit]')
    expect(approve).to_have_count(1)
    approve.click()
    expect(page.locator('form[action$="/aprobare"]')).to_have_count(0)
    form = page.locator("#payment-form")
    expect(form).to_be_visible()
    assert_no_axe_violations(page)

    # No document number: refused, the error next to the field, the day kept.
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        form.locator('button[name="toate"]').click()
    assert answer.value.status == 422
    expect(page.locator("#document_no-error")).to_be_visible()
    expect(page.locator("#document_no")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#paid_on")).to_have_value(clock.today().isoformat())
    assert_no_axe_violations(page)

    # Ana alone, then everyone not yet paid.
    page.locator(f"#line-{seeded.lines['Ana']}").check()
    page.locator("#document_no").fill("OP 501")
    page.locator("#payment-form button[type=submit]:not([name])").click()
    expect(page.locator(f"#line-{seeded.lines['Ana']}")).to_have_count(0)  # paid: no box to tick any more
    expect(page.locator(f"#line-{seeded.lines['Bogdan']}")).to_have_count(1)
    page.locator("#document_no").fill("OP 502")
    page.locator('#payment-form button[name="toate"]').click()
    expect(page.locator("#payment-form")).to_have_count(0)

    today = clock.today().strftime("%d.%m.%Y")
    expect(page.locator(f"#linia-{seeded.lines['Ana']}")).to_contain_text("OP 501")
    expect(page.locator(f"#linia-{seeded.lines['Bogdan']}")).to_contain_text("OP 502")
    expect(page.locator(f"#linia-{seeded.lines['Bogdan']}")).to_contain_text(today)
    assert_no_axe_violations(page)

    visit(page, live_server(f"/portal/beneficii/liste/{seeded.blist}/tipar"))
    sheet = page.locator("table.benefit-sheet")
    expect(sheet.locator("tbody tr")).to_have_count(len(NAMES))
    expect(sheet.locator("tbody td.sign")).to_have_count(len(NAMES))
    expect(sheet.locator("tfoot .sheet-total")).to_contain_text("350")
    expect(sheet.locator("thead")).to_contain_text(BOTOSANI)

    visit(page, live_server(f"/portal/proiecte/{seeded.project}/beneficii/totaluri?dupa=person"))
    totals = page.locator("table.benefit-totals tbody tr")
    for last, first in NAMES:
        expect(totals.filter(has_text=f"{last} {first}")).to_have_count(1)
    visit(page, live_server(f"/portal/proiecte/{seeded.project}/beneficii/liste/nou"))
