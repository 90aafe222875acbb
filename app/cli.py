"""Command-line commands (kebab-case), each a thin wrapper around a service."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db
from app.services import accounts, demo, municipalities

municipalities_cli = AppGroup("municipalities", help="Municipality reference data.")
users_cli = AppGroup("users", help="User accounts.")


@municipalities_cli.command("load")
def municipalities_load() -> None:
    """Load or refresh the 47 prefectures and 1,741 municipalities (idempotent)."""
    prefs, munis = municipalities.load_reference_data(db.session)
    db.session.commit()
    click.echo(f"Loaded {prefs} prefectures and {munis} municipalities.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt=True)
@click.password_option()
def users_create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        accounts.create_admin(db.session, email, display_name, password)
    except accounts.AccountError as error:
        raise click.ClickException(f"Refused: {error.code}") from error
    db.session.commit()
    click.echo(f"Administrator {email} created.")


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


def register(app: Flask) -> None:
    app.cli.add_command(municipalities_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
