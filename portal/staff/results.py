"""A project's results for its staff: each target against the achieved value, progress by month, the
indicators with their rules and logged adjustments, and the persons counted (for those who may read
the register; every such read is audited by the service).

The figures come from `project_results`, computed once per version of the records and shared with
the public site, so the staff and the public always see the same numbers.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.domain import clock
from portal.domain.benefits.models import BenefitKind
from portal.domain.casework import services as casework
from portal.domain.errors import DomainError
from portal.domain.projects.models import Indicator, IndicatorUnit, Project, RuleKind
from portal.domain.results import rules
from portal.domain.results import services as results
from portal.domain.results.models import IndicatorAdjustment
from portal.extensions import db, htmx
from portal.i18n import format_money, format_number, localized
from portal.partials import render_page
from portal.domain.people.models import SENSITIVE_SITUATIONS
from portal.staff import bp, labels
from portal.staff.people import actor, show_error
from portal.staff.permissions import (
    PEOPLE_SENSITIVE,
    PEOPLE_VIEW,
    RESULTS_MANAGE,
    VIEW_PROJECTS,
    can,
    require_in_project,
    requires,
)
from portal.staff.projects import project_or_404
from portal.staff.results_forms import (
    AdjustmentForm,
    DeleteIndicatorForm,
    IndicatorForm,
    plain_number,
)

SPARK_WIDTH, SPARK_HEIGHT = 120, 24


# Shared pieces ----------------------------------------------------------------------------------

def _indicator_or_404(indicator_id: int, permission: str = VIEW_PROJECTS) -> Indicator:
    indicator = db.session.scalar(select(Indicator).where(Indicator.id == indicator_id).options(
        selectinload(Indicator.service_types), joinedload(Indicator.project), joinedload(Indicator.benefit_kind)))
    if indicator is None:
        abort(404)
    require_in_project(indicator.project_id, permission)
    return indicator


def _figures(project: Project) -> results.ProjectResults:
    return results.project_results(db.session, project, results.app_cache(current_app))


def _result_of(figures: results.ProjectResults, indicator: Indicator) -> results.IndicatorResult:
    found = next((item for item in figures.indicators if item.id == indicator.id), None)
    return found if found is not None else results.compute_indicator(db.session, indicator)


def month_label(key: str) -> str:
    """'2026-03' → "martie 2026" / "March 2026"."""
    year, month = key.split("-")
    return format_date(date(int(year), int(month), 1), format="LLLL yyyy")


def spark_points(values: list[Decimal]) -> str:
    """The points of an SVG polyline drawing the values left to right, scaled to the box."""
    if not values:
        return ""
    low = min(min(values), Decimal(0))
    high = max(max(values), low + 1)
    steps = max(len(values) - 1, 1)
    points = []
    for index, value in enumerate(values if len(values) > 1 else values * 2):
        x = index * SPARK_WIDTH / steps
        y = (SPARK_HEIGHT - 2) - float((value - low) / (high - low)) * (SPARK_HEIGHT - 4)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


def bar_width(result: results.IndicatorResult) -> float:
    """The filled share of the bar, 0–100: the percentage, capped (the text says the real one)."""
    if result.percent is None:
        return 0.0
    return float(max(Decimal(0), min(result.percent, Decimal(100))))


@dataclass
class DashboardRow:
    result: results.IndicatorResult
    rule_text: str
    bar: float
    values: list[Decimal]  # cumulative, one per month shown
    points: str


def _rule_context(project: Project) -> tuple[dict, dict]:
    activities = {activity.id: activity for activity in project.activities}
    service_types = {item.id: item for item in casework.service_types(db.session, project.id, active_only=False)}
    return activities, service_types


# Values in the indicator's unit: money for lei (a target with its unit: `quantity`) -----------------

@bp.app_template_global()
def indicator_number(value, unit: str) -> str:
    """A value in a column of the indicator's unit: money for lei, a plain number otherwise."""
    if value is None:
        return ""
    return format_money(value) if unit == IndicatorUnit.lei.value else format_number(value)


# The dashboard ----------------------------------------------------------------------------------

@bp.get("/proiecte/<int:project_id>/rezultate")
@requires(VIEW_PROJECTS)
def results_dashboard(project_id: int):
    project = project_or_404(project_id)
    figures = _figures(project)
    months = results.project_months(project, clock.today())
    indicators = {indicator.id: indicator for indicator in db.session.scalars(
        select(Indicator).where(Indicator.project_id == project.id).options(
            selectinload(Indicator.service_types), selectinload(Indicator.benefit_kind)))}
    activities, service_types = _rule_context(project)
    rows = []
    for result in figures.indicators:
        values = result.cumulative(months)
        rows.append(DashboardRow(
            result=result, rule_text=labels.describe_rule(indicators.get(result.id, result), activities, service_types),
            bar=bar_width(result), values=values, points=spark_points(values)))
    month_rows = [(month_label(month), [row.values[index] if row.result.achieved is not None else None
                                        for row in rows])
                  for index, month in enumerate(months)]
    return render_page(
        "portal/results/dashboard.html", project=project, figures=figures, rows=rows, month_rows=month_rows,
        months=months, can_manage=can(RESULTS_MANAGE, project_id=project.id),
        esf_url=url_for("portal.esf_report_page", project_id=project.id),
        public_url=url_for("public.results_project", code=project.code) if project.is_public else None,
        SPARK_WIDTH=SPARK_WIDTH, SPARK_HEIGHT=SPARK_HEIGHT)


# One indicator ----------------------------------------------------------------------------------

def _render_indicator(indicator: Indicator, *, adjustment_form: AdjustmentForm | None = None, status: int = 200,
                      block: str | None = None):
    project = indicator.project
    result = _result_of(_figures(project), indicator)
    months = results.project_months(project, clock.today())
    added = dict(result.by_month)
    monthly = [(month_label(month), added.get(month, Decimal(0)), total)
               for month, total in zip(months, result.cumulative(months))]
    activities, service_types = _rule_context(project)
    can_manage = can(RESULTS_MANAGE, project_id=project.id)
    per_person = indicator.rule is not None and indicator.rule != RuleKind.sessions_held
    drill = None
    # Special-category data (who has a disability, who belongs to a minority) needs its own right.
    may_list = can(PEOPLE_VIEW) and (indicator.characteristic.partition(":")[2] not in SENSITIVE_SITUATIONS
                                     or can(PEOPLE_SENSITIVE))
    if per_person and may_list and request.args.get("persoane"):
        page = max(request.args.get("pagina", 1, type=int) or 1, 1)
        persons, total = results.counted_persons(db.session, actor(), indicator, page)
        pages = max((total + results.DRILL_PAGE_SIZE - 1) // results.DRILL_PAGE_SIZE, 1)
        drill = {"persons": persons, "total": total, "page": page, "pages": pages, "has_next": page < pages,
                 "first_number": (page - 1) * results.DRILL_PAGE_SIZE + 1}
    if can_manage and adjustment_form is None:
        adjustment_form = AdjustmentForm(formdata=None, effective_on=clock.today())
    return render_page(
        "portal/results/indicator.html", block=block, status_code=status, indicator=indicator, project=project,
        result=result, monthly=monthly, rule_text=labels.describe_rule(indicator, activities, service_types),
        adjustments=results.adjustments(db.session, indicator), adjustment_form=adjustment_form,
        can_manage=can_manage, per_person=per_person, can_drill=per_person and may_list, drill=drill,
        person_rule=indicator.rule in rules.PERSON_RULES,
        bar=bar_width(result), amount_unit=indicator.unit.value, IndicatorUnit=IndicatorUnit, RuleKind=RuleKind,
        labels=labels)


@bp.get("/indicatori/<int:indicator_id>")
@requires(VIEW_PROJECTS)
def indicator_detail(indicator_id: int):
    return _render_indicator(_indicator_or_404(indicator_id))


@bp.post("/indicatori/<int:indicator_id>/ajustari")
@requires(RESULTS_MANAGE)
def adjustment_add(indicator_id: int):
    indicator = _indicator_or_404(indicator_id, RESULTS_MANAGE)
    form = AdjustmentForm()
    if form.validate_on_submit():
        try:
            adjustment = results.add_adjustment(db.session, indicator, actor(),
                                                amount=results.parse_number(form.amount.data),
                                                effective_on=form.effective_on.data, reason=form.reason.data or "",
                                                today=clock.today())
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The adjustment of %(amount)s has been added to %(code)s.",
                    amount=plain_number(adjustment.amount), code=indicator.code), "success")
            target = url_for("portal.indicator_detail", indicator_id=indicator.id, _anchor="ajustari")
            if htmx and not htmx.boosted:
                headers = {"HX-Redirect": target}
                here = urlsplit(htmx.current_url or "")
                if (here.path, here.query) == (urlsplit(target).path, ""):
                    # Only the #ajustari of the page the browser is on: HX-Redirect would just scroll.
                    headers["HX-Refresh"] = "true"
                return "", 200, headers
            return redirect(target, code=303)
    return _render_indicator(indicator, adjustment_form=form, status=422, block="adjustment_form")


# Creating, changing and deleting an indicator ----------------------------------------------------

def _benefit_kinds(project: Project) -> list[BenefitKind]:
    return list(db.session.scalars(select(BenefitKind).where(BenefitKind.project_id == project.id)
                                   .order_by(BenefitKind.name_ro, BenefitKind.id)))


def _form_choices(form: IndicatorForm, project: Project) -> None:
    form.activity_id.choices = [("", _("Any activity"))] + [
        (activity.id, f"{activity.code} {localized(activity, 'name')} ({labels.ACTIVITY_KIND[activity.kind]})")
        for activity in project.activities]
    form.service_type_ids.choices = [
        (item.id, localized(item, "name") if item.is_active else _("%(name)s (no longer offered)",
                                                                    name=localized(item, "name")))
        for item in casework.service_types(db.session, project.id, active_only=False)]
    form.benefit_kind_id.choices = [("", _("Any benefit kind"))] + [
        (kind.id, labels.benefit_kind_label(kind) if kind.is_active else _("%(name)s (no longer given)",
                                                                          name=labels.benefit_kind_label(kind)))
        for kind in _benefit_kinds(project)]


def _fill(form: IndicatorForm, indicator: Indicator) -> None:
    form.code.data = indicator.code
    form.name_ro.data = indicator.name_ro
    form.name_en.data = indicator.name_en
    form.target.data = indicator.target
    form.unit.data = indicator.unit.value
    form.is_public.data = indicator.is_public
    form.rule.data = indicator.rule.value if indicator.rule else ""
    form.activity_id.data = indicator.activity_id
    form.min_sessions.data = indicator.min_sessions
    form.characteristic.data = indicator.characteristic
    form.service_type_ids.data = [item.id for item in indicator.service_types]
    form.benefit_kind_id.data = indicator.benefit_kind_id


def _indicator_data(form: IndicatorForm) -> results.IndicatorData:
    return results.IndicatorData(
        code=form.code.data or "", name_ro=form.name_ro.data or "", name_en=form.name_en.data or "",
        target=form.target.data, unit=IndicatorUnit(form.unit.data),
        is_public=bool(form.is_public.data), rule=RuleKind(form.rule.data) if form.rule.data else None,
        activity_id=form.activity_id.data, min_sessions=form.min_sessions.data or 1,
        characteristic=form.characteristic.data or "", service_type_ids=list(form.service_type_ids.data or []),
        benefit_kind_id=form.benefit_kind_id.data)


def _save(project: Project, indicator: Indicator | None):
    form = IndicatorForm()
    _form_choices(form, project)
    if request.method == "GET":
        if indicator is not None:
            _fill(form, indicator)
        else:
            form.unit.data = IndicatorUnit.persons.value
    elif form.validate_on_submit():
        try:
            saved = results.save_indicator(db.session, project, actor(), _indicator_data(form), indicator)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("The indicator %(code)s has been saved.", code=saved.code), "success")
            return redirect(url_for("portal.indicator_detail", indicator_id=saved.id), code=303)
    return render_page("portal/results/indicator_form.html", form=form, project=project, indicator=indicator,
                       status_code=422 if request.method == "POST" else 200)


@bp.route("/proiecte/<int:project_id>/indicatori/nou", methods=["GET", "POST"])
@requires(RESULTS_MANAGE)
def indicator_create(project_id: int):
    return _save(project_or_404(project_id, RESULTS_MANAGE), None)


@bp.route("/indicatori/<int:indicator_id>/editare", methods=["GET", "POST"])
@requires(RESULTS_MANAGE)
def indicator_edit(indicator_id: int):
    indicator = _indicator_or_404(indicator_id, RESULTS_MANAGE)
    return _save(indicator.project, indicator)


@bp.route("/indicatori/<int:indicator_id>/stergere", methods=["GET", "POST"])
@requires(RESULTS_MANAGE)
def indicator_delete(indicator_id: int):
    indicator = _indicator_or_404(indicator_id, RESULTS_MANAGE)
    form = DeleteIndicatorForm()
    if form.validate_on_submit():
        project_id, code = indicator.project_id, indicator.code
        try:
            results.delete_indicator(db.session, indicator, actor())
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for("portal.indicator_detail", indicator_id=indicator_id), code=303)
        flash(_("The indicator %(code)s has been deleted.", code=code), "success")
        return redirect(url_for("portal.results_dashboard", project_id=project_id), code=303)
    adjustment_count = db.session.scalar(select(func.count()).select_from(IndicatorAdjustment)
                                         .where(IndicatorAdjustment.indicator_id == indicator.id)) or 0
    return render_page("portal/results/indicator_delete.html", form=form, indicator=indicator,
                       project=indicator.project, adjustment_count=adjustment_count,
                       status_code=422 if request.method == "POST" else 200)
