"""The staff portal under /portal: every route needs a signed-in user and a declared permission."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from portal.staff import (  # noqa: E402,F401  (routes register on import)
    guard, auth, dashboard, users, people, people_files, projects, sessions, attendance, casework,
)
from portal.staff import signups  # noqa: E402,F401
from portal.staff import listing_publish  # noqa: E402,F401
from portal.staff import volunteers  # noqa: E402,F401
from portal.staff import outbox  # noqa: E402,F401
from portal.staff import news  # noqa: E402,F401
from portal.staff import esf_report  # noqa: E402,F401
from portal.staff import results  # noqa: E402,F401
from portal.staff import benefits  # noqa: E402,F401
from portal.staff import shop  # noqa: E402,F401
