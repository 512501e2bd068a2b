"""What every response shares: error pages, the commit at the end of a request, Vary, static hashes."""
import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from sqlalchemy.exc import DataError

from portal.db import utcnow, writing
from portal.extensions import db

ERROR_TEXTS = {
    400: (_l("The request could not be understood"),
          _l("Something in what was sent is not right. Go back, check the form and try again.")),
    403: (_l("You do not have access to this page"),
          _l("Your account does not have the right to see or change this. Ask a coordinator if you need it.")),
    404: (_l("Page not found"),
          _l("The address may be mistyped, or the page has moved.")),
    405: (_l("This action is not allowed here"),
          _l("Use the buttons and links on the pages instead.")),
    413: (_l("The file is too large"),
          _l("Choose a smaller file and try again.")),
    429: (_l("Too many requests"),
          _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("The error has been recorded. Please try again in a few minutes.")),
}
CSRF_TEXT = (_l("The form has expired"),
             _l("For your safety the form could not be sent. Reload the page, then send it again."))


def _layout() -> str:
    from flask_login import current_user

    if request.blueprint == "portal" and current_user.is_authenticated:
        return "portal/base.html"
    return "public_site/base.html"


def render_error(code: int, title, message):
    return render_template("errors/error.html", layout=_layout(), code=code, title=title,
                           message=message), code


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (never //host or a full URL): no open redirects."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@lru_cache(maxsize=256)
def _static_hash(static_folder: str, filename: str) -> str | None:
    path = Path(static_folder) / filename
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return None


def form_id(value: str | None) -> int | None:
    """An id sent in a form: plain ASCII digits that fit the database, else None ("²".isdigit() is true)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in URLs stops at the largest integer the databases store: a longer number is a 404,
    not an overflow inside the query."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, **{"max": 2**31 - 1, **kwargs})


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def impossible_value(_error):
        # An id or number in a query string too large for the database: nothing can match it.
        db.session.rollback()
        return render_error(404, *ERROR_TEXTS[404])

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        db.session.rollback()
        return render_error(400, *CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        db.session.rollback()
        title, message = ERROR_TEXTS.get(error.code, (error.name, error.description))
        return render_error(error.code, title, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500, *ERROR_TEXTS[500])

    def declare_writing():
        # A request that changes something writes: on SQLite its transaction takes the write lock at
        # once, so that simultaneous sign-ups wait their turn instead of failing (see portal.db).
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            g.request_started = utcnow()  # the messages this request writes are those created since
            g.writing = writing()
            g.writing.__enter__()

    # First of all: before the guard or anything else opens the request's transaction.
    app.before_request_funcs.setdefault(None, []).insert(0, declare_writing)

    @app.teardown_request
    def end_writing(_error):
        block = g.pop("writing", None)
        if block is not None:
            block.__exit__(None, None, None)

    @app.after_request
    def buffer_static_files(response):
        # Static files are small and cached for a year: read them whole, so that compression takes
        # its ordinary path (gzip included, for old browsers) and the file is closed at once.
        # Runs before Flask-Compress's hook, which was registered earlier.
        if request.endpoint == "static" and response.is_streamed and response.status_code == 200:
            response.direct_passthrough = False
            response.make_sequence()
        return response

    @app.after_request
    def finish_request(response):
        # A request commits once, at its end, when it succeeded; anything else is rolled back.
        if response.status_code < 400:
            db.session.commit()
            since = g.pop("send_outbox_since", None)
            if since is not None:
                from portal.mail import send_pending

                end_writing(None)  # sending takes no database lock: SQLite's write lock is not held meanwhile
                send_pending(created_since=since)
        else:
            db.session.rollback()
        response.vary.add("HX-Request")
        if request.blueprint == "portal" or response.status_code >= 400:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.template_global()
    def page_url(number: int) -> str:
        """This page's URL, same filters, another page of results."""
        arguments = {**request.view_args, **request.args.to_dict(), "pagina": number}
        return url_for(request.endpoint, **arguments)

    @app.url_defaults
    def fingerprint_static(endpoint, values):
        # A hash of the file's content in its URL, so it can be cached for a year.
        if endpoint == "static" and "v" not in values:
            digest = _static_hash(current_app.static_folder, values.get("filename", ""))
            if digest:
                values["v"] = digest
