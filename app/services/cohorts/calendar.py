"""iCalendar (.ics, RFC 5545) files for a cohort's session, attached to e-mails."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.models.base import utcnow
from app.services.infra.icalendar import escape_text, fold_line, utc_stamp

PRODID = "-//Tsunagari LMS//つながりサポーター養成講座//JA"
DEFAULT_MINUTES = 90  # a session is about 90 minutes when no end time was given


@dataclass(frozen=True)
class Event:
    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    location: str | None
    url: str | None
    description: str
    sequence: int = 0
    # A cancellation (RFC 5546 METHOD:CANCEL): the same UID as the invitation, a higher SEQUENCE,
    # STATUS:CANCELLED, and the organiser and the one attendee it is sent to.
    cancelled: bool = False
    organizer: tuple[str, str] | None = None  # (name, e-mail address)
    attendee: str | None = None  # e-mail address


def _param(value: str) -> str:
    """A parameter value (CN=...) quoted; quotes and control characters cannot appear in one."""
    return '"' + "".join(ch for ch in value if ch != '"' and ch >= " " and ch != "\x7f") + '"'


def ics_bytes(event: Event, now: dt.datetime | None = None) -> bytes:
    ends_at = event.ends_at or event.starts_at + dt.timedelta(minutes=DEFAULT_MINUTES)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if event.cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{utc_stamp(now or utcnow())}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(event.description)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer:
        name, address = event.organizer
        lines.append(f"ORGANIZER;CN={_param(name)}:mailto:{address}")
    if event.attendee:
        lines.append(f"ATTENDEE:mailto:{event.attendee}")
    if event.cancelled:
        lines.append("STATUS:CANCELLED")
    else:  # a reminder an hour before; a cancelled session needs none
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT1H", f"DESCRIPTION:{escape_text(event.title)}",
                  "END:VALARM"]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold_line(line) for line in lines) + "\r\n").encode("utf-8")
