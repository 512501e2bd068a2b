"""Translated names of the register's enumerations, for forms, pages and exports."""
from flask_babel import lazy_gettext as _l

from portal.domain.audit.models import AuditAction
from portal.domain.people.models import (
    Answer, ConsentGiver, ConsentKind, DocumentKind, ExitResult, LabourStatus, RiskReason, Sex,
)
from portal.domain.projects.models import ActivityKind

SEX = {Sex.male: _l("male"), Sex.female: _l("female")}
ANSWER = {Answer.not_asked: _l("not asked yet"), Answer.yes: _l("yes"), Answer.no: _l("no"),
          Answer.refused: _l("refused to answer")}
LABOUR_STATUS = {
    LabourStatus.employed: _l("employed (including self-employed)"),
    LabourStatus.unemployed: _l("unemployed"),
    LabourStatus.long_term_unemployed: _l("long-term unemployed"),
    LabourStatus.inactive: _l("inactive"),
    LabourStatus.inactive_not_in_education: _l("inactive, not in education or training"),
}
RISK_REASON = {
    RiskReason.minimum_income: _l("receives the minimum inclusion income"),
    RiskReason.unemployment: _l("unemployment"),
    RiskReason.disability: _l("disability"),
    RiskReason.single_parent: _l("single-parent family"),
    RiskReason.social_inquiry: _l("established by a social inquiry"),
    RiskReason.other: _l("other reason (described)"),
}
EXIT_RESULT = {
    ExitResult.completed: _l("completed the planned services"),
    ExitResult.employed: _l("found a job"),
    ExitResult.in_education: _l("in education or training"),
    ExitResult.qualification: _l("gained a qualification"),
    ExitResult.dropped_out: _l("dropped out"),
    ExitResult.moved_away: _l("moved away"),
    ExitResult.deceased: _l("deceased"),
}
CONSENT_KIND = {
    ConsentKind.data_processing: _l("processing of personal data"),
    ConsentKind.special_categories: _l("special categories (health, disability, ethnicity)"),
    ConsentKind.photos: _l("photos and video"),
}
CONSENT_GIVER = {ConsentGiver.person: _l("the person"), ConsentGiver.guardian: _l("a parent or guardian")}
DOCUMENT_KIND = {
    DocumentKind.registration_form: _l("registration form"),
    DocumentKind.id_copy: _l("copy of the identity document"),
    DocumentKind.membership_declaration: _l("sworn declaration of target-group membership"),
    DocumentKind.consent_form: _l("signed consent form"),
    DocumentKind.ethnicity_declaration: _l("ethnicity declaration"),
    DocumentKind.income_proof: _l("proof of income"),
}
SITUATION = {
    "disability": _l("person with a disability"),
    "minority": _l("Roma or other minority"),
    "homeless": _l("homeless or excluded from housing"),
    "jobless_household": _l("lives in a household where nobody works"),
    "single_parent_household": _l("lives in a single-parent household"),
    "rural": _l("lives in a rural area"),
}
ISCED = {
    0: _l("ISCED 0 – early childhood / no formal education"),
    1: _l("ISCED 1 – primary"),
    2: _l("ISCED 2 – lower secondary"),
    3: _l("ISCED 3 – upper secondary"),
    4: _l("ISCED 4 – post-secondary"),
    5: _l("ISCED 5 – short tertiary"),
    6: _l("ISCED 6 – bachelor"),
    7: _l("ISCED 7 – master"),
    8: _l("ISCED 8 – doctorate"),
}
AUDIT_ACTION = {
    AuditAction.view: _l("viewed"), AuditAction.create: _l("created"), AuditAction.update: _l("changed"),
    AuditAction.enroll: _l("enrolment"), AuditAction.consent: _l("consent"), AuditAction.document: _l("dossier"),
    AuditAction.merge: _l("merge"), AuditAction.export: _l("export"), AuditAction.erase: _l("erasure"),
    AuditAction.import_: _l("import"),
}
STATUS = {"active": _l("in the target group"), "exited": _l("left the target group")}
ACTIVITY_KIND = {
    ActivityKind.group_sessions: _l("group sessions"),
    ActivityKind.individual_service: _l("individual services"),
    ActivityKind.public_event: _l("public event"),
    ActivityKind.volunteering: _l("volunteering"),
    ActivityKind.benefit: _l("benefits (subsidies, meals, kits)"),
}


def choices(labels: dict, blank=None):
    items = [(getattr(key, "value", key), label) for key, label in labels.items()]
    return ([("", blank)] if blank is not None else []) + items


# Indicators and the rules that count them (staff results pages) ---------------------------------

from portal.domain.projects.models import IndicatorUnit, RuleKind

INDICATOR_UNIT = {
    IndicatorUnit.persons: _l("persons"),
    IndicatorUnit.services: _l("services"),
    IndicatorUnit.sessions: _l("sessions"),
    IndicatorUnit.events: _l("events"),
    IndicatorUnit.hours: _l("hours"),
    IndicatorUnit.lei: _l("lei"),
    IndicatorUnit.pieces: _l("pieces (meals, kits, vouchers)"),
}
RULE_KIND = {
    RuleKind.enrolled_persons: _l("Persons in the target group"),
    RuleKind.attending_persons: _l("Persons who attended (at least N sessions)"),
    RuleKind.services_delivered: _l("Individual services delivered (count)"),
    RuleKind.service_recipients: _l("Persons who received individual services"),
    RuleKind.volunteers: _l("Volunteers (persons)"),
    RuleKind.volunteer_hours: _l("Volunteering hours (sum)"),
    RuleKind.event_attendees: _l("Persons present at public events"),
    RuleKind.sessions_held: _l("Sessions held"),
    RuleKind.benefit_recipients: _l("Persons who received a benefit (paid or handed over)"),
    RuleKind.benefits_given: _l("Benefits given: lei paid or pieces handed over (sum)"),
    RuleKind.shop_participants: _l("Social shop participants (community work or a purchase)"),
    RuleKind.community_work_hours: _l("Community-work hours for the social shop (sum)"),
}
RULE_AGE_BAND = {
    "under_18": _l("under 18"),
    "18_29": _l("18 to 29"),
    "30_54": _l("30 to 54"),
    "55_plus": _l("55 and over"),
    "under_25": _l("under 25 (2014–2020)"),
    "25_54": _l("25 to 54 (2014–2020)"),
    "over_54": _l("over 54 (2014–2020)"),
}
RULE_ISCED_BAND = {
    "0_2": _l("ISCED 0–2 (at most lower secondary)"),
    "1_2": _l("ISCED 1–2 (2014–2020)"),
    "3_4": _l("ISCED 3–4 (upper secondary or post-secondary)"),
    "5_8": _l("ISCED 5–8 (tertiary)"),
}
RULE_LABOUR_GROUP = {
    "employed": LABOUR_STATUS[LabourStatus.employed],
    "unemployed": _l("unemployed (including long-term)"),
    "long_term_unemployed": LABOUR_STATUS[LabourStatus.long_term_unemployed],
    "inactive": _l("inactive (including not in education or training)"),
    "inactive_not_in_education": LABOUR_STATUS[LabourStatus.inactive_not_in_education],
}


def characteristic_label(key: str) -> str:
    """"age:under_18" → "age: under 18"; "" → "everyone"."""
    from flask_babel import gettext

    kind, _sep, value = (key or "").partition(":")
    if not kind:
        return gettext("everyone")
    if kind == "sex":
        return gettext("sex: %(sex)s", sex=SEX[Sex(value)])
    if kind == "age":
        return gettext("age: %(band)s", band=RULE_AGE_BAND[value])
    if kind == "labour":
        return gettext("at entry: %(status)s", status=RULE_LABOUR_GROUP[value])
    if kind == "isced":
        return gettext("education at entry: %(band)s", band=RULE_ISCED_BAND[value])
    if kind == "situation":
        return gettext("at entry: %(situation)s", situation=SITUATION[value])
    return key


def characteristic_choices() -> list[tuple[str, str]]:
    from portal.domain.results.rules import CHARACTERISTICS

    return [(key, characteristic_label(key)) for key in CHARACTERISTICS]


def _by_id(items) -> dict:
    if items is None:
        return {}
    return items if isinstance(items, dict) else {item.id: item for item in items}


def benefit_kind_label(kind) -> str:
    """"Subvenție școală după școală (500 lei, monthly)": a benefit kind as a choice or in a sentence."""
    from flask_babel import gettext

    from portal.i18n import localized, quantity

    return gettext("%(name)s (%(amount)s, %(frequency)s)", name=localized(kind, "name"),
                   amount=quantity(kind.amount, kind.unit.value),
                   frequency=BENEFIT_FREQUENCY.get(kind.frequency.value, kind.frequency.value))


BENEFIT_FREQUENCY = {"monthly": _l("monthly"), "yearly": _l("yearly"), "once": _l("once")}


def _describe_benefits(indicator, rule, activity) -> str:
    from flask_babel import gettext

    from portal.i18n import localized

    kind = getattr(indicator, "benefit_kind", None)
    if kind is not None:
        what = gettext("the benefit kind %(kind)s", kind=localized(kind, "name"))
    elif activity is not None:
        what = gettext("the benefit kinds of %(activity)s", activity=f"{activity.code} {localized(activity, 'name')}")
    else:
        what = gettext("any benefit kind of the project")
    if rule == RuleKind.benefit_recipients:
        return gettext("Persons paid or handed %(what)s (each person once, from the first payment)", what=what)
    unit = getattr(getattr(indicator, "unit", None), "value", "")
    if unit == "lei":
        return gettext("Lei paid for %(what)s, summed (only lines paid, by the day paid)", what=what)
    return gettext("Pieces handed over for %(what)s, summed (only lines handed over, by the day)", what=what)


def describe_rule(indicator, activities=None, service_types=None) -> str:
    """The indicator's rule in words, e.g. "Persons present at ≥ 10 sessions of A2.3 Second Chance".

    `indicator` is an Indicator or an IndicatorResult (the latter knows only its kind of rule);
    `activities` and `service_types` are the project's, as lists or {id: object}."""
    from flask_babel import gettext

    from portal.i18n import localized

    rule = indicator.rule
    if rule is None:
        return gettext("No rule yet: only logged adjustments count.")
    activities, service_types = _by_id(activities), _by_id(service_types)
    activity = activities.get(getattr(indicator, "activity_id", None))
    where = (f"{activity.code} {localized(activity, 'name')}" if activity is not None
             else gettext("any activity of the project"))
    chosen = [service_types.get(item, item) if isinstance(item, int) else item
              for item in getattr(indicator, "service_types", None) or []]
    types = ", ".join(localized(item, "name") if hasattr(item, "name_ro") else str(item) for item in chosen)
    sessions = getattr(indicator, "min_sessions", 1) or 1
    if rule == RuleKind.enrolled_persons:
        text = gettext("Persons in the project's target group, counted once from their first entry")
    elif rule == RuleKind.attending_persons:
        text = (gettext("Persons present at ≥ %(sessions)d sessions of %(activity)s", sessions=sessions, activity=where)
                if sessions > 1 else gettext("Persons present at least once at %(activity)s", activity=where))
    elif rule == RuleKind.event_attendees:
        text = gettext("Persons present at public events: %(activity)s", activity=where)
    elif rule == RuleKind.service_recipients:
        text = (gettext("Persons who received services of types %(types)s in %(activity)s (each person once)",
                        types=types, activity=where) if chosen else
                gettext("Persons who received services of any type in %(activity)s (each person once)",
                        activity=where))
    elif rule == RuleKind.services_delivered:
        text = (gettext("Services of types %(types)s in %(activity)s (count)", types=types, activity=where)
                if chosen else gettext("Services of any type in %(activity)s (count)", activity=where))
    elif rule == RuleKind.volunteers:
        text = gettext("Volunteers with hours recorded or present at volunteering sessions: %(activity)s",
                       activity=where)
    elif rule == RuleKind.volunteer_hours:
        text = gettext("Volunteering hours recorded, summed: %(activity)s", activity=where)
    elif rule == RuleKind.sessions_held:
        text = gettext("Sessions held (not cancelled, at least one person present): %(activity)s", activity=where)
    elif rule in (RuleKind.benefit_recipients, RuleKind.benefits_given):
        text = _describe_benefits(indicator, rule, activity)
    elif rule == RuleKind.shop_participants:
        text = gettext("Persons who did verified community work for the social shop or bought from it "
                       "(each person once, from the first day)")
    elif rule == RuleKind.community_work_hours:
        text = gettext("Verified community-work hours for the social shop, with their corrections, summed "
                       "(volunteer hours credited to the shop are not counted)")
    else:
        text = str(RULE_KIND.get(rule, rule))
    characteristic = getattr(indicator, "characteristic", "")
    if characteristic:
        text = gettext("%(rule)s — only %(characteristic)s", rule=text, characteristic=characteristic_label(characteristic))
    return text
