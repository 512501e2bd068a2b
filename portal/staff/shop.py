"""The social shop of a project: its products and stock, a person's hours (community work, volunteer hours,
purchases, corrections) with the running balance, and the printable receipt.

Reading a person's ledger is a read of personal data (audited); the shop's home lists the latest
purchases with names (one audit entry per view). Recording work and purchases takes SHOP_RECORD;
products, stock, corrections and reversals take SHOP_MANAGE.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.domain import clock
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.benefits import shop
from portal.domain.benefits.models import LedgerKind, LedgerLine, ShopProduct, ShopPurchase
from portal.domain.errors import DomainError
from portal.domain.people.models import Person
from portal.domain.people.queries import search_people
from portal.domain.projects.models import Project
from portal.domain.projects.services import project_staff
from portal.extensions import db
from portal.i18n import format_number
from portal.partials import render_page
from portal.staff import bp
from portal.staff.people import actor, show_error
from portal.staff.permissions import (
    PEOPLE_VIEW, SHOP_MANAGE, SHOP_RECORD, VIEW_PROJECTS, can, require_in_project, requires,
)
from portal.staff.shop_forms import (
    CorrectionForm, CountForm, CreditForm, ProductForm, PurchaseForm, ReceiveForm, ReverseForm, WorkForm,
)

KIND_LABELS = {
    LedgerKind.work: _l("Community work"),
    LedgerKind.volunteer: _l("Volunteer hours"),
    LedgerKind.purchase: _l("Purchase"),
    LedgerKind.correction: _l("Correction"),
}
QUANTITY_PREFIX = "cumparare-buc-"  # the purchase form's input of a product: cumparare-buc-<product id>


def signed_hours(value: Decimal) -> str:
    """+3, −1,5: a ledger line's hours with their sign, in the reader's number format."""
    text = format_number(abs(value))
    return f"−{text}" if value < 0 else f"+{text}"


def _project_or_404(project_id: int, permission: str = VIEW_PROJECTS) -> Project:
    require_in_project(project_id, permission)
    if not can(PEOPLE_VIEW):
        abort(403)
    project = db.session.get(Project, project_id)
    if project is None:
        abort(404)
    return project


def _person_or_404(person_id: int) -> Person:
    person = db.session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        abort(404)
    return person


def _product_or_404(project: Project, product_id: int) -> ShopProduct:
    product = db.session.get(ShopProduct, product_id)
    if product is None or product.project_id != project.id:
        abort(404)
    return product


# The shop's home -------------------------------------------------------------------------------------

@bp.get("/proiecte/<int:project_id>/magazin")
@requires(VIEW_PROJECTS)
def shop_home(project_id: int):
    project = _project_or_404(project_id)
    text = request.args.get("q", "").strip()[:100]
    found = search_people(db.session, text=text, project_id=project.id).people if text else []
    purchases = shop.recent_purchases(db.session, project.id)
    if purchases or found:
        record(db.session, actor(), AuditAction.view, None,
               f"social shop of project {project.id}: latest purchases{', person search' if text else ''}")
    can_manage = can(SHOP_MANAGE, project_id=project.id)
    return render_page("portal/shop/home.html", block="found", project=project, text=text, found=found,
                       products=shop.products(db.session, project.id, active_only=not can_manage),
                       purchases=purchases, can_manage=can_manage,
                       can_record=can(SHOP_RECORD, project_id=project.id))


# Products --------------------------------------------------------------------------------------------

def _product_data(form: ProductForm) -> shop.ProductData:
    return shop.ProductData(name_ro=form.name_ro.data or "", name_en=form.name_en.data or "",
                            price_hours=shop.parse_hours(form.price_hours.data, field="price_hours"),
                            is_active=bool(form.is_active.data))


@bp.route("/proiecte/<int:project_id>/magazin/produse/nou", methods=["GET", "POST"])
@requires(SHOP_MANAGE)
def shop_product_create(project_id: int):
    project = _project_or_404(project_id, SHOP_MANAGE)
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = shop.save_product(db.session, project, actor(), _product_data(form))
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The product “%(name)s” has been added. Record the pieces received to put it in stock.",
                    name=product.name_ro), "success")
            return redirect(url_for("portal.shop_product", project_id=project.id, product_id=product.id), code=303)
    return render_page("portal/shop/product_form.html", project=project, form=form, product=None,
                       status_code=422 if request.method == "POST" else 200)


def _render_product(project: Project, product: ShopProduct, *, form: ProductForm | None = None,
                    receive_form: ReceiveForm | None = None, count_form: CountForm | None = None, status: int = 200):
    if form is None:
        form = ProductForm(formdata=None, obj=product)
        form.price_hours.data = format_number(product.price_hours)
    return render_page("portal/shop/product.html", project=project, product=product, form=form,
                       receive_form=receive_form or ReceiveForm(formdata=None, prefix="primire"),
                       count_form=count_form or CountForm(formdata=None, prefix="inventar"),
                       moves=shop.stock_moves(db.session, product.id), status_code=status)


@bp.route("/proiecte/<int:project_id>/magazin/produse/<int:product_id>", methods=["GET", "POST"])
@requires(SHOP_MANAGE)
def shop_product(project_id: int, product_id: int):
    project = _project_or_404(project_id, SHOP_MANAGE)
    product = _product_or_404(project, product_id)
    if request.method == "GET":
        return _render_product(project, product)
    form = ProductForm()
    if form.validate_on_submit():
        try:
            shop.save_product(db.session, project, actor(), _product_data(form), product)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The changes have been saved."), "success")
            return redirect(url_for("portal.shop_product", project_id=project.id, product_id=product.id), code=303)
    return _render_product(project, db.session.get(ShopProduct, product_id), form=form, status=422)


@bp.post("/proiecte/<int:project_id>/magazin/produse/<int:product_id>/primire")
@requires(SHOP_MANAGE)
def shop_product_receive(project_id: int, product_id: int):
    project = _project_or_404(project_id, SHOP_MANAGE)
    product = _product_or_404(project, product_id)
    form = ReceiveForm(prefix="primire")
    if form.validate_on_submit():
        try:
            shop.receive_stock(db.session, product, form.quantity.data, actor(), form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("%(count)d pieces received: %(stock)d in stock.", count=form.quantity.data, stock=product.stock),
                  "success")
            return redirect(url_for("portal.shop_product", project_id=project.id, product_id=product.id), code=303)
    return _render_product(project, db.session.get(ShopProduct, product_id), receive_form=form, status=422)


@bp.post("/proiecte/<int:project_id>/magazin/produse/<int:product_id>/inventar")
@requires(SHOP_MANAGE)
def shop_product_count(project_id: int, product_id: int):
    project = _project_or_404(project_id, SHOP_MANAGE)
    product = _product_or_404(project, product_id)
    form = CountForm(prefix="inventar")
    if form.validate_on_submit():
        try:
            move = shop.count_stock(db.session, product, form.counted.data, actor(), form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The stock is now %(stock)d (a difference of %(delta)s).", stock=product.stock,
                    delta=f"{move.delta:+d}".replace("-", "−")), "success")
            return redirect(url_for("portal.shop_product", project_id=project.id, product_id=product.id), code=303)
    return _render_product(project, db.session.get(ShopProduct, product_id), count_form=form, status=422)


# A person's hours ------------------------------------------------------------------------------------

@dataclass
class QuantityRow:
    """A product on the purchase form, with what was typed for it and what is wrong with that."""

    product: ShopProduct
    value: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return f"{QUANTITY_PREFIX}{self.product.id}"


def _blank() -> SelectChoice:
    return SelectChoice(value="", label=_("— choose —"))


def _fill_work_choices(form: WorkForm, project: Project) -> None:
    form.verified_by_id.choices = [_blank(), *(SelectChoice(value=str(user.id), label=user.full_name)
                                               for user in project_staff(db.session, project.id))]


def _line_label(line: LedgerLine) -> str:
    return _("No. %(number)d · %(day)s · %(kind)s · %(hours)s h", number=line.id, day=line.day.strftime("%d.%m.%Y"),
             kind=KIND_LABELS[line.kind], hours=signed_hours(line.hours))


def _correctable(line: LedgerLine) -> bool:
    return line.kind != LedgerKind.purchase and not (line.kind == LedgerKind.correction and line.purchase_id)


def _render_person(project: Project, person: Person, *, status: int = 200, work_form: WorkForm | None = None,
                   purchase_form: PurchaseForm | None = None, rows: list[QuantityRow] | None = None,
                   purchase_error: str = "", correction_form: CorrectionForm | None = None,
                   reverse_form: ReverseForm | None = None):
    act = actor()
    today = clock.today()
    lines = shop.ledger(db.session, project.id, person.id)
    purchases = shop.person_purchases(db.session, project.id, person.id)
    reversed_ids = {line.purchase_id for line, _after in lines
                    if line.kind == LedgerKind.correction and line.purchase_id is not None}
    can_record = can(SHOP_RECORD, project_id=project.id)
    can_manage = can(SHOP_MANAGE, project_id=project.id)

    if work_form is None:
        work_form = WorkForm(formdata=None, prefix="ore", day=today)
        _fill_work_choices(work_form, project)
        if any(choice.value == str(current_user.id) for choice in work_form.verified_by_id.choices):
            work_form.verified_by_id.data = current_user.id
    purchase_form = purchase_form or PurchaseForm(formdata=None, prefix="cumparare", day=today)
    if rows is None:
        rows = [QuantityRow(product) for product in shop.products(db.session, project.id)]
    correction_form = correction_form or CorrectionForm(formdata=None, prefix="corectie")
    correction_form.line_id.choices = [_blank(), *(SelectChoice(value=str(line.id), label=_line_label(line))
                                                   for line, _after in reversed(lines) if _correctable(line))]
    reverse_form = reverse_form or ReverseForm(formdata=None, prefix="anulare")
    reverse_form.purchase_id.choices = [_blank(), *(
        SelectChoice(value=str(item.id), label=_("Receipt no. %(number)d · %(day)s · %(hours)s h", number=item.id,
                                                   day=item.day.strftime("%d.%m.%Y"),
                                                   hours=format_number(item.total_hours)))
        for item in purchases if item.id not in reversed_ids)]
    uncredited = shop.uncredited_volunteer_hours(db.session, project.id, person.id) if can_record else []
    record(db.session, act, AuditAction.view, person.id, f"social shop ledger, project {project.id}")
    return render_page(
        "portal/shop/person.html", project=project, person=person, lines=lines, purchases=purchases,
        reversed_ids=reversed_ids, balance=shop.balance(db.session, project.id, person.id),
        enrolled=shop.is_enrolled(db.session, project.id, person.id), can_record=can_record, can_manage=can_manage,
        work_form=work_form, purchase_form=purchase_form, rows=rows, purchase_error=purchase_error,
        credit_form=CreditForm(formdata=None, prefix="voluntariat"), uncredited=uncredited,
        uncredited_hours=sum((entry.hours for entry in uncredited), Decimal("0")),
        correction_form=correction_form, reverse_form=reverse_form, kind_labels=KIND_LABELS, signed=signed_hours,
        status_code=status)


def _person_url(project: Project, person: Person, anchor: str | None = None) -> str:
    return url_for("portal.shop_person", project_id=project.id, person_id=person.id, _anchor=anchor)


@bp.get("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>")
@requires(VIEW_PROJECTS)
def shop_person(project_id: int, person_id: int):
    project = _project_or_404(project_id)
    person = _person_or_404(person_id)
    if person.merged_into_id:
        flash(_("This record was merged into another one."), "warning")
        return redirect(url_for("portal.shop_person", project_id=project.id, person_id=person.merged_into_id),
                        code=303)
    return _render_person(project, person)


def _recording(project_id: int, person_id: int, permission: str = SHOP_RECORD) -> tuple[Project, Person]:
    project = _project_or_404(project_id, permission)
    return project, _person_or_404(person_id)


@bp.post("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>/ore")
@requires(SHOP_RECORD)
def shop_work(project_id: int, person_id: int):
    project, person = _recording(project_id, person_id)
    form = WorkForm(prefix="ore")
    _fill_work_choices(form, project)
    if form.validate_on_submit():
        try:
            hours = shop.parse_hours(form.hours.data)
            shop.record_work(db.session, project, person, actor(), day=form.day.data, task=form.task.data,
                             hours=hours, verified_by_id=form.verified_by_id.data)
        except DomainError as error:
            db.session.rollback()
            if error.field is None:
                form.task.errors = [*form.task.errors, str(error.message)]
            else:
                show_error(form, error)
        else:
            flash(_("%(hours)s h of community work recorded for %(name)s.", hours=format_number(hours),
                    name=person.full_name), "success")
            return redirect(_person_url(project, person, "sold"), code=303)
    return _render_person(project, person, work_form=form, status=422)


def _typed_quantities(project: Project, rows: list[QuantityRow]) -> tuple[dict[int, int], bool, str]:
    """{product id: quantity} of what was typed, whether every input was a whole number of a product on
    offer, and an error about the form as a whole. A quantity typed for a product withdrawn since the form
    was shown adds that product's row, with its error: nothing is bought without it unnoticed."""
    wanted, valid, form_error = {}, True, ""
    offered = {row.name for row in rows}
    for name in request.form:
        if not name.startswith(QUANTITY_PREFIX) or name in offered:
            continue
        value = (request.form.get(name) or "").strip()[:10]
        if not value or (re.fullmatch(r"[0-9]+", value) and not int(value)):
            continue  # nothing asked of it
        product_id = name[len(QUANTITY_PREFIX):]
        product = db.session.get(ShopProduct, int(product_id)) if re.fullmatch(r"[0-9]{1,9}", product_id) else None
        if product is None or product.project_id != project.id:
            form_error = _("The form names a product this shop does not have: nothing was bought. Open the page "
                           "again and type the quantities anew.")
        else:
            rows.append(QuantityRow(product, value=value, error=_(
                "“%(product)s” is no longer on offer: nothing was bought. Clear its quantity to take the other "
                "products.", product=product.name_ro)))
        valid = False
    for row in rows:
        if row.error:
            continue
        row.value = (request.form.get(row.name) or "").strip()[:10]
        if not row.value:
            continue
        # Digits 0-9 only: "²" or "٣" are digits to str.isdigit() but not to int().
        if not re.fullmatch(r"[0-9]+", row.value):
            row.error = _("Write a whole number of pieces, for example 2.")
            valid = False
        elif int(row.value):
            wanted[row.product.id] = int(row.value)
    return wanted, valid, form_error


@bp.post("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>/cumparare")
@requires(SHOP_RECORD)
def shop_purchase(project_id: int, person_id: int):
    project, person = _recording(project_id, person_id)
    form = PurchaseForm(prefix="cumparare")
    rows = [QuantityRow(product) for product in shop.products(db.session, project.id)]
    wanted, quantities_valid, purchase_error = _typed_quantities(project, rows)
    if form.validate_on_submit() and quantities_valid:
        try:
            receipt = shop.purchase(db.session, project, person, actor(), wanted, form.day.data)
        except DomainError as error:
            db.session.rollback()
            row = next((row for row in rows if error.field == row.name.replace(QUANTITY_PREFIX, "product-")), None)
            if row is not None:
                row.error = str(error.message)
            elif error.field == "day":
                form.day.errors = [*form.day.errors, str(error.message)]
            else:
                purchase_error = str(error.message)
        else:
            flash(_("Receipt no. %(number)d: %(hours)s h taken from the balance of %(name)s.", number=receipt.id,
                    hours=format_number(receipt.total_hours), name=person.full_name), "success")
            return redirect(_person_url(project, person, "sold"), code=303)
    return _render_person(project, db.session.get(Person, person_id), purchase_form=form, rows=rows,
                          purchase_error=purchase_error, status=422)


@bp.post("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>/voluntariat")
@requires(SHOP_RECORD)
def shop_credit(project_id: int, person_id: int):
    project, person = _recording(project_id, person_id)
    form = CreditForm(prefix="voluntariat")
    if not form.validate_on_submit():
        abort(400)
    try:
        lines = shop.credit_volunteer_hours(db.session, project, person, actor())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _render_person(project, db.session.get(Person, person_id), status=422)
    if lines:
        flash(_("%(hours)s h of volunteering credited to %(name)s.",
                hours=format_number(sum((line.hours for line in lines), Decimal("0"))), name=person.full_name),
              "success")
    else:
        flash(_("There were no volunteer hours left to credit."), "info")
    return redirect(_person_url(project, person, "sold"), code=303)


@bp.post("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>/corectie")
@requires(SHOP_MANAGE)
def shop_correct(project_id: int, person_id: int):
    project, person = _recording(project_id, person_id, SHOP_MANAGE)
    form = CorrectionForm(prefix="corectie")
    if form.validate_on_submit():
        line = db.session.get(LedgerLine, form.line_id.data) if form.line_id.data else None
        if line is None or line.project_id != project.id or line.person_id != person.id:
            form.line_id.errors = [*form.line_id.errors, _("Choose a line of this ledger.")]
        else:
            try:
                hours = shop.parse_hours(form.hours.data, signed=True)
                shop.correct_line(db.session, line, actor(), hours=hours, reason=form.reason.data)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                flash(_("The correction has been added to the ledger."), "success")
                return redirect(_person_url(project, person, "sold"), code=303)
    return _render_person(project, db.session.get(Person, person_id), correction_form=form, status=422)


@bp.post("/proiecte/<int:project_id>/magazin/persoane/<int:person_id>/anulare")
@requires(SHOP_MANAGE)
def shop_reverse(project_id: int, person_id: int):
    project, person = _recording(project_id, person_id, SHOP_MANAGE)
    form = ReverseForm(prefix="anulare")
    if form.validate_on_submit():
        receipt = db.session.get(ShopPurchase, form.purchase_id.data) if form.purchase_id.data else None
        if receipt is None or receipt.project_id != project.id or receipt.person_id != person.id:
            form.purchase_id.errors = [*form.purchase_id.errors, _("Choose a receipt of this person.")]
        else:
            try:
                shop.reverse_purchase(db.session, receipt, actor(), form.reason.data)
            except DomainError as error:
                db.session.rollback()
                show_error(form, error)
            else:
                flash(_("Receipt no. %(number)d has been reversed: the hours are back and the products in stock.",
                        number=receipt.id), "success")
                return redirect(_person_url(project, person, "sold"), code=303)
    return _render_person(project, db.session.get(Person, person_id), reverse_form=form, status=422)


# The receipt -----------------------------------------------------------------------------------------

@bp.get("/proiecte/<int:project_id>/magazin/bonuri/<int:purchase_id>")
@requires(VIEW_PROJECTS)
def shop_receipt(project_id: int, purchase_id: int):
    project = _project_or_404(project_id)
    receipt = shop.load_purchase(db.session, purchase_id)
    if receipt is None or receipt.project_id != project.id or receipt.person.erased_at is not None:
        abort(404)
    record(db.session, actor(), AuditAction.view, receipt.person_id, f"social shop receipt no. {receipt.id}")
    return render_page("portal/shop/receipt.html", project=project, receipt=receipt, person=receipt.person,
                       balance_after=shop.balance_after(db.session, receipt),
                       reversal=shop.reversal_of(db.session, receipt.id))

