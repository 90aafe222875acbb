"""Per-process copies of rows that do not change while they are in use, merged into a request's
session without a query (SQLAlchemy `merge(load=False)`).

* A content version and its lessons never change once imported (the only later write, the first
  `published_at`, happens before the version can be live), so a copy keyed by version id is never
  stale; which version is live is still read from `course` on every request, so publishing or
  rolling back takes effect at once on every server.
* Municipalities and prefectures change only when `flask municipalities load` refreshes the
  reference data; copies are kept for REFERENCE_TTL seconds, and `clear()` empties everything
  (the loader calls it, tests may too).
* `remember` keeps a computed result for a few seconds: for aggregates over a whole area that may
  lag a minute (the prefecture dashboard, AREA_CACHE_SECONDS).

Cached instances are detached and shared between requests: code must never modify them, only the
merged instances that `attach_*` return, which belong to the caller's session.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import ContentVersion, Municipality, Prefecture

T = TypeVar("T")
REFERENCE_TTL = 600.0
MAX_VERSIONS = 64

_lock = threading.Lock()
_versions: dict[int, ContentVersion] = {}
_municipalities: dict[str, tuple[float, Municipality, Prefecture]] = {}
_remembered: dict[tuple, tuple[float, object]] = {}


def clear() -> None:
    with _lock:
        _versions.clear()
        _municipalities.clear()
        _remembered.clear()


def remember(key: tuple, seconds: float, compute: Callable[[], T]) -> T:
    """compute(), or its result from the last `seconds` seconds; it must hold no ORM instances."""
    if seconds <= 0:
        return compute()
    now = time.monotonic()
    hit = _remembered.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    value = compute()
    with _lock:
        if len(_remembered) >= 1000:
            _remembered.clear()
        _remembered[key] = (now, value)
    return value


def _detached(session: Session, stmt: sa.Select) -> Any:
    """Load with a short-lived session of its own, so the copy belongs to no request."""
    with Session(bind=session.get_bind()) as private:
        obj = private.scalars(stmt).first()
        private.expunge_all()
    return obj


def attach_version(session: Session, version_id: int) -> ContentVersion | None:
    """The version with its lessons, in `session`, read from the database once per process."""
    existing = session.identity_map.get(session.identity_key(ContentVersion, version_id))
    if existing is not None:
        return existing
    cached = _versions.get(version_id)
    if cached is None:
        cached = _detached(session, sa.select(ContentVersion).where(ContentVersion.id == version_id)
                           .options(selectinload(ContentVersion.lessons)))
        if cached is None:
            return None
        with _lock:
            if len(_versions) >= MAX_VERSIONS:
                _versions.clear()
            _versions[version_id] = cached
    return _pin(session, session.merge(cached, load=False))


def _pin(session: Session, obj: T) -> T:
    # The identity map holds clean objects weakly: keep the merged copy alive with the session,
    # or the next lazy load would not find it and would query again.
    session.info.setdefault("cache_pins", []).append(obj)
    return obj


def attach_municipality(session: Session, code: str | None) -> Municipality | None:
    """The municipality and its prefecture, in `session`, from a copy at most REFERENCE_TTL old."""
    if not code:
        return None
    existing = session.identity_map.get(session.identity_key(Municipality, code))
    if existing is not None:
        return existing
    entry = _municipalities.get(code)
    if entry is None or time.monotonic() - entry[0] > REFERENCE_TTL:
        municipality = _detached(session, sa.select(Municipality).where(Municipality.code == code)
                                 .options(selectinload(Municipality.prefecture)))
        if municipality is None:
            return None
        entry = (time.monotonic(), municipality, municipality.__dict__["prefecture"])
        with _lock:
            _municipalities[code] = entry
    _, municipality, prefecture = entry
    _pin(session, session.merge(prefecture, load=False))
    return _pin(session, session.merge(municipality, load=False))
