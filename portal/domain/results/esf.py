"""The ESF report: a project's participants at entry, by sex, labour status, age, education and situation.

Every member of the target group counts once (one enrollment per person and project, whatever
re-entries followed), with the characteristics frozen at their first entry; a record merged into
another is not counted again, an erased one still is (its entry data stays). The figures come from
three grouped statements whatever the size of the project; the band sets of both programming periods
are made from the same counts, so the 2014–2020 and 2021–2027 tables always agree with each other.

The result is plain data (tables of integers with machine keys), which the page, the XLSX and the CSV
all render; a reconciliation list proves that every table adds up to all participants.

Then the project's indicators (every one, public or internal): target and what the records show
achieved, in the report's period when it has one (persons counted for the first time, lei paid, hours
worked... in the period), or in all. Decimal amounts: lei are money, never floats.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.domain.people.models import SENSITIVE_SITUATIONS, SITUATIONS, Answer, Enrollment, Person
from portal.domain.projects.models import Indicator, IndicatorUnit, Project, RuleKind
from portal.domain.results import services as results
from portal.domain.results.rules import AGE_BANDS, ISCED_BANDS, LABOUR_GROUPS

# Columns: the sex split, always with the participants whose sex is not recorded, then the total.
SEX_COLUMNS = ("F", "M", "not_recorded")
TOTAL = "total"
COLUMNS = (*SEX_COLUMNS, TOTAL)
NOT_RECORDED = "not_recorded"

BAND_SETS = ("2014", "2021")
BAND_SET_NAMES = {"2014": "2014-2020", "2021": "2021-2027"}
AGE_BAND_SETS = {"2014": ("under_25", "25_54", "over_54"), "2021": ("under_18", "18_29", "30_54", "55_plus")}
# ISCED 0 is not in a 2014–2020 band (they start at ISCED 1): it gets its own row so the table adds up.
BELOW_ISCED_1 = "0"
ISCED_BAND_SETS = {"2014": (BELOW_ISCED_1, "1_2", "3_4", "5_8"), "2021": ("0_2", "3_4", "5_8")}
# The labour-status rows, in order: (group, the group it is part of, or None for a row that adds up).
LABOUR_ROWS: tuple[tuple[str, str | None], ...] = (
    ("employed", None), ("unemployed", None), ("long_term_unemployed", "unemployed"),
    ("inactive", None), ("inactive_not_in_education", "inactive"),
)
ANSWERS = (Answer.yes, Answer.no, Answer.refused, Answer.not_asked)
SITUATION_COLUMNS = (*(answer.value for answer in ANSWERS), TOTAL, *(f"yes_{sex}" for sex in SEX_COLUMNS))

# What the page and the workbook call things (the CSV uses the keys).
TABLE_TITLES = {
    "participants": _l("All participants"),
    "labour_status": _l("Labour status at entry"),
    "age": _l("Age at entry"),
    "education": _l("Education at entry (ISCED)"),
    "situations": _l("Disadvantaged situations at entry"),
}
COLUMN_LABELS = {
    "F": _l("Women"), "M": _l("Men"), NOT_RECORDED: _l("Sex not recorded"), TOTAL: _l("Total"),
    "yes": _l("yes"), "no": _l("no"), "refused": _l("refused"), "not_asked": _l("not asked"),
    "yes_F": _l("yes: women"), "yes_M": _l("yes: men"), "yes_not_recorded": _l("yes: sex not recorded"),
}
UNIT_LABELS = {  # as on the indicators' pages
    IndicatorUnit.persons: _l("persons"), IndicatorUnit.services: _l("services"),
    IndicatorUnit.sessions: _l("sessions"), IndicatorUnit.events: _l("events"), IndicatorUnit.hours: _l("hours"),
    IndicatorUnit.lei: _l("lei"), IndicatorUnit.pieces: _l("pieces (meals, kits, vouchers)"),
}
ROW_LABELS = {
    "all": _l("All participants"),
    "employed": _l("employed (including self-employed)"),
    "unemployed": _l("unemployed"),
    "long_term_unemployed": _l("of which long-term unemployed"),
    "inactive": _l("inactive"),
    "inactive_not_in_education": _l("of which not in education or training"),
    "under_25": _l("under 25"), "25_54": _l("25–54"), "over_54": _l("over 54"),
    "under_18": _l("under 18"), "18_29": _l("18–29"), "30_54": _l("30–54"), "55_plus": _l("55 and over"),
    "isced_0": _l("ISCED 0 (below ISCED 1)"), "isced_1_2": _l("ISCED 1–2"), "isced_0_2": _l("ISCED 0–2"),
    "isced_3_4": _l("ISCED 3–4"), "isced_5_8": _l("ISCED 5–8"), NOT_RECORDED: _l("not recorded"),
    "disability": _l("participants with disabilities"),
    "minority": _l("Roma or other minorities"),
    "homeless": _l("homeless or affected by housing exclusion"),
    "jobless_household": _l("living in a jobless household"),
    "single_parent_household": _l("living in a single-parent household"),
    "rural": _l("living in a rural area"),
}


def isced_row_key(band: str) -> str:
    return f"isced_{band}"


# The figures -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    key: str  # machine key, e.g. "unemployed", "18_29", "isced_3_4", "disability"
    cells: dict[str, int]  # column key -> count
    part_of: str | None = None  # an "of which" row: the key of the row it is part of
    sensitive: bool = False  # a special-category question (disability, minority)

    @property
    def label(self):
        return ROW_LABELS.get(self.key, self.key)


@dataclass(frozen=True)
class Table:
    key: str  # "participants", "labour_status", "age", "education", "situations"
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def title(self):
        return TABLE_TITLES[self.key]

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)

    def cell(self, row: str, column: str) -> int:
        return self.row(row).cells[column]

    def column_sum(self, column: str) -> int:
        """The sum of the rows that add up (not the "of which" rows)."""
        return sum(row.cells[column] for row in self.rows if row.part_of is None)


@dataclass(frozen=True)
class Check:
    key: str  # "labour_status:F", "age:total", "situations:disability"
    label: str
    left: int  # the sum of the table's rows
    right: int  # all participants

    @property
    def ok(self) -> bool:
        return self.left == self.right


@dataclass(frozen=True)
class BandSet:
    key: str  # "2014" or "2021"
    tables: tuple[Table, ...]
    checks: tuple[Check, ...]

    @property
    def name(self) -> str:
        return BAND_SET_NAMES[self.key]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator of the project in the report: its target and what was achieved (in the period)."""

    code: str
    name_ro: str
    name_en: str
    unit: IndicatorUnit
    target: Decimal
    achieved: Decimal | None  # None: no rule and no adjustment
    is_public: bool
    rule: RuleKind | None

    @property
    def percent(self) -> Decimal | None:
        if self.achieved is None or not self.target:
            return None
        return (self.achieved * 100 / self.target).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class EsfReport:
    project_id: int
    project_code: str
    project_title: str
    first: date | None  # entries from this day (None: from the start)
    last: date | None  # entries up to this day (None: to the end)
    generated_at: datetime  # UTC
    participants: Table
    labour: Table
    situations: Table
    ages: dict[str, Table]  # band set -> table
    education: dict[str, Table]  # band set -> table
    indicators: tuple[IndicatorLine, ...] = ()

    @property
    def total(self) -> int:
        return self.participants.cell("all", TOTAL)

    def band_set(self, key: str) -> BandSet:
        """All the tables of one programming period, with the checks that they add up."""
        tables = (self.participants, self.labour, self.ages[key], self.education[key], self.situations)
        return BandSet(key=key, tables=tables, checks=tuple(reconcile(self, key)))

    @property
    def band_sets(self) -> tuple[BandSet, ...]:
        return tuple(self.band_set(key) for key in BAND_SETS)

    @property
    def ok(self) -> bool:
        return all(band_set.ok for band_set in self.band_sets)


# The grouped statements ------------------------------------------------------------------------------

def _counted(project_id: int, first: date | None, last: date | None, *columns):
    """SELECT sex, <columns>, count(*) over the project's participants, grouped by all of them."""
    statement = (select(Person.sex, *columns, func.count())
                 .select_from(Enrollment).join(Person, Person.id == Enrollment.person_id)
                 .where(Enrollment.project_id == project_id, Person.merged_into_id.is_(None))
                 .group_by(Person.sex, *columns))
    if first is not None:
        statement = statement.where(Enrollment.first_entry_date >= first)
    if last is not None:
        statement = statement.where(Enrollment.first_entry_date <= last)
    return statement


def _sex_key(sex) -> str:
    return sex.value if sex is not None else NOT_RECORDED


def _cells(counts: Counter, accepts) -> dict[str, int]:
    """Counts by sex and their total, of the values the predicate accepts; counts: {(sex, value): n}."""
    cells = dict.fromkeys(SEX_COLUMNS, 0)
    for (sex, value), number in counts.items():
        if accepts(value):
            cells[sex] += number
    cells[TOTAL] = sum(cells.values())
    return cells


def _in_band(low: int | None, high: int | None):
    return lambda value: value is not None and (low is None or value >= low) and (high is None or value <= high)


def _situation_rows(db: Session, project_id: int, first: date | None, last: date | None,
                    names: tuple[str, ...] = SITUATIONS) -> tuple[Row, ...]:
    """One statement: per sex, how many answered each situation's question yes / no / refused / not asked."""
    pairs = [(name, answer) for name in names for answer in ANSWERS]
    statement = _counted(project_id, first, last).add_columns(
        *(func.count(case((getattr(Enrollment, name) == answer, 1))) for name, answer in pairs))
    counts: Counter = Counter()
    for sex, _everyone, *numbers in db.execute(statement):
        for (name, answer), number in zip(pairs, numbers):
            counts[(name, _sex_key(sex), answer)] += number
    rows = []
    for name in names:
        cells = {answer.value: sum(counts[(name, sex, answer)] for sex in SEX_COLUMNS) for answer in ANSWERS}
        cells[TOTAL] = sum(cells.values())
        cells.update({f"yes_{sex}": counts[(name, sex, Answer.yes)] for sex in SEX_COLUMNS})
        rows.append(Row(name, cells, sensitive=name in SENSITIVE_SITUATIONS))
    return tuple(rows)


def esf_report(db: Session, project: Project, first: date | None = None, last: date | None = None, *,
               with_sensitive: bool = True) -> EsfReport:
    """The project's participants whose first entry falls between `first` and `last` (both optional).

    Without `with_sensitive` (a reader without the right to special-category data) the disability and
    minority rows are left out: over a short period a count of 1 would tell who answered what.

    Three statements: all participants by sex; participants by sex, labour status, age and ISCED level
    (a few thousand groups at most, banded here); the answers to the situation questions by sex."""
    by_sex: Counter = Counter()
    for sex, number in db.execute(_counted(project.id, first, last)):
        by_sex[_sex_key(sex)] += number
    participants = Table("participants", COLUMNS, (Row("all", {**{sex: by_sex[sex] for sex in SEX_COLUMNS},
                                                               TOTAL: sum(by_sex.values())}),))

    labour_counts: Counter = Counter()
    age_counts: Counter = Counter()
    isced_counts: Counter = Counter()
    for sex, status, age, isced, number in db.execute(_counted(project.id, first, last, Enrollment.labour_status,
                                                               Enrollment.age_at_entry, Enrollment.isced_level)):
        sex = _sex_key(sex)
        labour_counts[(sex, status)] += number
        age_counts[(sex, age)] += number
        isced_counts[(sex, isced)] += number

    labour = Table("labour_status", COLUMNS, tuple(
        Row(group, _cells(labour_counts, lambda value, group=group: value in LABOUR_GROUPS[group]), part_of=parent)
        for group, parent in LABOUR_ROWS))
    ages = {band_set: Table("age", COLUMNS, tuple(Row(band, _cells(age_counts, _in_band(*AGE_BANDS[band])))
                                                  for band in bands))
            for band_set, bands in AGE_BAND_SETS.items()}
    education = {}
    for band_set, bands in ISCED_BAND_SETS.items():
        rows = [Row(isced_row_key(band),
                    _cells(isced_counts, _in_band(*((0, 0) if band == BELOW_ISCED_1 else ISCED_BANDS[band]))))
                for band in bands]
        rows.append(Row(NOT_RECORDED, _cells(isced_counts, lambda value: value is None)))
        education[band_set] = Table("education", COLUMNS, tuple(rows))

    names = SITUATIONS if with_sensitive else tuple(name for name in SITUATIONS if name not in SENSITIVE_SITUATIONS)
    situations = Table("situations", SITUATION_COLUMNS, _situation_rows(db, project.id, first, last, names))
    return EsfReport(project_id=project.id, project_code=project.code, project_title=project.title, first=first,
                     last=last, generated_at=utcnow(), participants=participants, labour=labour,
                     situations=situations, ages=ages, education=education,
                     indicators=indicator_lines(db, project, first, last))


def indicator_lines(db: Session, project: Project, first: date | None = None,
                    last: date | None = None) -> tuple[IndicatorLine, ...]:
    """Every indicator of the project, in code order, achieved in the period (or in all without one)."""
    if first is None and last is None:  # the figures of the dashboard, exactly
        found = results.compute_project(db, project).indicators
        return tuple(IndicatorLine(code=item.code, name_ro=item.name_ro, name_en=item.name_en, unit=item.unit,
                                   target=item.target, achieved=item.achieved, is_public=item.is_public,
                                   rule=item.rule) for item in found)
    indicators = sorted(db.scalars(select(Indicator).where(Indicator.project_id == project.id)),
                        key=lambda item: results.code_key(item.code))
    return tuple(IndicatorLine(code=item.code, name_ro=item.name_ro, name_en=item.name_en, unit=item.unit,
                               target=Decimal(item.target), achieved=results.achieved_between(db, item, first, last),
                               is_public=item.is_public, rule=item.rule) for item in indicators)


# The reconciliation ----------------------------------------------------------------------------------

def reconcile(report: EsfReport, band_set: str) -> list[Check]:
    """Every table of a band set adds up to all participants: in each sex column and in the total for the
    labour status, age and education; each situation's four answers add up to everyone."""
    everyone = report.participants.row("all").cells
    checks = []
    sums = {
        "labour_status": _l("Employed + unemployed + inactive = all participants"),
        "age": _l("The age bands add up to all participants"),
        "education": _l("The education bands add up to all participants"),
    }
    tables = {"labour_status": report.labour, "age": report.ages[band_set], "education": report.education[band_set]}
    for key, label in sums.items():
        for column in COLUMNS:
            checks.append(Check(key=f"{key}:{column}", label=f"{label} ({COLUMN_LABELS[column]})",
                                left=tables[key].column_sum(column), right=everyone[column]))
    for row in report.situations.rows:
        checks.append(Check(key=f"situations:{row.key}",
                            label=str(_l("%(situation)s: yes + no + refused + not asked = all participants",
                                         situation=row.label)),
                            left=sum(row.cells[answer.value] for answer in ANSWERS), right=everyone[TOTAL]))
    return checks
