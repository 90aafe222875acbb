"""Reading the audit log: filters, pages, and rows for the CSV export. Nothing here writes."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEvent, User
from app.services.accounts.accounts import normalise_email
from app.services.infra import exports

JST = ZoneInfo("Asia/Tokyo")
PAGE_SIZE = 100


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None  # an action, or a group such as "export.*"
    actor: str | None = None  # an account number or an e-mail address, as typed
    since: dt.date | None = None  # days in Japan time, both included
    until: dt.date | None = None


@dataclass(frozen=True)
class Entry:
    event: AuditEvent
    actor: User | None  # None: the system, or an account deleted since


def actions(session: Session) -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def actor_id_for(session: Session, text: str | None) -> int | None | bool:
    """The account number meant by `text` (a number or an e-mail); False when none matches."""
    text = (text or "").strip()
    if not text:
        return None
    if text.lstrip("#").isdigit():
        return int(text.lstrip("#"))
    found = session.scalar(sa.select(User.id).where(User.email == normalise_email(text)))
    return found if found is not None else False


def _statement(session: Session, filters: AuditFilters) -> sa.Select | None:
    stmt = sa.select(AuditEvent)
    if filters.action and filters.action.endswith(".*"):
        stmt = stmt.where(AuditEvent.action.startswith(filters.action[:-1], autoescape=True))
    elif filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    actor = actor_id_for(session, filters.actor)
    if actor is False:
        return None
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor)
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= dt.datetime.combine(filters.since, dt.time(), JST).astimezone(dt.UTC))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), JST).astimezone(dt.UTC)
        stmt = stmt.where(AuditEvent.at < end)
    return stmt


def page(session: Session, filters: AuditFilters, before_id: int | None = None,
         size: int = PAGE_SIZE) -> tuple[list[Entry], int | None]:
    """One page, newest first, and the id to continue from (None on the last page)."""
    stmt = _statement(session, filters)
    if stmt is None:
        return [], None
    if before_id:
        stmt = stmt.where(AuditEvent.id < before_id)
    events = list(session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(size + 1)))
    more = len(events) > size
    events = events[:size]
    return _with_actors(session, events), (events[-1].id if more else None)


def _with_actors(session: Session, events: list[AuditEvent]) -> list[Entry]:
    ids = {e.actor_id for e in events if e.actor_id is not None}
    users = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    return [Entry(e, users.get(e.actor_id)) for e in events]


CSV_HEADER = ("id", "日時", "操作", "実行者の番号", "実行者", "対象の種類", "対象の番号", "詳細", "IPアドレス")


def csv_lines(session: Session, filters: AuditFilters) -> Iterator[str]:
    """The CSV file as text pieces (BOM and header first), formula-safe, for a streamed download."""
    yield "\ufeff"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for n, row in enumerate(csv_rows(session, filters), start=1):
        writer.writerow([exports.neutralise("" if v is None else str(v)) for v in row])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_rows(session: Session, filters: AuditFilters, batch: int = 1000) -> Iterator[list]:
    """Every matching event, oldest first, read in batches so a long log never sits in memory."""
    stmt = _statement(session, filters)
    if stmt is None:
        return
    last_id = 0
    while True:
        events = list(session.scalars(stmt.where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)))
        if not events:
            return
        for entry in _with_actors(session, events):
            e = entry.event
            who = entry.actor.email or entry.actor.display_name if entry.actor else ""
            yield [e.id, e.at.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S"), e.action, e.actor_id, who, e.target_type, e.target_id,
                   json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else "", e.ip]
        last_id = events[-1].id
