"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from portal.db import Base
from portal.domain.accounts.models import LoginAttempt, Role, User
from portal.domain.audit.models import AuditAction, AuditEntry
from portal.domain.people.models import (
    Consent, DossierDocument, Enrollment, EnrollmentPeriod, Household, ImportUpload, Person, PersonNameWord,
)
from portal.domain.projects.models import (
    Activity, ActivityKind, Indicator, IndicatorUnit, Project, ProjectMember, RuleKind, Zone, ZoneStreet,
)
from portal.domain.activities.models import (
    ActivitySession, Attendance, AttendanceChange, AttendanceStatus, RosterEntry, SessionSeries, session_facilitator,
)
from portal.domain.casework.models import ServiceDelivery, ServiceType
from portal.domain.news.models import MediaImage, NewsPost
from portal.domain.volunteering.models import (
    ListingCategory, PublicListing, SignUp, SignUpAttempt, SignUpStatus, VolunteerCertificate, VolunteerHours,
)
from portal.domain.outbox.models import OutboxMessage
from portal.domain.benefits.models import (
    BenefitKind, BenefitLine, BenefitList, LedgerLine, ShopAccount, ShopProduct, ShopPurchase, ShopPurchaseItem,
    StockMove,
)
from portal.domain.results.models import AttendanceMonth, IndicatorAdjustment, ResultsVersion
import portal.domain.results.version  # noqa: E402,F401 (the listeners that bump the records' version)

__all__ = [
    "Base", "User", "Role", "LoginAttempt",
    "AuditAction", "AuditEntry", "Consent", "DossierDocument", "Enrollment", "EnrollmentPeriod", "Household", "ImportUpload", "PersonNameWord",
    "Person", "Project", "Zone", "ZoneStreet", "Activity", "ActivityKind", "Indicator", "IndicatorUnit",
    "ProjectMember", "ActivitySession", "Attendance", "AttendanceChange", "AttendanceStatus", "RosterEntry",
    "SessionSeries", "session_facilitator", "ServiceDelivery", "ServiceType", "MediaImage", "NewsPost",
    "ListingCategory", "PublicListing", "SignUp", "SignUpAttempt", "SignUpStatus", "VolunteerCertificate",
    "VolunteerHours", "OutboxMessage", "AttendanceMonth", "IndicatorAdjustment", "ResultsVersion", "RuleKind",
    "BenefitKind", "BenefitLine", "BenefitList", "LedgerLine", "ShopAccount", "ShopProduct", "ShopPurchase",
    "ShopPurchaseItem", "StockMove",
]
