"""つなぐ先: each municipality's directory of local places to turn to, and proposals for it."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.municipality import Municipality
    from app.models.organisation import Organisation


class EntryStatus(enum.Enum):
    PROPOSED = "proposed"  # 提案中: a platform member's proposal, shown to nobody but coordinators
    PUBLISHED = "published"  # 掲載中
    REJECTED = "rejected"  # 見送り
    RETIRED = "retired"  # 掲載終了


class DirectoryAudience(enum.Enum):
    """Who a place is for; an entry may be for several."""

    CHILDREN = "children"
    YOUNG = "young"
    FAMILIES = "families"
    OLDER = "older"
    ANYONE = "anyone"


class DirectoryEntry(db.Model):
    """One place to turn to in one municipality, as its coordinators typed it."""

    __tablename__ = "directory_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(sa.ForeignKey("municipality.code"), index=True)
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus), default=EntryStatus.PUBLISHED, index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    helps_with: Mapped[str] = mapped_column(sa.String(400))  # what it helps with, in plain words
    # Space-separated DirectoryAudience values ("children families"): few, fixed, read together.
    audiences: Mapped[str] = mapped_column(sa.String(60), default="anyone")
    children_wording: Mapped[str | None] = mapped_column(sa.String(400))  # for entries for children
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    hours: Mapped[str | None] = mapped_column(sa.String(200))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    is_remote_only: Mapped[bool] = mapped_column(default=False)  # online / phone only, no counter
    url: Mapped[str | None] = mapped_column(sa.String(300))
    run_by: Mapped[str | None] = mapped_column(sa.String(100))
    checked_on: Mapped[date] = mapped_column(sa.Date)
    # Where a proposal came from; NULL for entries the municipality added itself.
    proposed_by_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship()
    proposed_by: Mapped[Organisation | None] = relationship()

    @property
    def audience_set(self) -> frozenset[DirectoryAudience]:
        return frozenset(DirectoryAudience(value) for value in self.audiences.split() if value)

    @property
    def is_for_children(self) -> bool:
        return DirectoryAudience.CHILDREN in self.audience_set
