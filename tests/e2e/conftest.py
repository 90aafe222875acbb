"""Browser journeys: the real app under gunicorn (2 workers) on 127.0.0.1, a database of its own,
and Debian's Chromium driven by Playwright.

Which database: a fresh PostgreSQL database (created here, dropped at the end) on the server of
TEST_DATABASE_URL when it is set; otherwise an SQLite file, so `make test` on a bare machine runs
the journeys too. BROWSER_TESTS=postgresql-only skips them without TEST_DATABASE_URL (CI's SQLite
pass: the journeys test the product, not the database layer, which both passes cover), and
BROWSER_TESTS=off skips them altogether.
"""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from quality.servers import Gunicorn, app_env, free_port, fresh_postgres, prepare_database
from tests.e2e.browser import ARTIFACTS, AXE_JS, CHROMIUM, CHROMIUM_ARGS, Journey

PUPIL_PASSWORD = "kanta3"


@dataclass
class Live:
    base: str
    database_url: str
    instance: Path
    server: Gunicorn
    pupil: dict

    def app(self):
        """An in-process app on the same database, to read what the journeys wrote."""
        from app import create_app
        from config import Config, database_url

        # No background certificate renders from this helper app: a render thread outliving the
        # helper's `with app.app_context()` would hold a database connection nobody closes (the
        # journeys' server still renders them, as in production).
        config = type("ReadConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(self.database_url),
                                                "INSTANCE_DIR": self.instance, "APP_ENV": "development",
                                                "CERTIFICATE_PRERENDER": False})
        return create_app(config)


def _mode() -> str:
    mode = os.environ.get("BROWSER_TESTS", "auto")
    if mode not in ("auto", "postgresql-only", "off"):
        raise pytest.UsageError(f"BROWSER_TESTS={mode}: use auto, postgresql-only or off")
    return mode


def _seed_school(url: str, instance: Path) -> dict:
    """A school in 生駒市 with a class of three pupils, all with one known password."""
    from werkzeug.security import generate_password_hash

    from app.extensions import db
    from app.models import Organisation, OrganisationKind, User
    from app.services.accounts import pupils

    live = Live("", url, instance, None, {})  # type: ignore[arg-type]
    app = live.app()
    with app.app_context():
        import sqlalchemy as sa

        teacher = db.session.scalar(sa.select(User).where(User.email == "coordinator@demo.tsunagari.example"))
        school = Organisation(kind=OrganisationKind.SCHOOL, name="生駒市立つながり小学校", municipality_code="292095")
        db.session.add(school)
        db.session.flush()
        school_class = pupils.create_class(db.session, school, name="6年1組", count=3,
                                           name_for=lambda n: f"{n}ばん", actor=teacher)
        # Each journey that logs a pupil in takes its own number: what one pupil did (enrolled,
        # answered) must not change what another journey sees.
        class_pupils = pupils.pupils_of(db.session, school_class)
        for pupil in class_pupils:
            pupil.password_hash = generate_password_hash(PUPIL_PASSWORD, method="pbkdf2:sha256:200000")
        db.session.commit()
        info = {"code": school_class.code, "number": class_pupils[0].pupil_number, "password": PUPIL_PASSWORD,
                "numbers": [p.pupil_number for p in class_pupils]}
        db.session.remove()
        db.engine.dispose()
    return info


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    mode = _mode()
    if mode == "off":
        pytest.skip("BROWSER_TESTS=off")
    on_pg = bool(os.environ.get("TEST_DATABASE_URL"))
    if mode == "postgresql-only" and not on_pg:
        pytest.skip("browser journeys run in the PostgreSQL pass (BROWSER_TESTS=postgresql-only)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test installs it as root)")
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make quality-deps` (npm ci --prefix quality)")
    tmp = tmp_path_factory.mktemp("e2e")
    instance = tmp / "instance"
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        url = stack.enter_context(fresh_postgres("tsunagari_e2e")) if on_pg else f"sqlite:///{tmp / 'e2e.sqlite3'}"
        prepare_database(url, instance)
        pupil = _seed_school(url, instance)
        port = free_port()
        env = app_env(url, instance, port, JOB_QUEUE="thread", RATELIMIT_STORAGE_URI="memory://",
                      LOGIN_RATE_LIMIT="300 per minute", VERIFY_RATE_LIMIT="300 per minute",
                      VERIFY_NAME_RATE_LIMIT="300 per minute")
        server = stack.enter_context(Gunicorn(env, port, ARTIFACTS / "gunicorn.log", workers=2))
        yield Live(server.base, url, instance, server, pupil)


@pytest.fixture(scope="session")
def browser(live):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def new_journey(browser, live, request):
    """new_journey(name, **context options) -> a Journey in a fresh browser context (no cookies)."""
    contexts = []

    def make(name: str | None = None, *, axe: bool = True, max_width: int | None = None, **options) -> Journey:
        options.setdefault("locale", "ja-JP")
        options.setdefault("accept_downloads", True)
        context = browser.new_context(base_url=live.base, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        # Without JavaScript axe cannot run (evaluating it hangs); those pages are the same
        # templates the other runs check, apart from the municipality list of the register form.
        return Journey(context.new_page(), name or request.node.name, axe=axe and options.get(
            "java_script_enabled", True), max_width=max_width)

    yield make
    for context in contexts:
        context.close()
