"""Tsunagari LMS: the application factory."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from config import DEFAULT_BASE_URL, DEFAULT_SECRET_KEY, Config


def create_app(config_class: type = Config) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, CLI."""
    app = Flask(__name__, instance_path=str(config_class.INSTANCE_DIR))
    app.config.from_object(config_class)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.json.ensure_ascii = False  # readable Japanese in API answers
    check_production_config(app)
    init_extensions(app)
    register_request_guard(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    register_hooks(app)
    return app


def check_production_config(app: Flask) -> None:
    """Refuse to start in production with a setting that is only safe on a laptop."""
    if app.config["APP_ENV"] != "production":
        return
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError(
            "APP_ENV=production needs its own SECRET_KEY (for example: "
            "python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    base = urlsplit(app.config["BASE_URL"])
    if app.config["BASE_URL"] == DEFAULT_BASE_URL or base.scheme not in ("http", "https") or not base.hostname:
        raise RuntimeError(
            "APP_ENV=production needs BASE_URL, the site's public address (e.g. https://lms.example.jp): "
            "links in e-mails and QR codes are built from it, and requests for other hosts are refused."
        )
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not app.config["RATELIMIT_SINGLE_PROCESS"]:
        raise RuntimeError(
            "APP_ENV=production with RATELIMIT_STORAGE_URI=memory:// counts rate limits per worker process, "
            "so N gunicorn workers allow N times each limit. Set RATELIMIT_STORAGE_URI (or REDIS_URL) to "
            "redis://host:6379/0, or RATELIMIT_SINGLE_PROCESS=1 if exactly one process serves the site."
        )


def init_extensions(app: Flask) -> None:
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                    render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page itself explains
    login_manager.session_protection = "basic"

    from app.services.accounts.accounts import load_user

    @login_manager.user_loader
    def _load_user(user_id: str):
        return load_user(db.session, user_id)


def register_request_guard(app: Flask) -> None:
    from app.request_guard import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.coordinate import bp as coordinate_bp
    from app.learn import bp as learn_bp
    from app.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(coordinate_bp, url_prefix="/coordinate")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_error_handlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app.i18n import register_template_helpers as register_i18n
    from app.urls import external_url
    from app.web import cohort_text, context

    register_i18n(app)
    context.register(app)  # reading preferences and the logout form, on every page
    cohort_text.register(app)  # cohort filters: coordinator pages, join pages and e-mails all use them
    app.add_template_global(external_url)


def register_security_headers(app: Flask) -> None:
    from app.security import register

    register(app)


def register_cli(app: Flask) -> None:
    from app.commands import register

    register(app)


def register_hooks(app: Flask) -> None:
    """Connect what reacts to the app's events (memory after PDFs, the lesson-page cache, what follows
    a committed completion: its certificate's render and mail).

    Completion's effects (certificate, statistics) are no hook: learning.progress calls them."""
    from app.i18n import cache_wtforms_translations

    cache_wtforms_translations(app)  # WTForms' messages from a per-process copy on submitted forms
    from app.services.infra import memory

    memory.register(app)  # a full collection after a response that rendered a PDF (worker memory, BENCHMARKS.md)
    from app.web import pagecache

    pagecache.init_app(app)  # rendered lesson pages, reused while their database fingerprint holds
    from app.web import static_files

    static_files.register(app)  # content hash in static URLs, cached for a year (BENCHMARKS.md, slow phone)
    from app import jobs

    jobs.register_certificate_renders(app)  # a new certificate's PDF rendered and its holder mailed, after commit
