"""Vendored htmx is what VENDORED.txt says; static files are fingerprinted and cached for a year."""
import base64
import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_vendored_htmx_matches_its_recorded_sha384():
    record = (ROOT / "static" / "vendor" / "VENDORED.txt").read_text(encoding="utf-8")
    name = re.search(r"^(htmx-[\d.]+\.min\.js)$", record, re.M).group(1)
    recorded = re.search(r"sha384:\s+(\S+)", record).group(1)
    actual = base64.b64encode(hashlib.sha384((ROOT / "static" / "vendor" / name).read_bytes()).digest()).decode()
    assert actual == recorded
    assert name.startswith("htmx-2.0.")
    assert "0BSD" in record


def test_vendored_axe_matches_its_recorded_sha256():
    record = (ROOT / "tests" / "vendor" / "VENDORED.txt").read_text(encoding="utf-8")
    recorded = re.search(r"sha256:\s+(\S+)", record).group(1)
    assert hashlib.sha256((ROOT / "tests" / "vendor" / "axe-4.14.1.min.js").read_bytes()).hexdigest() == recorded


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', html)
    assert css, "the stylesheet URL has no fingerprint"
    digest = hashlib.sha256((ROOT / "static" / "css" / "site.css").read_bytes()).hexdigest()[:12]
    assert css.group(2) == digest
    with client.get(css.group(1)) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]


def test_favicon_is_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.get_data()[:4] == b"\x00\x00\x01\x00"
