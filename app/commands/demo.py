"""`flask demo`: the demo organisation, school and accounts (never in production)."""
from __future__ import annotations

import click
from flask import current_app

from app.extensions import db
from app.services import demo


@click.command("demo")
def demo_command() -> None:
    """Create the demo organisation and school (生駒市) with demo accounts and a class of pupils,
    and print their credentials."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Demo accounts are refused in production (APP_ENV=production).")
    made = demo.ensure_demo(db.session)
    db.session.commit()
    click.echo(f"Demo organisation: {made.organisation.name}")
    for account in made.accounts:
        if not account.at_school:
            click.echo(f"  {account.label or account.role:<12} {account.email:<38} password: {account.password}")
    click.echo(f"Demo school: {made.school.name}")
    for account in made.accounts:
        if account.at_school:
            click.echo(f"  {account.label or account.role:<12} {account.email:<38} password: {account.password}")
    pupil = made.pupil
    click.echo(f"  {'pupil':<12} class code: {pupil.class_code}  number: {pupil.number}  password: {pupil.password}"
               "  (log in at /pupil-login)")
