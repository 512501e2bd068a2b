from flask import render_template

from portal.domain.projects.services import projects_overview
from portal.extensions import db
from portal.staff import bp
from portal.staff.permissions import VIEW_PROJECTS, requires


@bp.get("/")
@requires(VIEW_PROJECTS)
def dashboard():
    return render_template("portal/dashboard.html", projects=projects_overview(db.session))
