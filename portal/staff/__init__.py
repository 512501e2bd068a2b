"""The staff portal under /portal: every route needs a signed-in user and a declared permission."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from portal.staff import (  # noqa: E402,F401  (routes register on import)
    guard, auth, dashboard, users, people, people_files, projects, sessions, attendance, casework,
)
