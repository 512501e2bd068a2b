"""Public sign-up for sessions, the waiting list, cancel links, volunteer hours and certificates.

Capacity is enforced by the database: every change to a listing's sign-ups starts by bumping the
listing's `lock_version`, an UPDATE that holds the row's write lock until the transaction ends
(PostgreSQL: a row lock; SQLite: the database write lock). Counting seats and deciding confirmed
or waitlisted therefore happen one sign-up at a time, whatever the number of workers.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Protocol

from flask_babel import gettext, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, case, delete, extract, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.db import utcnow
from portal.domain import clock
from portal.domain.activities import services as activities
from portal.domain.activities.models import ActivitySession, AttendanceStatus
from portal.domain.actor import Actor
from portal.domain.audit.models import AuditAction
from portal.domain.audit.services import record
from portal.domain.errors import DomainError
from portal.domain.news.services import PUBLIC_PUBLISH
from portal.domain.outbox import services as outbox
from portal.domain.outbox.models import OutboxMessage
from portal.domain.people.models import Person, Sex
from portal.domain.people.services import PersonData, age_on, create_person, phone_digits, search_name
from portal.domain.projects.models import Activity, ActivityKind, Project
from portal.domain.text import normalize_ro, normalize_ro_paragraphs
from portal.domain.volunteering.models import (
    ListingCategory, PublicListing, SignUp, SignUpAttempt, SignUpStatus, VolunteerCertificate, VolunteerHours,
)

SIGNUPS_MANAGE = "signups.manage"

ADULT_AGE = 18
PAGE_SIZE = 20
CANCEL_TOKEN_SALT = "comunitar-signup-cancel"
CANCEL_LINK_MAX_DAYS = 120  # a link older than this is refused even when the event is still ahead
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Links(Protocol):
    """Addresses the messages point to; the web layer knows how to build them."""

    def cancel(self, token: str) -> str: ...

    def listing(self, listing: PublicListing) -> str: ...


# ---------------------------------------------------------------------------------------- listings

@dataclass
class ListingData:
    category: ListingCategory
    title_ro: str
    title_en: str = ""
    description_ro: str = ""
    description_en: str = ""
    capacity: int | None = None
    signup_deadline: datetime | None = None  # aware; None: sign-up stays open until the start
    takes_signups: bool = True
    is_published: bool = True


def starts_at(session: ActivitySession) -> datetime:
    """When the session starts, as an aware datetime (its date and time are Romanian wall-clock time)."""
    return datetime.combine(session.date, session.start_time, tzinfo=clock.TIMEZONE)


def closes_at(listing: PublicListing) -> datetime:
    start = starts_at(listing.session)
    return min(listing.signup_deadline, start) if listing.signup_deadline else start


def publish(db: Session, session: ActivitySession, data: ListingData, actor: Actor) -> PublicListing:
    """Open a session on the public site, or change what the public reads about it."""
    _require(actor, session.activity.project_id, PUBLIC_PUBLISH)
    if session.activity.kind == ActivityKind.individual_service:
        raise DomainError(_l("Individual services are not published on the public site."), code="listing_kind")
    if session.is_cancelled:
        raise DomainError(_l("This session is cancelled; restore it before publishing it."), code="listing_cancelled")
    title_ro = normalize_ro(data.title_ro or "").strip()
    if not title_ro:
        raise DomainError(_l("Give the title in Romanian."), code="listing_title", field="title_ro")
    if data.capacity is not None and data.capacity < 1:
        raise DomainError(_l("The number of places must be at least 1, or left empty for no limit."),
                          code="listing_capacity", field="capacity")
    if data.signup_deadline is not None and data.signup_deadline > starts_at(session):
        raise DomainError(_l("The sign-up deadline must come before the session starts."),
                          code="listing_deadline", field="signup_deadline")
    listing = db.scalar(select(PublicListing).where(PublicListing.session_id == session.id))
    if listing is None:
        listing = PublicListing(session=session, published_by_id=actor.user_id, title_ro=title_ro,
                                category=data.category, lock_version=0)
        db.add(listing)
    listing.category = ListingCategory(data.category)
    listing.title_ro = title_ro
    listing.title_en = normalize_ro(data.title_en or "").strip()
    listing.description_ro = normalize_ro_paragraphs(data.description_ro)
    listing.description_en = normalize_ro_paragraphs(data.description_en)
    listing.capacity = data.capacity
    listing.signup_deadline = data.signup_deadline
    listing.takes_signups = data.takes_signups
    listing.is_published = data.is_published
    db.flush()
    return listing


def set_image(db: Session, listing: PublicListing, image_id: int | None, actor: Actor) -> None:
    _require(actor, listing.session.activity.project_id, PUBLIC_PUBLISH)
    listing.image_id = image_id
    db.flush()


def _require(actor: Actor, project_id: int, permission: str) -> None:
    if not actor.can_in(project_id, permission):
        raise DomainError(_l("You do not have the right to do this in this project."), code="forbidden")


def is_volunteering(listing: PublicListing) -> bool:
    return listing.category == ListingCategory.volunteering


@dataclass
class ListingView:
    """A listing as the public reads it: the session's facts and the places, never who signed up."""

    listing: PublicListing
    confirmed: int
    waitlisted: int

    @property
    def session(self) -> ActivitySession:
        return self.listing.session

    @property
    def project(self) -> Project:
        return self.listing.session.activity.project

    @property
    def seats_left(self) -> int | None:
        if self.listing.capacity is None:
            return None
        return max(0, self.listing.capacity - self.confirmed)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

    def is_open(self, now: datetime) -> bool:
        return (self.listing.takes_signups and not self.listing.session.is_cancelled
                and now < closes_at(self.listing))


def _counts():
    confirmed = func.count(case((SignUp.status == SignUpStatus.confirmed, 1)))
    waitlisted = func.count(case((SignUp.status == SignUpStatus.waitlisted, 1)))
    return (select(SignUp.listing_id, confirmed.label("confirmed"), waitlisted.label("waitlisted"))
            .group_by(SignUp.listing_id).subquery())


def _public_query(counts):
    return (select(PublicListing, func.coalesce(counts.c.confirmed, 0), func.coalesce(counts.c.waitlisted, 0))
            .join(PublicListing.session).join(ActivitySession.activity).join(Activity.project)
            .outerjoin(counts, counts.c.listing_id == PublicListing.id)
            .where(PublicListing.is_published.is_(True), Project.is_public.is_(True))
            .options(joinedload(PublicListing.session).joinedload(ActivitySession.activity)
                     .joinedload(Activity.project), joinedload(PublicListing.image)))


def _section(query, volunteering: bool):
    if volunteering:
        return query.where(PublicListing.category == ListingCategory.volunteering)
    return query.where(PublicListing.category != ListingCategory.volunteering)


@dataclass
class ListingFilter:
    volunteering: bool
    category: ListingCategory | None = None
    month: date | None = None  # the first day of a month
    archive: bool = False
    page: int = 1


def public_listings(db: Session, wanted: ListingFilter, today: date | None = None) -> tuple[list[ListingView], bool]:
    """Upcoming listings soonest first, or the archive (past ones) latest first; and whether more follow."""
    today = today or clock.today()
    counts = _counts()
    query = _section(_public_query(counts), wanted.volunteering)
    if wanted.category is not None:
        query = query.where(PublicListing.category == wanted.category)
    if wanted.month is not None:
        next_month = (wanted.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        query = query.where(ActivitySession.date >= wanted.month, ActivitySession.date < next_month)
    if wanted.archive:
        query = query.where(ActivitySession.date < today).order_by(
            ActivitySession.date.desc(), ActivitySession.start_time.desc(), PublicListing.id)
    else:
        query = query.where(ActivitySession.date >= today).order_by(
            ActivitySession.date, ActivitySession.start_time, PublicListing.id)
    rows = db.execute(query.limit(PAGE_SIZE + 1).offset((max(wanted.page, 1) - 1) * PAGE_SIZE)).unique().all()
    views = [ListingView(listing, confirmed, waitlisted) for listing, confirmed, waitlisted in rows]
    return views[:PAGE_SIZE], len(views) > PAGE_SIZE


def listing_months(db: Session, volunteering: bool, archive: bool, today: date | None = None) -> list[date]:
    """The months that have listings in this section: the choices of the month filter."""
    today = today or clock.today()
    query = _section(select(ActivitySession.date).select_from(PublicListing).join(PublicListing.session)
                     .join(ActivitySession.activity).join(Activity.project)
                     .where(PublicListing.is_published.is_(True), Project.is_public.is_(True)), volunteering)
    query = query.where(ActivitySession.date < today) if archive else query.where(ActivitySession.date >= today)
    months = {day.replace(day=1) for day in db.scalars(query.distinct())}
    return sorted(months, reverse=archive)


def public_listing(db: Session, listing_id: int) -> ListingView | None:
    counts = _counts()
    row = db.execute(_public_query(counts).where(PublicListing.id == listing_id)).unique().first()
    return ListingView(*row) if row else None


def calendar_listings(db: Session, today: date | None = None, past_days: int = 90) -> list[ListingView]:
    """What the public calendar feed carries: every published listing from `past_days` ago on."""
    today = today or clock.today()
    query = _public_query(_counts()).where(ActivitySession.date >= today - timedelta(days=past_days))
    rows = db.execute(query.order_by(ActivitySession.date, ActivitySession.start_time, PublicListing.id)).unique().all()
    return [ListingView(*row) for row in rows]


def staff_listing(db: Session, session_id: int) -> PublicListing | None:
    return db.scalar(select(PublicListing).where(PublicListing.session_id == session_id))


def listing_counts(db: Session, listing_id: int) -> tuple[int, int]:
    """(confirmed, waitlisted) of one listing."""
    row = db.execute(select(func.count(case((SignUp.status == SignUpStatus.confirmed, 1))),
                            func.count(case((SignUp.status == SignUpStatus.waitlisted, 1))))
                     .where(SignUp.listing_id == listing_id)).one()
    return row[0], row[1]


# ----------------------------------------------------------------------------------------- sign-up

@dataclass
class SignUpData:
    last_name: str = ""
    first_name: str = ""
    email: str = ""
    phone: str = ""
    birth_date: date | None = None
    sex: Sex | str | None = None  # "F" / "M"
    school: str = ""
    school_class: str = ""
    privacy_accepted: bool = False
    guardian_name: str = ""
    guardian_contact: str = ""
    guardian_consent: bool = False


class SignUpInvalid(DomainError):
    """What is wrong with a sign-up, field by field (field name -> message)."""

    def __init__(self, problems: dict[str, object]):
        super().__init__(_l("Please correct the fields marked below."), code="signup_invalid")
        self.problems = problems


def needs_guardian(birth_date: date | None, today: date) -> bool:
    age = age_on(birth_date, today)
    return age is not None and age < ADULT_AGE


def _clean(data: SignUpData) -> SignUpData:
    text = {name: (normalize_ro(getattr(data, name)) or "").strip()
            for name in ("last_name", "first_name", "email", "phone", "school", "school_class",
                         "guardian_name", "guardian_contact")}
    text["email"] = text["email"].lower()
    try:
        sex = Sex(data.sex) if data.sex else None
    except ValueError:
        sex = None
    return SignUpData(**text, birth_date=data.birth_date, sex=sex, privacy_accepted=bool(data.privacy_accepted),
                      guardian_consent=bool(data.guardian_consent))


def check_sign_up(data: SignUpData, today: date) -> tuple[SignUpData, dict[str, object]]:
    """The sign-up cleaned, and what is wrong with it (empty when nothing)."""
    data = _clean(data)
    problems: dict[str, object] = {}
    if not data.last_name:
        problems["last_name"] = _l("Write your last name.")
    if not data.first_name:
        problems["first_name"] = _l("Write your first name.")
    if data.email and not EMAIL_PATTERN.match(data.email):
        problems["email"] = _l("This e-mail address is not complete (for example: nume@exemplu.ro).")
    if data.phone and not 9 <= len(phone_digits(data.phone)) <= 15:
        problems["phone"] = _l("This phone number is not complete (for example: 0722 123 456).")
    if not data.email and not data.phone:
        problems["email"] = _l("Give an e-mail address or a phone number, so we can reach you.")
    if data.sex is None:
        problems["sex"] = _l("Choose female or male.")
    if data.birth_date is None:
        problems["birth_date"] = _l("Write your date of birth.")
    elif data.birth_date > today:
        problems["birth_date"] = _l("The date of birth cannot be in the future.")
    elif age_on(data.birth_date, today) > 110:
        problems["birth_date"] = _l("Check the year of birth.")
    elif needs_guardian(data.birth_date, today):
        if not data.guardian_name:
            problems["guardian_name"] = _l("Under 18: write the name of your parent or guardian.")
        if not data.guardian_contact:
            problems["guardian_contact"] = _l("Under 18: write a phone number or e-mail of your parent or guardian.")
        elif not (EMAIL_PATTERN.match(data.guardian_contact) or 9 <= len(phone_digits(data.guardian_contact)) <= 15):
            problems["guardian_contact"] = _l("Write the guardian's phone number or e-mail address in full.")
        if not data.guardian_consent:
            problems["guardian_consent"] = _l("Under 18: your parent or guardian must agree to your sign-up.")
    if not data.privacy_accepted:
        problems["privacy_accepted"] = _l("Please read and accept the privacy notice to sign up.")
    return data, problems


@dataclass(frozen=True)
class SignUpLimits:
    per_address: int = 30
    window_minutes: int = 60

    @classmethod
    def from_config(cls, config) -> "SignUpLimits":
        return cls(per_address=int(config.get("SIGNUP_MAX_PER_ADDRESS", 30)),
                   window_minutes=int(config.get("SIGNUP_WINDOW_MINUTES", 60)))


def note_attempt(db: Session, address: str, limits: SignUpLimits, now: datetime | None = None) -> None:
    """Count one sign-up attempt from an address; refuse when the address has made too many lately.

    Called (and committed) before the sign-up itself, so that refused and invalid attempts count too.
    A class signing up from one school computer room shares an address: the default limit is generous.
    """
    now = now or utcnow()
    since = now - timedelta(minutes=limits.window_minutes)
    recent = db.scalar(select(func.count(SignUpAttempt.id))
                       .where(SignUpAttempt.address == address[:64], SignUpAttempt.at >= since)) or 0
    if recent >= limits.per_address:
        raise DomainError(_l("Too many sign-ups from this connection in a short time. Please try again in "
                             "%(minutes)d minutes, or ask us by phone.", minutes=limits.window_minutes),
                          code="signup_rate_limited")
    db.add(SignUpAttempt(address=address[:64], at=now))
    # Old attempts serve no limit any more.
    db.execute(delete(SignUpAttempt).where(SignUpAttempt.at < now - timedelta(days=1)))
    db.flush()


def _lock(db: Session, listing_id: int) -> None:
    db.execute(update(PublicListing).where(PublicListing.id == listing_id)
               # updated_at kept: a sign-up does not change what the listing says (its calendar LAST-MODIFIED).
               .values(lock_version=PublicListing.lock_version + 1, updated_at=PublicListing.updated_at)
               .execution_options(synchronize_session=False))


def _duplicate(db: Session, listing_id: int, email_key: str, phone_key: str, exclude_id: int | None = None) -> SignUp | None:
    same = []
    if email_key:
        same.append(SignUp.email_key == email_key)
    if phone_key:
        same.append(SignUp.phone_key == phone_key)
    if not same:
        return None
    query = select(SignUp).where(SignUp.listing_id == listing_id, SignUp.status != SignUpStatus.cancelled, or_(*same))
    if exclude_id is not None:
        query = query.where(SignUp.id != exclude_id)
    return db.scalars(query.limit(1)).first()


class AlreadySignedUp(DomainError):
    def __init__(self, existing: SignUp):
        if existing.status == SignUpStatus.confirmed:
            message = _l("You are already signed up for this session, and your place is confirmed. The message "
                         "we sent you has a link to cancel it if you cannot come.")
        else:
            message = _l("You are already on the waiting list for this session. We will write to you as soon "
                         "as a place becomes free.")
        super().__init__(message, code="signup_duplicate")
        self.existing = existing


def _status_for(db: Session, listing: PublicListing) -> SignUpStatus:
    if listing.capacity is None:
        return SignUpStatus.confirmed
    confirmed, _waiting = listing_counts(db, listing.id)
    return SignUpStatus.confirmed if confirmed < listing.capacity else SignUpStatus.waitlisted


def check_open(listing: PublicListing, now: datetime) -> None:
    if not listing.is_published or not listing.session.activity.project.is_public:
        raise DomainError(_l("This session is not open for sign-up."), code="signup_not_published")
    if listing.session.is_cancelled:
        raise DomainError(_l("This session has been cancelled."), code="signup_session_cancelled")
    if not listing.takes_signups:
        raise DomainError(_l("No sign-up is needed for this session: just come."), code="signup_not_needed")
    if now >= closes_at(listing):
        raise DomainError(_l("Sign-up for this session has closed."), code="signup_closed")


@dataclass
class SignUpResult:
    sign_up: SignUp
    token: str


def cancel_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=CANCEL_TOKEN_SALT)


def cancel_token(secret_key: str, sign_up: SignUp) -> str:
    return cancel_serializer(secret_key).dumps([sign_up.id, sign_up.token_nonce])


def sign_up(db: Session, listing: PublicListing, data: SignUpData, *, secret_key: str, links: Links,
            now: datetime | None = None, actor: Actor | None = None) -> SignUpResult:
    """Take a place while places remain, else a place on the waiting list. One active sign-up per
    e-mail and per phone number in each session."""
    now = now or utcnow()
    today = now.astimezone(clock.TIMEZONE).date()
    check_open(listing, now)
    data, problems = check_sign_up(data, today)
    if problems:
        raise SignUpInvalid(problems)
    email_key, phone_key = data.email, phone_digits(data.phone)
    _lock(db, listing.id)
    existing = _duplicate(db, listing.id, email_key, phone_key)
    if existing is not None:
        raise AlreadySignedUp(existing)
    status = _status_for(db, listing)
    entry = SignUp(listing_id=listing.id, status=status, last_name=data.last_name, first_name=data.first_name,
                   email=data.email, phone=data.phone, email_key=email_key, phone_key=phone_key,
                   birth_date=data.birth_date, sex=data.sex, school=data.school, school_class=data.school_class,
                   privacy_accepted_at=now, token_nonce=secrets.token_hex(8),
                   source="public" if actor is None else "staff", created_at=now, queued_at=now,
                   confirmed_at=now if status == SignUpStatus.confirmed else None)
    if needs_guardian(data.birth_date, today):
        entry.guardian_name = data.guardian_name
        entry.guardian_contact = data.guardian_contact
        entry.guardian_consent_at = now
    try:
        with db.begin_nested():
            db.add(entry)
            db.flush()
    except IntegrityError:
        # The unique indexes stand behind the check above; reaching here means the check missed one.
        raise AlreadySignedUp(_duplicate(db, listing.id, email_key, phone_key) or entry) from None
    token = cancel_token(secret_key, entry)
    _message(db, entry, "received", links, token)
    return SignUpResult(entry, token)


def read_cancel_token(db: Session, secret_key: str, token: str, now: datetime | None = None) -> SignUp:
    """The sign-up a cancel link is for; refused when forged, replaced, expired or the session has passed."""
    now = now or utcnow()
    try:
        sign_up_id, nonce = cancel_serializer(secret_key).loads(token, max_age=CANCEL_LINK_MAX_DAYS * 24 * 3600)
    except SignatureExpired:
        raise DomainError(_l("This cancel link has expired. Write to us and we will cancel your place."),
                          code="cancel_link_expired") from None
    except (BadSignature, ValueError, TypeError):
        raise DomainError(_l("This cancel link is not valid. Check that you copied the whole address."),
                          code="cancel_link_invalid") from None
    entry = db.get(SignUp, sign_up_id) if isinstance(sign_up_id, int) else None
    if entry is None or entry.erased_at is not None or not secrets.compare_digest(str(nonce), entry.token_nonce):
        raise DomainError(_l("This cancel link is not valid. Check that you copied the whole address."),
                          code="cancel_link_invalid")
    if now >= starts_at(entry.listing.session):
        raise DomainError(_l("This cancel link has expired: the session has already started."),
                          code="cancel_link_expired")
    return entry


def cancel(db: Session, entry: SignUp, *, links: Links, secret_key: str, actor: Actor | None = None,
           now: datetime | None = None) -> SignUp | None:
    """Cancel a sign-up (by its own link, or by staff); a freed place goes to the first on the waiting
    list. Returns the sign-up that got the place, if any."""
    now = now or utcnow()
    if actor is not None:
        _require(actor, entry.listing.session.activity.project_id, SIGNUPS_MANAGE)
    _lock(db, entry.listing_id)
    db.refresh(entry)
    if entry.status == SignUpStatus.cancelled:
        return None
    entry.status = SignUpStatus.cancelled
    entry.cancelled_at = now
    entry.cancelled_by_id = actor.user_id if actor else None
    db.flush()
    if actor is not None:
        _message(db, entry, "cancelled", links, None)
    promoted = fill_places(db, entry.listing, links=links, secret_key=secret_key, now=now)
    return promoted[0] if promoted else None


def fill_places(db: Session, listing: PublicListing, *, links: Links, secret_key: str,
                now: datetime | None = None) -> list[SignUp]:
    """Confirm people from the waiting list, first come first served, while places are free.
    The caller holds the listing's lock (or this takes it)."""
    now = now or utcnow()
    _lock(db, listing.id)
    promoted: list[SignUp] = []
    if listing.session.is_cancelled or now >= starts_at(listing.session):
        return promoted
    confirmed, _waiting = listing_counts(db, listing.id)
    free = None if listing.capacity is None else listing.capacity - confirmed
    query = (select(SignUp).where(SignUp.listing_id == listing.id, SignUp.status == SignUpStatus.waitlisted)
             .order_by(SignUp.queued_at, SignUp.id))
    if free is not None:
        if free <= 0:
            return promoted
        query = query.limit(free)
    for entry in db.scalars(query):
        entry.status = SignUpStatus.confirmed
        entry.confirmed_at = now
        promoted.append(entry)
    db.flush()
    for entry in promoted:
        _message(db, entry, "promoted", links, cancel_token(secret_key, entry))
    return promoted


def confirm(db: Session, entry: SignUp, actor: Actor, *, links: Links, secret_key: str,
            now: datetime | None = None) -> None:
    """Staff give a place to someone waiting (or bring back a cancelled sign-up) while places remain."""
    now = now or utcnow()
    _require(actor, entry.listing.session.activity.project_id, SIGNUPS_MANAGE)
    _lock(db, entry.listing_id)
    db.refresh(entry)
    if entry.status == SignUpStatus.confirmed:
        return
    if entry.status == SignUpStatus.cancelled:
        existing = _duplicate(db, entry.listing_id, entry.email_key, entry.phone_key, exclude_id=entry.id)
        if existing is not None:
            raise DomainError(_l("This person has signed up again since; keep the newer sign-up."),
                              code="signup_duplicate")
    if _status_for(db, entry.listing) != SignUpStatus.confirmed:
        raise DomainError(_l("No place is free. Raise the number of places or cancel another sign-up first."),
                          code="signup_full")
    entry.status = SignUpStatus.confirmed
    entry.confirmed_at = now
    entry.cancelled_at = None
    entry.cancelled_by_id = None
    db.flush()
    _message(db, entry, "promoted", links, cancel_token(secret_key, entry))


def move(db: Session, entry: SignUp, target: PublicListing, actor: Actor, *, links: Links, secret_key: str,
         now: datetime | None = None) -> SignUp | None:
    """Move a sign-up to another published session of the same project: confirmed there while places
    remain, else waiting there. Its place here goes to the first waiting. Returns who got that place."""
    now = now or utcnow()
    source = entry.listing
    project_id = source.session.activity.project_id
    _require(actor, project_id, SIGNUPS_MANAGE)
    if target.id == source.id:
        raise DomainError(_l("Choose another session."), code="signup_move_same")
    if target.session.activity.project_id != project_id:
        raise DomainError(_l("A sign-up moves only between sessions of the same project."), code="signup_move_project")
    if entry.status == SignUpStatus.cancelled:
        raise DomainError(_l("A cancelled sign-up cannot be moved."), code="signup_move_cancelled")
    check_open(target, now)
    for listing_id in sorted({source.id, target.id}):  # one order everywhere: no deadlock between two moves
        _lock(db, listing_id)
    db.refresh(entry)
    if _duplicate(db, target.id, entry.email_key, entry.phone_key) is not None:
        raise DomainError(_l("This person is already signed up for that session."), code="signup_duplicate")
    was_confirmed = entry.status == SignUpStatus.confirmed
    status = _status_for(db, target)  # before the move: the sign-up must not count itself there
    entry.listing_id = target.id
    entry.listing = target
    entry.status = status
    entry.queued_at = now  # at the end of that list's queue, behind those already waiting there
    entry.confirmed_at = now if entry.status == SignUpStatus.confirmed else None
    entry.token_nonce = secrets.token_hex(8)  # the old link named the old session
    db.flush()
    _message(db, entry, "moved", links, cancel_token(secret_key, entry))
    if was_confirmed:
        promoted = fill_places(db, source, links=links, secret_key=secret_key, now=now)
        return promoted[0] if promoted else None
    return None


def staff_sign_ups(db: Session, listing: PublicListing, actor: Actor) -> list[SignUp]:
    """Everyone who signed up, confirmed first, then the waiting list in its order, then cancelled."""
    _require(actor, listing.session.activity.project_id, SIGNUPS_MANAGE)
    order = case((SignUp.status == SignUpStatus.confirmed, 0), (SignUp.status == SignUpStatus.waitlisted, 1), else_=2)
    return list(db.scalars(select(SignUp).where(SignUp.listing_id == listing.id, SignUp.erased_at.is_(None))
                           .options(joinedload(SignUp.person))
                           .order_by(order, SignUp.queued_at, SignUp.id)))


def move_targets(db: Session, listing: PublicListing, today: date | None = None) -> list[PublicListing]:
    """Other upcoming published sessions of the same project a sign-up may move to."""
    today = today or clock.today()
    return list(db.scalars(
        select(PublicListing).join(PublicListing.session).join(ActivitySession.activity)
        .where(Activity.project_id == listing.session.activity.project_id, PublicListing.id != listing.id,
               PublicListing.is_published.is_(True), ActivitySession.is_cancelled.is_(False),
               ActivitySession.date >= today)
        .options(joinedload(PublicListing.session))
        .order_by(ActivitySession.date, ActivitySession.start_time)))


def tell_session_changed(db: Session, session: ActivitySession, links: Links, secret_key: str, *,
                         moved: bool = False) -> int:
    """A published session was cancelled, takes place again, or `moved` (new day, time or place):
    everyone holding or awaiting a place is told. Their sign-ups stay as they are, so a restored session
    keeps its list. Returns how many were concerned."""
    listing = staff_listing(db, session.id)
    if listing is None:
        return 0
    if moved:
        kind = "session_moved"
    else:
        kind = "session_cancelled" if session.is_cancelled else "session_restored"
    entries = list(db.scalars(select(SignUp).where(SignUp.listing_id == listing.id,
                                                   SignUp.status != SignUpStatus.cancelled)))
    for entry in entries:
        _message(db, entry, kind, links, None if kind == "session_cancelled" else cancel_token(secret_key, entry))
    if kind == "session_restored":
        fill_places(db, listing, links=links, secret_key=secret_key)  # places freed while it was cancelled
    return len(entries)


# ---------------------------------------------------------------------------------------- messages

def _message(db: Session, entry: SignUp, kind: str, links: Links, token: str | None) -> None:
    """Tell the person (or, without an e-mail of their own, their guardian's e-mail) what happened."""
    from portal.i18n import format_day

    recipient = entry.email or (entry.guardian_contact if EMAIL_PATTERN.match(entry.guardian_contact or "") else "")
    if not recipient:
        return
    listing = entry.listing
    session = listing.session
    title = listing.title_ro
    when = gettext("%(day)s, %(start)s–%(end)s", day=format_day(session.date),
                   start=session.start_time.strftime("%H:%M"), end=session.end_time.strftime("%H:%M"))
    opening = {
        "received": gettext("Thank you for signing up for “%(title)s”.", title=title),
        "promoted": gettext("A place became free for “%(title)s”: your place is now confirmed.", title=title),
        "moved": gettext("Your sign-up has been moved to “%(title)s”.", title=title),
        "cancelled": gettext("Your sign-up for “%(title)s” has been cancelled by the organisers.", title=title),
        "session_cancelled": gettext("We are sorry: “%(title)s” has been cancelled.", title=title),
        "session_restored": gettext("Good news: “%(title)s” takes place after all, as planned.", title=title),
        "session_moved": gettext("“%(title)s” has changed its day, time or place: see below.", title=title),
    }[kind]
    status = {
        SignUpStatus.confirmed: gettext("Your place is confirmed."),
        SignUpStatus.waitlisted: gettext("All places are taken: you are on the waiting list. If a place becomes "
                                         "free, it is yours and we will write to you."),
        SignUpStatus.cancelled: gettext("You no longer hold a place."),
    }[entry.status]
    if kind == "session_cancelled":
        status = gettext("Nothing else is needed from you.")
    lines = [gettext("Hello, %(name)s,", name=entry.first_name), "", opening, status, "",
             gettext("When: %(when)s", when=when)]
    if session.place:
        lines.append(gettext("Where: %(place)s", place=session.place))
    lines.append(gettext("Details: %(url)s", url=links.listing(listing)))
    if token is not None and entry.status != SignUpStatus.cancelled:
        lines += ["", gettext("If you cannot come, cancel here so that someone else can take the place:"),
                  links.cancel(token)]
    lines += ["", session.activity.project.beneficiary]
    subject = {
        "received": gettext("Sign-up received: %(title)s", title=title),
        "promoted": gettext("Your place is confirmed: %(title)s", title=title),
        "moved": gettext("Sign-up moved: %(title)s", title=title),
        "cancelled": gettext("Sign-up cancelled: %(title)s", title=title),
        "session_cancelled": gettext("Cancelled: %(title)s", title=title),
        "session_restored": gettext("It takes place after all: %(title)s", title=title),
        "session_moved": gettext("New day, time or place: %(title)s", title=title),
    }[kind]
    outbox.queue(db, recipient=recipient, subject=subject, body="\n".join(lines),
                 project_id=session.activity.project_id, sign_up_id=entry.id)


# ---------------------------------------------------------------------- attendance, hours, people

def _name_key(entry: SignUp) -> str:
    return search_name(entry.last_name, entry.first_name)


def link_person(db: Session, entry: SignUp, actor: Actor) -> Person:
    """The register's record of the person who signed up: found by contact or by name and birth date,
    else created from the sign-up."""
    if entry.person_id is not None and entry.person is not None:
        person = entry.person
        while person.merged_into_id is not None:
            person = db.get(Person, person.merged_into_id)
        entry.person = person
        return person
    active = and_(Person.erased_at.is_(None), Person.merged_into_id.is_(None), Person.birth_date == entry.birth_date)
    by_contact = []
    if entry.email_key:
        by_contact.append(Person.email == entry.email_key)
    if entry.phone_key:
        by_contact.append(Person.phone_digits == entry.phone_key)
    person = None
    if by_contact:
        person = db.scalars(select(Person).where(active, or_(*by_contact)).order_by(Person.id).limit(1)).first()
    if person is None:
        person = db.scalars(select(Person).where(active, Person.search_name == _name_key(entry))
                            .order_by(Person.id).limit(1)).first()
    if person is None:
        person = create_person(db, PersonData(last_name=entry.last_name, first_name=entry.first_name,
                                              birth_date=entry.birth_date, sex=entry.sex, phone=entry.phone,
                                              email=entry.email),
                               actor, confirm_new=True).person
    entry.person = person
    db.flush()
    return person


def record_attendance(db: Session, entry: SignUp, status: AttendanceStatus, actor: Actor, *,
                      today: date | None = None) -> Person:
    """Put a sign-up on the session's attendance: the person came, or did not."""
    session = entry.listing.session
    _require(actor, session.activity.project_id, SIGNUPS_MANAGE)
    if entry.status != SignUpStatus.confirmed:
        raise DomainError(_l("Only confirmed sign-ups go on the attendance sheet."), code="signup_not_confirmed")
    if session.date > (today or clock.today()):
        raise DomainError(_l("Attendance is recorded on the day of the session or after it."),
                          code="attendance_future")
    person = link_person(db, entry, actor)
    activities.mark(db, session, person, status, actor, today=today, walk_in=True, signed_up=True)
    return person


def confirmed_to_attendance(db: Session, listing: PublicListing, actor: Actor, *, today: date | None = None) -> int:
    """Everyone confirmed and not yet on the sheet is marked present. Returns how many were added."""
    marked = {row.person.id for row in activities.sheet_rows(db, listing.session) if row.status is not None}
    added = 0
    for entry in staff_sign_ups(db, listing, actor):
        if entry.status != SignUpStatus.confirmed:
            continue
        if entry.person_id is not None and entry.person_id in marked:
            continue
        if link_person(db, entry, actor).id in marked:  # found in the register, already on the sheet
            continue
        record_attendance(db, entry, AttendanceStatus.present, actor, today=today)
        added += 1
    return added


def parse_hours(text: str) -> Decimal:
    """Hours as typed: "3", "2,5", "2.5", "1:30"."""
    text = (text or "").strip().replace(" ", "")
    match = re.fullmatch(r"(\d{1,2}):([0-5]\d)", text)
    try:
        value = (Decimal(match.group(1)) + Decimal(match.group(2)) / 60) if match else Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise DomainError(_l("Write the hours as a number, for example 3 or 2,5."), code="hours_invalid",
                          field="hours") from None
    if value.is_finite():
        value = value.quantize(Decimal("0.01"))
    if not value.is_finite() or value <= 0 or value > 24:
        raise DomainError(_l("The hours of one day must be more than 0 and at most 24."), code="hours_range",
                          field="hours")
    return value.quantize(Decimal("0.01"))


def session_hours(session: ActivitySession) -> Decimal:
    return (Decimal(session.minutes) / 60).quantize(Decimal("0.01"))


def log_hours(db: Session, person: Person, project: Project, hours: Decimal, day: date, actor: Actor, *,
              task: str = "", session: ActivitySession | None = None, today: date | None = None) -> VolunteerHours:
    """Record hours of volunteering; at a session, once per person (a second entry replaces the first)."""
    _require(actor, project.id, SIGNUPS_MANAGE)
    if person.erased_at is not None or person.merged_into_id is not None:
        raise DomainError(_l("This person's record is no longer active."), code="person_inactive")
    if day > (today or clock.today()):
        raise DomainError(_l("Hours are recorded for days that have passed."), code="hours_future", field="day")
    if session is not None and session.activity.project_id != project.id:
        raise DomainError(_l("The session belongs to another project."), code="hours_project")
    entry = None
    if session is not None:
        entry = db.scalar(select(VolunteerHours).where(VolunteerHours.session_id == session.id,
                                                       VolunteerHours.person_id == person.id))
    if entry is None:
        entry = VolunteerHours(person_id=person.id, project_id=project.id, session_id=session.id if session else None,
                               activity_id=session.activity_id if session else None)
        db.add(entry)
    elif entry.hours != hours:
        # Hours already credited to the social shop follow the change there (a correction line), or the
        # change is refused when the hours taken back were spent already.
        from portal.domain.benefits import shop

        shop.volunteer_hours_changed(db, entry, hours, actor, today=today)
    entry.day = session.date if session is not None else day
    entry.hours = hours
    entry.task = (normalize_ro(task) or "").strip()[:300] or (session.activity.name_ro if session else "")
    entry.recorded_by_id = actor.user_id
    entry.recorded_at = utcnow()
    db.flush()
    record(db, actor, AuditAction.update, person.id, f"volunteer hours: {entry.day.isoformat()} {hours} h")
    return entry


def log_sign_up_hours(db: Session, entry: SignUp, hours: Decimal, actor: Actor, *, today: date | None = None) -> VolunteerHours:
    """Hours for someone who came through a sign-up: they are marked present and their hours kept."""
    person = record_attendance(db, entry, AttendanceStatus.present, actor, today=today)
    session = entry.listing.session
    return log_hours(db, person, session.activity.project, hours, session.date, actor, session=session, today=today)


def hours_by_session(db: Session, listing: PublicListing) -> dict[int, Decimal]:
    """Hours logged at this listing's session, per person."""
    return dict(db.execute(select(VolunteerHours.person_id, VolunteerHours.hours)
                           .where(VolunteerHours.session_id == listing.session_id)).all())


def person_hours(db: Session, person_id: int, project_ids: set[int] | None = None) -> list[VolunteerHours]:
    query = (select(VolunteerHours).where(VolunteerHours.person_id == person_id)
             .options(joinedload(VolunteerHours.project), joinedload(VolunteerHours.activity))
             .order_by(VolunteerHours.day.desc(), VolunteerHours.id.desc()))
    if project_ids is not None:
        query = query.where(VolunteerHours.project_id.in_(project_ids or {-1}))
    return list(db.scalars(query))


def remove_hours(db: Session, entry: VolunteerHours, actor: Actor, *, today: date | None = None) -> None:
    """Remove an entry. Hours credited to the social shop are taken back there first (a correction line),
    or the removal is refused when they were spent already."""
    from portal.domain.benefits import shop

    _require(actor, entry.project_id, SIGNUPS_MANAGE)
    shop.volunteer_hours_removed(db, entry, actor, today=today)
    record(db, actor, AuditAction.update, entry.person_id,
           f"volunteer hours removed: {entry.day.isoformat()} {entry.hours} h")
    db.delete(entry)
    db.flush()


def issue_certificate(db: Session, person: Person, project: Project, first_day: date, last_day: date,
                      actor: Actor, *, today: date | None = None) -> VolunteerCertificate:
    """Number and keep a volunteer certificate for the hours logged in the period."""
    _require(actor, project.id, SIGNUPS_MANAGE)
    today = today or clock.today()
    if first_day > last_day:
        raise DomainError(_l("The period ends before it begins."), code="certificate_period", field="last_day")
    if last_day > today:
        raise DomainError(_l("A certificate covers days that have passed."), code="certificate_future",
                          field="last_day")
    entries = list(db.scalars(select(VolunteerHours).where(
        VolunteerHours.person_id == person.id, VolunteerHours.project_id == project.id,
        VolunteerHours.day >= first_day, VolunteerHours.day <= last_day)
        .options(joinedload(VolunteerHours.activity)).order_by(VolunteerHours.day)))
    total = sum((entry.hours for entry in entries), Decimal("0"))
    if total <= 0:
        raise DomainError(_l("No volunteer hours are recorded for this person in the project in that period."),
                          code="certificate_no_hours")
    tasks: list[str] = []
    for entry in entries:
        label = entry.activity.name_ro if entry.activity else entry.task
        if label and label not in tasks:
            tasks.append(label)
    certificate = VolunteerCertificate(person_id=person.id, project_id=project.id, first_day=entries[0].day,
                                       last_day=entries[-1].day, hours=total, activities="\n".join(tasks),
                                       issued_on=today, issued_by_id=actor.user_id)
    db.add(certificate)
    db.flush()
    record(db, actor, AuditAction.export, person.id, f"volunteer certificate no. {certificate.id}: {total} h")
    return certificate


def certificates(db: Session, person_id: int, project_ids: set[int] | None = None) -> list[VolunteerCertificate]:
    query = (select(VolunteerCertificate).where(VolunteerCertificate.person_id == person_id)
             .options(joinedload(VolunteerCertificate.project)).order_by(VolunteerCertificate.id.desc()))
    if project_ids is not None:
        query = query.where(VolunteerCertificate.project_id.in_(project_ids or {-1}))
    return list(db.scalars(query))


def volunteer_months(db: Session, person_id: int) -> list[tuple[int, int, Decimal]]:
    """(year, month, hours) of a person's volunteering, for the timeline."""
    year, month = extract("year", VolunteerHours.day), extract("month", VolunteerHours.day)
    rows = db.execute(select(year, month, func.sum(VolunteerHours.hours)).where(VolunteerHours.person_id == person_id)
                      .group_by(year, month).order_by(year, month)).all()
    return [(int(y), int(m), Decimal(total)) for y, m, total in rows]


# ------------------------------------------------------------------------- merge, erasure, export

def merge_person(db: Session, keep: Person, absorb: Person) -> None:
    db.execute(update(SignUp).where(SignUp.person_id == absorb.id).values(person_id=keep.id))
    db.execute(update(VolunteerCertificate).where(VolunteerCertificate.person_id == absorb.id)
               .values(person_id=keep.id))
    from portal.domain.benefits import shop

    kept_sessions = {entry.session_id: entry for entry in db.scalars(select(VolunteerHours).where(
        VolunteerHours.person_id == keep.id, VolunteerHours.session_id.is_not(None)))}
    for entry in list(db.scalars(select(VolunteerHours).where(VolunteerHours.person_id == absorb.id))):
        kept = kept_sessions.get(entry.session_id) if entry.session_id is not None else None
        if kept is None:
            entry.person_id = keep.id
        elif not shop.is_credited(db, entry.id):
            db.delete(entry)  # the same session's hours are already kept on the other record
        elif not shop.is_credited(db, kept.id):
            # The absorbed entry is the one credited to the social shop: it stays, the other goes (one
            # entry per session, credited once).
            db.delete(kept)
            db.flush()
            entry.person_id = keep.id
        else:
            # Credited on both records: the absorbed entry's credit is taken back (a correction line; the
            # merge is refused when those hours were spent already), then the entry goes.
            shop.volunteer_hours_removed(db, entry, None)  # the merge is audited as such
            db.delete(entry)
        db.flush()
    db.flush()


def erase_person(db: Session, person: Person, on: date) -> None:
    """The person's sign-ups lose every personal detail; hours stay as numbers (the project's figures)."""
    entries = list(db.scalars(select(SignUp).where(SignUp.person_id == person.id)))
    outbox.erase_recipient(db, [entry.email for entry in entries] + [entry.guardian_contact for entry in entries])
    for entry in entries:
        erase_sign_up(entry)
    db.flush()


SIGN_UP_RETENTION_DAYS = 365  # as the privacy notice promises


def purge_old_sign_ups(db: Session, today: date | None = None) -> int:
    """Erase the personal details of sign-ups for sessions more than a year past, unless they became
    records of the register (attendance, volunteer hours); their messages lose address and content.
    Returns how many were erased. Run daily by `flask purge-sign-ups` (cron)."""
    today = today or clock.today()
    entries = list(db.scalars(
        select(SignUp).join(SignUp.listing).join(PublicListing.session)
        .where(SignUp.erased_at.is_(None), SignUp.person_id.is_(None),
               ActivitySession.date < today - timedelta(days=SIGN_UP_RETENTION_DAYS))))
    for entry in entries:
        for message in db.scalars(select(OutboxMessage).where(OutboxMessage.sign_up_id == entry.id)):
            message.recipient = message.subject = message.body = ""
        erase_sign_up(entry)
    db.flush()
    return len(entries)


def erase_sign_up(entry: SignUp) -> None:
    entry.last_name = entry.first_name = ""
    entry.email = entry.phone = entry.email_key = entry.phone_key = ""
    entry.school = entry.school_class = entry.guardian_name = entry.guardian_contact = ""
    entry.token_nonce = secrets.token_hex(8)
    if entry.status != SignUpStatus.cancelled:
        entry.status = SignUpStatus.cancelled
        entry.cancelled_at = utcnow()
    entry.erased_at = utcnow()


def export_person(db: Session, person: Person, actor: Actor) -> dict:
    visible = actor.project_ids
    sign_ups = db.scalars(select(SignUp).where(SignUp.person_id == person.id).options(
        joinedload(SignUp.listing).joinedload(PublicListing.session).joinedload(ActivitySession.activity)))
    return {
        "sign_ups": [
            {"session": entry.listing.title_ro, "date": entry.listing.session.date.isoformat(),
             "status": entry.status.value, "signed_up_at": entry.created_at.isoformat(),
             "email": entry.email, "phone": entry.phone, "school": entry.school, "class": entry.school_class,
             "guardian": entry.guardian_name, "guardian_contact": entry.guardian_contact}
            for entry in sign_ups
            if visible is None or entry.listing.session.activity.project_id in visible],
        "volunteer_hours": [
            {"date": entry.day.isoformat(), "hours": str(entry.hours), "task": entry.task,
             "project": entry.project.code}
            for entry in person_hours(db, person.id, visible)],
        "volunteer_certificates": [
            {"number": entry.id, "project": entry.project.code, "hours": str(entry.hours),
             "issued_on": entry.issued_on.isoformat()}
            for entry in certificates(db, person.id, visible)],
    }
