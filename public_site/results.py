"""The public results: what each public project promised and what its records show achieved.

Pages: /rezultate (the public projects with their headline figures) and /rezultate/<code> (every
public indicator with a bar and a plain table, the participants by sex and age group, the project's
news and photos). Open data: /rezultate.json (the public projects), /rezultate/<code>.json and
/rezultate/<code>.csv (a project's public indicators).

Only aggregates: never a name, never a list of persons. A count of 1 to 4 persons is shown as "<5"
(`shown_count`, `public_achieved`), and its percentage and bar are left out, since they would give
the count back.

Every response here is kept in the application's results cache under (path, language, day) at the
records' version (`portal.domain.results.version`): while nothing changes, a request costs one
query (the version) and no rendering. The version is bumped in the very commit that changes the
records, the news or the photos, so the next request computes afresh: a figure is never stale. The
day is in the key because news and photos dated today become public at midnight without any
commit. The cached HTML holds nothing of one visitor: the public layout has no form and no CSRF
token; a page with flash messages to show, or with a query string (which the language links carry
back), is made for that request only and not kept. In debug mode nothing is kept (templates change
under a running app).

In front of the Flask app sits `ResultsFastPath`, a small WSGI layer: a plain GET of one of these
addresses (no query string, no cookie but the language's, no conditional headers) is answered with
the bytes and headers the app sent last time for the same address, language, day and
Accept-Encoding, after checking the records' version with one raw query, without the request
context, sessions, hooks and templates. Anything else goes through Flask, which stores what it sends.
This is what brings a results page to the throughput of a bare Flask page (scripts/bench_results_wrk.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import timezone
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Callable

from flask import abort, current_app, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.engine import Engine
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import DEFAULT_LOCALE, SUPPORTED_LOCALES
from portal.domain import clock
from portal.domain.news import services as news
from portal.domain.news.models import NewsPost
from portal.domain.results.models import ResultsVersion
from portal.domain.results.services import (
    AGE_BANDS_2021, SMALL_COUNT, IndicatorResult, ProjectResults, app_cache, project_participants, project_results,
    public_achieved, public_projects, shown_count,
)
from portal.domain.results.version import VERSION_ROW, current_version
from portal.extensions import db
from portal.i18n import LOCALE_COOKIE, current_locale
from public_site import bp

NEWS_ON_PAGE = 3  # the project's latest news on its results page
ROOT = Path(__file__).resolve().parent.parent


# Figures as the public sees them ---------------------------------------------------------------------

@dataclass(frozen=True)
class PublicFigure:
    """One public indicator as shown: a small count of persons is only "<5", without percent or bar."""

    code: str
    name_ro: str
    name_en: str
    target: Decimal
    unit: str
    achieved: Decimal | None  # None: the indicator has no rule yet, or the count is suppressed
    suppressed: bool  # shown as "<5"
    percent: Decimal | None

    @property
    def bar(self) -> Decimal:
        """The bar's length, 0 to 100."""
        return min(max(self.percent or Decimal(0), Decimal(0)), Decimal(100))


def public_figure(result: IndicatorResult) -> PublicFigure:
    shown = public_achieved(result)
    suppressed = isinstance(shown, str)
    return PublicFigure(code=result.code, name_ro=result.name_ro, name_en=result.name_en, target=result.target,
                        unit=result.unit.value, achieved=None if suppressed else shown, suppressed=suppressed,
                        percent=None if suppressed else result.percent)


def public_figures(results: ProjectResults) -> list[PublicFigure]:
    return [public_figure(result) for result in results.public_indicators]


@bp.app_template_global()
def result_bar(figure: PublicFigure) -> Markup:
    """A bar drawn on the server: inline SVG, since the content security policy forbids style attributes.
    Hidden from screen readers, who get the figures written next to it."""
    filled = f"{figure.bar:.1f}".rstrip("0").rstrip(".")
    done = " meter-done" if figure.percent is not None and figure.percent >= 100 else ""
    return Markup(f'<svg class="meter{done}" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" '
                  f'focusable="false"><rect class="meter-fill" width="{filled}" height="6"/></svg>')


# Participants by sex and age group -------------------------------------------------------------------
#
# The rule: a count from 1 to 4 is shown as "<5". The totals by sex, by age group and overall are
# shown exactly, because they are public anyway (an indicator such as "persons enrolled" gives the
# overall total; others may give a sex or an age group). With the totals known, one hidden cell alone
# in its row or column could be computed, and even several could be pinned down by their sums and
# the fact that each is between 1 and 4. So before showing the table by sex and age group we try
# every way of filling its hidden cells with 1 to 4 that keeps the totals: if some hidden cell would
# take the same value in all of them, the table is not shown. The counts by sex and by age group are
# then shown as two separate lists, each under the same test against its overall total; a list that
# fails it is left out too. The page says so in a note.

SEX_ROWS = (("F", _l("Female")), ("M", _l("Male")), ("", _l("Not recorded")))
AGE_COLUMNS = dict(zip(AGE_BANDS_2021, (_l("Under 18"), _l("18 to 29"), _l("30 to 54"), _l("55 and over"))))
MAX_FILLINGS = 200_000  # beyond this many ways to try, the table is treated as unsafe (never reached in practice)


def _small(count: int) -> bool:
    return 0 < count < SMALL_COUNT


def can_be_worked_out(table: list[list[int]], *, column_totals: bool) -> bool:
    """Whether someone who knows the row totals (and, if `column_totals`, the column totals) could work
    out exactly one of the table's counts from 1 to 4, which are hidden."""
    hidden = [[column for column, count in enumerate(row) if _small(count)] for row in table]
    if not any(hidden):
        return False
    fillings_per_row = []
    for row, columns in zip(table, hidden):
        owed = sum(row[column] for column in columns)  # what the hidden cells of the row add up to
        fillings_per_row.append([filling for filling in product(range(1, SMALL_COUNT), repeat=len(columns))
                                 if sum(filling) == owed])
    tries = 1
    for fillings in fillings_per_row:
        tries *= len(fillings)
    if tries > MAX_FILLINGS:
        return True
    owed_by_column: dict[int, int] = {}
    for row, columns in zip(table, hidden):
        for column in columns:
            owed_by_column[column] = owed_by_column.get(column, 0) + row[column]
    seen: dict[tuple[int, int], set[int]] = {}
    for choice in product(*fillings_per_row):
        if column_totals:
            sums: dict[int, int] = {}
            for columns, filling in zip(hidden, choice):
                for column, value in zip(columns, filling):
                    sums[column] = sums.get(column, 0) + value
            if sums != owed_by_column:
                continue
        for row_index, (columns, filling) in enumerate(zip(hidden, choice)):
            for column, value in zip(columns, filling):
                seen.setdefault((row_index, column), set()).add(value)
        if len(seen) == sum(map(len, hidden)) and all(len(values) > 1 for values in seen.values()):
            return False
    return True


@dataclass(frozen=True)
class BreakdownTable:
    caption: str
    corner: str  # the header of the first column
    columns: tuple[str, ...]  # headers of the count columns (the total last, when there is one)
    rows: tuple[tuple[str, tuple], ...]  # (row header, shown counts)


@dataclass(frozen=True)
class Breakdown:
    tables: tuple[BreakdownTable, ...]
    total: int | str
    withheld: bool  # some table was left out because a small count could be worked out from it


def participants_breakdown(participants: dict[tuple[str, str], int]) -> Breakdown:
    """The target group by sex and age group at entry, as it may be shown to the public."""
    sexes = [(key, label) for key, label in SEX_ROWS
             if key != "" or any(participants.get(("", band), 0) for band in AGE_BANDS_2021)]
    table = [[participants.get((sex, band), 0) for band in AGE_BANDS_2021] for sex, _label in sexes]
    by_sex = [sum(row) for row in table]
    by_age = [sum(column) for column in zip(*table)]
    total = sum(by_sex)
    shown_total = shown_count(total)
    if total == 0:
        return Breakdown(tables=(), total=0, withheld=False)
    total_label = str(_l("Total"))
    if not can_be_worked_out(table, column_totals=True):
        rows = tuple((str(label), (*map(shown_count, row), shown_count(row_total)))
                     for (_sex, label), row, row_total in zip(sexes, table, by_sex))
        rows += ((total_label, (*map(shown_count, by_age), shown_total)),)
        return Breakdown(tables=(BreakdownTable(
            caption=str(_l("Participants by sex and age group at entry")), corner=str(_l("Sex")),
            columns=(*map(str, AGE_COLUMNS.values()), total_label), rows=rows),), total=shown_total, withheld=False)
    tables = []
    withheld = True
    count_label = str(_l("Participants"))
    if not can_be_worked_out([by_sex], column_totals=False):
        tables.append(BreakdownTable(
            caption=str(_l("Participants by sex")), corner=str(_l("Sex")), columns=(count_label,),
            rows=(*((str(label), (shown_count(count),)) for (_sex, label), count in zip(sexes, by_sex)),
                  (total_label, (shown_total,)))))
    if not can_be_worked_out([by_age], column_totals=False):
        tables.append(BreakdownTable(
            caption=str(_l("Participants by age group at entry")), corner=str(_l("Age group")),
            columns=(count_label,),
            rows=(*((str(label), (shown_count(count),)) for label, count in zip(AGE_COLUMNS.values(), by_age)),
                  (total_label, (shown_total,)))))
    return Breakdown(tables=tuple(tables), total=shown_total, withheld=withheld)


# Open data ---------------------------------------------------------------------------------------------

def json_number(value: Decimal | None) -> int | float | None:
    """Whole numbers as JSON integers, others as JSON numbers with their decimals (targets and hours
    have at most two, which a float keeps exactly as written: 12.5, 0.25)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def csv_number(value: Decimal | None) -> str:
    """The same, as text with a decimal point: "1110", "12.5"; empty for no value."""
    number = json_number(value)
    return "" if number is None else str(number)


def utc_iso(moment) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def project_open_data(project, results: ProjectResults) -> dict:
    """A project's public indicators as open data. `achieved`: null with "suppressed": true when the count
    is from 1 to 4 persons ("<5"), null with "suppressed": false when the indicator has no rule yet."""
    indicators = []
    for figure in public_figures(results):
        indicators.append({
            "code": figure.code, "name": figure.name_ro, "name_en": figure.name_en or None,
            "target": json_number(figure.target), "achieved": json_number(figure.achieved), "unit": figure.unit,
            "suppressed": figure.suppressed,
        })
    return {"project": {"code": project.code, "title": project.title, "town": project.town,
                        "start_date": project.start_date.isoformat(), "end_date": project.end_date.isoformat()},
            "computed_at": utc_iso(results.computed_at), "indicators": indicators}


CSV_HEADER = ("code", "name", "target", "achieved", "unit", "project_code", "project_title", "computed_at")


def project_csv(project, results: ProjectResults) -> bytes:
    """One table: a line per public indicator, the project and the time of computing repeated on each,
    "<5" for a suppressed count, empty when there is no rule. UTF-8 with a BOM, like the portal's other
    CSV files, so that Excel shows the diacritics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    computed_at = utc_iso(results.computed_at)
    for figure in public_figures(results):
        achieved = f"<{SMALL_COUNT}" if figure.suppressed else csv_number(figure.achieved)
        writer.writerow((figure.code, figure.name_ro, csv_number(figure.target), achieved, figure.unit,
                         project.code, project.title, computed_at))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# The cache in front of every response -----------------------------------------------------------------

@dataclass(frozen=True)
class StoredResponse:
    body: bytes
    content_type: str


_BUILD: dict[str, str] = {}


def build_token() -> str:
    """A digest of what shapes these responses besides the records (templates, translations, this module),
    so that a browser's copy does not outlive a new release of the same data."""
    if "token" not in _BUILD:
        digest = hashlib.sha256()
        files = [*sorted((ROOT / "templates").rglob("*.html")), *sorted((ROOT / "portal" / "translations").rglob("*.mo")),
                 Path(__file__)]
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
        _BUILD["token"] = digest.hexdigest()[:12]
    return _BUILD["token"]


def cached(build: Callable[[], StoredResponse], *, per_language: bool, headers: dict | None = None):
    """The response for this path from the cache while the records are unchanged, else built and kept.

    `build` may abort (404): nothing is kept then. Browsers revalidate every time (no-cache) with the
    ETag, which changes with the records' version, the language, the day and the release."""
    cache = app_cache(current_app)
    version = current_version(db.session)  # read before building: what is built is at least this fresh
    language = current_locale() if per_language else ""
    # The script root too: links differ under another prefix (X-Forwarded-Prefix behind a proxy).
    key = ("public-results", request.script_root, request.path, language, clock.today().isoformat())
    # Made for this request only: flash messages to show, or a query string the language links carry;
    # and nothing is kept while developing, when templates change under a running app.
    own = current_app.debug or (per_language and (bool(request.query_string) or bool(session.get("_flashes"))))
    etag = hashlib.sha256(repr((key, version, build_token())).encode()).hexdigest()[:20]
    extra = dict(headers or {})
    extra["Cache-Control"] = "no-cache"
    if not own and request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304, headers=extra)
    else:
        stored = None if own else cache.get(key, version)
        if stored is None:
            stored = build()
            if not own:
                cache.put(key, version, stored)
        response = current_app.response_class(stored.body, content_type=stored.content_type, headers=extra)
    if not own:
        response.set_etag(etag, weak=True)
        if response.status_code == 200:
            request.environ[WIRE_STORE] = (key, version)  # the fast path may keep the response as sent
    if per_language:
        response.vary.update(("Cookie", "Accept-Language"))
    return response


def _html(text: str) -> StoredResponse:
    return StoredResponse(text.encode("utf-8"), "text/html; charset=utf-8")


def _json(data) -> StoredResponse:
    return StoredResponse(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
                          "application/json; charset=utf-8")


OPEN_DATA = {"Access-Control-Allow-Origin": "*"}


def _project_or_404(code: str):
    project = news.public_project(db.session, code)
    if project is None:
        abort(404)
    return project


def _latest_news(project_id: int) -> list[NewsPost]:
    return news.project_posts(db.session, project_id, NEWS_ON_PAGE)


# Routes -------------------------------------------------------------------------------------------------

@bp.get("/rezultate")
def results():
    def build() -> StoredResponse:
        cache = app_cache(current_app)
        projects = public_projects(db.session)
        figures = {project.id: public_figures(project_results(db.session, project, cache)) for project in projects}
        with_photos = set(news.gallery_strips(db.session, [project.id for project in projects], per_project=1))
        return _html(render_template("public_site/results.html", projects=projects, figures=figures,
                                     with_photos=with_photos))

    return cached(build, per_language=True)


@bp.get("/rezultate/<code>")
def results_project(code: str):
    def build() -> StoredResponse:
        project = _project_or_404(code)
        cache = app_cache(current_app)
        results = project_results(db.session, project, cache)
        return _html(render_template(
            "public_site/results_project.html", project=project, results=results, figures=public_figures(results),
            breakdown=participants_breakdown(project_participants(db.session, project, cache)),
            posts=_latest_news(project.id),
            images=news.gallery_strips(db.session, [project.id]).get(project.id, [])))

    return cached(build, per_language=True)


@bp.get("/rezultate/<code>.json")
def results_project_json(code: str):
    def build() -> StoredResponse:
        project = _project_or_404(code)
        return _json(project_open_data(project, project_results(db.session, project, app_cache(current_app))))

    return cached(build, per_language=False, headers=OPEN_DATA)


@bp.get("/rezultate/<code>.csv")
def results_project_csv(code: str):
    def build() -> StoredResponse:
        project = _project_or_404(code)
        return StoredResponse(project_csv(project, project_results(db.session, project, app_cache(current_app))),
                              "text/csv; charset=utf-8")

    return cached(build, per_language=False, headers={
        **OPEN_DATA, "Content-Disposition": f'inline; filename="rezultate-{_safe_name(code)}.csv"'})


@bp.get("/rezultate.json")
def results_json():
    """The public projects, each with the addresses (paths on this site) of its page and open data."""
    def build() -> StoredResponse:
        return _json([{
            "code": project.code, "title": project.title, "town": project.town,
            "url": url_for("public.results_project", code=project.code),
            "json": url_for("public.results_project_json", code=project.code),
            "csv": url_for("public.results_project_csv", code=project.code),
        } for project in public_projects(db.session)])

    return cached(build, per_language=False, headers=OPEN_DATA)


def _safe_name(code: str) -> str:
    return "".join(character if character.isascii() and (character.isalnum() or character in "-_") else "_"
                   for character in code)


# The fast path ------------------------------------------------------------------------------------------

WIRE_STORE = "comunitar.results.store"  # set in the WSGI environ by `cached`: (page key, version)
VERSION_SQL = (f"SELECT version FROM {ResultsVersion.__tablename__} WHERE id = {VERSION_ROW}")
MAX_ENCODINGS = 16  # distinct Accept-Encoding headers whose responses are kept (browsers send a handful)
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE", "HTTP_HX_REQUEST",
               "HTTP_AUTHORIZATION")


@dataclass(frozen=True)
class WireResponse:
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ResultsFastPath:
    """WSGI middleware: a stored /rezultate response, sent again while the records' version is unchanged.

    Only what any visitor would get is stored and served: a GET without query string, cookies (the
    language's aside), conditional or htmx headers, answered 200 without setting a cookie. The key
    holds the address, the language (the cookie's, else the browser's, as `portal.i18n.select_locale`
    picks it for a visitor who is not signed in — checked against what the page was made in), the day
    and the Accept-Encoding header, so the stored bytes are exactly what Flask would send."""

    def __init__(self, app, inner) -> None:
        self.app = app
        self.inner = inner
        self.per_language: dict[str, bool] = {}  # address -> whether its page depends on the language
        self.encodings: set[str] = set()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/rezultate"):
            return self.inner(environ, start_response)
        request_key = self._request_key(environ, path)
        if request_key is not None and path in self.per_language:
            stored = self._stored(request_key, path)
            if stored is not None:
                start_response(stored.status, list(stored.headers))
                return [stored.body]
        return self._through_flask(environ, start_response, path, request_key)

    def _request_key(self, environ, path: str):
        """(language, day, encoding) of a request the store may answer, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING") or self.app.debug:
            return None
        if environ.get("SCRIPT_NAME") or "HTTP_X_FORWARDED_PREFIX" in environ:
            return None  # another prefix makes other links: Flask answers (and keys by it)
        if any(name in environ for name in CONDITIONAL) or len(environ.get("HTTP_ACCEPT_ENCODING", "")) > 200:
            return None
        if self.app.config.get("HTTPS") and environ.get("wsgi.url_scheme") != "https":
            return None  # Flask redirects it to https
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        if any(name != LOCALE_COOKIE for name in cookies):
            return None  # a session: flash messages, a signed-in user's language
        language = cookies.get(LOCALE_COOKIE)
        if language not in SUPPORTED_LOCALES:
            language = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept).best_match(
                SUPPORTED_LOCALES) or DEFAULT_LOCALE
        return language, clock.today().isoformat(), environ.get("HTTP_ACCEPT_ENCODING", "")

    @staticmethod
    def _wire_key(path: str, language: str, day: str, encoding: str) -> tuple:
        return ("public-results-wire", path, language, day, encoding)

    def _stored(self, request_key, path: str) -> WireResponse | None:
        language, day, encoding = request_key
        key = self._wire_key(path, language if self.per_language[path] else "", day, encoding)
        try:
            version = self._version()
        except Exception:  # the database is unwell: let Flask answer, with its error page
            return None
        return app_cache(self.app).get(key, version)

    def _version(self) -> int:
        bind = self.app.extensions["comunitar.db"]
        if isinstance(bind, Engine):
            connection = bind.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute(VERSION_SQL)
                row = cursor.fetchone()
                cursor.close()
            finally:
                connection.close()
        else:  # the tests' connection
            row = bind.exec_driver_sql(VERSION_SQL).first()
        return (row[0] if row else 0) or 0

    def _through_flask(self, environ, start_response, path: str, request_key):
        sent: list = []

        def remember(status, headers, exc_info=None):
            sent[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        result = self.inner(environ, remember)
        made = environ.get(WIRE_STORE)
        if (request_key is None or made is None or not sent or not sent[0].startswith("200 ")
                or any(name.lower() == "set-cookie" for name, _value in sent[1])):
            return result
        (_prefix, _script_root, made_path, made_language, made_day), version = made
        language, day, encoding = request_key
        if made_path != path or made_day != day or made_language not in ("", language):
            return result
        if encoding not in self.encodings:
            if len(self.encodings) >= MAX_ENCODINGS:
                self.encodings.clear()  # odd headers must not keep real browsers out for good
            self.encodings.add(encoding)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.per_language[path] = made_language != ""
        app_cache(self.app).put(self._wire_key(path, made_language, day, encoding), version,
                                WireResponse(sent[0], tuple(sent[1]), body))
        return [body]


@bp.record_once
def _install_fast_path(state) -> None:
    """Put the fast path right in front of Flask (behind ProxyFix, which must fix the scheme first)."""
    app = state.app
    if not app.config.get("RESULTS_FAST_PATH", True):
        return
    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = ResultsFastPath(app, app.wsgi_app.app)
    else:
        app.wsgi_app = ResultsFastPath(app, app.wsgi_app)
