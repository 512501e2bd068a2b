"""The ESF report as files: one XLSX workbook (a sheet per band set) and one CSV in long format.

The workbook is for people: labels in the interface language, header rows bold, numbers as numbers,
the project, the period and the time it was made at the top. The CSV is for programs: one value a
line, `band_set,table,row,column,value`, with the machine keys of `esf.py` (e.g.
`2021-2027,labour_status,unemployed,F,12`), in UTF-8 with a BOM so that Excel opens it right.

The indicators come after both band sets: a sheet of their own in the workbook, and in the CSV lines
`,indicators,<code>,<unit|target|achieved|percent>,<value>` (no band set; the unit is its key, such
as `lei`; numbers with a decimal point, empty when there is nothing to count).
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from portal.domain import clock
from decimal import Decimal

from portal.domain.results.esf import COLUMN_LABELS, UNIT_LABELS, BandSet, EsfReport
from portal.i18n import localized

CSV_HEADER = ("band_set", "table", "row", "column", "value")


def period_text(report: EsfReport) -> str:
    """"all entries", "entries from 01.03.2023", "… until …", "… between … and …"."""
    first = report.first.strftime("%d.%m.%Y") if report.first else None
    last = report.last.strftime("%d.%m.%Y") if report.last else None
    if first and last:
        return _("entries from %(first)s to %(last)s", first=first, last=last)
    if first:
        return _("entries from %(first)s", first=first)
    if last:
        return _("entries until %(last)s", last=last)
    return _("all entries since the project started")


def generated_text(report: EsfReport) -> str:
    return report.generated_at.astimezone(clock.TIMEZONE).strftime("%d.%m.%Y %H:%M")


# XLSX ----------------------------------------------------------------------------------------------

def _write_band_set(sheet, report: EsfReport, band_set: BandSet) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    sheet.append([_("ESF report: participants at entry (%(band_set)s bands)", band_set=band_set.name)])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13)
    for label, value in ((_("Project"), f"{report.project_code} – {report.project_title}"),
                         (_("Period"), period_text(report)),
                         (_("Generated"), generated_text(report))):
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    for table in band_set.tables:
        sheet.append([])
        sheet.append([str(table.title)])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
        sheet.append(["", *(str(COLUMN_LABELS[column]) for column in table.columns)])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            label = str(row.label)
            if row.part_of:
                label = f"    {label}"
            if row.sensitive:
                label = f"{label} *"
            sheet.append([label, *(row.cells[column] for column in table.columns)])
        if any(row.sensitive for row in table.rows):
            sheet.append([_("* Special-category data: asked only with the person’s consent; “refused” and "
                            "“not asked” are counted apart.")])
    sheet.append([])
    sheet.append([_("Reconciliation")])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    sheet.append([_("Check"), _("Sum of the rows"), _("All participants"), _("Holds")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for check in band_set.checks:
        sheet.append([check.label, check.left, check.right, _("yes") if check.ok else _("NO")])
    sheet.column_dimensions["A"].width = 52
    for letter in "BCDEFGHI":
        sheet.column_dimensions[letter].width = 13
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def indicators_period_text(report: EsfReport) -> str:
    first = report.first.strftime("%d.%m.%Y") if report.first else None
    last = report.last.strftime("%d.%m.%Y") if report.last else None
    if first and last:
        return _("Achieved from %(first)s to %(last)s", first=first, last=last)
    if first:
        return _("Achieved from %(first)s", first=first)
    if last:
        return _("Achieved until %(last)s", last=last)
    return _("Achieved since the project started")


def _write_indicators(sheet, report: EsfReport) -> None:
    from openpyxl.styles import Font

    bold = Font(bold=True)
    sheet.append([_("Indicators of the project")])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13)
    for label, value in ((_("Project"), f"{report.project_code} – {report.project_title}"),
                         (_("Period"), indicators_period_text(report)),
                         (_("Generated"), generated_text(report))):
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.append([])
    sheet.append([_("Code"), _("Indicator"), _("Unit"), _("Target"), _("Achieved"), _("Percent of the target"),
                  _("Public")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for line in report.indicators:
        sheet.append([line.code, localized(line, "name"), str(UNIT_LABELS.get(line.unit, line.unit.value)),
                      line.target, line.achieved, line.percent, _("yes") if line.is_public else _("no")])
        money = "#,##0.00" if line.unit.value == "lei" else "#,##0.##;-#,##0.##;0"
        for column in (4, 5):
            sheet.cell(row=sheet.max_row, column=column).number_format = money
        sheet.cell(row=sheet.max_row, column=6).number_format = "0.0"
    if not report.indicators:
        sheet.append([_("This project has no indicators yet.")])
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 60
    for letter in "CDEFG":
        sheet.column_dimensions[letter].width = 15
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def esf_xlsx(report: EsfReport) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for band_set in report.band_sets:
        _write_band_set(workbook.create_sheet(band_set.name), report, band_set)
    _write_indicators(workbook.create_sheet(_("Indicators")[:31]), report)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# CSV -----------------------------------------------------------------------------------------------

def csv_rows(report: EsfReport):
    """(band_set, table, row, column, value) for every figure, then the reconciliation (left and right)."""
    for band_set in report.band_sets:
        for table in band_set.tables:
            for row in table.rows:
                for column in table.columns:
                    yield band_set.name, table.key, row.key, column, row.cells[column]
        for check in band_set.checks:
            yield band_set.name, "reconciliation", check.key, "rows", check.left
            yield band_set.name, "reconciliation", check.key, "all", check.right
    for line in report.indicators:
        yield "", "indicators", line.code, "unit", line.unit.value
        yield "", "indicators", line.code, "target", plain_decimal(line.target)
        yield "", "indicators", line.code, "achieved", plain_decimal(line.achieved)
        yield "", "indicators", line.code, "percent", plain_decimal(line.percent)


def plain_decimal(value: Decimal | None) -> str:
    """1500.00 → "1500", 12.50 → "12.5", None → "": what a program reads without surprises."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def esf_csv(report: EsfReport) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(report))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
