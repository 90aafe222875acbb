"""Cohorts (開催回 / クラス): one organisation's session of a course, with its participants."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.course import Course
    from app.models.organisation import Organisation


class CohortMode(enum.Enum):
    IN_PERSON = "in_person"  # 対面
    LIVE_ONLINE = "live_online"  # オンライン（ライブ）
    ON_DEMAND = "on_demand"  # オンデマンド


class Cohort(db.Model):
    __tablename__ = "cohort"
    # The public session finder reads upcoming public cohorts by start time.
    __table_args__ = (sa.Index("ix_cohort_is_public_starts_at", "is_public", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    mode: Mapped[CohortMode] = mapped_column(str_enum(CohortMode))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    meeting_url: Mapped[str | None] = mapped_column(sa.String(500))
    capacity: Mapped[int | None]
    instructor_name: Mapped[str | None] = mapped_column(sa.String(60))
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 中止 (app.services.cohorts.removal)
    # 公開: listed in the public session finder and its feeds; off unless a coordinator turns it on.
    is_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    organisation: Mapped[Organisation] = relationship()
    course: Mapped[Course] = relationship()


class InvitationStatus(enum.Enum):
    PENDING = "pending"  # 招待中: mailed, not answered
    ACCEPTED = "accepted"  # the owner, logged in as the address, joined
    DECLINED = "declined"  # 辞退


class CohortInvitation(db.Model):
    """An address a coordinator invited into a cohort; never linked to an account.

    A coordinator's list (CSV or typed) is only a list of addresses: whether one has an account is
    never looked up, and nothing of an account is attached to the cohort until its owner, logged
    in as that address, accepts from the mailed link (the person then appears as an enrolment)."""

    __tablename__ = "cohort_invitation"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))  # normalised
    name: Mapped[str] = mapped_column(sa.String(60))  # as the coordinator typed it, not the account's
    status: Mapped[InvitationStatus] = mapped_column(str_enum(InvitationStatus), default=InvitationStatus.PENDING)
    # SHA-256 of the mailed one-time token; cleared once answered, so a used link stops working.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Attendance(db.Model):
    """Who attended an in-person or live session, as recorded by a coordinator."""

    __tablename__ = "attendance"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
