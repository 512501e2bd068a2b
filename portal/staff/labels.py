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
