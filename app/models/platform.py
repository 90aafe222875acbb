"""Local platforms (官民連携プラットフォーム): an area's organisation and the organisations it invited."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.organisation import Organisation


class Platform(db.Model):
    """A platform run by one municipality's or prefecture's organisation."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The running organisation: its coordinators are the platform's coordinators.
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[PlatformMember]] = relationship(
        back_populates="platform", cascade="all, delete-orphan"
    )


class MemberState(enum.Enum):
    INVITED = "invited"  # 招待中: changes nothing until the member's coordinator accepts
    ACTIVE = "active"  # 参加中
    LEFT = "left"  # 脱退済み (or invitation withdrawn / declined before acceptance)


class PlatformMember(db.Model):
    """One organisation's place in one platform; one row per (platform, organisation), reused on re-invite."""

    __tablename__ = "platform_member"
    __table_args__ = (sa.UniqueConstraint("platform_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        sa.ForeignKey("platform.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[MemberState] = mapped_column(str_enum(MemberState), default=MemberState.INVITED)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    left_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    platform: Mapped[Platform] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship()
