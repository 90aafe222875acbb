"""`flask statistics backfill`: completions counted for the national statistics."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services.statistics import statistics

statistics_cli = AppGroup("statistics", help="National statistics of supporters.")


@statistics_cli.command("backfill")
def statistics_backfill() -> None:
    """Count completions that have no statistics record yet (after a bulk load or restore)."""
    added = statistics.backfill(db.session)
    db.session.commit()
    click.echo(f"Statistics records added: {added}.")
