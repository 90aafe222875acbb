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


def ics_bytes(event: Event, now: dt.datetime | None = None) -> bytes:
    ends_at = event.ends_at or event.starts_at + dt.timedelta(minutes=DEFAULT_MINUTES)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
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
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{escape_text(event.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(fold_line(line) for line in lines) + "\r\n").encode("utf-8")
