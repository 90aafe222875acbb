"""E-mails to cohort participants: joined (with an .ics file), invitation, reminder; the .ics of a cancellation.

Sent by views after their commit and by `flask cohorts send-reminders`; a failed mail is logged
and never undoes what was committed."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import render_template, url_for
from flask_babel import gettext as _

from app.models import Cohort, CohortInvitation, Organisation, User
from app.services.cohorts import calendar
from app.services.infra import mail
from app.web.cohort_text import place_text, when_text

log = logging.getLogger(__name__)


def _base(config: Mapping[str, Any]) -> str:
    return config["BASE_URL"].rstrip("/")


def course_link(config: Mapping[str, Any], cohort: Cohort) -> str:
    return f"{_base(config)}/courses/{cohort.course.slug}"


def _event(config: Mapping[str, Any], cohort: Cohort, organisation: Organisation, **fields) -> calendar.Event:
    host = urlsplit(config["BASE_URL"]).hostname or "localhost"
    description = "\n".join(filter(None, [
        _("主催: %(org)s", org=organisation.name),
        _("講師: %(name)s", name=cohort.instructor_name) if cohort.instructor_name else "",
        _("講座のページ: %(url)s", url=course_link(config, cohort)),
    ]))
    return calendar.Event(
        uid=f"cohort-{cohort.id}@{host}", title=_("つながりサポーター養成講座「%(title)s」", title=cohort.title),
        starts_at=cohort.starts_at, ends_at=cohort.ends_at, location=place_text(cohort, for_participant=True),
        url=cohort.meeting_url or course_link(config, cohort), description=description, **fields)


def ics_for(config: Mapping[str, Any], cohort: Cohort, organisation: Organisation) -> bytes | None:
    """The session as a calendar file; None for cohorts without a date (on demand)."""
    if cohort.starts_at is None:
        return None
    return calendar.ics_bytes(_event(config, cohort, organisation))


def cancellation_ics(config: Mapping[str, Any], cohort: Cohort, organisation: Organisation,
                     to: str) -> bytes | None:
    """The cancellation of the session a joined mail put in the calendar (same UID, METHOD:CANCEL), so
    a calendar program can strike it out; None for cohorts without a date."""
    if cohort.starts_at is None:
        return None
    sender = parseaddr(config["MAIL_FROM"])[1] or "no-reply@localhost"
    return calendar.ics_bytes(_event(config, cohort, organisation, sequence=1, cancelled=True,
                                     organizer=(organisation.name, sender), attendee=to))


CANCEL_ICS_TYPE = "text/calendar; charset=utf-8; method=CANCEL"


def _send(config: Mapping[str, Any], user: User, cohort: Cohort, subject: str, template: str, **context) -> None:
    organisation = cohort.organisation
    ics = ics_for(config, cohort, organisation)
    body = render_template(template, user=user, cohort=cohort, org=organisation, when=when_text(cohort),
                           place=place_text(cohort, for_participant=True), course_link=course_link(config, cohort),
                           **context)
    # The parameters ride along in the subtype: mail.send splits only at "/", and without the
    # charset a mail program may read the Japanese as ASCII.
    attachments = [("tsunagari-session.ics", "text/calendar; charset=utf-8; method=PUBLISH", ics)] if ics else None
    try:
        mail.send(config, user.email, subject, body, attachments=attachments)
    except Exception:  # the joining is committed; a mail problem must not turn it into an error page
        log.exception("could not send the cohort e-mail to user %s", user.id)


def send_joined(config: Mapping[str, Any], user: User, cohort: Cohort) -> None:
    if user.email:
        _send(config, user, cohort, _("【つながりサポーター養成講座】参加を受け付けました: %(title)s", title=cohort.title),
              "email/cohort_joined.txt")


def invitation_link(config: Mapping[str, Any], token: str) -> str:
    """The invitation's one-time link, on the configured address (never the request's Host)."""
    return _base(config) + url_for("public.cohort_invitation", token=token)


def send_invitation(config: Mapping[str, Any], invitation: CohortInvitation, cohort: Cohort, token: str,
                    days: int) -> None:
    """The invitation to an address: no calendar file and no meeting link until the person accepts."""
    organisation = cohort.organisation
    body = render_template("email/cohort_invited.txt", name=invitation.name, email=invitation.email, cohort=cohort,
                           org=organisation, when=when_text(cohort), place=place_text(cohort),
                           link=invitation_link(config, token), days=days)
    try:
        mail.send(config, invitation.email,
                  _("【つながりサポーター養成講座】参加のご招待: %(title)s", title=cohort.title), body)
    except Exception:  # the invitation is committed; the coordinator can send it again
        log.exception("could not send the cohort invitation %s", invitation.id)


def send_reminder(config: Mapping[str, Any], user: User, cohort: Cohort) -> None:
    _send(config, user, cohort, _("【つながりサポーター養成講座】明日の講座のお知らせ: %(title)s", title=cohort.title),
          "email/cohort_reminder.txt")
