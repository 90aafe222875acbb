"""Fixtures: one migrated database per test session (SQLite file or TEST_DATABASE_URL),
emptied between tests; reference data (municipalities) loaded once."""
from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from config import TestConfig, database_url

REFERENCE_TABLES = {"prefecture", "municipality", "alembic_version"}


def _db_url(tmp_dir: Path) -> str:
    if os.environ.get("TEST_DATABASE_URL"):
        return database_url(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def make_config(url: str, instance: Path, **overrides) -> type:
    attrs = {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance, **overrides}
    return type("PerTestConfig", (TestConfig,), attrs)


@pytest.fixture(scope="session")
def database_url_for_tests(tmp_path_factory) -> str:
    """Create the schema with the migrations (never create_all) and load municipalities."""
    from flask_migrate import upgrade

    from app.services.organisations.municipalities import load_reference_data

    tmp = tmp_path_factory.mktemp("db")
    url = _db_url(tmp)
    app = create_app(make_config(url, tmp / "instance"))
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        load_reference_data(db.session)
        db.session.commit()
        db.engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context, `g` and
    database session as in production, instead of sharing the test's."""

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        if response.is_streamed:
            # A streamed body (stream_with_context) is read where it was made, as a server's
            # worker does; the pieces are kept, so tests can see how it was sent.
            def drain():
                pieces = list(response.response)
                response.close()
                return pieces

            response.response = context.run(drain)
        return response


@pytest.fixture()
def app(database_url_for_tests, tmp_path):
    outbox: list = []
    application = create_app(make_config(database_url_for_tests, tmp_path / "instance", MAIL_OUTBOX=outbox))
    application.config["MAIL_OUTBOX"] = outbox
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture()
def make_app(database_url_for_tests, tmp_path):
    """Build extra apps (other settings, a second "worker"); their engines are closed after."""
    built = []

    def build(url: str | None = None, **overrides):
        application = create_app(make_config(url or database_url_for_tests, tmp_path / "instance", **overrides))
        application.test_client_class = IsolatedClient
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def outbox(app) -> list:
    return app.config["MAIL_OUTBOX"]


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Fetch a page and return its CSRF token, as a browser would have it."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST a form with a real CSRF token taken from the page it lives on."""
    data = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=data, **kwargs)


def login(client, email: str, password: str):
    return post_form(client, "/login", {"email": email, "password": password})


def coordinator_client(app, org, email: str):
    """A test client logged in as a new coordinator of `org`."""
    from tests.factories import PASSWORD, make_coordinator

    make_coordinator(org, email=email)
    db.session.commit()
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


@contextmanager
def count_queries():
    """The SQL statements sent through the app's engine while the block runs (requests included)."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


# --- the coordinator tests' usual world: 生駒市 with one coordinator, and the default course ---------

@pytest.fixture()
def ikoma(app):
    from tests.factories import make_coordinator, make_organisation

    org = make_organisation(municipality="292095", name="生駒市")
    make_coordinator(org, email="coord@example.jp")
    db.session.commit()
    return org


@pytest.fixture()
def course(app):
    from tests.cohort_helpers import default_course

    return default_course()


@pytest.fixture()
def admin_client(app):
    """A test client logged in as an admin."""
    from tests.factories import PASSWORD, make_admin

    make_admin(email="admin@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "admin@example.jp", PASSWORD)
    return client
