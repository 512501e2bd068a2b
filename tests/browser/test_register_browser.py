"""The register in a real browser: register a person, record consent, enrol, find them without diacritics."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_no_axe_violations
from .test_browser import mark_document, same_document, visit

PEOPLE = {True: ("Țăranu", "Ștefania", "taranu stefania"), False: ("Bălăiță", "Ionuț", "BALAITA ionut")}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_register_enrol_and_find_a_person(open_page, live_server, admin_state, javascript):
    last_name, first_name, typed = PEOPLE[javascript]
    page = open_page(javascript=javascript, storage_state=admin_state)

    visit(page, live_server("/portal/persoane/nou"))
    page.get_by_label("Nume", exact=True).fill(last_name)
    page.get_by_label("Prenume", exact=True).fill(first_name)
    page.get_by_label("Data nașterii").fill("2001-04-05")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Localitate").fill("Botoșani")
    page.get_by_label("Strada").fill("Str. Parcului")
    page.get_by_label("Telefon").fill("0744 555 666")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{last_name} {first_name}")
    expect(page.get_by_role("status")).to_contain_text("a fost înregistrat")
    assert_no_axe_violations(page)

    consent = page.locator("form", has=page.get_by_role("button", name="Înregistrează consimțământul"))
    consent.get_by_label("Consimțământ pentru").select_option("data_processing")
    consent.get_by_label("Data semnării").fill("2023-02-01")
    consent.get_by_label("Numărul sau referința documentului").fill("FI-77")
    consent.get_by_role("button", name="Înregistrează consimțământul").click()
    expect(page.get_by_role("status")).to_contain_text("Consimțământul a fost înregistrat.")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Înscrie într-un proiect").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Înscrieți")
    assert_no_axe_violations(page)
    page.get_by_label("Proiect").select_option(label="ZUM BT PLUS (155550)")
    page.get_by_label("Zona (criteriul 1: locuiește în zonă)").select_option(
        label="Zona Urbană Marginalizată Parcul Tineretului")
    page.get_by_label("Data intrării").fill("2023-03-01")
    page.get_by_label("Risc de sărăcie sau excluziune socială (criteriul 2)").select_option("social_inquiry")
    page.get_by_role("button", name="Înscrie", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("este acum în grupul țintă")
    expect(page.get_by_role("heading", level=3, name=re.compile("ZUM BT PLUS"))).to_contain_text("în grupul țintă")
    assert_no_axe_violations(page)

    visit(page, live_server("/portal/persoane"))
    search = page.get_by_label("Nume, CNP, cod sau telefon")
    if javascript:
        mark_document(page)
        search.press_sequentially(typed, delay=15)
    else:
        search.fill(typed)
        page.get_by_role("button", name="Caută", exact=True).click()
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(f"{last_name} {first_name}")
    if javascript:
        assert same_document(page), "the search should swap the results, not load a page"
    assert_no_axe_violations(page)
    rows.get_by_role("link", name=f"{last_name} {first_name}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{last_name} {first_name}")
    expect(page.get_by_text("Str. Parcului, Botoșani")).to_be_visible()
    assert_no_axe_violations(page)
