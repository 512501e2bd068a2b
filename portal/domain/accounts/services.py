"""Accounts: sign-in with rate limits, and user administration."""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.db import utcnow
from portal.domain.accounts.models import LoginAttempt, Role, User, new_session_token
from portal.domain.errors import DomainError
from portal.domain.text import normalize_ro

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the e-mail is unknown, so that the answer takes as long.
_DUMMY_HASH = generate_password_hash("comunitar-timing-equaliser")


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    lockout_minutes: int


class LoginThrottled(DomainError):
    def __init__(self, minutes: int):
        super().__init__(_l("Too many failed sign-in attempts."), code="login_throttled")
        self.minutes = minutes


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt, a current memory-hard algorithm.
    return generate_password_hash(password)


def check_password_policy(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            code="password_too_short", field="password",
        )


def _recent_failures(db: Session, column, value: str, since) -> int:
    return db.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at >= since
        )
    )


def authenticate(db: Session, email: str, password: str, address: str, limits: LoginLimits) -> User:
    """Return the active user with these credentials, recording the attempt either way.

    Failed attempts are counted per account and per address over the lock-out window; past
    either limit no password is checked until the window has passed.
    """
    email = normalize_email(email)
    now = utcnow()
    window = timedelta(minutes=limits.lockout_minutes)
    since = now - window
    if (
        _recent_failures(db, LoginAttempt.email, email, since) >= limits.per_account
        or _recent_failures(db, LoginAttempt.address, address, since) >= limits.per_address
    ):
        raise LoginThrottled(limits.lockout_minutes)

    user = db.scalar(select(User).where(User.email == email))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    succeeded = bool(user and valid and user.is_active)
    db.add(LoginAttempt(email=email, address=address, succeeded=succeeded, created_at=now))
    # Old rows serve no limit any more.
    db.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - timedelta(days=1)))
    if not succeeded:
        raise DomainError(_l("Wrong e-mail address or password."), code="login_failed")
    # A success clears this account's failures: the limit is on guessing, not on typos.
    db.execute(
        delete(LoginAttempt).where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(False))
    )
    user.last_login_at = now
    return user


def load_user_for_session(db: Session, session_id: str) -> User | None:
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit():
        return None
    user = db.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def _active_admins(db: Session) -> int:
    return db.scalar(
        select(func.count()).select_from(User).where(User.role == Role.admin, User.is_active.is_(True))
    )


def create_user(db: Session, *, email: str, full_name: str, role: Role, password: str) -> User:
    email = normalize_email(email)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(
            _l("A user with this e-mail address already exists."), code="email_taken", field="email"
        )
    check_password_policy(password)
    user = User(
        email=email, full_name=normalize_ro(full_name), role=Role(role),
        password_hash=hash_password(password), is_active=True,
    )
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, *, actor: User, full_name: str, role: Role, is_active: bool) -> User:
    """Change a user's name, role or status; the last active admin can be neither demoted nor deactivated."""
    role = Role(role)
    losing_admin = user.role == Role.admin and user.is_active and (role != Role.admin or not is_active)
    if losing_admin and _active_admins(db) <= 1:
        raise DomainError(
            _l("At least one active administrator must remain."), code="last_admin", field="role"
        )
    if user.id == actor.id and not is_active:
        raise DomainError(_l("You cannot deactivate your own account."), code="self_deactivation",
                          field="is_active")
    if user.is_active and not is_active:
        user.session_token = new_session_token()
    user.full_name = normalize_ro(full_name)
    user.role = role
    user.is_active = is_active
    return user


def set_password(db: Session, user: User, password: str) -> User:
    """A new password ends every open session of that user."""
    check_password_policy(password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    return user


def change_own_password(db: Session, user: User, current_password: str, new_password: str) -> User:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise DomainError(_l("The current password is not right."), code="wrong_password",
                          field="current_password")
    return set_password(db, user, new_password)
