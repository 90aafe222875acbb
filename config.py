"""Configuration read from environment variables, with safe development defaults."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

# Known values so production can refuse them; development needs no set-up.
DEFAULT_SECRET_KEY = "dev-only-change-me"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


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


def ratelimit_storage_uri(environ: Mapping[str, str]) -> str:
    """RATELIMIT_STORAGE_URI, else the Redis that REDIS_URL names, else per-process memory."""
    return environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or "memory://"


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    INSTANCE_DIR = INSTANCE_DIR
    # The public address: every absolute link that leaves the site (e-mails, QR codes, PDFs, .ics
    # files) is built from it, never from the request's Host header (app/urls.py).
    BASE_URL = os.environ.get("BASE_URL", DEFAULT_BASE_URL)
    # In production only requests for BASE_URL's host are answered (400 for any other Host); these
    # further names (comma-separated) are accepted too, e.g. a second domain that nginx forwards.
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]

    # Mail: without MAIL_SERVER, messages go to the console and instance/mail.log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Tsunagari LMS <no-reply@localhost>")

    # Where rate limits are counted. memory:// counts per worker process, so four gunicorn workers
    # would allow four times each limit: production refuses it unless RATELIMIT_SINGLE_PROCESS says
    # one process serves the site. With REDIS_URL set, the limits live there by default.
    RATELIMIT_STORAGE_URI = ratelimit_storage_uri(os.environ)
    RATELIMIT_SINGLE_PROCESS = _bool("RATELIMIT_SINGLE_PROCESS")
    # How many reverse proxies (nginx, a load balancer) stand in front of the app servers. Their
    # X-Forwarded-For / -Proto give the client address (rate limits, audit log) and the scheme;
    # 0 trusts none, so a client cannot fake its address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Background jobs: "rq" needs REDIS_URL and a worker (`flask jobs worker`); "thread" runs
    # them inside the app process, which suits the embedded SQLite default.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOB_QUEUE = os.environ.get("JOB_QUEUE", "rq" if os.environ.get("REDIS_URL") else "thread")
    # Render a certificate's PDF by the job queue right after completion, so the first download
    # is a stored file (a failed render leaves the on-demand path). On by default only with RQ
    # workers: inside the web process the renders took the CPU from requests (make bench, 50 quiz
    # submitters: 886 ms -> 13.9 s median, worker RSS 128 -> 264 MB; bench/HISTORY.md).
    CERTIFICATE_PRERENDER = os.environ.get(
        "CERTIFICATE_PRERENDER", "1" if JOB_QUEUE == "rq" else "0") not in ("0", "false", "no")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    # Registration is counted per address like login: each attempt hashes a password and sends a mail.
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per minute;50 per hour")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour")
    # The name check on a verification page answers only "matches" or not, but each answer is a
    # guess at a stranger's name: few per client, and few per certificate from all clients together.
    VERIFY_NAME_RATE_LIMIT = os.environ.get("VERIFY_NAME_RATE_LIMIT", "5 per minute;20 per day")
    VERIFY_NAME_CODE_RATE_LIMIT = os.environ.get("VERIFY_NAME_CODE_RATE_LIMIT", "10 per hour;30 per day")
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
    BASE_URL = "http://localhost"  # the test client's host (SERVER_NAME)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_SINGLE_PROCESS = True  # the tests run in one process
    JOB_QUEUE = "thread"
    CERTIFICATE_PRERENDER = False  # tests that check it turn it on; others start no renders
    AREA_CACHE_SECONDS = 0
    OPENDATA_CACHE_SECONDS = 0
    MAIL_SERVER = ""
    SERVER_NAME = "localhost"
    SESSION_COOKIE_SECURE = False
