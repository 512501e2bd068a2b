"""The public site: real pages with empty states, error pages, security headers, page weight."""
import gzip
import re

import pytest

from portal.demo import load_demo

PUBLIC_PAGES = ["/", "/voluntariat", "/evenimente", "/rezultate", "/accesibilitate", "/confidentialitate"]


@pytest.fixture
def demo(db_session):
    load_demo(db_session)
    db_session.commit()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_answer_in_romanian_with_the_layout(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ro">' in html
    assert 'href="/accesibilitate"' in html and 'href="/confidentialitate"' in html
    assert "<script" not in html  # the public site needs no JavaScript


def test_empty_states_say_what_will_appear(client):
    assert "Nicio oportunitate nu este deschisă acum pentru înscriere" in client.get("/voluntariat").get_data(as_text=True)
    assert "Niciun eveniment nu este programat acum" in client.get("/evenimente").get_data(as_text=True)
    assert "Încă nu sunt publicate rezultate" in client.get("/rezultate").get_data(as_text=True)
    assert "Niciun proiect nu a fost publicat încă." in client.get("/").get_data(as_text=True)


def test_results_show_the_public_targets_of_the_demo_projects(client, demo):
    html = client.get("/rezultate").get_data(as_text=True)
    assert "ZUM BT PLUS" in html
    assert "Copii în programul Școală după școală" in html
    assert "98 de persoane" in html
    assert "1.110 persoane" in html
    english = client.get("/rezultate", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Children in the after-school programme" in english and "1,110 persons" in english


def test_the_home_page_lists_published_projects_only(client, demo, db_session):
    from sqlalchemy import select

    from portal.domain.projects.models import Project

    project = db_session.scalar(select(Project).where(Project.code == "155550"))
    project.is_public = False
    db_session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "ZUM BT PLUS" not in html
    assert "Comunitate mai bună Bacău" in html
    assert "1 proiect" in html


def test_accessibility_statement_and_privacy_notice_cover_the_law(client):
    statement = client.get("/accesibilitate").get_data(as_text=True)
    assert "WCAG" in statement and "112/2018" in statement and "EN 301 549" in statement
    assert "Autoritatea pentru Digitalizarea României" in statement
    privacy = client.get("/confidentialitate").get_data(as_text=True)
    for needle in ("2016/679", "ANSPDCP", "Drepturile dumneavoastră", "Operatorul este", "Ce prelucrăm și de ce"):
        assert needle in privacy


def test_not_found_page_is_translated_and_in_the_layout(client):
    response = client.get("/nu-exista")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Pagina nu a fost găsită" in html and 'class="site-header"' in html
    english = client.get("/nu-exista", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Page not found" in english


def test_a_crash_gives_a_translated_500_page_and_rolls_back(app, client):
    @app.get("/test-crash")
    def crash():
        raise RuntimeError("boom")

    app.logger.disabled = True
    response = client.get("/test-crash")
    assert response.status_code == 500
    assert "A apărut o eroare la noi" in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)


def test_a_post_without_csrf_token_gets_the_translated_400_page(client):
    response = client.post("/portal/autentificare", data={"email": "a@b.ro", "password": "x"})
    assert response.status_code == 400
    assert "Formularul a expirat" in response.get_data(as_text=True)


def test_security_headers_on_every_response(client):
    for path in ("/", "/portal/autentificare", "/nu-exista", "/static/css/site.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_any_page(client, login_as):
    pages = [client.get(path).get_data(as_text=True) for path in PUBLIC_PAGES]
    login_as("admin")
    pages += [client.get(path).get_data(as_text=True) for path in ("/portal/", "/portal/utilizatori")]
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html and "<style" not in html
        assert " on" + "click=" not in html


def _transfer_size(client, path) -> int:
    """Bytes a browser downloads on first load: the page plus its CSS and JS, compressed."""
    page = client.get(path, headers={"Accept-Encoding": "gzip"})
    html = page.get_data()
    total = len(html)
    text = gzip.decompress(html).decode() if page.headers.get("Content-Encoding") == "gzip" else html.decode()
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', text):
        with client.get(asset, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.headers.get("Content-Encoding") == "gzip", asset
            total += len(response.get_data())
    return total


def test_pages_stay_under_60_kb_on_first_load(client, demo, login_as):
    sizes = {path: _transfer_size(client, path) for path in PUBLIC_PAGES}
    login_as("admin")
    sizes.update({path: _transfer_size(client, path) for path in ("/portal/", "/portal/utilizatori")})
    assert {path: size for path, size in sizes.items() if size > 60 * 1024} == {}


def test_html_is_compressed_and_varies_on_htmx(client):
    response = client.get("/confidentialitate", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "HX-Request" in response.headers["Vary"]
