"""Organisations (実施団体) and their coordinators."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.municipality import Municipality, Prefecture
    from app.models.user import User


class OrganisationKind(enum.Enum):
    PREFECTURE = "prefecture"
    MUNICIPALITY = "municipality"
    WELFARE_COUNCIL = "welfare_council"  # 社会福祉協議会
    NPO = "npo"
    SCHOOL = "school"
    UNIVERSITY = "university"
    COMPANY = "company"
    OTHER = "other"


class Organisation(db.Model):
    __tablename__ = "organisation"
    # The area is one municipality or one whole prefecture, never both, never neither.
    __table_args__ = (
        sa.CheckConstraint(
            "(municipality_code IS NULL) <> (prefecture_code IS NULL)", name="one_area"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind))
    name: Mapped[str] = mapped_column(sa.String(100))
    municipality_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("municipality.code"), index=True
    )
    prefecture_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("prefecture.code"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipality: Mapped[Municipality | None] = relationship()
    prefecture: Mapped[Prefecture | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def area_prefecture_code(self) -> str:
        return self.prefecture_code or (self.municipality_code or "")[:2]

    @property
    def area_name(self) -> str:
        if self.municipality is not None:
            return self.municipality.full_name
        return self.prefecture.name if self.prefecture else ""


class Membership(db.Model):
    """A coordinator's membership in an organisation."""

    __tablename__ = "membership"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
