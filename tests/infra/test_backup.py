"""Backups restore to the same counts: `flask backup` on SQLite (online backup API, also while
another connection writes), and pg_dump / pg_restore on PostgreSQL as the README describes."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import AgeBand, Audience, CohortMode, Sex, SupporterRecord
from app.services.infra import audit, backup
from app.services.organisations.municipalities import load_reference_data
from tests.factories import make_admin, make_coordinator, make_organisation, make_trainee


def _data() -> None:
    org = make_organisation(name="生駒市")
    make_coordinator(org, email="coord@example.jp")
    make_admin(email="admin@example.jp")
    for i in range(12):
        make_trainee(email=f"t{i}@example.jp")
        db.session.add(SupporterRecord(fiscal_year=2025, fiscal_quarter=1 + i % 4, prefecture_code="29",
                                       municipality_code="292095", audience=Audience.ADULT,
                                       mode=CohortMode.ON_DEMAND, age_band=AgeBand.AGE_40S, sex=Sex.FEMALE))
        audit.record(db.session, "auth.login", actor_id=i)
    db.session.commit()


@pytest.fixture()
def sqlite_app(make_app, tmp_path):
    """An app on its own SQLite file, migrated, whatever database the suite runs on."""
    path = tmp_path / "live.sqlite3"
    application = make_app(f"sqlite:///{path}")
    with application.app_context():
        upgrade()
        load_reference_data(db.session)
        db.session.commit()
        _data()
        yield application, path
        db.session.remove()


def test_flask_backup_restores_to_the_same_counts(sqlite_app, tmp_path):
    application, path = sqlite_app
    target = tmp_path / "copies" / "tsunagari.sqlite3"
    result = application.test_cli_runner().invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity check ok" in result.output
    with sqlite3.connect(path) as live, sqlite3.connect(target) as copy:
        counts = backup.table_counts(live)
        assert backup.table_counts(copy) == counts
    assert counts["user"] == 14 and counts["supporter_record"] == 12 and counts["municipality"] == 1741
    assert counts["alembic_version"] == 1
    # The copy is a working database: the app opens it and reads the same rows.
    engine = sa.create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM supporter_record")) == 12
    engine.dispose()
    # A second backup never overwrites the first.
    again = application.test_cli_runner().invoke(args=["backup", "--output", str(target)])
    assert again.exit_code != 0 and "target_exists" in again.output


def test_default_location_is_the_instance_backups_folder(sqlite_app):
    application, _ = sqlite_app
    result = application.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    files = list((application.config["INSTANCE_DIR"] / "backups").glob("tsunagari-*.sqlite3"))
    assert len(files) == 1 and not list(files[0].parent.glob("*.partial"))


def test_backup_is_consistent_while_another_connection_writes(sqlite_app, tmp_path):
    application, path = sqlite_app
    # An uncommitted write is not in the copy...
    writer = sqlite3.connect(path, timeout=10)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO audit_event (at, action, detail) VALUES ('2026-01-01 00:00:00', 'pending', '{}')")
    first = backup.backup_sqlite(path, tmp_path / "during-write.sqlite3")
    writer.commit()
    with sqlite3.connect(first) as copy:
        assert copy.execute("SELECT count(*) FROM audit_event WHERE action = 'pending'").fetchone()[0] == 0
    # ...and under steady committed writes the copy is one moment's database: complete, intact,
    # with a row count between the counts before and after.
    before = backup.table_counts(writer)["audit_event"]
    stop = threading.Event()

    def write() -> None:
        while not stop.is_set():
            writer.execute("INSERT INTO audit_event (at, action, detail) VALUES ('2026-01-01', 'steady', '{}')")
            writer.commit()

    thread = threading.Thread(target=write)
    writer.close()
    writer = sqlite3.connect(path, timeout=10, check_same_thread=False)
    thread.start()
    try:
        second = backup.backup_sqlite(path, tmp_path / "steady.sqlite3")
    finally:
        stop.set()
        thread.join()
    after = backup.table_counts(writer)["audit_event"]
    writer.close()
    with sqlite3.connect(second) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert before <= backup.table_counts(copy)["audit_event"] <= after


def test_backup_command_explains_postgresql(make_app):
    application = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = application.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0 and "pg_dump -Fc" in result.output
    assert backup.sqlite_path("sqlite://") is None and backup.sqlite_path("sqlite:////tmp/x.db").name == "x.db"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"), reason="needs pg_dump")
def test_pg_dump_and_pg_restore_give_the_same_counts(app, tmp_path):
    _data()
    url = make_url(db.engine.url)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    connection = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    dump = tmp_path / "tsunagari.dump"
    # The procedure of README "Backups": a custom-format dump, restored into a new database.
    subprocess.run(["pg_dump", "-Fc", *connection, "-d", url.database, "-f", str(dump)], env=env, check=True)
    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", *connection, "-d", url.database, "-qc", f'CREATE DATABASE "{fresh}"'], env=env, check=True)
    restored = sa.create_engine(url.set(database=fresh))
    try:
        subprocess.run(["pg_restore", "--no-owner", *connection, "-d", fresh, str(dump)], env=env, check=True)
        tables = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]

        def counts(engine) -> dict[str, int]:
            with engine.connect() as conn:
                return {t: conn.scalar(sa.text(f'SELECT count(*) FROM "{t}"')) for t in tables}

        live = counts(db.engine)
        assert counts(restored) == live
        assert live["user"] == 14 and live["municipality"] == 1741
        # The append-only guard on the audit log comes back with the restore.
        with restored.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("DELETE FROM audit_event"))
    finally:
        restored.dispose()
        subprocess.run(["psql", *connection, "-d", url.database, "-qc", f'DROP DATABASE IF EXISTS "{fresh}"'],
                       env=env, check=True)
