"""`flask municipalities load`: the prefecture and municipality reference data."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services.organisations import municipalities

municipalities_cli = AppGroup("municipalities", help="Municipality reference data.")


@municipalities_cli.command("load")
def municipalities_load() -> None:
    """Load or refresh the 47 prefectures and 1,741 municipalities (idempotent)."""
    prefs, munis = municipalities.load_reference_data(db.session)
    db.session.commit()
    click.echo(f"Loaded {prefs} prefectures and {munis} municipalities.")
