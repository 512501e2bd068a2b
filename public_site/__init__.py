"""The public site at /: opportunities, events, news and results. Never any personal data."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from public_site import views  # noqa: E402,F401  (routes register on import)
from public_site import listings  # noqa: E402,F401
from public_site import signups  # noqa: E402,F401
from public_site import calendar  # noqa: E402,F401
from public_site import news  # noqa: E402,F401
from public_site import results  # noqa: E402,F401
