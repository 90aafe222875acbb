"""A strict reader for the iCalendar (RFC 5545) feeds: it refuses what calendar apps would choke on.

Checked: CRLF line endings only, lines of at most 75 octets, folding by CRLF + one space, UTF-8,
BEGIN/END nesting, the required VCALENDAR properties (VERSION:2.0, PRODID) and VEVENT ones (UID,
DTSTAMP, DTSTART), date-times in UTC form, DTEND after DTSTART, unique UIDs, TEXT escapes."""
from __future__ import annotations

import datetime as dt
import re

NAME = re.compile(r"^[A-Z][A-Z0-9-]*$")
UTC_TIME = re.compile(r"^\d{8}T\d{6}Z$")
ESCAPES = {"\\\\": "\\", "\\;": ";", "\\,": ",", "\\n": "\n", "\\N": "\n"}


class IcsError(ValueError):
    pass


def _unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    if "\n" in text.replace("\r\n", ""):
        raise IcsError("bare LF or CR")
    if not text.endswith("\r\n"):
        raise IcsError("no CRLF at the end")
    lines: list[str] = []
    for raw in text[:-2].split("\r\n"):
        if len(raw.encode("utf-8")) > 75:
            raise IcsError(f"line over 75 octets: {raw[:30]}")
        if raw.startswith((" ", "\t")):
            if not lines:
                raise IcsError("continuation first")
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    return lines


def _text(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            pair = value[i:i + 2]
            if pair not in ESCAPES:
                raise IcsError(f"bad escape {pair!r}")
            out.append(ESCAPES[pair])
            i += 2
        elif value[i] in ";,":
            raise IcsError(f"unescaped {value[i]!r} in TEXT")
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _time(value: str) -> dt.datetime:
    if not UTC_TIME.match(value):
        raise IcsError(f"not a UTC date-time: {value}")
    return dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


TEXT_PROPS = {"SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME"}


def parse(data: bytes) -> tuple[dict[str, str], list[dict[str, object]]]:
    """(calendar properties, events) or IcsError."""
    stack: list[str] = []
    calendar: dict[str, str] = {}
    events: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    for line in _unfold(data):
        name, sep, value = line.partition(":")
        if not sep or not NAME.match(name.split(";")[0]):
            raise IcsError(f"not a content line: {line[:40]}")
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                current = {}
            continue
        if name == "END":
            if not stack or stack.pop() != value:
                raise IcsError(f"END:{value} does not match")
            if value == "VEVENT":
                events.append(current)
                current = None
            continue
        if not stack:
            raise IcsError("property outside VCALENDAR")
        parsed: object = _text(value) if name in TEXT_PROPS else value
        if name in ("DTSTART", "DTEND", "DTSTAMP"):
            parsed = _time(value)
        target = current if stack[-1] == "VEVENT" else calendar if stack[-1] == "VCALENDAR" else None
        if target is not None:
            if name in target:
                raise IcsError(f"{name} twice")
            target[name] = parsed
    if stack:
        raise IcsError(f"unclosed {stack}")
    if calendar.get("VERSION") != "2.0" or not calendar.get("PRODID"):
        raise IcsError("VERSION:2.0 and PRODID are required")
    uids = [e.get("UID") for e in events]
    if len(set(uids)) != len(uids):
        raise IcsError("duplicate UID")
    for event in events:
        for required in ("UID", "DTSTAMP", "DTSTART"):
            if required not in event:
                raise IcsError(f"VEVENT without {required}")
        if "DTEND" in event and event["DTEND"] <= event["DTSTART"]:
            raise IcsError("DTEND not after DTSTART")
    return calendar, events
