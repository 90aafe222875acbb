"""`flask doctor`: is the database, the Japanese font and the PDF stack ready?"""
from __future__ import annotations

import click
from flask import current_app

from app.extensions import db


@click.command("doctor")
def doctor_command() -> None:
    """Report whether the database, the Japanese fonts and the PDF stack are ready."""
    from sqlalchemy import text

    from app.services.certificates.fonts import doctor

    checks = []
    try:
        db.session.execute(text("SELECT 1"))
        checks.append(("database", True, current_app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]))
    except Exception as error:  # report, do not crash: this command is for diagnosis
        checks.append(("database", False, str(error).splitlines()[0]))
    checks.extend(doctor())
    for name, ok, detail in checks:
        click.echo(f"[{'OK' if ok else 'NG'}] {name}: {detail}")
    if not all(ok for _, ok, _ in checks):
        raise click.ClickException("Some checks failed (see above).")
