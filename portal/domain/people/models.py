"""The target-group register: persons, households, enrollments with frozen entry data, consents, dossiers."""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UtcDateTime, enum_column, utcnow


class Sex(str, enum.Enum):
    male = "M"
    female = "F"


class Answer(str, enum.Enum):
    """Every entry question has three states, so the funder can see that it was asked."""

    yes = "yes"
    no = "no"
    refused = "refused"
    not_asked = "not_asked"


class LabourStatus(str, enum.Enum):
    employed = "employed"  # including self-employed
    unemployed = "unemployed"
    long_term_unemployed = "long_term_unemployed"
    inactive = "inactive"
    inactive_not_in_education = "inactive_not_in_education"  # inactive, not in education or training


class RiskReason(str, enum.Enum):
    minimum_income = "minimum_income"  # venit minim de incluziune / VMG
    unemployment = "unemployment"
    disability = "disability"
    single_parent = "single_parent"
    social_inquiry = "social_inquiry"  # anchetă socială
    other = "other"


class ExitResult(str, enum.Enum):
    completed = "completed"
    employed = "employed"
    in_education = "in_education"
    qualification = "qualification"
    dropped_out = "dropped_out"
    moved_away = "moved_away"
    deceased = "deceased"


class ConsentKind(str, enum.Enum):
    data_processing = "data_processing"
    special_categories = "special_categories"
    photos = "photos"


class ConsentGiver(str, enum.Enum):
    person = "person"
    guardian = "guardian"


class DocumentKind(str, enum.Enum):
    registration_form = "registration_form"
    id_copy = "id_copy"
    membership_declaration = "membership_declaration"  # declarație pe propria răspundere (grup țintă)
    consent_form = "consent_form"
    ethnicity_declaration = "ethnicity_declaration"
    income_proof = "income_proof"


# Disadvantaged situations recorded at entry. Sensitive ones need the special-categories right.
SITUATIONS = ("disability", "minority", "homeless", "jobless_household", "single_parent_household", "rural")
SENSITIVE_SITUATIONS = frozenset({"disability", "minority"})


class Household(Base):
    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("import_project_id", "import_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The `gospodarie` key of an import file, per project, so that importing again finds it.
    import_project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    import_key: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    members: Mapped[list["Person"]] = relationship(back_populates="household", order_by="Person.search_name")


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_search_name", "search_name"),
        Index("ix_person_birth_date", "birth_date"),
        Index("ix_person_phone_digits", "phone_digits"),
        Index("ix_person_household_id", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(12), unique=True)  # "P000123", shown on paper
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    # "last first", lower case, no diacritics: what search and duplicate detection compare.
    search_name: Mapped[str] = mapped_column(String(210))
    cnp: Mapped[str | None] = mapped_column(String(13), unique=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, 1))
    locality: Mapped[str] = mapped_column(String(100), default="")
    street: Mapped[str] = mapped_column(String(150), default="")
    number: Mapped[str] = mapped_column(String(20), default="")
    block: Mapped[str] = mapped_column(String(20), default="")
    staircase: Mapped[str] = mapped_column(String(20), default="")
    apartment: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    phone_digits: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    # After a merge the absorbed record points at the one that stays; it leaves search and lists.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    household: Mapped[Household | None] = relationship(back_populates="members")
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="person", order_by="Enrollment.first_entry_date")
    consents: Mapped[list["Consent"]] = relationship(back_populates="person", order_by="Consent.given_on.desc()")

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}"

    @property
    def address(self) -> str:
        parts = [self.street, self.number and f"nr. {self.number}", self.block and f"bl. {self.block}",
                 self.staircase and f"sc. {self.staircase}", self.apartment and f"ap. {self.apartment}",
                 self.locality]
        return ", ".join(part for part in parts if part)

    @property
    def is_active_record(self) -> bool:
        return self.merged_into_id is None and self.erased_at is None


class Enrollment(Base):
    """A person in a project's target group: counted once per project, whatever re-entries follow.

    The characteristics at entry are written once, at the first entry, and never change after:
    the ESF indicators are about the participant as they came in.
    """

    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("person_id", "project_id"),
        # Lists of a project's target group and the results' count of entries by day.
        Index("ix_enrollment_project_id_first_entry_date", "project_id", "first_entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zone.id"))
    first_entry_date: Mapped[date] = mapped_column(Date)
    # Frozen at the first entry, so that erasing the birth date later keeps the age bands right.
    age_at_entry: Mapped[int] = mapped_column(SmallInteger)
    risk_reason: Mapped[RiskReason] = mapped_column(enum_column(RiskReason))
    risk_details: Mapped[str] = mapped_column(Text, default="")
    labour_status: Mapped[LabourStatus] = mapped_column(enum_column(LabourStatus))
    isced_level: Mapped[int | None] = mapped_column(SmallInteger)
    disability: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    disability_on: Mapped[date | None] = mapped_column(Date)
    minority: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    minority_on: Mapped[date | None] = mapped_column(Date)
    homeless: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    homeless_on: Mapped[date | None] = mapped_column(Date)
    jobless_household: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    jobless_household_on: Mapped[date | None] = mapped_column(Date)
    single_parent_household: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    single_parent_household_on: Mapped[date | None] = mapped_column(Date)
    rural: Mapped[Answer] = mapped_column(enum_column(Answer), default=Answer.not_asked)
    rural_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    person: Mapped[Person] = relationship(back_populates="enrollments")
    project = relationship("Project")
    zone = relationship("Zone")
    periods: Mapped[list["EnrollmentPeriod"]] = relationship(
        back_populates="enrollment", order_by="EnrollmentPeriod.entry_date", cascade="all, delete-orphan")
    documents: Mapped[list["DossierDocument"]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan")

    @property
    def current_period(self) -> "EnrollmentPeriod | None":
        return self.periods[-1] if self.periods else None

    @property
    def is_active(self) -> bool:
        period = self.current_period
        return period is not None and period.exit_date is None


class EnrollmentPeriod(Base):
    """One stay in the target group, from an entry to an exit; a re-entry opens a new period."""

    __tablename__ = "enrollment_period"
    __table_args__ = (Index("ix_enrollment_period_enrollment_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    entry_date: Mapped[date] = mapped_column(Date)
    exit_date: Mapped[date | None] = mapped_column(Date)
    exit_result: Mapped[ExitResult | None] = mapped_column(enum_column(ExitResult))
    exit_notes: Mapped[str] = mapped_column(Text, default="")

    enrollment: Mapped[Enrollment] = relationship(back_populates="periods")


class Consent(Base):
    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_person_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    given_by: Mapped[ConsentGiver] = mapped_column(enum_column(ConsentGiver))
    guardian_name: Mapped[str] = mapped_column(String(200), default="")
    given_on: Mapped[date] = mapped_column(Date)
    document_ref: Mapped[str] = mapped_column(String(100), default="")
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="consents")

    @property
    def is_in_force(self) -> bool:
        return self.withdrawn_on is None


class DossierDocument(Base):
    """A paper of the enrollment dossier that staff have received and filed."""

    __tablename__ = "dossier_document"
    __table_args__ = (UniqueConstraint("enrollment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    received_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    enrollment: Mapped[Enrollment] = relationship(back_populates="documents")


class ImportUpload(Base):
    """A file checked by a dry run, kept (in the database, so any server can finish it) until it is imported."""

    __tablename__ = "import_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PersonNameWord(Base):
    """Each folded word of a person's name, so that a search by word prefix uses an index.

    "bala" finds "Bălășcău" through `word >= 'bala' AND word < 'balb'`: an index range, not a scan of
    every person. Kept in step with the name by the register's services.
    """

    __tablename__ = "person_name_word"
    __table_args__ = (Index("ix_person_name_word_person_id", "person_id"),)

    # Byte order ("C") on PostgreSQL, as on SQLite, so that the prefix range is exact.
    word: Mapped[str] = mapped_column(String(100).with_variant(String(100, collation="C"), "postgresql"),
                                      primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    # The person's whole folded name, copied here so a search sorts its page without reading every match.
    search_name: Mapped[str] = mapped_column(String(210))
