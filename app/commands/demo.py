"""`flask demo`: the demo organisation and accounts (never in production)."""
from __future__ import annotations

import click
from flask import current_app

from app.extensions import db
from app.services import demo


@click.command("demo")
def demo_command() -> None:
    """Create the demo organisation (生駒市) and demo accounts, and print their credentials."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Demo accounts are refused in production (APP_ENV=production).")
    org, created = demo.ensure_demo(db.session)
    db.session.commit()
    click.echo(f"Demo organisation: {org.name}")
    for account in created:
        click.echo(f"  {account.role:<12} {account.email:<38} password: {account.password}")
