from datetime import date

from flask import abort, make_response, redirect, render_template, request, url_for

from portal.config import SUPPORTED_LOCALES
from portal.domain.projects.services import projects_overview
from portal.extensions import db
from portal.i18n import LOCALE_COOKIE
from portal.web import safe_next
from public_site import bp

# Review this date whenever the statement is checked again.
ACCESSIBILITY_STATEMENT_DATE = date(2026, 11, 24)


@bp.get("/")
def home():
    return render_template("public_site/home.html", projects=projects_overview(db.session, public_only=True))


@bp.get("/accesibilitate")
def accessibility():
    return render_template("public_site/accessibility.html", statement_date=ACCESSIBILITY_STATEMENT_DATE)


@bp.get("/confidentialitate")
def privacy():
    return render_template("public_site/privacy.html")


@bp.get("/limba/<code>")
def set_language(code: str):
    """Remember the chosen language in a cookie and go back to the page the visitor was on."""
    if code not in SUPPORTED_LOCALES:
        abort(404)
    response = make_response(redirect(safe_next(request.args.get("next")) or url_for("public.home"), code=303))
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=request.is_secure, httponly=True)
    return response
