"""Browser tests: Debian's Chromium driven by Playwright against a live Comunitar server.

One live server per database backend (SQLite and PostgreSQL, from tests/conftest.py), migrated
and filled with the demo data. The app's strict Content-Security-Policy stays on: axe-core goes
in through an init script (which CSP does not apply to), not an inline <script> tag.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import database_url_for, make_test_app, skip_or_fail

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_SOURCE_PATH = HERE.parent / "vendor" / "axe-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

DEMO_PASSWORD = "comunitar-demo"
ADMIN = "admin@comunitar.demo"
COORDINATOR = "coordonator@comunitar.demo"
STAFF = "personal@comunitar.demo"
VIEWER = "vizualizare@comunitar.demo"

# Pages with JavaScript turned off: axe needs timers, which do not run there (see below).
_JAVASCRIPT_OFF: WeakKeyDictionary = WeakKeyDictionary()


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


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
    # object; pytest 9 deprecates session fixtures on instances, and warnings are errors here.
    # The tests build absolute URLs from `live_server`, so no base URL is wanted anyway.
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A visitor from Romania: the site must come up in Romanian.
    return {**browser_context_args, "locale": "ro-RO", "timezone_id": "Europe/Bucharest"}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request would drown the test output
        pass


@dataclass
class LiveServer:
    url: str
    backend: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(backend, request, tmp_path_factory):
    """The app on 127.0.0.1 and a free port, on a fresh database of `backend` with the demo data."""
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

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{backend}", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", backend=backend)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        db.engine(app).dispose()


@pytest.fixture
def open_page(browser, browser_context_args):
    """open_page(javascript=True) -> a Page in a new context; console errors fail the test."""
    contexts, problems = [], []

    def factory(javascript: bool = True):
        context = browser.new_context(**{**browser_context_args, "java_script_enabled": javascript})
        context.set_default_timeout(10_000)
        context.add_init_script(path=str(AXE_SOURCE_PATH))
        contexts.append(context)
        page = context.new_page()
        if not javascript:
            _JAVASCRIPT_OFF[page] = True

        def on_console(message):
            # Chromium reports every 4xx answer (a 422 form, the 403 page) as "Failed to load
            # resource": those are expected. Anything else (CSP refusals, htmx errors) is not.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                problems.append(f"console error on {page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"JavaScript error on {page.url}: {error}"))
        return page

    yield factory
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# Timers never fire on a page with JavaScript off, and axe.run waits on setTimeout: there, give it
# timers that run as microtasks (no page script runs on such a page, so nothing else sees them).
_AXE_RUN = """async ([tags, javascriptOff]) => {
  if (typeof axe === "undefined") return null;
  if (javascriptOff) {
    window.setTimeout = (callback, _delay, ...args) => { Promise.resolve().then(() => callback(...args)); return 0; };
    window.clearTimeout = () => {};
  }
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

_HTMX_IDLE = """() => !document.querySelector(
  ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")"""


def axe_violations(page) -> list[dict]:
    javascript_off = page in _JAVASCRIPT_OFF
    if not javascript_off:
        page.wait_for_function(_HTMX_IDLE)
    violations = page.evaluate(_AXE_RUN, [AXE_TAGS, javascript_off])
    if violations is None:
        # A page not opened through open_page: inject axe the documented way. The app's CSP
        # (script-src 'self') refuses inline scripts, so this needs a context with bypass_csp=True.
        page.add_script_tag(content=AXE_SOURCE_PATH.read_text(encoding="utf-8"))
        violations = page.evaluate(_AXE_RUN, [AXE_TAGS, javascript_off])
    return violations


def format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe (WCAG 2.1 A/AA) found {len(violations)} violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
