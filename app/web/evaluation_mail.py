"""The follow-up e-mail of the self-assessment, about three months after the course."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from app.models import Course, User
from app.services.infra import mail
from app.urls import external_url

log = logging.getLogger(__name__)


def send_followup(config: Mapping[str, Any], user: User, course: Course) -> bool:
    """Send one follow-up; False (logged) when the mail could not go."""
    try:
        mail.send(config, user.email, _("【つながりサポーター養成講座】講座から3か月、3つの質問にご協力ください"),
                  render_template("email/evaluation_followup.txt", user=user,
                                  link=external_url("learn.evaluation_followup", slug=course.slug)))
    except Exception:  # one failed address must not stop the others; it is claimed and not retried
        log.exception("could not send the evaluation follow-up to user %s", user.id)
        return False
    return True
