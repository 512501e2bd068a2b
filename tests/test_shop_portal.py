"""The social shop's pages: recording work hours and purchases, the receipt, products and stock, corrections
and reversals through the forms; who may do what (403 for a missing right, 404 for another project's shop);
bad input answered with a translated error on the form and the rest of the input kept; the audit trail."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.domain import clock
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.benefits import shop
from portal.domain.benefits.models import LedgerKind, LedgerLine, ShopProduct, ShopPurchase, StockMove
from tests.test_shop import acting, enrolled_person, ledger_sum, make_project, member

YESTERDAY = clock.today() - timedelta(days=1)


@pytest.fixture
def english(client):
    """Assertions read the English message ids; the Romanian catalog is someone else's."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def world(db_session):
    project = make_project(db_session)
    coordinator = member(db_session, project, "coordinator", "Coordonatoare Ioana")
    manager = acting(coordinator, project, shop.SHOP_RECORD, shop.SHOP_MANAGE)
    oil = shop.save_product(db_session, project, manager, shop.ProductData(name_ro="Ulei 1 l", price_hours=Decimal("1.5")))
    shop.receive_stock(db_session, oil, 10, manager)
    soap = shop.save_product(db_session, project, manager, shop.ProductData(name_ro="Săpun", price_hours=Decimal("2")))
    shop.receive_stock(db_session, soap, 3, manager)
    person = enrolled_person(db_session, project, first="Elena", last="Munteanu")
    db_session.commit()
    return type("World", (), dict(project=project, coordinator=coordinator, manager=manager, oil=oil, soap=soap,
                                  person=person))


def base(world) -> str:
    return f"/portal/proiecte/{world.project.id}/magazin"


def person_url(world) -> str:
    return f"{base(world)}/persoane/{world.person.id}"


def balance_on_page(html: str) -> Decimal:
    return Decimal(re.search(r'id="shop-balance" data-hours="([^"]+)"', html).group(1))


def work_form(world, user, **changes) -> dict:
    return {"ore-day": YESTERDAY.strftime("%d.%m.%Y"), "ore-task": "Curățenie în parcul Letea", "ore-hours": "6",
            "ore-verified_by_id": str(user.id), **changes}


def earn(db_session, world, hours: str = "6"):
    shop.record_work(db_session, world.project, world.person, world.manager, day=YESTERDAY, task="Curățenie",
                     hours=Decimal(hours), verified_by_id=world.coordinator.id)
    db_session.commit()


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


# Staff at the counter ----------------------------------------------------------------------------

def test_staff_record_work_and_a_purchase_and_print_the_receipt(english, login_as, db_session, world):
    clerk = login_as("staff", full_name="Casier Mihai")
    home = english.get(base(world))
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Ulei 1 l" in html and "Add a product" not in html  # staff record, coordinators manage
    found = english.get(base(world) + "?q=Munteanu").get_data(as_text=True)
    assert f'href="{person_url(world)}"' in found

    page = english.get(person_url(world))
    assert page.status_code == 200 and balance_on_page(page.get_data(as_text=True)) == 0
    assert "Correct a line" not in page.get_data(as_text=True)

    response = english.post_form(person_url(world) + "/ore", work_form(world, clerk, **{"ore-hours": "6,5"}))
    assert response.status_code == 303 and response.headers["Location"].endswith(person_url(world) + "#sold")
    html = english.get(person_url(world)).get_data(as_text=True)
    assert balance_on_page(html) == Decimal("6.50")
    assert "Curățenie în parcul Letea" in html

    response = english.post_form(person_url(world) + "/cumparare", {
        "cumparare-day": YESTERDAY.strftime("%d.%m.%Y"), f"cumparare-buc-{world.oil.id}": "3",
        f"cumparare-buc-{world.soap.id}": "1"})
    assert response.status_code == 303
    html = english.get(person_url(world)).get_data(as_text=True)
    assert balance_on_page(html) == Decimal("0.00")
    receipt = db_session.scalar(select(ShopPurchase).where(ShopPurchase.person_id == world.person.id))
    assert receipt.total_hours == Decimal("6.50") and receipt.served_by_id == clerk.id
    assert f"/magazin/bonuri/{receipt.id}" in html
    assert db_session.scalar(select(ShopProduct.stock).where(ShopProduct.id == world.oil.id)) == 7

    printed = english.get(f"{base(world)}/bonuri/{receipt.id}")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    assert "SOCIAL SHOP RECEIPT" in text and world.person.code in text and "Munteanu Elena" in text
    assert re.search(r'id="receipt-total">6[.,]5<', text) and re.search(r'id="receipt-balance">0<', text)
    assert "Casier Mihai" in text and world.project.funder_line in text

    actions = db_session.execute(select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.person_id == world.person.id, AuditEntry.user_id == clerk.id).order_by(AuditEntry.id)).all()
    assert (AuditAction.create, f"shop purchase no. {receipt.id}: 6.50 h") in actions
    assert (AuditAction.view, f"social shop receipt no. {receipt.id}") in actions
    assert sum(1 for action, details in actions if action == AuditAction.view and details.startswith("social shop ledger")) == 3
    assert any(action == AuditAction.create and "work" in details for action, details in actions)
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.person_id.is_(None), AuditEntry.user_id == clerk.id,
        AuditEntry.details.like("social shop of project%"))) == 1  # the search; the empty home read nothing personal


def test_volunteer_hours_are_credited_from_the_page(english, login_as, db_session, world):
    from portal.domain.volunteering.models import VolunteerHours

    login_as("staff")
    db_session.add(VolunteerHours(person_id=world.person.id, project_id=world.project.id, day=YESTERDAY,
                                  hours=Decimal("2.5"), task="Împărțit pliante"))
    db_session.commit()
    assert "Credit the volunteer hours" in english.get(person_url(world)).get_data(as_text=True)
    assert english.post_form(person_url(world) + "/voluntariat").status_code == 303
    assert english.post_form(person_url(world) + "/voluntariat").status_code == 303  # nothing left: nothing added
    html = english.get(person_url(world)).get_data(as_text=True)
    assert balance_on_page(html) == Decimal("2.50")
    assert "No volunteer hours of this project are waiting" in html
    assert count(db_session, LedgerLine) == 1


# Bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "message"), [
    ({"ore-hours": "abc"}, "Write the hours as a number, for example 3 or 2,5."),
    ({"ore-hours": "25"}, "The hours of one day must be more than 0 and at most 24."),
    ({"ore-hours": "1,125"}, "Write the hours with at most two decimals, for example 2,25."),
    ({"ore-day": "32.13.2026"}, "Write the date as dd.mm.yyyy, for example 24.11.2026."),
    ({"ore-day": (clock.today() + timedelta(days=2)).strftime("%d.%m.%Y")}, "The date cannot be in the future."),
    ({"ore-verified_by_id": "nobody"}, "This field is required."),
    ({"ore-task": ""}, "This field is required."),
])
def test_bad_work_hours_are_refused_on_the_form_with_the_input_kept(english, login_as, db_session, world, changes,
                                                                      message):
    clerk = login_as("staff")
    response = english.post_form(person_url(world) + "/ore", work_form(world, clerk, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    kept = work_form(world, clerk, **changes)
    if kept["ore-task"]:
        assert f'value="{kept["ore-task"]}"' in html
    if changes.get("ore-hours"):
        assert f'value="{changes["ore-hours"]}"' in html
    assert count(db_session, LedgerLine) == 0


def test_work_for_a_person_outside_the_target_group_is_refused_with_a_reason(english, login_as, db_session, world):
    clerk = login_as("staff")
    stranger = enrolled_person(db_session, None, first="Ion", last="Străinu")
    db_session.commit()
    url = f"{base(world)}/persoane/{stranger.id}"
    assert "not in the target group of this project" in english.get(url).get_data(as_text=True)
    response = english.post_form(url + "/ore", work_form(world, clerk))
    assert response.status_code == 422
    assert "is not in this project&#39;s target group" in response.get_data(as_text=True)


def test_refused_purchases_say_why_keep_the_quantities_and_leave_nothing(english, login_as, db_session, world):
    login_as("staff")
    earn(db_session, world, "20")
    before = (count(db_session, ShopPurchase), count(db_session, LedgerLine), count(db_session, StockMove))
    day = YESTERDAY.strftime("%d.%m.%Y")
    oil, soap = f"cumparare-buc-{world.oil.id}", f"cumparare-buc-{world.soap.id}"
    cases = [
        ({oil: "10", soap: "3"}, "Not enough hours: Munteanu Elena has 20 h and the products cost 21 h."),
        ({oil: "1", soap: "4"}, "Not enough “Săpun” in stock: 3 left, 4 asked for."),
        ({oil: "two"}, "Write a whole number of pieces, for example 2."),
        ({oil: "-1"}, "Write a whole number of pieces, for example 2."),
        ({oil: "²"}, "Write a whole number of pieces, for example 2."),  # a digit to str.isdigit(), not to int()
        ({oil: "1", soap: "٣"}, "Write a whole number of pieces, for example 2."),
        ({oil: "", soap: "0"}, "Write how many pieces of at least one product are taken."),
    ]
    for quantities, message in cases:
        response = english.post_form(person_url(world) + "/cumparare", {"cumparare-day": day, **quantities})
        assert response.status_code == 422, quantities
        html = response.get_data(as_text=True)
        assert message in html, (quantities, message)
        for name, value in quantities.items():
            assert f'name="{name}" value="{value}"' in html
        assert balance_on_page(html) == Decimal("20.00")
    assert (count(db_session, ShopPurchase), count(db_session, LedgerLine), count(db_session, StockMove)) == before
    assert db_session.scalar(select(ShopProduct.stock).where(ShopProduct.id == world.soap.id)) == 3
    bad_day = english.post_form(person_url(world) + "/cumparare", {"cumparare-day": "ieri", oil: "1"})
    assert bad_day.status_code == 422 and "Write the date as dd.mm.yyyy" in bad_day.get_data(as_text=True)


def test_a_product_withdrawn_since_the_form_was_shown_is_named_and_nothing_is_bought(english, login_as, db_session,
                                                                                       world):
    login_as("staff")
    earn(db_session, world, "20")
    world.soap.is_active = False  # withdrawn by a coordinator while the clerk filled in the form
    db_session.commit()
    before = (count(db_session, ShopPurchase), count(db_session, LedgerLine), count(db_session, StockMove))
    day = YESTERDAY.strftime("%d.%m.%Y")
    oil, soap = f"cumparare-buc-{world.oil.id}", f"cumparare-buc-{world.soap.id}"
    response = english.post_form(person_url(world) + "/cumparare", {"cumparare-day": day, oil: "1", soap: "2"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "“Săpun” is no longer on offer: nothing was bought." in html
    assert f'name="{soap}" value="2"' in html and f'name="{oil}" value="1"' in html
    # A product the shop never had (another project's, or made up).
    for name in ("cumparare-buc-999999", "cumparare-buc-x"):
        response = english.post_form(person_url(world) + "/cumparare", {"cumparare-day": day, oil: "1", name: "1"})
        assert response.status_code == 422
        assert "The form names a product this shop does not have" in response.get_data(as_text=True)
    # Nothing typed for the withdrawn product: the rest goes through.
    assert english.post_form(person_url(world) + "/cumparare", {"cumparare-day": day, oil: "1", soap: ""}
                             ).status_code == 303
    assert (count(db_session, ShopPurchase), count(db_session, LedgerLine), count(db_session, StockMove)) == (
        before[0] + 1, before[1] + 1, before[2] + 1)


# Coordinators: products, stock, corrections, reversals ---------------------------------------------

def test_coordinators_manage_products_and_stock(english, login_as, db_session, world):
    login_as("coordinator")
    assert english.get(base(world) + "/produse/nou").status_code == 200
    refused = english.post_form(base(world) + "/produse/nou", {"name_ro": "Orez 1 kg", "price_hours": "0,5x"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Write the hours as a number" in html and 'value="Orez 1 kg"' in html
    taken = english.post_form(base(world) + "/produse/nou", {"name_ro": "săpun", "price_hours": "1"})
    assert taken.status_code == 422 and "already has a product with this name" in taken.get_data(as_text=True)
    created = english.post_form(base(world) + "/produse/nou", {"name_ro": "Orez 1 kg", "name_en": "Rice 1 kg",
                                                                "price_hours": "1,25", "is_active": "y"})
    assert created.status_code == 303
    rice = db_session.scalar(select(ShopProduct).where(ShopProduct.name_ro == "Orez 1 kg"))
    assert (rice.price_hours, rice.stock, rice.is_active) == (Decimal("1.25"), 0, True)
    url = f"{base(world)}/produse/{rice.id}"
    assert english.get(url).status_code == 200
    assert english.post_form(url + "/primire", {"primire-quantity": "20", "primire-note": "Banca de alimente"}).status_code == 303
    bad = english.post_form(url + "/primire", {"primire-quantity": "0"})
    assert bad.status_code == 422 and "Write a whole number from 1 to 100000." in bad.get_data(as_text=True)
    assert english.post_form(url + "/inventar", {"inventar-counted": "18", "inventar-note": "Inventar"}).status_code == 303
    assert english.post_form(url + "/inventar", {"inventar-counted": "-2"}).status_code == 422
    assert english.post_form(url + "/inventar", {"inventar-counted": "multe"}).status_code == 422
    db_session.expire_all()
    assert db_session.get(ShopProduct, rice.id).stock == 18
    assert [move.delta for move in shop.stock_moves(db_session, rice.id)] == [-2, 20]
    edited = english.post_form(url, {"name_ro": "Orez 1 kg", "price_hours": "1,5"})  # is_active unticked
    assert edited.status_code == 303
    db_session.expire_all()
    assert (db_session.get(ShopProduct, rice.id).price_hours, db_session.get(ShopProduct, rice.id).is_active) == (
        Decimal("1.50"), False)
    home = english.get(base(world)).get_data(as_text=True)
    assert "withdrawn" in home and "Add a product" in home
    other = make_project(db_session, "T-OTHER", "Altul")
    db_session.commit()
    assert english.get(f"/portal/proiecte/{other.id}/magazin/produse/{rice.id}").status_code == 404


def test_corrections_and_reversals_through_the_forms(english, login_as, db_session, world):
    login_as("coordinator")
    earn(db_session, world, "6")
    receipt = shop.purchase(db_session, world.project, world.person, world.manager, {world.oil.id: 2}, YESTERDAY)
    db_session.commit()
    work_line = db_session.scalar(select(LedgerLine).where(LedgerLine.kind == LedgerKind.work))
    html = english.get(person_url(world)).get_data(as_text=True)
    assert "Correct a line" in html and "Reverse a purchase" in html
    short = english.post_form(person_url(world) + "/corectie", {
        "corectie-line_id": str(work_line.id), "corectie-hours": "-1", "corectie-reason": "greșit"})
    assert short.status_code == 422 and "Say why, in at least 10 characters." in short.get_data(as_text=True)
    negative = english.post_form(person_url(world) + "/corectie", {
        "corectie-line_id": str(work_line.id), "corectie-hours": "-3,5", "corectie-reason": "Foaia arată mai puțin"})
    assert negative.status_code == 422
    assert "would leave a negative balance: the balance is 3 h" in negative.get_data(as_text=True)
    for line_id in ("abc", "999999"):
        wrong = english.post_form(person_url(world) + "/corectie", {
            "corectie-line_id": line_id, "corectie-hours": "1", "corectie-reason": "Foaia arată mai mult"})
        assert wrong.status_code == 422
    done = english.post_form(person_url(world) + "/corectie", {
        "corectie-line_id": str(work_line.id), "corectie-hours": "-1,5", "corectie-reason": "Foaia arată 4,5 ore"})
    assert done.status_code == 303
    assert balance_on_page(english.get(person_url(world)).get_data(as_text=True)) == Decimal("1.50")

    reversed_ = english.post_form(person_url(world) + "/anulare", {
        "anulare-purchase_id": str(receipt.id), "anulare-reason": "Uleiul era expirat"})
    assert reversed_.status_code == 303
    again = english.post_form(person_url(world) + "/anulare", {
        "anulare-purchase_id": str(receipt.id), "anulare-reason": "Uleiul era expirat"})
    assert again.status_code == 422 and "already been reversed" in again.get_data(as_text=True)
    html = english.get(person_url(world)).get_data(as_text=True)
    assert balance_on_page(html) == Decimal("4.50") and "reversed" in html
    assert "Reversed on" in english.get(f"{base(world)}/bonuri/{receipt.id}").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(LedgerLine, work_line.id).hours == Decimal("6.00")
    assert ledger_sum(db_session, world.project.id, world.person.id) == Decimal("4.50")
    assert db_session.scalar(select(ShopProduct.stock).where(ShopProduct.id == world.oil.id)) == 10


# Rights --------------------------------------------------------------------------------------------

def test_staff_cannot_manage_and_a_viewer_cannot_record(english, login_as, db_session, world):
    earn(db_session, world, "6")
    receipt = shop.purchase(db_session, world.project, world.person, world.manager, {world.oil.id: 2}, YESTERDAY)
    db_session.commit()
    work_line = db_session.scalar(select(LedgerLine).where(LedgerLine.kind == LedgerKind.work))
    product = f"{base(world)}/produse/{world.oil.id}"
    login_as("staff")
    assert english.get(base(world) + "/produse/nou").status_code == 403
    assert english.get(product).status_code == 403
    for url, data in ((base(world) + "/produse/nou", {"name_ro": "Orez", "price_hours": "1"}),
                      (product, {"name_ro": "Ulei", "price_hours": "9"}),
                      (product + "/primire", {"primire-quantity": "5"}),
                      (product + "/inventar", {"inventar-counted": "50"}),
                      (person_url(world) + "/corectie", {"corectie-line_id": str(work_line.id), "corectie-hours": "5",
                                                         "corectie-reason": "Cinci ore în plus"}),
                      (person_url(world) + "/anulare", {"anulare-purchase_id": str(receipt.id),
                                                        "anulare-reason": "Anulare fără drept"})):
        assert english.post_form(url, data).status_code == 403, url

    viewer = login_as("viewer")
    assert english.get(base(world)).status_code == 200
    page = english.get(person_url(world)).get_data(as_text=True)
    assert "Record community work" not in page and "Record the purchase" not in page
    assert english.get(f"{base(world)}/bonuri/{receipt.id}").status_code == 200
    for suffix, data in (("/ore", work_form(world, viewer)), ("/cumparare", {f"cumparare-buc-{world.oil.id}": "1"}),
                         ("/voluntariat", {})):
        assert english.post_form(person_url(world) + suffix, data).status_code == 403
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("3.00")
    assert db_session.scalar(select(ShopProduct.stock).where(ShopProduct.id == world.oil.id)) == 8


def test_another_projects_staff_find_no_shop_here(english, login_as, db_session, world):
    earn(db_session, world, "6")
    receipt = shop.purchase(db_session, world.project, world.person, world.manager, {world.oil.id: 2}, YESTERDAY)
    other = make_project(db_session, "T-OTHER", "Altul")
    db_session.commit()
    outsider = login_as("coordinator", member_of={other: "coordinator"})
    for url in (base(world), person_url(world), f"{base(world)}/bonuri/{receipt.id}", base(world) + "/produse/nou",
                f"{base(world)}/produse/{world.oil.id}"):
        assert english.get(url).status_code == 404, url
    for suffix, data in (("/ore", work_form(world, outsider)), ("/cumparare", {f"cumparare-buc-{world.oil.id}": "1"}),
                         ("/voluntariat", {}), ("/anulare", {"anulare-purchase_id": str(receipt.id),
                                                             "anulare-reason": "Anulare din alt proiect"})):
        assert english.post_form(person_url(world) + suffix, data).status_code == 404, suffix
    # A receipt of this project is not reachable through the other project's shop either.
    assert english.get(f"/portal/proiecte/{other.id}/magazin/bonuri/{receipt.id}").status_code == 404
    assert english.get("/portal/proiecte/999999/magazin").status_code == 404
    assert shop.balance(db_session, world.project.id, world.person.id) == Decimal("3.00")


def test_merged_and_erased_records(english, login_as, db_session, world):
    from portal.domain.people import services as people
    from tests.test_shop import SETUP

    login_as("staff")
    twin = enrolled_person(db_session, world.project, first="Elena", last="Munteanu-Pop")
    people.merge_persons(db_session, world.person, twin, SETUP)
    db_session.commit()
    moved = english.get(f"{base(world)}/persoane/{twin.id}")
    assert moved.status_code == 303 and moved.headers["Location"].endswith(person_url(world))
    people.erase_person(db_session, world.person, SETUP)
    db_session.commit()
    assert english.get(person_url(world)).status_code == 404
    assert english.get(f"{base(world)}/persoane/987654").status_code == 404
