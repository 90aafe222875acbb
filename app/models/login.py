"""Logins: one row per device a person logged in on, so a login can be ended for good."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class LoginSession(db.Model):
    """A login on one device. The browser holds a random token (in the session cookie and in the
    remember-me cookie); only its hash is stored. A login counts while it is not ended and the
    account's session version is still the one it started with."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Bumping user.session_version (new password set by a teacher, deactivation) ends every login.
    session_version: Mapped[int]
    user_agent: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
