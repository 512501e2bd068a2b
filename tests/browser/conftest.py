"""Browser tests: Debian's Chromium driven by Playwright against a live Comunitar server.

One live server per database backend (SQLite and PostgreSQL, from tests/conftest.py), migrated
and filled with the demo data. The app's strict Content-Security-Policy (script-src 'self') stays
on, so that anything it would refuse in real use fails a test; this is why axe-core is not put
in with an inline <script> (add_script_tag(content=...), which that CSP blocks) but loaded from
the live server's own origin, at a test-only path, or evaluated by Playwright when JavaScript is
off. Nothing is injected into pages that no check needs.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import database_url_for, make_test_app, skip_or_fail

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_SOURCE_PATH = HERE.parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_PATH = "/__browser-tests__/axe.min.js"  # served next to the app by the live server only

DEMO_PASSWORD = "comunitar-demo"  # portal/demo.py
ADMIN = "admin@comunitar.demo"
COORDINATOR = "coordonator@comunitar.demo"
STAFF = "personal@comunitar.demo"
VIEWER = "vizualizare@comunitar.demo"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


# Browser -----------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found: apt-get install chromium (never `playwright install`)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def base_url():
    # pytest-playwright 0.10 (without pytest-base-url) defines `base_url` as a method of a plugin
    # object, which pytest 9 deprecates for session fixtures: a warning, so an error here. The
    # tests build absolute URLs from `live_server`, so no base URL is wanted anyway.
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A visitor from Romania: the site must come up in Romanian.
    return {**browser_context_args, "locale": "ro-RO", "timezone_id": "Europe/Bucharest"}


# Pages opened with JavaScript off (their timers never fire, which axe.run has to work around).
_JAVASCRIPT_OFF: WeakKeyDictionary = WeakKeyDictionary()


def _watch(page, javascript: bool, problems: list):
    if not javascript:
        _JAVASCRIPT_OFF[page] = True

    def on_console(message):
        # Chromium logs every 4xx answer (the 422 of a refused form, the 403 page) as "Failed to
        # load resource": expected. Anything else (a CSP refusal, an htmx error) is a failure.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))
    return page


@pytest.fixture
def open_page(new_context):
    """open_page(javascript=True, storage_state=None) -> a Page in a new browser context.

    Built on pytest-playwright's new_context, so --screenshot, --tracing and --video work.
    Console errors and uncaught JavaScript errors on these pages fail the test.
    """
    problems: list[str] = []

    def factory(javascript: bool = True, storage_state=None):
        context = new_context(java_script_enabled=javascript, storage_state=storage_state)
        context.set_default_timeout(10_000)
        return _watch(context.new_page(), javascript, problems)

    yield factory
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# The live server ---------------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request would drown the output
        pass


class _WithAxe:
    """The app, plus axe-core at AXE_PATH: same origin, so the app's CSP lets a page load it."""

    def __init__(self, app):
        self.app = app
        self.axe = AXE_SOURCE_PATH.read_bytes()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != AXE_PATH:
            return self.app(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"),
                                  ("Content-Length", str(len(self.axe))), ("Cache-Control", "max-age=3600")])
        return [self.axe]


@dataclass
class LiveServer:
    url: str
    backend: str
    app: object = None  # the Flask app, for seeding data in its database

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(backend, request, tmp_path_factory):
    """The app on 127.0.0.1 and a free port, on a fresh `backend` database with the demo data."""
    from portal.db import make_engine
    from portal.demo import load_demo
    from portal.extensions import db
    from portal.migrations import upgrade

    url = database_url_for(backend, request, "comunitar_browser")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()

    app = make_test_app(tmp_path_factory.mktemp(f"browser-{backend}"), DATABASE_URL=url)
    with app.app_context():
        load_demo(db.session)
        db.session.commit()

    server = make_server("127.0.0.1", 0, _WithAxe(app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{backend}", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", backend=backend, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.engine(app).dispose()


def sign_in_with_form(page, live_server, email: str, password: str = DEMO_PASSWORD, *,
                      email_label="Adresă de e-mail", password_label="Parolă", button="Autentificare",
                      before_submit=None):
    """From /portal/: redirected to the sign-in page, the form filled in and sent (axe on it)."""
    response = page.goto(live_server("/portal/"))
    assert response.ok, response.status
    assert re.search(r"/portal/autentificare\?next=/portal/$", page.url), page.url
    assert_no_axe_violations(page)
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label, exact=True).fill(password)
    if before_submit:
        before_submit(page)
    page.get_by_role("button", name=button, exact=True).click()


@pytest.fixture(scope="session")
def admin_state(live_server, browser, browser_context_args):
    """The cookies of an administrator signed in through the form once per live server.

    Signing in costs a deliberately slow password hash; tests that are not about signing in
    start from this state.
    """
    from playwright.sync_api import expect

    problems: list[str] = []
    context = browser.new_context(**browser_context_args)
    page = _watch(context.new_page(), True, problems)
    try:
        sign_in_with_form(page, live_server, ADMIN)
        expect(page.get_by_role("heading", level=1)).to_have_text("Proiecte")
        assert not problems, problems
        return context.storage_state()
    finally:
        context.close()


# axe-core ----------------------------------------------------------------------------------------

# On a page with JavaScript off timers never fire, and axe.run waits on setTimeout: there, timers
# run as microtasks instead (no page script runs on such a page, so nothing else sees them).
_AXE_RUN = """async ([tags, javascriptOff]) => {
  if (javascriptOff) {
    window.setTimeout = (callback, _delay, ...args) => { Promise.resolve().then(() => callback(...args)); return 0; };
    window.clearTimeout = () => {};
  }
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""

_HTMX_IDLE = '() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")'

# Digests of documents axe found clean. The same markup (with the same stylesheet) gives the same
# result, so a page seen again, by another test or on the other backend, is not checked twice.
_CLEAN_DOCUMENTS: set[str] = set()
_SESSION_BOUND = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), r"\1"),
    (re.compile(r"X-CSRFToken&quot;: &quot;[^&]*"), "X-CSRFToken"),
]


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_SOURCE_PATH.read_text(encoding="utf-8")


def _document_digest(page) -> str:
    markup = page.evaluate("document.documentElement.outerHTML")
    for pattern, replacement in _SESSION_BOUND:
        markup = pattern.sub(replacement, markup)
    return hashlib.sha256(markup.encode()).hexdigest()


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now."""
    javascript_off = page in _JAVASCRIPT_OFF
    if not javascript_off and not page.evaluate(_HTMX_IDLE):
        page.wait_for_function(_HTMX_IDLE, polling=50)
    digest = _document_digest(page)
    if digest in _CLEAN_DOCUMENTS:
        return []
    if not page.evaluate("typeof axe !== 'undefined'"):
        if javascript_off:
            # No <script> runs on this page, but Playwright's own evaluation does.
            page.evaluate("() => {\n" + _axe_source() + "\n}")
        else:
            page.add_script_tag(url=AXE_PATH)
    violations = page.evaluate(_AXE_RUN, [AXE_TAGS, javascript_off])
    if not violations:
        _CLEAN_DOCUMENTS.add(digest)
    return violations


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core (WCAG 2.1 A/AA) found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    """Fail on any axe violation (WCAG 2.1 A and AA rules)."""
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


# Signed-in browser states ----------------------------------------------------------------------------

def _signed_in(playwright, live_server, email: str) -> dict:
    """The cookies of `email` signed in with the portal's sign-in form, sent over HTTP without a page:
    signing in through the page itself is tested in test_browser.py, and rendering it costs time."""
    request = playwright.request.new_context(base_url=live_server.url)
    try:
        form = request.get("/portal/autentificare")
        assert form.ok, form.status
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text()).group(1)
        signed_in = request.post("/portal/autentificare", form={
            "csrf_token": token, "email": email, "password": DEMO_PASSWORD, "next": "/portal/"})
        assert signed_in.ok and signed_in.url == live_server("/portal/"), (signed_in.status, signed_in.url)
        return request.storage_state()
    finally:
        request.dispose()


@pytest.fixture(scope="module")
def staff_state(live_server, playwright):
    """personal@comunitar.demo: staff of both demo projects (records attendance, plans nothing)."""
    return _signed_in(playwright, live_server, STAFF)


@pytest.fixture(scope="module")
def coordinator_state(live_server, playwright):
    return _signed_in(playwright, live_server, COORDINATOR)
