"""The social shop in Chromium, signed in as staff: find a person from the shop's page, record hours of community
work (first with a mistake, answered on the form), take products for hours, see the balance change on the
page, open the receipt. axe on the shop's page, the person's page (with and without a form error) and the
receipt.

The person and the product are made through the domain services, in the live server's own database,
before any page is opened, so the numbers are exact whatever else the demo's shop holds. The pages are in
Romanian and their words may still change with the translations: the checks read ids and numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_axe_violations

PROJECT_CODE = "155550"  # Botoșani: the social shop (A3.4)
PERSON = ("Magazinescu", "Florica")
PRICE, STOCK = Decimal("2.5"), 5
SYSTEM_RIGHTS = frozenset({"shop.manage", "shop.record", "people.sensitive"})


@dataclass(frozen=True)
class Seeded:
    project: int
    person: int
    product: int


@pytest.fixture(scope="module")
def seeded(live_server) -> Seeded:
    from sqlalchemy import select

    from portal.domain.actor import system_actor
    from portal.domain.benefits import shop
    from portal.domain.people import services as people
    from portal.domain.people.models import ConsentGiver, ConsentKind, LabourStatus, RiskReason, Sex
    from portal.domain.projects.models import Project
    from portal.extensions import db

    actor = system_actor(SYSTEM_RIGHTS, address="browser-test")
    with live_server.app.app_context():
        session = db.session
        project = session.scalar(select(Project).where(Project.code == PROJECT_CODE))
        zone = project.zones[0]
        person = people.create_person(session, people.PersonData(
            last_name=PERSON[0], first_name=PERSON[1], locality=project.town, street=zone.streets[0].name,
            birth_date=date(1975, 4, 12), sex=Sex.female), actor, confirm_new=True).person
        people.record_consent(session, person, actor, kind=ConsentKind.data_processing, given_by=ConsentGiver.person,
                              given_on=date(2023, 1, 10), document_ref="F-7")
        people.enroll(session, person, project, people.EntryData(
            zone_id=zone.id, entry_date=date(2023, 1, 10), risk_reason=RiskReason.minimum_income,
            labour_status=LabourStatus.inactive, isced_level=2, answers={}), actor)
        product = shop.save_product(session, project, actor, shop.ProductData(
            name_ro="Pachet de test: detergent 2 kg", name_en="Test pack: detergent 2 kg", price_hours=PRICE))
        shop.receive_stock(session, product, STOCK, actor, note="browser-test")
        session.commit()
        return Seeded(project=project.id, person=person.id, product=product.id)


def visit(page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    assert_no_axe_violations(page)
    return response


def test_staff_record_work_and_a_purchase_and_open_the_receipt(live_server, seeded, open_page, staff_state):
    page = open_page(storage_state=staff_state)
    home = live_server(f"/portal/proiecte/{seeded.project}/magazin")
    visit(page, home)
    expect(page.locator(".shop-products")).to_contain_text("Pachet de test")

    # Find the person from the shop's page (htmx swaps the results in), then open their page.
    page.locator("#shop-q").fill(PERSON[0])
    page.locator("#shop-q").press("Enter")
    person_link = page.locator("#shop-found a", has_text=PERSON[0])
    expect(person_link).to_have_count(1)
    assert_no_axe_violations(page)
    person_link.click()
    page.wait_for_url(re.compile(rf"/magazin/persoane/{seeded.person}$"))
    balance = page.locator("#shop-balance")
    expect(balance).to_have_attribute("data-hours", "0.00")
    assert_no_axe_violations(page)

    # Hours typed wrong: the form answers next to the field, keeps what was typed; nothing is recorded.
    page.locator("#ore-task").fill("Curățenie în parcul Mihai Eminescu")
    page.locator("#ore-hours").fill("șase")
    page.locator("#ore button[type=submit]").click()
    expect(page.locator("#ore-hours-error")).to_be_visible()
    expect(page.locator("#ore-hours")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ore-task")).to_have_value("Curățenie în parcul Mihai Eminescu")
    expect(balance).to_have_attribute("data-hours", "0.00")
    assert_no_axe_violations(page)

    page.locator("#ore-hours").fill("6")
    page.locator("#ore button[type=submit]").click()
    expect(balance).to_have_attribute("data-hours", "6.00")
    expect(balance).to_contain_text("6")
    expect(page.locator(".shop-ledger tbody tr")).to_have_count(1)

    # Two packs at 2,5 hours: 5 hours taken, 1 left; the stock goes from 5 to 3.
    quantity = page.locator(f"#cumparare-buc-{seeded.product}")
    quantity.fill("2")
    page.locator("#cumparare button[type=submit]").click()
    expect(balance).to_have_attribute("data-hours", "1.00")
    expect(balance).to_contain_text("1")
    expect(page.locator(".shop-ledger tbody tr")).to_have_count(2)
    expect(page.locator(".shop-ledger tbody tr").last.locator("td.num").last).to_have_text("1")
    expect(page.locator(f"#cumparare-buc-{seeded.product}")).to_have_value("")
    row = page.locator(".shop-purchase tbody tr").filter(has=page.locator(f"#cumparare-buc-{seeded.product}"))
    expect(row.locator("td.num").nth(1)).to_have_text("3")
    assert_no_axe_violations(page)

    # The receipt: 5 hours, 1 left after it.
    receipt_link = page.locator("#bonuri a").first
    receipt_link.click()
    page.wait_for_url(re.compile(r"/magazin/bonuri/\d+$"))
    expect(page.locator("#receipt-total")).to_have_text("5")
    expect(page.locator("#receipt-balance")).to_have_text("1")
    expect(page.locator(".receipt")).to_contain_text(PERSON[0])
    assert_no_axe_violations(page)
    visit(page, page.url)  # loaded on its own, as it is opened to print
