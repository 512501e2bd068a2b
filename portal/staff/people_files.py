"""Files of the register: import from CSV/XLSX (checked first, then imported) and the register export."""
from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal.domain.people import importer, register_export, uploads
from portal.domain.projects.models import Project
from portal.extensions import db
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor, enrolling_projects
from portal.staff.people_forms import ImportForm
from portal.staff.permissions import PEOPLE_ENROLL, PEOPLE_EXPORT, PEOPLE_IMPORT, require_in_project, requires

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _import_form() -> ImportForm:
    form = ImportForm()
    form.project_id.choices = [(str(project.id), f"{project.short_name} ({project.code})")
                               for project in enrolling_projects()]
    return form


def _run(project: Project, filename: str, content: bytes, dry_run: bool):
    """The report, or None with the reason flashed when the file cannot be read."""
    try:
        return importer.import_people(db.session, project, filename, content, actor(), dry_run=dry_run)
    except importer.UnreadableFile as error:
        flash(str(error.message), "error")
        return None


@bp.route("/import", methods=["GET", "POST"])
@requires(PEOPLE_IMPORT)
def people_import():
    form = _import_form()
    report, token, project = None, None, None
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        content = upload.read() if upload else b""
        project = db.session.get(Project, int(form.project_id.data))
        if project is not None:
            require_in_project(project.id, PEOPLE_ENROLL)
        if not upload or not upload.filename or not content:
            form.file.errors = [_("Choose a CSV or XLSX file.")]
        elif project is not None:
            report = _run(project, upload.filename, content, dry_run=form.dry_run.data)
            if report is not None and form.dry_run.data:
                token = uploads.keep_upload(db.session, actor(), project.id, upload.filename, content)
            elif report is not None:
                flash(_("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                        "%(errors)d rows with errors.", created=report.created, updated=report.updated,
                        unchanged=report.unchanged, errors=len(report.errors)), "success")
    status = 422 if form.errors else 200
    return render_page("portal/people/import.html", form=form, report=report, token=token, project=project,
                       dry_run=bool(token), status_code=status)


@bp.post("/import/<token>")
@requires(PEOPLE_IMPORT)
def people_import_confirm(token: str):
    upload = uploads.find_upload(db.session, actor(), token)
    if upload is None:
        flash(_("The checked file is no longer kept (after a day it is discarded). Choose it again."), "warning")
        return redirect(url_for("portal.people_import"), code=303)
    project = db.session.get(Project, upload.project_id)
    require_in_project(project.id, PEOPLE_ENROLL)
    report = _run(project, upload.filename, upload.content, dry_run=False)
    uploads.discard_upload(db.session, upload)
    if report is not None:
        flash(_("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                "%(errors)d rows with errors.", created=report.created, updated=report.updated,
                unchanged=report.unchanged, errors=len(report.errors)), "success")
    return render_page("portal/people/import.html", form=_import_form(), report=report, token=None, project=project,
                       dry_run=False)


@bp.get("/import/sablon.<kind>")
@requires(PEOPLE_IMPORT)
def people_import_template(kind: str):
    if kind == "xlsx":
        return _download(importer.template_xlsx(), "sablon-grup-tinta.xlsx", XLSX)
    if kind == "csv":
        return _download(importer.template_csv(), "sablon-grup-tinta.csv", "text/csv")
    abort(404)


@bp.get("/proiecte/<int:project_id>/registru.<kind>")
@requires(PEOPLE_EXPORT)
def register_download(project_id: int, kind: str):
    project = db.session.get(Project, project_id) or abort(404)
    require_in_project(project.id)
    name = f"registrul-grupului-tinta-{project.code}"
    if kind == "xlsx":
        return _download(register_export.register_xlsx(db.session, project, actor()), f"{name}.xlsx", XLSX)
    if kind == "csv":
        return _download(register_export.register_csv(db.session, project, actor()), f"{name}.csv", "text/csv")
    abort(404)
