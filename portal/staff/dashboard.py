
from flask import render_template, request
from flask_login import current_user

from portal.domain import clock
from portal.domain.activities.services import my_sessions
from portal.domain.projects.services import projects_overview
from portal.extensions import db
from portal.staff import bp
from portal.staff.permissions import SIGNED_IN, actor_for, requires


@bp.get("/")
@requires(SIGNED_IN)
def dashboard():
    actor = actor_for(current_user, request.remote_addr or "")
    today = clock.today()
    return render_template("portal/dashboard.html", projects=projects_overview(db.session, project_ids=actor.project_ids),
                           today_sessions=my_sessions(db.session, current_user.id, today, today,
                                                       project_ids=actor.project_ids))
