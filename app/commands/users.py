"""`flask users create-admin`: the first administrator account."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services.accounts import accounts

users_cli = AppGroup("users", help="User accounts.")


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
