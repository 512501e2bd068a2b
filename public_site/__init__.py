"""The public site at /: opportunities, events, news and results. Never any personal data."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from public_site import views  # noqa: E402,F401  (routes register on import)
