"""Backups of the SQLite database with SQLite's online backup API.

The copy is consistent even while the app writes: it is read in one transaction, so it is the
database at one moment, never a mix of before and after a write; the file is checked with
PRAGMA integrity_check before it gets its final name. PostgreSQL is backed up with pg_dump
(README, "Backups")."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL; None for other databases or an in-memory one."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def default_target(folder: Path, now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now(dt.UTC)
    return folder / f"tsunagari-{now:%Y%m%d-%H%M%S}.sqlite3"


def backup_sqlite(source: Path, target: Path, pages: int = -1) -> Path:
    """Copy the database at `source` to `target` (which must not exist) and check the copy."""
    if not source.exists():
        raise BackupError("no_source")
    if target.exists():
        raise BackupError("target_exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        # One step by default: the copy is a single read transaction, so it always finishes even
        # under steady writes (a stepwise copy restarts after each write by another connection);
        # writers wait for it, well under a second for a database of this size.
        src.backup(dst, pages=pages)
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("integrity")
    finally:
        dst.close()
        src.close()
    partial.rename(target)  # only a complete, checked copy gets the final name
    return target


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of an SQLite database (to compare a backup with its source)."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
