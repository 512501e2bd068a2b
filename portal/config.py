"""Configuration read from environment variables, with an instance/ folder for local state."""
import os
import secrets
from pathlib import Path

SUPPORTED_LOCALES = ("ro", "en")
DEFAULT_LOCALE = "ro"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "da"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def load_secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key.

    Never a constant in the code: every installation gets its own key, kept across restarts
    so that sessions survive them.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting together must not each write a different key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: str, secret_key: str | None = None) -> dict:
    https = _env_bool("COMUNITAR_HTTPS")
    return {
        "SECRET_KEY": secret_key or load_secret_key(instance_path),
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "comunitar.sqlite3"),
        # Behind HTTPS (a reverse proxy terminating TLS) cookies are Secure and HTTP is redirected.
        "HTTPS": https,
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "comunitar_session",
        # Inactivity limit for portal sessions; the cookie itself lives longer so that
        # an expired session can still hand back the form that was being typed.
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 30),
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        # The CSRF token lives as long as the session: a form left open for an hour still posts.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        "LOGIN_LOCKOUT_MINUTES": _env_int("LOGIN_LOCKOUT_MINUTES", 15),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Uploaded photos (news, galleries, events); shared storage when several app servers run.
        "MEDIA_DIR": os.environ.get("MEDIA_DIR", ""),
        # Public sign-ups per address (a school's computer room shares one) in a window of minutes.
        "SIGNUP_MAX_PER_ADDRESS": _env_int("SIGNUP_MAX_PER_ADDRESS", 30),
        "SIGNUP_WINDOW_MINUTES": _env_int("SIGNUP_WINDOW_MINUTES", 60),
        # Without MAIL_SERVER messages are kept in the outbox, visible to staff, and sent once it is set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", ""),
        "ORGANISATION_NAME": os.environ.get("ORGANISATION_NAME", "Comunitar"),
        "ORGANISATION_CONTACT": os.environ.get("ORGANISATION_CONTACT", "contact@comunitar.example"),
        "DATA_PROTECTION_CONTACT": os.environ.get("DATA_PROTECTION_CONTACT", "dpo@comunitar.example"),
        "BABEL_DEFAULT_LOCALE": DEFAULT_LOCALE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Bucharest",
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "COMPRESS_ALGORITHM": ["br", "gzip", "deflate"],
        "COMPRESS_MIMETYPES": [
            "text/html", "text/css", "text/csv", "text/plain", "text/calendar",
            "application/javascript", "text/javascript", "application/json", "image/svg+xml",
        ],
    }
