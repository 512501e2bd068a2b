"""Romanian first: complete catalogs, a fresh messages.pot, plurals, Babel formatting, locale choice."""
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.domain.text import fold, normalize_ro

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["ro", "en"])
def test_catalog_has_no_empty_or_fuzzy_entry(locale):
    problems = []
    for message in catalog(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(("empty", message.id))
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
    assert problems == []


def test_romanian_uses_comma_below_letters():
    cedilla = [message.id for message in catalog("ro")
               if any(ch in "".join(message.string if isinstance(message.string, tuple) else (message.string,))
                      for ch in "şţŞŢ")]
    assert cedilla == []


def _entries(messages) -> set:
    return {(message.id if isinstance(message.id, str) else tuple(message.id), message.context)
            for message in messages if message.id}


def test_messages_pot_is_what_a_fresh_extract_gives(tmp_path):
    fresh = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "--no-wrap", "-o", str(fresh), "."],
                   cwd=ROOT, check=True)
    with open(fresh, "rb") as handle:
        extracted = _entries(read_po(handle))
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        committed = _entries(read_po(handle))
    assert extracted - committed == set(), "run `make translations`: messages.pot is stale"
    assert committed - extracted == set(), "run `make translations`: messages.pot has dropped messages"
    assert _entries(catalog("ro")) == committed


@pytest.mark.parametrize(("count", "expected"), [
    (1, "1 persoană"), (2, "2 persoane"), (19, "19 persoane"), (20, "20 de persoane"),
    (101, "101 persoane"), (120, "120 de persoane"), (1110, "1.110 persoane"), (0, "0 persoane"),
])
def test_romanian_plurals(app, count, expected):
    from portal.i18n import quantity

    with app.test_request_context(headers={"Accept-Language": "ro"}):
        assert quantity(count, "persons") == expected


def test_english_plurals(app):
    from portal.i18n import quantity

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert quantity(1, "persons") == "1 person"
        assert quantity(1110, "persons") == "1,110 persons"


def test_dates_numbers_and_money_follow_the_locale(app):
    from portal.i18n import format_long_date, format_money, format_number

    with app.test_request_context(headers={"Accept-Language": "ro"}):
        assert format_long_date(date(2026, 11, 24)) == "24 noiembrie 2026"
        assert format_number(1110) == "1.110"
        assert format_money(Decimal("500")) == "500 lei"
        assert format_money(Decimal("1234.5")) == "1.234,5 lei"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert format_long_date(date(2026, 11, 24)) == "November 24, 2026"
        assert format_number(1110) == "1,110"


def test_short_dates_and_times_are_in_romanian_time_winter_and_summer(app):
    from datetime import datetime, timezone

    from portal.i18n import format_day, format_short_date

    with app.test_request_context(headers={"Accept-Language": "ro"}):
        assert format_short_date(date(2026, 3, 9)) == "09.03.2026"
        assert format_short_date(datetime(2026, 11, 24, 22, 30, tzinfo=timezone.utc)) == "25.11.2026 00:30"
        assert format_short_date(datetime(2026, 7, 1, 10, 5, tzinfo=timezone.utc)) == "01.07.2026 13:05"
        assert format_day(date(2026, 11, 24)) == "marți, 24 noiembrie 2026"


def test_locale_comes_from_cookie_then_account_then_browser_then_romanian(client, login_as, db_session):
    assert 'lang="ro"' in client.get("/").get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="ro"' in client.get("/", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)
    login_as("staff", locale="en")
    assert 'lang="en"' in client.get("/portal/").get_data(as_text=True)
    client.set_cookie("lang", "ro")
    assert 'lang="ro"' in client.get("/portal/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_language_link_sets_a_cookie_and_returns_to_the_page(client):
    response = client.get("/limba/en?next=/rezultate")
    assert response.status_code == 303
    assert response.headers["Location"] == "/rezultate"
    assert "lang=en" in response.headers["Set-Cookie"]
    page = client.get("/rezultate").get_data(as_text=True)
    assert 'lang="en"' in page and "Results" in page
    assert client.get("/limba/fr").status_code == 404
    assert client.get("/limba/en?next=https://evil.example/").headers["Location"] == "/"


def test_signing_in_stores_the_chosen_language_on_the_account(client, make_user, db_session):
    from portal.domain.accounts.models import User
    from tests.conftest import TEST_PASSWORD

    user = make_user("staff")
    db_session.commit()
    client.set_cookie("lang", "en")
    client.post_form("/portal/autentificare", {"email": user.email, "password": TEST_PASSWORD})
    db_session.expire_all()
    assert db_session.get(User, user.id).locale == "en"


PUBLIC_PAGES = ["/", "/voluntariat", "/evenimente", "/rezultate", "/accesibilitate", "/confidentialitate",
                "/pagina-care-nu-exista"]
PORTAL_PAGES = ["/portal/", "/portal/utilizatori", "/portal/utilizatori/nou", "/portal/cont/parola"]


def _romanian_only_strings() -> list[str]:
    """Romanian translations that differ from their English id (long enough to be unambiguous)."""
    found = []
    for message in catalog("ro"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in strings:
            if "%(" in text:
                text = text.split("%(")[0]
            if len(text) >= 12 and text not in ids:
                found.append(text)
    return found


def test_english_pages_show_no_romanian_interface_text(client, login_as):
    romanian = _romanian_only_strings()
    client.set_cookie("lang", "en")
    pages = {path: client.get(path).get_data(as_text=True) for path in PUBLIC_PAGES}
    login_as("admin")
    pages.update({path: client.get(path).get_data(as_text=True) for path in PORTAL_PAGES})
    leaks = {path: [text for text in romanian if text in html] for path, html in pages.items()}
    assert {path: texts for path, texts in leaks.items() if texts} == {}
    assert all('lang="en"' in html for html in pages.values())


def test_cedilla_letters_are_normalised_and_folding_ignores_diacritics():
    assert normalize_ro("  Bălăşcău   Ştefan ţară ") == "Bălășcău Ștefan țară"
    assert fold("Bălășcău") == fold("BALASCAU") == fold("Bălăşcău") == "balascau"
