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

    organisation: Mapped[Organisation] = relationship()
    course: Mapped[Course] = relationship()


class Attendance(db.Model):
    """Who attended an in-person or live session, as recorded by a coordinator."""

    __tablename__ = "attendance"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
