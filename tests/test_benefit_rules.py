"""The indicator rules of benefits and the social shop, on hand-made records; their units on the staff pages,
the ESF report's indicators and the public results.

The records are written straight through the models (what the benefits and shop services leave behind:
lists with lines paid or not, ledger lines with their corrections), so that each rule's figure is known
in advance whatever screens make them.
"""
import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.benefits.models import (
    BenefitCategory, BenefitFrequency, BenefitKind, BenefitList, BenefitListStatus, BenefitLine, BenefitUnit,
    EntitlementRule, LedgerKind, LedgerLine, ShopProduct, ShopPurchase, ShopPurchaseItem,
)
from portal.domain.errors import DomainError
from portal.domain.people.models import Sex
from portal.domain.projects.models import Indicator, IndicatorUnit as U, RuleKind as R
from portal.domain.results import esf
from portal.domain.results import services as results
from portal.domain.results.esf_export import csv_rows
from portal.domain.results.services import IndicatorData
from portal.domain.volunteering.models import VolunteerHours
from tests.test_results_rules import ALL, indicator, make_world, months, person


# Records as the benefits and shop services leave them ----------------------------------------------------

def benefit_kind(w, *, name="Subvenție", unit=BenefitUnit.lei, amount="500", activity=None, project=None,
                 category=BenefitCategory.cash_subsidy) -> BenefitKind:
    kind = BenefitKind(project_id=(project or w.project).id, category=category, name_ro=name, name_en="",
                       unit=unit, amount=Decimal(amount), frequency=BenefitFrequency.monthly,
                       activity_id=activity.id if activity else None, rule=EntitlementRule.manual, min_sessions=0)
    w.db.add(kind)
    w.db.flush()
    return kind


def line(w, kind, someone, quantity, *, paid_on=None, period="2026-10") -> BenefitLine:
    """`someone` on a list of `kind` for `period` (made on first use), paid on `paid_on` (None: not yet)."""
    blist = w.db.scalar(select(BenefitList).where(BenefitList.kind_id == kind.id, BenefitList.period == period))
    if blist is None:
        year, month = (int(part) for part in period.split("-"))
        blist = BenefitList(project_id=kind.project_id, kind_id=kind.id, period=period,
                            period_start=date(year, month, 1), period_end=date(year, month, 28),
                            status=BenefitListStatus.approved)
        w.db.add(blist)
        w.db.flush()
    added = BenefitLine(list_id=blist.id, kind_id=kind.id, period=period, person_id=someone.id,
                        quantity=Decimal(quantity), paid_on=paid_on, document_no="CH-1" if paid_on else "",
                        paid_by_id=w.staff.id if paid_on else None)
    w.db.add(added)
    w.db.flush()
    return added


def ledger(w, someone, kind, day, hours, *, corrects=None, project=None, **extra) -> LedgerLine:
    added = LedgerLine(project_id=(project or w.project).id, person_id=someone.id, kind=kind, day=day,
                       hours=Decimal(hours), task="Curățenie în parc", corrects_id=corrects.id if corrects else None,
                       verified_by_id=w.staff.id if kind == LedgerKind.work else None, **extra)
    w.db.add(added)
    w.db.flush()
    return added


def work(w, someone, day, hours, **options) -> LedgerLine:
    return ledger(w, someone, LedgerKind.work, day, hours, **options)


def buy(w, someone, day, hours="2", project=None) -> ShopPurchase:
    project = project or w.project
    product = w.db.scalar(select(ShopProduct).where(ShopProduct.project_id == project.id))
    if product is None:
        product = ShopProduct(project_id=project.id, name_ro="Ulei 1 l", price_hours=Decimal(2), stock=100)
        w.db.add(product)
        w.db.flush()
    purchase = ShopPurchase(project_id=project.id, person_id=someone.id, day=day, total_hours=Decimal(hours))
    w.db.add(purchase)
    w.db.flush()
    w.db.add(ShopPurchaseItem(purchase_id=purchase.id, product_id=product.id, quantity=1, price_hours=Decimal(hours),
                              hours=Decimal(hours)))
    ledger(w, someone, LedgerKind.purchase, day, f"-{hours}", purchase_id=purchase.id, project=project)
    return purchase


def figure(w, rule, **options) -> results.IndicatorResult:
    return results.compute_indicator(w.db, indicator(w.db, w.project, rule, **options))


def benefit_indicator(w, rule, *, kind=None, unit=U.persons, activity=None, code=None, target=10,
                      characteristic="", public=True) -> Indicator:
    return results.save_indicator(w.db, w.project, ALL, IndicatorData(
        code=code or f"B{rule.value[:3].upper()}{kind.id if kind else ''}{unit.value[:2]}", name_ro="Beneficii",
        name_en="Benefits", target=Decimal(target), unit=unit, is_public=public, rule=rule,
        activity_id=activity.id if activity else None, characteristic=characteristic,
        benefit_kind_id=kind.id if kind else None))


def computed(w, target: Indicator) -> tuple[Decimal, dict[str, Decimal]]:
    result = results.compute_indicator(w.db, target)
    return result.computed, dict(result.by_month)


@pytest.fixture
def world(db_session, make_user):
    """Two small projects of their own, as for the other rules (tests/test_results_rules.py)."""
    return make_world(db_session, make_user)


# benefit_recipients and benefits_given ----------------------------------------------------------------------

@pytest.fixture
def benefits(world):
    """Three kinds (subsidy and prizes in lei, meals in pieces) and lines paid, unpaid, in another project."""
    w = world
    w.subsidy = benefit_kind(w, name="Subvenție", activity=w.a1)
    w.prize = benefit_kind(w, name="Premiu", amount="300", category=BenefitCategory.prize)
    w.meal = benefit_kind(w, name="Masă caldă", unit=BenefitUnit.pieces, amount="1", activity=w.a2,
                          category=BenefitCategory.hot_meal)
    w.elsewhere = benefit_kind(w, name="Subvenție", project=w.other)
    w.ana, w.bogdan, w.cora, w.dan = (person(w.db, w.project, born=date(2014, 6, 1)) for _ in range(4))
    w.dan.sex = Sex.male
    line(w, w.subsidy, w.ana, "500", paid_on=date(2026, 9, 10), period="2026-09")
    line(w, w.subsidy, w.ana, "500", paid_on=date(2026, 10, 12), period="2026-10")
    line(w, w.subsidy, w.bogdan, "500", paid_on=date(2026, 10, 12), period="2026-10")
    line(w, w.subsidy, w.cora, "500", period="2026-10")  # on the approved list, not paid yet
    line(w, w.prize, w.cora, "300", paid_on=date(2026, 6, 1), period="2026-06")
    line(w, w.prize, w.dan, "200.50", paid_on=date(2026, 6, 1), period="2026-06")
    line(w, w.meal, w.dan, "18", paid_on=date(2026, 10, 30), period="2026-10")
    line(w, w.meal, w.ana, "20", period="2026-11")  # not handed over yet
    outsider = person(w.db, w.other)
    line(w, w.elsewhere, outsider, "500", paid_on=date(2026, 10, 12))
    return w


def test_benefit_recipients_count_paid_lines_once_per_person_from_the_first_payment(benefits):
    w = benefits
    # Everyone paid anything in the project: Ana (September), Bogdan (October), Cora and Dan (June prizes).
    everyone = benefit_indicator(w, R.benefit_recipients)
    assert computed(w, everyone) == (4, months(m2026_06=2, m2026_09=1, m2026_10=1))
    # Of one kind: Cora's subsidy is approved but not paid, so she is not counted for it.
    assert computed(w, benefit_indicator(w, R.benefit_recipients, kind=w.subsidy)) == (
        2, months(m2026_09=1, m2026_10=1))
    # Of the kinds of an activity: the meals of A2 handed to Dan (Ana's are not handed over yet).
    assert computed(w, benefit_indicator(w, R.benefit_recipients, activity=w.a2, code="BA2")) == (
        1, months(m2026_10=1))
    # Characteristics as for services: sex at the payment.
    assert computed(w, benefit_indicator(w, R.benefit_recipients, characteristic="sex:M", code="BM"))[0] == 1
    assert computed(w, benefit_indicator(w, R.benefit_recipients, characteristic="age:under_18", code="BU"))[0] == 4


def test_benefits_given_sum_what_was_paid_in_the_indicators_unit(benefits):
    w = benefits
    lei = benefit_indicator(w, R.benefits_given, unit=U.lei, target=10000)
    # 500 + 500 + 500 of subsidies and 300 + 200.50 of prizes; never the meals, Cora's unpaid 500 or the other project.
    total, by_month = computed(w, lei)
    assert total == Decimal("2000.50") and isinstance(total, Decimal)
    assert by_month == months(m2026_06="500.50", m2026_09=500, m2026_10=1000)
    assert sum(by_month.values()) == total
    assert computed(w, benefit_indicator(w, R.benefits_given, unit=U.pieces))[0] == 18
    assert computed(w, benefit_indicator(w, R.benefits_given, unit=U.lei, kind=w.prize))[0] == Decimal("500.50")
    assert computed(w, benefit_indicator(w, R.benefits_given, unit=U.lei, activity=w.a1, code="BLA1"))[0] == 1500


def test_a_line_paid_later_counts_from_its_payment(benefits):
    w = benefits
    target = benefit_indicator(w, R.benefits_given, unit=U.lei, kind=w.subsidy)
    assert computed(w, target)[0] == 1500
    cora = w.db.scalar(select(BenefitLine).where(BenefitLine.person_id == w.cora.id, BenefitLine.kind_id == w.subsidy.id))
    cora.paid_on, cora.paid_by_id = date(2026, 11, 3), w.staff.id
    w.db.flush()
    assert computed(w, target) == (2000, months(m2026_09=500, m2026_10=1000, m2026_11=500))


def test_a_benefit_kind_must_be_of_the_project_and_of_the_indicators_unit(benefits):
    w = benefits
    cases = [
        (dict(rule=R.benefits_given, unit=U.persons), "indicator_unit", "unit"),
        (dict(rule=R.benefit_recipients, unit=U.lei), "indicator_unit", "unit"),
        (dict(rule=R.benefits_given, unit=U.pieces, benefit_kind_id=w.subsidy.id), "indicator_unit", "unit"),
        (dict(rule=R.benefits_given, unit=U.lei, benefit_kind_id=w.elsewhere.id), "indicator_benefit_kind",
         "benefit_kind_id"),
        (dict(rule=R.benefit_recipients, benefit_kind_id=w.meal.id, activity_id=w.a1.id), "indicator_benefit_kind",
         "benefit_kind_id"),
        (dict(rule=R.attending_persons, benefit_kind_id=w.subsidy.id), "indicator_benefit_kind", "benefit_kind_id"),
        (dict(rule=R.benefit_recipients, activity_id=w.other_a1.id), "indicator_activity", "activity_id"),
        (dict(rule=R.benefits_given, unit=U.lei, characteristic="sex:F"), "indicator_characteristic",
         "characteristic"),
        (dict(rule=R.shop_participants, activity_id=w.a1.id), "indicator_activity_kind", "activity_id"),
        (dict(rule=R.community_work_hours, unit=U.persons), "indicator_unit", "unit"),
    ]
    for changes, code, field in cases:
        data = IndicatorData(**{"code": "X1", "name_ro": "Indicator", "name_en": "", "target": Decimal(10),
                                "unit": U.persons, "is_public": True, "rule": R.benefit_recipients, **changes})
        with pytest.raises(DomainError) as refused:
            results.save_indicator(w.db, w.project, ALL, data)
        assert (refused.value.code, refused.value.field) == (code, field), changes
    # The kind is kept only for the rules of benefits.
    saved = benefit_indicator(w, R.benefits_given, unit=U.pieces, kind=w.meal)
    assert saved.benefit_kind_id == w.meal.id
    results.save_indicator(w.db, w.project, ALL, IndicatorData(
        code=saved.code, name_ro="Fără regulă", name_en="", target=Decimal(4), unit=U.pieces, is_public=True,
        rule=None, benefit_kind_id=w.meal.id), indicator=saved)
    assert saved.benefit_kind_id is None


def test_the_persons_behind_a_benefit_figure_with_their_amounts(benefits):
    w = benefits
    lei = benefit_indicator(w, R.benefits_given, unit=U.lei)
    persons, total = results.counted_persons(w.db, ALL, lei)
    assert total == 4
    amounts = {row.person_id: (row.first_on, row.amount) for row in persons}
    assert amounts == {w.ana.id: (date(2026, 9, 10), Decimal(1000)), w.bogdan.id: (date(2026, 10, 12), Decimal(500)),
                       w.cora.id: (date(2026, 6, 1), Decimal(300)), w.dan.id: (date(2026, 6, 1), Decimal("200.50"))}
    assert sum(row.amount for row in persons) == results.compute_indicator(w.db, lei).computed
    recipients = benefit_indicator(w, R.benefit_recipients, kind=w.subsidy)
    persons, total = results.counted_persons(w.db, ALL, recipients)
    assert total == 2 and {row.person_id for row in persons} == {w.ana.id, w.bogdan.id}
    assert w.db.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.view,
                                                AuditEntry.details.like(f"%{recipients.code}: list of 2 persons%")))


# shop_participants and community_work_hours ----------------------------------------------------------------

@pytest.fixture
def shop(world):
    w = world
    w.eva, w.filip, w.gina, w.horia = (person(w.db, w.project) for _ in range(4))
    w.eva_work = work(w, w.eva, date(2026, 9, 14), "4")
    w.eva_more = work(w, w.eva, date(2026, 10, 5), "2.5")
    buy(w, w.eva, date(2026, 10, 6), "5")
    w.filip_work = work(w, w.filip, date(2026, 10, 20), "3")
    # Gina only had volunteer hours credited, and spent them: she bought, so she takes part in the shop.
    hours = VolunteerHours(project_id=w.project.id, activity_id=w.v1.id, person_id=w.gina.id, day=date(2026, 8, 1),
                           hours=Decimal(6))
    w.db.add(hours)
    w.db.flush()
    ledger(w, w.gina, LedgerKind.volunteer, date(2026, 8, 1), "6", volunteer_hours_id=hours.id)
    buy(w, w.gina, date(2026, 11, 2), "4")
    # Horia only had volunteer hours credited: not a shop participant, and no community work.
    ledger(w, w.horia, LedgerKind.volunteer, date(2026, 8, 1), "3")
    # Work in the other project.
    outsider = person(w.db, w.other)
    work(w, outsider, date(2026, 10, 1), "8", project=w.other)
    return w


def test_shop_participants_did_community_work_or_bought_once_each(shop):
    w = shop
    assert computed(w, indicator(w.db, w.project, R.shop_participants)) == (
        3, months(m2026_09=1, m2026_10=1, m2026_11=1))
    persons, total = results.counted_persons(w.db, ALL, indicator(w.db, w.project, R.shop_participants))
    assert total == 3 and {row.person_id: row.first_on for row in persons} == {
        w.eva.id: date(2026, 9, 14), w.filip.id: date(2026, 10, 20), w.gina.id: date(2026, 11, 2)}


def test_community_work_hours_with_corrections_and_without_volunteer_credits(shop):
    w = shop
    target = indicator(w.db, w.project, R.community_work_hours, unit=U.hours)
    assert computed(w, target) == (Decimal("9.5"), months(m2026_09=4, m2026_10="5.5"))
    # A correction of work counts on the day of the work it corrects; one of a purchase or of volunteer
    # hours is not community work.
    ledger(w, w.eva, LedgerKind.correction, date(2026, 11, 20), "-1.5", corrects=w.eva_work)
    ledger(w, w.filip, LedgerKind.correction, date(2026, 11, 21), "0.25", corrects=w.filip_work)
    purchase_line = w.db.scalar(select(LedgerLine).where(LedgerLine.person_id == w.eva.id,
                                                         LedgerLine.kind == LedgerKind.purchase))
    ledger(w, w.eva, LedgerKind.correction, date(2026, 11, 22), "5", corrects=purchase_line)
    total, by_month = computed(w, target)
    assert total == Decimal("8.25") and by_month == months(m2026_09="2.5", m2026_10="5.75")
    assert sum(by_month.values()) == total
    persons, count = results.counted_persons(w.db, ALL, target)
    assert count == 2 and {row.person_id: row.amount for row in persons} == {
        w.eva.id: Decimal(5), w.filip.id: Decimal("3.25")}


# The staff pages: units, the benefit kind on the form ------------------------------------------------------

def test_lei_are_shown_as_money_and_pieces_as_counts_on_the_staff_pages(benefits, login_as, client):
    w = benefits
    w.db.commit()
    lei = benefit_indicator(w, R.benefits_given, unit=U.lei, target="49000", code="L1")
    pieces = benefit_indicator(w, R.benefits_given, unit=U.pieces, target="2000", code="P1")
    w.db.commit()
    login_as("admin")
    client.set_cookie("lang", "en")
    dashboard = client.get(f"/portal/proiecte/{w.project.id}/rezultate").get_data(as_text=True)
    assert "49,000 lei" in dashboard and "2,000.5 lei" in dashboard
    assert "2,000 pieces" in dashboard and "Pieces handed over for any benefit kind of the project" in dashboard
    page = client.get(f"/portal/indicatori/{lei.id}?persoane=1").get_data(as_text=True)
    assert "Lei paid for any benefit kind of the project" in page and "200.5 lei" in page
    assert "1,000 lei" in page  # Ana's two subsidies, in the list of persons
    page = client.get(f"/portal/indicatori/{pieces.id}").get_data(as_text=True)
    assert "18 pieces" in page


def test_the_benefit_kind_is_chosen_on_the_indicator_form(benefits, login_as, client):
    w = benefits
    w.db.commit()
    login_as("admin")
    client.set_cookie("lang", "en")
    url = f"/portal/proiecte/{w.project.id}/indicatori/nou"
    form = client.get(url).get_data(as_text=True)
    assert 'name="benefit_kind_id"' in form and "Masă caldă (1 piece, monthly)" in form
    assert "Subvenție (500 lei, monthly)" in form and "Any benefit kind" in form
    fields = {"code": "I9", "name_ro": "Subvenții plătite", "name_en": "", "target": "1.000", "unit": "pieces",
              "is_public": "y", "rule": "benefits_given", "activity_id": "", "min_sessions": "1",
              "characteristic": "", "benefit_kind_id": str(w.subsidy.id)}
    refused = client.post_form(url, fields)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "counted in another unit" in text and 'value="1.000"' in text
    saved = client.post_form(url, {**fields, "unit": "lei"})
    assert saved.status_code == 303
    created = w.db.scalar(select(Indicator).where(Indicator.project_id == w.project.id, Indicator.code == "I9"))
    assert created.benefit_kind_id == w.subsidy.id and created.unit == U.lei
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Lei paid for the benefit kind Subvenție" in page and "1,500 lei" in page
    edit = client.get(f"/portal/indicatori/{created.id}/editare").get_data(as_text=True)
    assert f'<option selected value="{w.subsidy.id}">' in edit


# The ESF report's indicators ------------------------------------------------------------------------------

def test_the_esf_report_lists_every_indicator_with_what_was_achieved_in_the_period(benefits, login_as, client):
    w = benefits
    benefit_indicator(w, R.benefits_given, unit=U.lei, target="4000", code="L1", public=False)
    benefit_indicator(w, R.benefit_recipients, kind=w.subsidy, target="4", code="R1")
    w.db.commit()
    everything = {line.code: line for line in esf.esf_report(w.db, w.project).indicators}
    assert everything["L1"].achieved == Decimal("2000.50") and everything["L1"].percent == Decimal("50.0")
    assert everything["R1"].achieved == 2 and everything["R1"].percent == 50
    october = {line.code: line for line in esf.esf_report(w.db, w.project, date(2026, 10, 1),
                                                          date(2026, 10, 31)).indicators}
    assert october["L1"].achieved == 1000 and october["R1"].achieved == 1  # Bogdan; Ana counted in September
    assert [line.code for line in esf.esf_report(w.db, w.project).indicators] == ["L1", "R1"]

    login_as("admin")
    client.set_cookie("lang", "en")
    base = f"/portal/proiecte/{w.project.id}/raport-fse"
    page = client.get(f"{base}?de_la=01.10.2026&pana_la=31.10.2026").get_data(as_text=True)
    table = re.search(r'<section class="esf-indicators".*?</section>', page, re.DOTALL).group(0)
    assert "Achieved from 01.10.2026 to 31.10.2026" in table and "internal" in table
    assert re.search(r"<th scope=\"row\">L1</th>.*?4,000 lei</td>\s*<td class=\"num\">1,000 lei</td>\s*"
                     r"<td class=\"num\">25%</td>", table, re.DOTALL)
    lines = list(csv.reader(io.StringIO(client.get(f"{base}.csv?de_la=01.10.2026&pana_la=31.10.2026")
                                        .data.decode("utf-8-sig"))))
    rows = {tuple(line[1:4]): line[4] for line in lines[1:] if line[1] == "indicators"}
    assert rows == {("indicators", "L1", "unit"): "lei", ("indicators", "L1", "target"): "4000",
                    ("indicators", "L1", "achieved"): "1000", ("indicators", "L1", "percent"): "25",
                    ("indicators", "R1", "unit"): "persons", ("indicators", "R1", "target"): "4",
                    ("indicators", "R1", "achieved"): "1", ("indicators", "R1", "percent"): "25"}
    assert len([line for line in lines if line[1] == "reconciliation"]) > 10  # the reconciliation is still there

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data))
    assert workbook.sheetnames == ["2014-2020", "2021-2027", "Indicators"]
    sheet = [row for row in workbook["Indicators"].iter_rows(values_only=True)]
    assert sheet[0][0] == "Indicators of the project" and "Achieved since the project started" in sheet[2][1]
    header = sheet.index(("Code", "Indicator", "Unit", "Target", "Achieved", "Percent of the target", "Public"))
    body = {row[0]: row for row in sheet[header + 1:]}
    assert body["L1"][2:] == ("lei", 4000, 2000.5, 50, "no")
    assert body["R1"][2:] == ("persons", 4, 2, 50, "yes")
    assert workbook["Indicators"].cell(row=header + 2, column=5).number_format == "#,##0.00"
    # The CSV helper gives the same lines as the file.
    assert any(row[1] == "indicators" for row in csv_rows(esf.esf_report(w.db, w.project)))


# The public results -------------------------------------------------------------------------------------

def test_the_public_page_hides_small_counts_of_recipients_and_shows_lei(benefits, client):
    w = benefits
    benefit_indicator(w, R.benefit_recipients, kind=w.subsidy, target="98", code="R1")
    benefit_indicator(w, R.benefits_given, unit=U.lei, target="49000", code="L1")
    benefit_indicator(w, R.benefits_given, unit=U.pieces, target="2000", code="P1")
    w.db.commit()
    client.set_cookie("lang", "en")
    page = client.get(f"/rezultate/{w.project.code}").get_data(as_text=True)
    assert "&lt;5 of 98 persons" in page  # two recipients
    assert "2,000.5 lei of 49,000 lei" in page and "18 of 2,000 pieces" in page
    data = json.loads(client.get(f"/rezultate/{w.project.code}.json").get_data())
    figures = {item["code"]: item for item in data["indicators"]}
    assert figures["R1"]["achieved"] is None and figures["R1"]["suppressed"] is True
    assert figures["L1"] == {**figures["L1"], "achieved": 2000.5, "target": 49000, "unit": "lei", "suppressed": False}
    assert figures["P1"]["achieved"] == 18 and figures["P1"]["unit"] == "pieces"
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(
        client.get(f"/rezultate/{w.project.code}.csv").get_data().decode("utf-8-sig")))}
    assert rows["R1"]["achieved"] == "<5" and rows["L1"]["achieved"] == "2000.5" and rows["L1"]["unit"] == "lei"


def test_shop_participants_below_five_are_hidden_too(shop, client):
    w = shop
    indicator(w.db, w.project, R.shop_participants, code="S1", target=100)
    w.db.commit()
    client.set_cookie("lang", "en")
    assert "&lt;5 of 100 persons" in client.get(f"/rezultate/{w.project.code}").get_data(as_text=True)


def test_a_correction_of_a_correction_of_work_counts_and_a_reversed_purchase_does_not(shop):
    w = shop
    target = indicator(w.db, w.project, R.community_work_hours, unit=U.hours)
    first = ledger(w, w.filip, LedgerKind.correction, date(2026, 11, 20), "-2", corrects=w.filip_work)
    ledger(w, w.filip, LedgerKind.correction, date(2026, 11, 21), "1", corrects=first)  # half of it was right
    assert computed(w, target) == (Decimal("8.5"), months(m2026_09=4, m2026_10="4.5"))
    participants = indicator(w.db, w.project, R.shop_participants)
    purchase = w.db.scalar(select(ShopPurchase).where(ShopPurchase.person_id == w.gina.id))
    bought = w.db.scalar(select(LedgerLine).where(LedgerLine.purchase_id == purchase.id))
    ledger(w, w.gina, LedgerKind.correction, date(2026, 11, 3), "4", corrects=bought, purchase_id=purchase.id)
    assert computed(w, participants) == (2, months(m2026_09=1, m2026_10=1))
    assert computed(w, target)[0] == Decimal("8.5")
