"""`flask privacy purge-inactive`: the retention rule for personal data."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.services.accounts import privacy

privacy_cli = AppGroup("privacy", help="Personal data: retention.")


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
