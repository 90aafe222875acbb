"""Directory entries: checking what coordinators type, adding, editing, retiring, proposals and
their approval, and the yearly "please check again" flag."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import DirectoryAudience, DirectoryEntry, EntryStatus, Municipality, Organisation, User
from app.models.base import utcnow
from app.services.infra import audit

# An entry not checked for this long is flagged to coordinators and shown with its date.
REVIEW_AFTER = dt.timedelta(days=365)
JST = dt.timezone(dt.timedelta(hours=9))

AUDIENCE_ORDER = [a.value for a in DirectoryAudience]
# 0 then 9-10 more digits, in up to three groups (03-1234-5678, 0743-74-1111, 0120-279-338,
# 09012345678); or a short # number (#8000). Digits only count: 10 or 11 in all.
_PHONE_RE = re.compile(r"^0\d{0,4}(-?\d{1,4}){1,2}-?\d{3,4}$")
_SHORT_RE = re.compile(r"^#\d{4}$")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−－ーｰ"})
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$")


class DirectoryError(Exception):
    """A change refused; `code` names why (the view holds the words)."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def today_jst() -> dt.date:
    return utcnow().astimezone(JST).date()


# --- checking what is typed -------------------------------------------------------------------------

def _is_emoji(ch: str) -> bool:
    point = ord(ch)
    return point >= 0x1F000 or 0x2600 <= point <= 0x27BF or 0x2B00 <= point <= 0x2BFF or point == 0x3030


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """A code when `value` holds something a directory must not print: NUL and other control
    characters, bidi and invisible format characters, unassigned or private-use points, emoji."""
    for ch in value:
        if ch in "\n\r" and multiline:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return "control_character"
        if 0xFE00 <= ord(ch) <= 0xFE0F or _is_emoji(ch):
            return "emoji"
    return None


def normalise_phone(value: str) -> str:
    """Full-width digits and dashes as typed in Japanese, made ASCII; spaces dropped."""
    return unicodedata.normalize("NFKC", value).translate(_DASHES).replace(" ", "").strip()


def phone_problem(value: str) -> str | None:
    """None when `value` (normalised) is a Japanese phone number format, else a code."""
    if _SHORT_RE.match(value):
        return None
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_RE.match(value) or digits not in (10, 11) or "--" in value:
        return "phone_format"
    return None


def url_problem(value: str) -> str | None:
    return None if _URL_RE.match(value) and len(value) <= 300 else "url_format"


@dataclass(frozen=True)
class EntryFields:
    """What a coordinator types for one place."""

    name: str
    helps_with: str
    audiences: tuple[str, ...]
    checked_on: dt.date
    children_wording: str = ""
    phone: str = ""
    hours: str = ""
    address: str = ""
    is_remote_only: bool = False
    url: str = ""
    run_by: str = ""


_MULTILINE = {"helps_with", "children_wording"}


def _check(values: EntryFields, today: dt.date) -> None:
    for field in fields(EntryFields):
        value = getattr(values, field.name)
        if isinstance(value, str) and text_problem(value, multiline=field.name in _MULTILINE):
            raise DirectoryError(text_problem(value, multiline=field.name in _MULTILINE) or "", field.name)
    if not values.name.strip():
        raise DirectoryError("required", "name")
    if not values.helps_with.strip():
        raise DirectoryError("required", "helps_with")
    if not values.audiences or any(a not in AUDIENCE_ORDER for a in values.audiences):
        raise DirectoryError("audience", "audiences")
    if DirectoryAudience.CHILDREN.value in values.audiences and not values.children_wording.strip():
        raise DirectoryError("children_wording", "children_wording")
    if values.phone and phone_problem(normalise_phone(values.phone)):
        raise DirectoryError("phone_format", "phone")
    if values.url and url_problem(values.url):
        raise DirectoryError("url_format", "url")
    if not values.address.strip() and not values.is_remote_only:
        raise DirectoryError("address_or_remote", "address")
    if values.checked_on > today:
        raise DirectoryError("checked_in_future", "checked_on")


def _apply(entry: DirectoryEntry, values: EntryFields) -> None:
    ordered = [a for a in AUDIENCE_ORDER if a in values.audiences]
    entry.name = values.name.strip()
    entry.helps_with = values.helps_with.strip()
    entry.audiences = " ".join(ordered)
    entry.children_wording = values.children_wording.strip() if "children" in ordered else None
    entry.phone = normalise_phone(values.phone) or None
    entry.hours = values.hours.strip() or None
    entry.is_remote_only = values.is_remote_only
    entry.address = None if values.is_remote_only else (values.address.strip() or None)
    entry.url = values.url.strip() or None
    entry.run_by = values.run_by.strip() or None
    entry.checked_on = values.checked_on


def fields_of(entry: DirectoryEntry) -> EntryFields:
    """An entry's values, to fill the edit form."""
    return EntryFields(
        name=entry.name, helps_with=entry.helps_with, audiences=tuple(entry.audiences.split()),
        checked_on=entry.checked_on, children_wording=entry.children_wording or "", phone=entry.phone or "",
        hours=entry.hours or "", address=entry.address or "", is_remote_only=entry.is_remote_only,
        url=entry.url or "", run_by=entry.run_by or "")


# --- changes ----------------------------------------------------------------------------------------

def add_entry(session: Session, code: str, values: EntryFields, *, actor: User | None,
              proposed_by: Organisation | None = None, today: dt.date | None = None) -> DirectoryEntry:
    """A keeper's new entry (published at once) or a member's proposal (waiting for approval)."""
    if session.get(Municipality, code) is None:
        raise DirectoryError("unknown_municipality")
    _check(values, today or today_jst())
    entry = DirectoryEntry(
        municipality_code=code, proposed_by_org_id=proposed_by.id if proposed_by else None,
        status=EntryStatus.PROPOSED if proposed_by else EntryStatus.PUBLISHED,
        created_by_id=actor.id if actor else None)
    _apply(entry, values)
    session.add(entry)
    session.flush()
    audit.record(session, "directory.propose" if proposed_by else "directory.add", actor_id=actor.id if actor else None,
                 target_type="directory_entry", target_id=entry.id, municipality=code)
    return entry


def update_entry(session: Session, entry: DirectoryEntry, values: EntryFields, *, actor: User,
                 today: dt.date | None = None) -> None:
    if entry.status is EntryStatus.RETIRED:
        raise DirectoryError("retired")
    _check(values, today or today_jst())
    _apply(entry, values)
    session.flush()
    audit.record(session, "directory.edit", actor_id=actor.id, target_type="directory_entry", target_id=entry.id)


def mark_checked(session: Session, entry: DirectoryEntry, *, actor: User, today: dt.date | None = None) -> None:
    """The keeper looked again and everything still holds: the checked date becomes today."""
    if entry.status is not EntryStatus.PUBLISHED:
        raise DirectoryError("not_published")
    entry.checked_on = today or today_jst()
    session.flush()
    audit.record(session, "directory.checked", actor_id=actor.id, target_type="directory_entry", target_id=entry.id)


def _decide(session: Session, entry: DirectoryEntry, status: EntryStatus, actor: User, action: str) -> None:
    # One conditional UPDATE from the state the caller checked: of two approvals sent at once, one
    # wins and the other is refused (one decision, one audit entry).
    done = session.execute(sa.update(DirectoryEntry)
                           .where(DirectoryEntry.id == entry.id, DirectoryEntry.status == entry.status)
                           .values(status=status, decided_by_id=actor.id, decided_at=utcnow())
                           .execution_options(synchronize_session=False))
    session.refresh(entry)
    if done.rowcount != 1:
        raise DirectoryError("not_proposed" if status is not EntryStatus.RETIRED else "not_published")
    audit.record(session, action, actor_id=actor.id, target_type="directory_entry", target_id=entry.id)


def retire_entry(session: Session, entry: DirectoryEntry, *, actor: User) -> None:
    if entry.status is not EntryStatus.PUBLISHED:
        raise DirectoryError("not_published")
    _decide(session, entry, EntryStatus.RETIRED, actor, "directory.retire")


def approve(session: Session, entry: DirectoryEntry, *, actor: User) -> None:
    if entry.status is not EntryStatus.PROPOSED:
        raise DirectoryError("not_proposed")
    _decide(session, entry, EntryStatus.PUBLISHED, actor, "directory.approve")


def reject(session: Session, entry: DirectoryEntry, *, actor: User) -> None:
    if entry.status is not EntryStatus.PROPOSED:
        raise DirectoryError("not_proposed")
    _decide(session, entry, EntryStatus.REJECTED, actor, "directory.reject")


# --- reading ----------------------------------------------------------------------------------------

def needs_check(entry: DirectoryEntry, today: dt.date | None = None) -> bool:
    """True when the entry was last checked more than a year ago: coordinators are asked to look again."""
    return (today or today_jst()) - entry.checked_on > REVIEW_AFTER


def entry_in(session: Session, code: str, entry_id: int) -> DirectoryEntry | None:
    entry = session.get(DirectoryEntry, entry_id)
    return entry if entry is not None and entry.municipality_code == code else None


def published(session: Session, code: str, *, children_only: bool = False) -> list[DirectoryEntry]:
    """The places trainees and the public see for one municipality, by name."""
    stmt = sa.select(DirectoryEntry).where(DirectoryEntry.municipality_code == code,
                                           DirectoryEntry.status == EntryStatus.PUBLISHED)
    entries = list(session.scalars(stmt.order_by(DirectoryEntry.name, DirectoryEntry.id)))
    return [e for e in entries if e.is_for_children] if children_only else entries


def all_of(session: Session, code: str, statuses: Iterable[EntryStatus]) -> list[DirectoryEntry]:
    stmt = (sa.select(DirectoryEntry)
            .where(DirectoryEntry.municipality_code == code, DirectoryEntry.status.in_(list(statuses)))
            .order_by(DirectoryEntry.name, DirectoryEntry.id))
    return list(session.scalars(stmt))


def proposals_by(session: Session, code: str, org: Organisation) -> list[DirectoryEntry]:
    """What `org` proposed to `code`'s directory, newest first."""
    stmt = (sa.select(DirectoryEntry)
            .where(DirectoryEntry.municipality_code == code, DirectoryEntry.proposed_by_org_id == org.id)
            .order_by(DirectoryEntry.created_at.desc(), DirectoryEntry.id.desc()))
    return list(session.scalars(stmt))


def stale(session: Session, code: str, today: dt.date | None = None) -> list[DirectoryEntry]:
    """Published entries of `code` to check again."""
    limit = (today or today_jst()) - REVIEW_AFTER
    stmt = (sa.select(DirectoryEntry)
            .where(DirectoryEntry.municipality_code == code, DirectoryEntry.status == EntryStatus.PUBLISHED,
                   DirectoryEntry.checked_on < limit)
            .order_by(DirectoryEntry.checked_on, DirectoryEntry.id))
    return list(session.scalars(stmt))
