"""`flask backup`: an online copy of the SQLite database."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.services.infra import backup


@click.command("backup")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: BACKUP_DIR or instance/backups, with the date and time).")
def backup_command(output: Path | None) -> None:
    """Copy the SQLite database while the app runs (online backup API); PostgreSQL: see README."""
    source = backup.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if source is None:
        raise click.ClickException(
            "flask backup copies an SQLite database. For PostgreSQL use pg_dump -Fc and pg_restore "
            "(README.md, section Backups).")
    folder = Path(current_app.config["BACKUP_DIR"] or Path(current_app.instance_path) / "backups")
    target = output or backup.default_target(folder)
    try:
        path = backup.backup_sqlite(source, target)
    except backup.BackupError as error:
        raise click.ClickException(f"Backup refused: {error.code} ({source} -> {target})") from error
    click.echo(f"Backed up {source} to {path} ({path.stat().st_size:,} bytes, integrity check ok).")
