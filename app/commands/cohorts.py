"""`flask cohorts send-reminders`: the day-before e-mails, meant for a daily cron job."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.services.cohorts import cohorts
from app.web import cohort_mail

cohorts_cli = AppGroup("cohorts", help="Cohorts (開催回): reminders.")


@cohorts_cli.command("send-reminders")
def send_reminders() -> None:
    """E-mail the participants of cohorts that start tomorrow (Japan time); safe to run again."""
    # Claimed and committed before sending: a second run, or a second server, finds nothing to send.
    due = cohorts.claim_due_reminders(db.session)
    db.session.commit()
    sent = 0
    for cohort in due:
        for user in cohorts.recipients(db.session, cohort):
            cohort_mail.send_reminder(current_app.config, user, cohort)
            sent += 1
    click.echo(f"{len(due)} cohort(s) starting tomorrow, {sent} reminder(s) sent.")
