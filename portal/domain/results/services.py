"""Indicators and their achieved values: rules, adjustments, the figures of a project, the cache.

The figures of a project are computed once per version of the records (`version.py`) and kept in
a `ResultsCache`: the staff dashboard, the public results pages and the open data all read the same
`ProjectResults`, so they always agree, and none of them ever shows a figure older than the records.
"""
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.db import utcnow
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record as audit
from portal.domain.benefits.models import BenefitKind
from portal.domain.casework.models import ServiceType
from portal.domain.errors import DomainError
from portal.domain.people.models import Enrollment, Person, Sex
from portal.domain.projects.models import Activity, Indicator, IndicatorUnit, Project, RuleKind
from portal.domain.projects.services import require
from portal.domain.results import rules
from portal.domain.results.models import IndicatorAdjustment
from portal.domain.results.version import current_version, has_uncommitted_changes
from portal.domain.text import normalize_ro

RESULTS_MANAGE = "results.manage"  # a project's indicators, their rules and adjustments
# The units an indicator of each rule may be counted in.
RULE_UNITS: dict[RuleKind, tuple[IndicatorUnit, ...]] = {
    **{rule: (IndicatorUnit.persons,) for rule in rules.PERSON_RULES},
    RuleKind.services_delivered: (IndicatorUnit.services,),
    RuleKind.volunteer_hours: (IndicatorUnit.hours,),
    RuleKind.sessions_held: (IndicatorUnit.sessions, IndicatorUnit.events),
    RuleKind.benefits_given: (IndicatorUnit.lei, IndicatorUnit.pieces),
    RuleKind.community_work_hours: (IndicatorUnit.hours,),
}
SMALL_COUNT = 5  # public breakdowns show counts from 1 to SMALL_COUNT - 1 as "<5"
INDICATOR_CODE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")


# Figures -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's figures, detached from the database so that they can be cached."""

    id: int
    code: str
    name_ro: str
    name_en: str
    target: Decimal
    unit: IndicatorUnit
    is_public: bool
    rule: RuleKind | None
    computed: Decimal | None  # None: the indicator has no rule
    adjustment: Decimal  # the sum of the logged adjustments
    by_month: tuple[tuple[str, Decimal], ...]  # ('2026-03', added that month), rule and adjustments together

    @property
    def achieved(self) -> Decimal | None:
        if self.computed is None and not self.adjustment:
            return None
        return (self.computed or Decimal(0)) + self.adjustment

    @property
    def percent(self) -> Decimal | None:
        """Achieved as a share of the target, in per cent (may pass 100)."""
        if self.achieved is None or not self.target:
            return None
        return (self.achieved * 100 / self.target).quantize(Decimal("0.1"))

    def cumulative(self, months: list[str]) -> list[Decimal]:
        """The achieved value at the end of each of the given months ('2026-03'), in order."""
        added = dict(self.by_month)
        running = sum((amount for month, amount in self.by_month if months and month < months[0]), Decimal(0))
        values = []
        for month in months:
            running += added.get(month, Decimal(0))
            values.append(running)
        return values


@dataclass(frozen=True)
class ProjectResults:
    project_id: int
    version: int
    computed_at: datetime  # UTC
    indicators: tuple[IndicatorResult, ...]

    @property
    def public_indicators(self) -> tuple[IndicatorResult, ...]:
        return tuple(indicator for indicator in self.indicators if indicator.is_public)


def compute_indicator(db: Session, indicator: Indicator,
                      adjusted: list[tuple[Decimal, date]] | None = None) -> IndicatorResult:
    """The indicator's figures; `adjusted` (amount, effective_on) are its adjustments when already read."""
    query = rules.rule_query(indicator)
    by_month: dict[str, Decimal] = rules.computed_by_month(db, query) if query else {}
    computed = sum(by_month.values(), Decimal(0)) if query else None
    adjustment = Decimal(0)
    if adjusted is None:
        adjusted = db.execute(select(IndicatorAdjustment.amount, IndicatorAdjustment.effective_on)
                              .where(IndicatorAdjustment.indicator_id == indicator.id)).all()
    for amount, effective_on in adjusted:
        adjustment += amount
        key = effective_on.strftime("%Y-%m")
        by_month[key] = by_month.get(key, Decimal(0)) + amount
    return IndicatorResult(
        id=indicator.id, code=indicator.code, name_ro=indicator.name_ro, name_en=indicator.name_en,
        target=Decimal(indicator.target), unit=indicator.unit, is_public=indicator.is_public, rule=indicator.rule,
        computed=computed, adjustment=adjustment, by_month=tuple(sorted(by_month.items())))


def achieved_between(db: Session, indicator: Indicator, first: date | None, last: date | None) -> Decimal | None:
    """The achieved value added from `first` to `last` (both optional): what the rule counts in the period
    and the adjustments that count from a day in it; None without rule or adjustments (as `achieved`)."""
    query = rules.rule_query(indicator)
    adjustments = db.execute(select(IndicatorAdjustment.amount, IndicatorAdjustment.effective_on)
                             .where(IndicatorAdjustment.indicator_id == indicator.id)).all()
    if query is None and not adjustments:
        return None
    computed = rules.computed_between(db, indicator, query, first, last) if query is not None else Decimal(0)
    return computed + sum((amount for amount, day in adjustments
                           if (first is None or day >= first) and (last is None or day <= last)), Decimal(0))


AGE_BANDS_2021 = ("under_18", "18_29", "30_54", "55_plus")  # keys of rules.AGE_BANDS


def age_band_2021(age: int) -> str:
    return next(band for band in AGE_BANDS_2021 if rules.band_holds(band, age))


def participants_by_sex_and_age(db: Session, project_id: int) -> dict[tuple[str, str], int]:
    """Target-group members of a project by sex and age band at entry (2021–2027 bands)."""
    counts: dict[tuple[str, str], int] = {}
    for sex, age, number in db.execute(
            select(Person.sex, Enrollment.age_at_entry, func.count())
            .join(Person, Person.id == Enrollment.person_id)
            .where(Enrollment.project_id == project_id)
            .group_by(Person.sex, Enrollment.age_at_entry)):
        key = (sex.value if sex else "", age_band_2021(age))
        counts[key] = counts.get(key, 0) + number
    return counts


def compute_project(db: Session, project: Project) -> ProjectResults:
    version = current_version(db)  # read first: figures made after it are at least this fresh
    indicators = db.scalars(select(Indicator).where(Indicator.project_id == project.id)
                            .options(selectinload(Indicator.service_types)).order_by(Indicator.id)).all()
    adjusted: dict[int, list[tuple[Decimal, date]]] = {indicator.id: [] for indicator in indicators}
    for indicator_id, amount, effective_on in db.execute(
            select(IndicatorAdjustment.indicator_id, IndicatorAdjustment.amount, IndicatorAdjustment.effective_on)
            .join(Indicator).where(Indicator.project_id == project.id)):
        adjusted[indicator_id].append((amount, effective_on))
    results = sorted((compute_indicator(db, indicator, adjusted[indicator.id]) for indicator in indicators),
                     key=lambda r: code_key(r.code))
    return ProjectResults(project_id=project.id, version=version, computed_at=utcnow(), indicators=tuple(results))


def code_key(code: str) -> tuple:
    """I2 before I10: numbers inside codes compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


class ResultsCache:
    """Values made at a version of the records, used only while that version is current.

    One per application (each process keeps its own); bounded, least recently used dropped first."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = self.misses = 0

    def get(self, key, version: int):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key, version: int, value) -> None:
        with self._lock:
            current = self._entries.get(key)
            if current is not None and current[0] > version:
                return  # a newer value is already there
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def app_cache(app) -> ResultsCache:
    """The application's cache (made in create_app)."""
    return app.extensions["results_cache"]


def project_results(db: Session, project: Project, cache: ResultsCache | None = None) -> ProjectResults:
    """The project's figures at the current version of the records, from the cache when it has them."""
    if cache is None or has_uncommitted_changes(db):
        return compute_project(db, project)  # figures counting changes not committed are nobody else's
    version = current_version(db)
    cached = cache.get(("figures", project.id), version)
    if cached is not None:
        return cached
    results = compute_project(db, project)
    cache.put(("figures", project.id), results.version, results)
    return results


def project_participants(db: Session, project: Project, cache: ResultsCache | None = None) -> dict[tuple[str, str], int]:
    """`participants_by_sex_and_age` at the current version, cached like the figures (the public page's
    breakdown; the staff dashboard does not need it)."""
    if cache is not None and has_uncommitted_changes(db):
        cache = None  # counts of changes not committed are nobody else's
    version = current_version(db)
    key = ("participants", project.id)
    cached = cache.get(key, version) if cache is not None else None
    if cached is None:
        cached = participants_by_sex_and_age(db, project.id)
        if cache is not None:
            cache.put(key, version, cached)
    return cached


def shown_count(value: int) -> str | int:
    """A count in a public breakdown: 1 to 4 become "<5", so that nobody can be singled out."""
    return f"<{SMALL_COUNT}" if 0 < value < SMALL_COUNT else value


def public_achieved(result: IndicatorResult) -> Decimal | str | None:
    """An indicator's achieved value as the public site shows it: small counts of persons become "<5"."""
    achieved = result.achieved
    counts_persons = result.unit == IndicatorUnit.persons or result.rule in rules.PERSON_RULES
    if achieved is not None and counts_persons and 0 < achieved < SMALL_COUNT:
        return f"<{SMALL_COUNT}"
    return achieved


def public_projects(db: Session) -> list[Project]:
    return list(db.scalars(select(Project).where(Project.is_public.is_(True))
                           .order_by(Project.start_date.desc(), Project.code)))


# The persons behind a figure ------------------------------------------------------------------------

@dataclass(frozen=True)
class CountedPerson:
    person_id: int
    code: str | None
    name: str
    first_on: date | None
    amount: Decimal


DRILL_PAGE_SIZE = 100


def counted_persons(db: Session, actor: Actor, indicator: Indicator, page: int = 1) -> tuple[list[CountedPerson], int]:
    """One page of the persons an indicator counts (by name) and how many there are; the read is audited.

    The caller checks that the actor may read the register in this project."""
    query = rules.rule_query(indicator)
    if query is None or indicator.rule == RuleKind.sessions_held:
        return [], 0
    sub = rules.counted_persons(query).subquery()
    total = db.scalar(select(func.count()).select_from(sub)) or 0
    rows = db.execute(
        select(sub.c.person_id, Person.code, Person.last_name, Person.first_name, sub.c.first_on, sub.c.amount)
        .join(Person, Person.id == sub.c.person_id)
        .order_by(Person.search_name, Person.id)
        .limit(DRILL_PAGE_SIZE).offset((max(page, 1) - 1) * DRILL_PAGE_SIZE)).all()
    audit(db, actor, AuditAction.view, None,
          f"indicator {indicator.project_id}/{indicator.code}: list of {total} persons counted, page {page}")
    return [CountedPerson(person_id, code, f"{last} {first}", first_on, Decimal(amount or 0))
            for person_id, code, last, first, first_on, amount in rows], total


# Indicators and adjustments --------------------------------------------------------------------------

@dataclass
class IndicatorData:
    code: str
    name_ro: str
    name_en: str
    target: Decimal
    unit: IndicatorUnit
    is_public: bool
    rule: RuleKind | None
    activity_id: int | None = None
    min_sessions: int = 1
    characteristic: str = ""
    service_type_ids: list[int] = field(default_factory=list)
    benefit_kind_id: int | None = None


def _check_rule(db: Session, project: Project, data: IndicatorData) -> None:
    if data.rule is None:
        return
    if data.activity_id is not None:
        activity = db.get(Activity, data.activity_id)
        if activity is None or activity.project_id != project.id:
            raise DomainError(_l("Choose an activity of this project."), code="indicator_activity", field="activity_id")
        if data.rule not in rules.ACTIVITY_KINDS or activity.kind not in rules.ACTIVITY_KINDS[data.rule]:
            raise DomainError(_l("This rule cannot count this kind of activity."), code="indicator_activity_kind",
                              field="activity_id")
    if data.min_sessions < 1 or data.min_sessions > 1000:
        raise DomainError(_l("Give a number of sessions between 1 and 1000."), code="indicator_min_sessions",
                          field="min_sessions")
    if data.min_sessions > 1 and data.rule not in rules.MIN_SESSIONS_RULES:
        raise DomainError(_l("A minimum number of sessions applies only to persons who attended."),
                          code="indicator_min_sessions", field="min_sessions")
    if data.characteristic not in rules.CHARACTERISTICS:
        raise DomainError(_l("Choose a characteristic from the list."), code="indicator_characteristic",
                          field="characteristic")
    if data.characteristic and data.rule not in rules.PERSON_RULES:
        raise DomainError(_l("Only rules that count persons can be narrowed to a characteristic."),
                          code="indicator_characteristic", field="characteristic")
    if data.service_type_ids:
        if data.rule not in rules.SERVICE_TYPE_RULES:
            raise DomainError(_l("Service types apply only to rules that count services."),
                              code="indicator_service_types", field="service_type_ids")
        found = set(db.scalars(select(ServiceType.id).where(ServiceType.project_id == project.id,
                                                            ServiceType.id.in_(data.service_type_ids))))
        if found != set(data.service_type_ids):
            raise DomainError(_l("Choose service types of this project."), code="indicator_service_types",
                              field="service_type_ids")
    if data.benefit_kind_id is not None:
        _check_benefit_kind(db, project, data)


def _check_benefit_kind(db: Session, project: Project, data: IndicatorData) -> None:
    if data.rule not in rules.BENEFIT_RULES:
        raise DomainError(_l("A benefit kind applies only to the rules that count benefits."),
                          code="indicator_benefit_kind", field="benefit_kind_id")
    kind = db.get(BenefitKind, data.benefit_kind_id)
    if kind is None or kind.project_id != project.id:
        raise DomainError(_l("Choose a benefit kind of this project."), code="indicator_benefit_kind",
                          field="benefit_kind_id")
    if data.activity_id is not None and kind.activity_id != data.activity_id:
        raise DomainError(_l("This benefit kind belongs to another activity: choose its activity or any activity."),
                          code="indicator_benefit_kind", field="benefit_kind_id")
    if data.rule == RuleKind.benefits_given and kind.unit.value != data.unit.value:
        raise DomainError(_l("This benefit kind is counted in another unit: lei are added to lei, pieces to pieces."),
                          code="indicator_unit", field="unit")


def save_indicator(db: Session, project: Project, actor: Actor, data: IndicatorData,
                   indicator: Indicator | None = None) -> Indicator:
    require(actor, project.id, RESULTS_MANAGE)
    code = data.code.strip().upper()
    if not code or not set(code) <= INDICATOR_CODE_CHARACTERS:
        raise DomainError(_l("Write the code with letters, digits and dots, for example I1."),
                          code="indicator_code", field="code")
    if db.scalar(select(Indicator.id).where(Indicator.project_id == project.id, Indicator.code == code,
                                           Indicator.id != (indicator.id if indicator else -1))):
        raise DomainError(_l("This project already has an indicator with this code."), code="indicator_code_taken",
                          field="code")
    if not data.name_ro.strip():
        raise DomainError(_l("Write the indicator's name in Romanian."), code="indicator_name", field="name_ro")
    if (data.target is None or data.target >= Decimal("1e10")
            or data.target.quantize(Decimal("0.01")) <= 0 or data.target != data.target.quantize(Decimal("0.01"))):
        raise DomainError(_l("Give the target as a positive number."), code="indicator_target", field="target")
    _check_rule(db, project, data)
    if data.rule is not None and data.unit not in RULE_UNITS[data.rule]:
        raise DomainError(_l("This unit does not fit the rule: persons are counted in persons, hours in hours, "
                             "services in services, sessions in sessions or events, benefits given in lei or "
                             "pieces."),
                          code="indicator_unit", field="unit")
    created = indicator is None
    if indicator is None:
        indicator = Indicator(project=project)
        db.add(indicator)
    indicator.code = code
    indicator.name_ro = normalize_ro(data.name_ro.strip())
    indicator.name_en = data.name_en.strip()
    indicator.target = data.target
    indicator.unit = data.unit
    indicator.is_public = data.is_public
    indicator.rule = data.rule
    indicator.activity_id = data.activity_id if data.rule else None
    indicator.min_sessions = data.min_sessions if data.rule in rules.MIN_SESSIONS_RULES else 1
    indicator.characteristic = data.characteristic if data.rule else ""
    indicator.service_types = list(db.scalars(select(ServiceType).where(
        ServiceType.id.in_(data.service_type_ids)))) if data.rule in rules.SERVICE_TYPE_RULES else []
    indicator.benefit_kind_id = data.benefit_kind_id if data.rule in rules.BENEFIT_RULES else None
    db.flush()
    audit(db, actor, AuditAction.create if created else AuditAction.update, None,
          f"indicator {project.code}/{code}: target {data.target} {data.unit.value}, rule "
          f"{data.rule.value if data.rule else 'none'} {indicator.activity_id or ''} {indicator.min_sessions} "
          f"{indicator.characteristic} {sorted(data.service_type_ids) if indicator.service_types else ''}"
          f"{f' benefit kind {indicator.benefit_kind_id}' if indicator.benefit_kind_id else ''}".strip())
    return indicator


def delete_indicator(db: Session, indicator: Indicator, actor: Actor) -> None:
    """Only an indicator without adjustments: those are a log, never deleted."""
    require(actor, indicator.project_id, RESULTS_MANAGE)
    if db.scalar(select(func.count()).select_from(IndicatorAdjustment).where(
            IndicatorAdjustment.indicator_id == indicator.id)):
        raise DomainError(_l("This indicator has logged adjustments: it cannot be deleted. Make it not public or "
                             "remove its rule instead."), code="indicator_has_adjustments")
    audit(db, actor, AuditAction.erase, None, f"indicator {indicator.project_id}/{indicator.code} deleted")
    db.delete(indicator)
    db.flush()


_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(text: str | None) -> Decimal | None:
    """A number as people write it here: "1.110" and "1110" are 1110, "2,5" (or "2.5") is 2.5, "-3" is -3."""
    text = re.sub(r"[\s\u00a0\u202f]", "", text or "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        text = text.replace(".", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def add_adjustment(db: Session, indicator: Indicator, actor: Actor, *, amount: Decimal | None, effective_on: date | None,
                   reason: str, today: date | None = None) -> IndicatorAdjustment:
    """A logged line added to what the rule computes; the reason is required and nothing is overwritten."""
    require(actor, indicator.project_id, RESULTS_MANAGE)
    if amount is None or amount == 0 or abs(amount) >= Decimal("1e9") or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_l("Give a number other than zero, for example 12 or -3 (at most two decimals)."),
                          code="adjustment_amount", field="amount")
    if effective_on is None:
        raise DomainError(_l("Give the day the adjustment counts from."), code="adjustment_date", field="effective_on")
    if today is not None and effective_on > today:
        raise DomainError(_l("An adjustment counts from a day that has passed, not from a future one."),
                          code="adjustment_date", field="effective_on")
    reason = normalize_ro(" ".join(reason.split()))
    if len(reason) < 10:
        raise DomainError(_l("Explain the adjustment in a sentence: what was counted and where it is recorded."),
                          code="adjustment_reason", field="reason")
    adjustment = IndicatorAdjustment(indicator_id=indicator.id, amount=amount, effective_on=effective_on,
                                     reason=reason[:2000], created_by_id=actor.user_id)
    db.add(adjustment)
    db.flush()
    audit(db, actor, AuditAction.create, None,
          f"adjustment of indicator {indicator.project_id}/{indicator.code}: {amount} from {effective_on.isoformat()}")
    return adjustment


def adjustments(db: Session, indicator: Indicator) -> list[IndicatorAdjustment]:
    return list(db.scalars(select(IndicatorAdjustment).where(IndicatorAdjustment.indicator_id == indicator.id)
                           .options(selectinload(IndicatorAdjustment.created_by))
                           .order_by(IndicatorAdjustment.created_at, IndicatorAdjustment.id)))


def project_months(project: Project, today: date) -> list[str]:
    """'2022-02' … up to the project's end or today's month, whichever comes first."""
    last = min(project.end_date, today)
    year, month = project.start_date.year, project.start_date.month
    months = []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def sex_keys() -> tuple[str, ...]:
    return (Sex.female.value, Sex.male.value, "")
