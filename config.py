"""Configuration read from environment variables, with safe development defaults."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

# A known value so production can refuse it; development needs no set-up.
DEFAULT_SECRET_KEY = "dev-only-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None) -> str:
    """Normalise a DATABASE_URL so every PostgreSQL URL uses the psycopg 3 driver."""
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'tsunagari.sqlite3'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    INSTANCE_DIR = INSTANCE_DIR
    # Public base URL used in e-mails and certificate QR codes when no request is active.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Mail: without MAIL_SERVER, messages go to the console and instance/mail.log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Tsunagari LMS <no-reply@localhost>")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # How many reverse proxies (nginx, a load balancer) stand in front of the app servers. Their
    # X-Forwarded-For / -Proto give the client address (rate limits, audit log) and the scheme;
    # 0 trusts none, so a client cannot fake its address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Background jobs: "rq" needs REDIS_URL and a worker (`flask jobs worker`); "thread" runs
    # them inside the app process, which suits the embedded SQLite default.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "rq" if os.environ.get("REDIS_URL") else "thread")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    # Registration is counted per address like login: each attempt hashes a password and sends a mail.
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per minute;50 per hour")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour")
    # Counts only join codes that were not found, so a class joining from one school or city-hall
    # network is never blocked while guessing codes is.
    JOIN_RATE_LIMIT = os.environ.get("JOIN_RATE_LIMIT", "10 per minute;50 per hour")
    # A prefecture dashboard aggregates every resident of the prefecture: its figures are kept
    # this many seconds per app server (0: computed on every request).
    AREA_CACHE_SECONDS = int(os.environ.get("AREA_CACHE_SECONDS", "60"))
    # Rendered lesson pages kept per worker and sent again while the database says nothing they
    # show has changed (app/learn/pagecache.py): how long, and how many (0 seconds: off).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    PAGE_CACHE_ENTRIES = int(os.environ.get("PAGE_CACHE_ENTRIES", "256"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", APP_ENV == "production")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; forms left open stay usable

    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")

    RESET_TOKEN_HOURS = int(os.environ.get("RESET_TOKEN_HOURS", "2"))
    INVITE_TOKEN_DAYS = int(os.environ.get("INVITE_TOKEN_DAYS", "7"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024

    # Counts of people from 1 to this minus one are hidden, with whatever would reveal them, in
    # every figure shown outside the admin pages or exported (open data included).
    SUPPRESSION_THRESHOLD = int(os.environ.get("SUPPRESSION_THRESHOLD", "5"))
    # The open-data CSV holds ended fiscal years only, so each app server may keep it this long.
    OPENDATA_CACHE_SECONDS = int(os.environ.get("OPENDATA_CACHE_SECONDS", "3600"))
    # Where `flask backup` writes copies of the SQLite database unless given --output
    # (empty: the instance folder's backups/).
    BACKUP_DIR = os.environ.get("BACKUP_DIR", "")
    # Accounts not used for this many years are deleted by `flask privacy purge-inactive`; the
    # privacy notice states the same figure.
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "3"))
    # Who runs this site and where people ask about their data (the privacy notice names them).
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "")
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "")


class TestConfig(Config):
    TESTING = True
    APP_ENV = "testing"
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) if os.environ.get(
        "TEST_DATABASE_URL") else "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    RATELIMIT_STORAGE_URI = "memory://"
    JOB_QUEUE = "thread"
    AREA_CACHE_SECONDS = 0
    OPENDATA_CACHE_SECONDS = 0
    MAIL_SERVER = ""
    SERVER_NAME = "localhost"
    SESSION_COOKIE_SECURE = False
