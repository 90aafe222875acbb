"""A participant CSV read and waiting for the coordinator's confirmation."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class ParticipantImport(db.Model):
    """The cells of an uploaded CSV, kept server-side between preview and confirmation.

    Only the raw cells are stored: every check runs again on confirmation, against the
    database as it is then, so nothing posted back by the browser is trusted."""

    __tablename__ = "participant_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    # [{"line": 2, "name": ..., "email": ..., "municipality_code": ..., "age_band": ..., "sex": ...}]
    rows: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
