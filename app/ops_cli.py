"""Operations commands: statistics backfill, privacy retention, backups (thin wrappers of services)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from app.extensions import db
from app.services import backup, privacy, statistics

statistics_cli = AppGroup("statistics", help="National statistics of supporters.")
privacy_cli = AppGroup("privacy", help="Personal data: retention.")


@statistics_cli.command("backfill")
def statistics_backfill() -> None:
    """Count completions that have no statistics record yet (after a bulk load or restore)."""
    added = statistics.backfill(db.session)
    db.session.commit()
    click.echo(f"Statistics records added: {added}.")


@privacy_cli.command("purge-inactive")
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Delete accounts without a login for this many years (default: RETENTION_YEARS).")
@click.option("--dry-run", is_flag=True, help="List the accounts without deleting them.")
def privacy_purge_inactive(years: int | None, dry_run: bool) -> None:
    """Delete accounts inactive for N years, as a trainee's own deletion does (audited)."""
    years = years or current_app.config["RETENTION_YEARS"]
    ids = privacy.purge_inactive(db.session, years, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(ids)} account(s) inactive for {years} year(s) would be deleted: "
                   f"{', '.join(map(str, ids)) or '-'}")
        return
    db.session.commit()
    click.echo(f"Deleted {len(ids)} account(s) inactive for {years} year(s); recorded in the audit log.")


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


def register(cli) -> None:
    cli.add_command(statistics_cli)
    cli.add_command(privacy_cli)
    cli.add_command(backup_command)
