"""Benefits in the portal: a project's kinds and lists, drawing up a list, approving and paying it, the
printable payment or hand-over list, and the totals with their workbook.

Reading a list names many persons: each view of a list (on screen or printed) leaves one audit entry
naming the list. Every change of a person's line is audited by the service.
"""
import re
from datetime import date, timedelta
from decimal import Decimal

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import format_date, ngettext
from flask_wtf import FlaskForm

from portal.domain import clock
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.benefits import services as benefits
from portal.domain.benefits.models import (
    BenefitCategory,
    BenefitFrequency,
    BenefitKind,
    BenefitLine,
    BenefitList,
    BenefitListStatus,
    BenefitUnit,
    EntitlementRule,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Person
from portal.domain.people.queries import search_people
from portal.domain.projects.models import Project
from portal.domain.projects.services import project_staff
from portal.extensions import db, htmx
from portal.i18n import localized, quantity
from portal.partials import render_page
from portal.staff import bp
from portal.staff.benefits_forms import (
    CATEGORY,
    FREQUENCY,
    RULE,
    UNIT,
    AddLineForm,
    DeleteListForm,
    KindForm,
    LineForm,
    ListForm,
    PaymentForm,
)
from portal.staff.people import actor, show_error
from portal.staff.people_forms import parse_date
from portal.staff.permissions import (
    BENEFITS_APPROVE,
    BENEFITS_MANAGE,
    BENEFITS_PAY,
    BENEFITS_PROPOSE,
    PEOPLE_VIEW,
    VIEW_PROJECTS,
    can,
    require_in_project,
    requires,
)
from portal.staff.projects import project_or_404
from portal.staff.results_forms import plain_number

LABELS = {"category": CATEGORY, "unit": UNIT, "frequency": FREQUENCY, "rule": RULE}
LINE_ID = re.compile(r"[0-9]{1,18}")


@bp.app_template_global("benefit_amount")
def benefit_amount(value, unit) -> str:
    """500 lei, 12,5 lei; 1 piece, 20 pieces."""
    if value is None:
        return ""
    return quantity(Decimal(value), BenefitUnit(unit).value)


@bp.app_template_global("benefit_period")
def period_label(blist_or_line) -> str:
    """The period of a list or line as people say it: "octombrie 2026", "2026", "once"."""
    key = blist_or_line.period
    if key == "once":
        return _("once")
    if len(key) == 7:  # a month, "2026-10"
        return format_date(date(int(key[:4]), int(key[5:]), 1), "LLLL yyyy")
    return key


# Loading, with the project's rights -------------------------------------------------------------

def _project(project_id: int, permission: str = VIEW_PROJECTS) -> Project:
    project = project_or_404(project_id, permission)
    if not can(PEOPLE_VIEW):
        abort(403)
    return project


def _kind_or_404(kind_id: int, permission: str) -> BenefitKind:
    kind = db.session.get(BenefitKind, kind_id)
    if kind is None:
        abort(404)
    require_in_project(kind.project_id, permission)
    return kind


def _list_or_404(list_id: int, permission: str = VIEW_PROJECTS) -> BenefitList:
    blist = benefits.load_list(db.session, list_id)
    if blist is None:
        abort(404)
    require_in_project(blist.project_id, permission)
    if not can(PEOPLE_VIEW):
        abort(403)
    return blist


def _line_or_404(blist: BenefitList, line_id: int) -> BenefitLine:
    line = next((item for item in blist.lines if item.id == line_id), None)
    if line is None:
        abort(404)
    return line


# The benefits of a project ------------------------------------------------------------------------

@bp.get("/proiecte/<int:project_id>/beneficii")
@requires(VIEW_PROJECTS)
def benefits_home(project_id: int):
    project = _project(project_id)
    return render_page(
        "portal/benefits/home.html", project=project, kinds=benefits.kinds(db.session, project.id, active_only=False),
        lists=benefits.lists(db.session, project.id), labels=LABELS, period_label=period_label,
        may_manage=can(BENEFITS_MANAGE, project_id=project.id), may_propose=can(BENEFITS_PROPOSE, project_id=project.id))


# Kinds --------------------------------------------------------------------------------------------

def _kind_choices(form: KindForm, project: Project) -> None:
    form.activity_id.choices = [("", _("No activity"))] + [
        (activity.id, f"{activity.code} {localized(activity, 'name')}") for activity in project.activities]


def _kind_data(form: KindForm) -> benefits.BenefitKindData:
    return benefits.BenefitKindData(
        category=BenefitCategory(form.category.data), name_ro=form.name_ro.data or "", name_en=form.name_en.data or "",
        unit=BenefitUnit(form.unit.data), amount=form.amount.data, frequency=BenefitFrequency(form.frequency.data),
        rule=EntitlementRule(form.rule.data), activity_id=form.activity_id.data,
        min_sessions=form.min_sessions.data or 0, is_active=bool(form.is_active.data))


def _save_kind(project: Project, kind: BenefitKind | None):
    form = KindForm(obj=kind if request.method == "GET" and kind is not None else None)
    _kind_choices(form, project)
    if request.method == "GET" and kind is not None:
        for name in ("category", "unit", "frequency", "rule"):
            getattr(form, name).data = getattr(kind, name).value
        form.amount.data = kind.amount
    if form.validate_on_submit():
        try:
            saved = benefits.save_kind(db.session, project, actor(), _kind_data(form), kind)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The benefit %(name)s has been saved.", name=localized(saved, "name")), "success")
            return redirect(url_for("portal.benefits_home", project_id=project.id), code=303)
    return render_page("portal/benefits/kind_form.html", form=form, project=project, kind=kind,
                       status_code=422 if request.method == "POST" else 200)


@bp.route("/proiecte/<int:project_id>/beneficii/tipuri/nou", methods=["GET", "POST"])
@requires(BENEFITS_MANAGE)
def benefit_kind_create(project_id: int):
    return _save_kind(_project(project_id, BENEFITS_MANAGE), None)


@bp.route("/beneficii/tipuri/<int:kind_id>/editare", methods=["GET", "POST"])
@requires(BENEFITS_MANAGE)
def benefit_kind_edit(kind_id: int):
    kind = _kind_or_404(kind_id, BENEFITS_MANAGE)
    return _save_kind(_project(kind.project_id, BENEFITS_MANAGE), kind)


# Drawing up a list --------------------------------------------------------------------------------

def _default_period(kind: BenefitKind) -> benefits.Period:
    """The period offered on the form: the current one, or for a kind counting sessions the last one ended
    (its list waits until every session of the period has been held)."""
    current = benefits.period_of(kind, clock.today())
    if kind.rule in benefits.SESSION_RULES:
        return benefits.period_of(kind, current.start - timedelta(days=1))
    return current


@bp.route("/proiecte/<int:project_id>/beneficii/liste/nou", methods=["GET", "POST"])
@requires(BENEFITS_PROPOSE)
def benefit_list_create(project_id: int):
    project = _project(project_id, BENEFITS_PROPOSE)
    active = benefits.kinds(db.session, project.id)
    form = ListForm()
    form.kind_id.choices = [("", _("— choose —"))] + [
        (kind.id, f"{localized(kind, 'name')} · {FREQUENCY[kind.frequency]}") for kind in active]
    if request.method == "GET":
        chosen = next((kind for kind in active if kind.id == request.args.get("tip", type=int)), None)
        if chosen is None and len(active) == 1:
            chosen = active[0]
        if chosen is not None:
            form.kind_id.data = chosen.id
        form.period.data = clock.today().strftime("%Y-%m")
        if chosen is not None:
            form.period.data = "" if chosen.frequency == BenefitFrequency.once else _default_period(chosen).key
    elif form.validate_on_submit():
        kind = next((item for item in active if item.id == form.kind_id.data), None)
        try:
            if kind is None:
                raise DomainError(_("Choose a benefit of this project."), code="benefit_kind", field="kind_id")
            blist = benefits.propose_list(db.session, project, kind, form.period.data or "", actor(),
                                          notes=form.notes.data or "")
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            count = len(blist.lines)
            flash(ngettext("List no. %(number)d has been drawn up with %(num)d person.",
                           "List no. %(number)d has been drawn up with %(num)d persons.", count, number=blist.id),
                  "success")
            for other, left in sorted(blist.left_out.items()):
                flash(ngettext("%(num)d entitled person is already on list no. %(number)d of this period and was "
                               "left out.", "%(num)d entitled persons are already on list no. %(number)d of this "
                               "period and were left out.", left, number=other), "info")
            return redirect(url_for("portal.benefit_list", list_id=blist.id), code=303)
    return render_page("portal/benefits/list_form.html", form=form, project=project, kinds=active, labels=LABELS,
                       status_code=422 if request.method == "POST" else 200)


# A list -------------------------------------------------------------------------------------------

def _payment_form(blist: BenefitList, form: PaymentForm | None = None) -> PaymentForm:
    if form is None:
        form = PaymentForm(formdata=None, paid_on=clock.today())
        form.paid_by_id.data = actor().user_id
    staff = project_staff(db.session, blist.project_id)
    form.paid_by_id.choices = [("", _("— choose —"))] + [(user.id, user.full_name) for user in staff]
    return form


def _render_list(blist: BenefitList, *, status: int = 200, add_form: AddLineForm | None = None,
                 add_person_id: int | None = None, line_form: LineForm | None = None, line_id: int | None = None,
                 payment_form: PaymentForm | None = None, checked: set[int] | None = None, problem: str | None = None):
    project_id = blist.project_id
    may_propose = blist.status == BenefitListStatus.draft and can(BENEFITS_PROPOSE, project_id=project_id)
    may_pay = blist.status == BenefitListStatus.approved and can(BENEFITS_PAY, project_id=project_id)
    text = request.values.get("q", "").strip()
    found = []
    if text and may_propose:
        result = search_people(db.session, text=text, project_id=project_id, page=1)
        listed = benefits.listed_elsewhere(db.session, blist.kind_id, blist.period,
                                           [person.id for person in result.people[:20]])
        found = [(person, listed.get(person.id)) for person in result.people[:20]]
    # Only htmx's request for the search results gets the fragment, which shows no line of the list; any
    # other request shows the whole list, and is audited.
    fragment = request.args.get("partial") == "found" and bool(htmx) and not htmx.boosted
    if status == 200 and not fragment:
        record(db.session, actor(), AuditAction.view, None, f"benefit list {blist.id}")
    lines = benefits.sorted_lines(blist)
    return render_page(
        "portal/benefits/list.html", block="found" if fragment else None,
        status_code=status, blist=blist, project=blist.project, kind=blist.kind, lines=lines,
        totals=benefits.list_totals(blist), labels=LABELS, period_label=period_label(blist),
        may_propose=may_propose, may_pay=may_pay,
        may_approve=blist.status == BenefitListStatus.draft and can(BENEFITS_APPROVE, project_id=project_id),
        may_delete=may_propose,
        text=text, found=found, add_form=add_form or AddLineForm(formdata=None), add_person_id=add_person_id,
        line_form=line_form, line_id=line_id, payment_form=_payment_form(blist, payment_form) if may_pay else None,
        checked=checked if checked is not None else set(), problem=problem, action_form=FlaskForm(formdata=None),
        plain_number=plain_number)


@bp.get("/beneficii/liste/<int:list_id>")
@requires(VIEW_PROJECTS)
def benefit_list(list_id: int):
    return _render_list(_list_or_404(list_id))


@bp.post("/beneficii/liste/<int:list_id>/persoane")
@requires(BENEFITS_PROPOSE)
def benefit_line_add(list_id: int):
    blist = _list_or_404(list_id, BENEFITS_PROPOSE)
    form = AddLineForm()
    person_id = None
    if form.validate_on_submit():
        try:
            person_id = int(form.person_id.data)
        except (TypeError, ValueError):
            abort(404)
        person = db.session.get(Person, person_id)
        if person is None:
            abort(404)
        try:
            benefits.add_line(db.session, blist, person, actor(), quantity=form.quantity.data,
                              note=form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            if error.field in ("quantity", "note"):
                show_error(form, error)
            else:
                form.person_id.errors = [str(error.message)]
        else:
            flash(_("%(name)s has been added to the list.", name=person.full_name), "success")
            return redirect(url_for("portal.benefit_list", list_id=blist.id, q=request.form.get("q", ""),
                                    _anchor="adaugare"), code=303)
    else:
        try:
            person_id = int(form.person_id.data)
        except (TypeError, ValueError):
            person_id = None
    problem = " ".join(str(message) for message in form.person_id.errors) or None
    return _render_list(_list_or_404(list_id, BENEFITS_PROPOSE), status=422, add_form=form,
                        add_person_id=person_id, problem=problem)


@bp.post("/beneficii/liste/<int:list_id>/linii/<int:line_id>")
@requires(BENEFITS_PROPOSE)
def benefit_line_edit(list_id: int, line_id: int):
    blist = _list_or_404(list_id, BENEFITS_PROPOSE)
    line = _line_or_404(blist, line_id)
    form = LineForm(prefix=f"line{line.id}")
    if form.validate_on_submit():
        try:
            changed = benefits.set_line(db.session, line, actor(), quantity=form.quantity.data,
                                        note=form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if changed:
                flash(_("The line of %(name)s has been changed.", name=line.person.full_name), "success")
            return redirect(url_for("portal.benefit_list", list_id=blist.id, _anchor=f"linia-{line.id}"), code=303)
    return _render_list(_list_or_404(list_id, BENEFITS_PROPOSE), status=422, line_form=form, line_id=line_id)


@bp.post("/beneficii/liste/<int:list_id>/linii/<int:line_id>/stergere")
@requires(BENEFITS_PROPOSE)
def benefit_line_remove(list_id: int, line_id: int):
    blist = _list_or_404(list_id, BENEFITS_PROPOSE)
    line = _line_or_404(blist, line_id)
    form = FlaskForm()
    if form.validate_on_submit():
        name = line.person.full_name
        try:
            benefits.remove_line(db.session, line, actor())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("%(name)s has been taken off the list.", name=name), "success")
    return redirect(url_for("portal.benefit_list", list_id=list_id), code=303)


@bp.post("/beneficii/liste/<int:list_id>/aprobare")
@requires(BENEFITS_APPROVE)
def benefit_list_approve(list_id: int):
    blist = _list_or_404(list_id, BENEFITS_APPROVE)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            benefits.approve_list(db.session, blist, actor())
        except DomainError as error:
            db.session.rollback()
            return _render_list(_list_or_404(list_id), status=422, problem=str(error.message))
        flash(_("List no. %(number)d has been approved.", number=blist.id), "success")
    return redirect(url_for("portal.benefit_list", list_id=list_id), code=303)


@bp.route("/beneficii/liste/<int:list_id>/stergere", methods=["GET", "POST"])
@requires(BENEFITS_PROPOSE)
def benefit_list_delete(list_id: int):
    """Delete a draft list with its lines: a confirmation page, then the POST."""
    blist = _list_or_404(list_id, BENEFITS_PROPOSE)
    form = DeleteListForm()
    if blist.status != BenefitListStatus.draft:
        flash(_("This list has been approved: it no longer changes."), "error")
        return redirect(url_for("portal.benefit_list", list_id=list_id), code=303)
    if form.validate_on_submit():
        project_id, number = blist.project_id, blist.id
        try:
            count = benefits.delete_list(db.session, blist, actor())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("portal.benefit_list", list_id=list_id), code=303)
        flash(ngettext("List no. %(number)d has been deleted, with its %(num)d line.",
                       "List no. %(number)d has been deleted, with its %(num)d lines.", count, number=number),
              "success")
        return redirect(url_for("portal.benefits_home", project_id=project_id), code=303)
    return render_page("portal/benefits/delete.html", form=form, blist=blist, project=blist.project,
                       kind=blist.kind, totals=benefits.list_totals(blist), period_label=period_label(blist),
                       status_code=422 if request.method == "POST" else 200)


@bp.post("/beneficii/liste/<int:list_id>/plata")
@requires(BENEFITS_PAY)
def benefit_list_pay(list_id: int):
    blist = _list_or_404(list_id, BENEFITS_PAY)
    form = PaymentForm()
    _payment_form(blist, form)
    everyone = request.form.get("toate") == "1"
    checked: set[int] = set()
    garbled = False
    for value in request.form.getlist("line_ids"):
        if LINE_ID.fullmatch(value):  # ASCII digits only: "²" is a digit to str.isdigit() but not to int()
            checked.add(int(value))
        else:
            garbled = True
    line_ids = {line.id for line in blist.lines if not line.is_paid} if everyone else checked
    problem = None
    if garbled and not everyone:
        form.validate_on_submit()  # the other fields' errors are shown as well
        problem = _("The persons ticked could not be read: tick them again in the table.")
    elif form.validate_on_submit():
        try:
            marked = benefits.record_payment(db.session, blist, line_ids, actor(), paid_on=form.paid_on.data,
                                             document_no=form.document_no.data or "", paid_by_id=form.paid_by_id.data)
        except DomainError as error:
            db.session.rollback()
            if error.field == "line_ids" or error.field is None:
                problem = str(error.message)
            else:
                show_error(form, error)
        else:
            skipped = len(line_ids) - marked
            flash(ngettext("%(num)d line has been marked paid or handed over.",
                           "%(num)d lines have been marked paid or handed over.", marked), "success")
            if skipped:
                flash(ngettext("%(num)d line was already paid and has not changed.",
                               "%(num)d lines were already paid and have not changed.", skipped), "info")
            return redirect(url_for("portal.benefit_list", list_id=list_id, _anchor="plata"), code=303)
    return _render_list(_list_or_404(list_id, BENEFITS_PAY), status=422, payment_form=form, checked=checked,
                        problem=problem)


@bp.get("/beneficii/liste/<int:list_id>/tipar")
@requires(VIEW_PROJECTS)
def benefit_list_print(list_id: int):
    blist = _list_or_404(list_id)
    record(db.session, actor(), AuditAction.view, None, f"benefit list {blist.id} (printed)")
    return render_page("portal/benefits/print.html", blist=blist, project=blist.project, kind=blist.kind,
                       lines=benefits.sorted_lines(blist), totals=benefits.list_totals(blist), labels=LABELS,
                       period_label=period_label(blist))


# Totals -------------------------------------------------------------------------------------------

def _totals_query(project: Project):
    args = request.args
    by = args.get("dupa", "kind")
    if by not in benefits.TOTALS_BY:
        by = "kind"
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("de_la", "pana_la"):
        try:
            dates[name] = parse_date(args.get(name, ""))
        except ValueError:
            dates[name] = None
            errors[name] = _("Write the date as dd.mm.yyyy, for example 24.11.2026.")
    if dates["de_la"] and dates["pana_la"] and dates["pana_la"] < dates["de_la"]:
        errors["pana_la"] = _("The last day cannot be before the first day.")
    kind_id = args.get("tip", type=int)
    return by, dates["de_la"], dates["pana_la"], kind_id, errors


def _totals_args(by: str, kind_id: int | None) -> dict[str, str]:
    """The query of a totals link, from what was understood of the request: nothing else is passed on (a stray
    ?endpoint= or ?_external= would reach url_for)."""
    values = {"dupa": by, "tip": str(kind_id) if kind_id else "",
              "de_la": request.args.get("de_la", "")[:20], "pana_la": request.args.get("pana_la", "")[:20]}
    return {name: value for name, value in values.items() if value}


@bp.get("/proiecte/<int:project_id>/beneficii/totaluri")
@requires(VIEW_PROJECTS)
def benefit_totals(project_id: int):
    project = _project(project_id)
    by, first, last, kind_id, errors = _totals_query(project)
    rows = [] if errors else benefits.totals(db.session, project.id, by=by, first=first, last=last, kind_id=kind_id)
    if by == "person" and not errors:
        record(db.session, actor(), AuditAction.view, None, f"benefit totals {project.code} by person")
    return render_page(
        "portal/benefits/totals.html", status_code=422 if errors else 200, project=project, rows=rows,
        total=benefits.sum_rows(rows), by=by, errors=errors, first_text=request.args.get("de_la", ""),
        last_text=request.args.get("pana_la", ""), kind_id=kind_id,
        kinds=benefits.kinds(db.session, project.id, active_only=False),
        xlsx_url=url_for("portal.benefit_totals_xlsx", project_id=project.id, **_totals_args(by, kind_id)))


@bp.get("/proiecte/<int:project_id>/beneficii/totaluri.xlsx")
@requires(VIEW_PROJECTS)
def benefit_totals_xlsx(project_id: int):
    project = _project(project_id)
    by, first, last, kind_id, errors = _totals_query(project)
    if errors:
        return redirect(url_for("portal.benefit_totals", project_id=project.id, **_totals_args(by, kind_id)),
                        code=303)
    content = benefits.totals_workbook(db.session, project, actor(), by=by, first=first, last=last, kind_id=kind_id)
    filename = f"beneficii-{project.code}-{by}-{clock.today().isoformat()}.xlsx"
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
