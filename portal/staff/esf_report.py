"""The ESF report of a project: participants at entry in the funder's tables, then the project's indicators
(target, achieved in the period, percent), on a page and as XLSX / CSV.

Aggregates only (no names), so whoever sees the project sees its report; a download is logged."""
from datetime import date

from flask import Response, abort, redirect, request, url_for
from flask_babel import gettext as _

from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.results import esf
from portal.domain.results.esf_export import esf_csv, esf_xlsx, generated_text, indicators_period_text, period_text
from portal.extensions import db
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor
from portal.staff.people_forms import parse_date
from portal.staff.permissions import PEOPLE_SENSITIVE, VIEW_PROJECTS, can, requires
from portal.staff.projects import project_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the page shows: both band sets one under the other, or one of them.
SHOWN = ("", *esf.BAND_SETS)
FILTERS = ("de_la", "pana_la")


def _period() -> tuple[date | None, date | None, dict[str, str]]:
    """The period of the query string (de_la, pana_la), and an error per field that could not be read."""
    days: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name in FILTERS:
        try:
            days[name] = parse_date(request.args.get(name, ""))
        except ValueError:
            days[name] = None
            errors[name] = _("Write the date as dd.mm.yyyy, for example 24.11.2026.")
    if days["de_la"] and days["pana_la"] and days["pana_la"] < days["de_la"]:
        errors["pana_la"] = _("The last day cannot be before the first day.")
    return days["de_la"], days["pana_la"], errors


def _field_text(name: str, day: date | None) -> str:
    """What the date field shows: the day as the browser's date picker wants it, or the text that was wrong."""
    return day.isoformat() if day else request.args.get(name, "")


def _filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTERS if request.args.get(name)}


@bp.get("/proiecte/<int:project_id>/raport-fse")
@requires(VIEW_PROJECTS)
def esf_report_page(project_id: int):
    project = project_or_404(project_id)
    first, last, errors = _period()
    shown = request.args.get("benzi", "")
    if shown not in SHOWN:
        shown = ""
    sensitive = can(PEOPLE_SENSITIVE)
    report = None if errors else esf.esf_report(db.session, project, first, last, with_sensitive=sensitive)
    band_sets = [] if report is None else [report.band_set(key) for key in esf.BAND_SETS if shown in ("", key)]
    return render_page("portal/results/esf.html", project=project, report=report, band_sets=band_sets,
                       errors=errors, shown=shown, first_text=_field_text("de_la", first),
                       last_text=_field_text("pana_la", last), filter_args=_filter_args(),
                       period=period_text(report) if report else "",
                       generated=generated_text(report) if report else "",
                       column_labels=esf.COLUMN_LABELS, band_set_names=esf.BAND_SET_NAMES,
                       unit_labels=esf.UNIT_LABELS,
                       indicators_period=indicators_period_text(report) if report else "",
                       sensitive_hidden=not sensitive)


@bp.get("/proiecte/<int:project_id>/raport-fse.<kind>")
@requires(VIEW_PROJECTS)
def esf_report_download(project_id: int, kind: str):
    if kind not in ("xlsx", "csv"):
        abort(404)
    project = project_or_404(project_id)
    first, last, errors = _period()
    if errors:  # the page says what is wrong with the dates
        return redirect(url_for("portal.esf_report_page", project_id=project.id, **_filter_args()), code=303)
    report = esf.esf_report(db.session, project, first, last, with_sensitive=can(PEOPLE_SENSITIVE))
    content = esf_xlsx(report) if kind == "xlsx" else esf_csv(report)
    period = f"{first.isoformat() if first else 'start'} to {last.isoformat() if last else 'end'}"
    record(db.session, actor(), AuditAction.export, None,
           f"ESF report {project.code} ({kind}), entries {period}: {report.total} participants")
    suffix = (f"-de-la-{first:%Y%m%d}" if first else "") + (f"-pana-la-{last:%Y%m%d}" if last else "")
    return Response(content, mimetype=XLSX if kind == "xlsx" else "text/csv",
                    headers={"Content-Disposition": f'attachment; filename="raport-fse-{project.code}{suffix}.{kind}"',
                             "Cache-Control": "no-store"})
