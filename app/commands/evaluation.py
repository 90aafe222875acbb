"""`flask evaluation send-followups`: the follow-up e-mails of the self-assessment (daily cron)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.services.evaluation import answers
from app.web import evaluation_mail

evaluation_cli = AppGroup("evaluation", help="Evaluation (評価・検証): follow-up e-mails.")


@evaluation_cli.command("send-followups")
def send_followups() -> None:
    """E-mail those who agreed, about three months after their after answers; safe to run again."""
    # Claimed and committed before sending: a second run, or a second server, finds nothing to send.
    due = answers.claim_due_followups(db.session)
    db.session.commit()
    sent = sum(evaluation_mail.send_followup(current_app.config, user, course) for user, course in due)
    click.echo(f"{len(due)} follow-up(s) due, {sent} sent.")
