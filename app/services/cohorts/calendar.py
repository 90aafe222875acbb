"""iCalendar (.ics, RFC 5545) files for a cohort's session, attached to e-mails."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.models.base import utcnow

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


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded; never inside a multi-byte character."""
    out, current = [], b""
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


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
        f"DTSTAMP:{_utc(now or utcnow())}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{_escape(event.title)}",
        f"DESCRIPTION:{_escape(event.description)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_escape(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{_escape(event.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")
