"""Privacy (APPI): the retention job that deletes accounts nobody has used for years."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Role, User
from app.models.base import utcnow
from app.services.infra import audit
from app.services.learning import learning


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day `years` earlier (28 February for 29 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def inactive_accounts(session: Session, years: int, now: dt.datetime | None = None) -> list[User]:
    """Accounts with no login (or, never logged in, no registration) for `years` years.

    Administrators are left out: they are few, named staff, removed by hand, and deleting the
    last one would lock everyone out of the platform."""
    if years < 1:
        raise ValueError("years must be at least 1")
    cutoff = years_before(now or utcnow(), years)
    last_active = sa.func.coalesce(User.last_login_at, User.created_at)
    return list(session.scalars(sa.select(User).where(User.role != Role.ADMIN, last_active < cutoff)
                                .order_by(User.id)))


def purge_inactive(session: Session, years: int, now: dt.datetime | None = None, *,
                   dry_run: bool = False) -> list[int]:
    """Delete inactive accounts through learning's account deletion; returns their numbers.

    The same deletion as a trainee's own: personal rows go, certificates stay verifiable under the
    printed name, statistics keep their counts. Each account and the run itself are audited."""
    now = now or utcnow()
    users = inactive_accounts(session, years, now)
    ids = [u.id for u in users]
    if dry_run:
        return ids
    for user in users:
        last = user.last_login_at or user.created_at
        learning.erase_account(session, user, action="user.purge_inactive", actor_id=None, years=years,
                               last_active_on=last.date().isoformat())
    audit.record(session, "privacy.purge_inactive", years=years, deleted=len(ids))
    session.flush()
    return ids
