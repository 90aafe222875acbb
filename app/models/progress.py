"""A learner's progress in a course: enrolment, lessons done, reflections, quiz attempts, survey."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow
from app.models.course import Audience

if TYPE_CHECKING:
    from app.models.course import ContentVersion, Course
    from app.models.user import User

REFLECTION_MAX_CHARS = 4000


class CompletedVia(enum.Enum):
    ONLINE = "online"  # lessons and quiz in the browser
    ATTENDANCE = "attendance"  # an in-person session recorded by a coordinator


class Enrolment(db.Model):
    """One user in one course, with the progress figures stored so reports never recompute them."""

    __tablename__ = "enrolment"
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    started_version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id"))
    # The cohort joined with a code or link; a plain number until the cohort table exists.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    lessons_done: Mapped[int] = mapped_column(default=0)
    lessons_required: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None]
    latest_score: Mapped[int | None]
    quiz_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    completed_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("content_version.id"))
    completed_via: Mapped[CompletedVia | None] = mapped_column(str_enum(CompletedVia))
    last_lesson_key: Mapped[str | None] = mapped_column(sa.String(60))
    survey_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    started_version: Mapped[ContentVersion] = relationship(foreign_keys=[started_version_id])
    completed_version: Mapped[ContentVersion | None] = relationship(foreign_keys=[completed_version_id])

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def percent_done(self) -> int:
        if not self.lessons_required:
            return 100
        return self.lessons_done * 100 // self.lessons_required


class LessonProgress(db.Model):
    """A lesson marked done, by its stable key so it still counts in later versions."""

    __tablename__ = "lesson_progress"

    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reflection(db.Model):
    """A private 個人ワーク answer: only its author ever sees it."""

    __tablename__ = "reflection"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "lesson_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(sa.String(60))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class QuizAttempt(db.Model):
    """One attempt at a version's quiz; its token makes a resent form the same attempt."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id"), index=True)
    number: Mapped[int]  # 1, 2, 3 ... per enrolment
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The question and choice order shown: [{"id": "q1", "choices": ["b", "a"]}, ...].
    order: Mapped[list] = mapped_column(sa.JSON)
    answers: Mapped[dict | None] = mapped_column(sa.JSON)  # question id -> list of choice ids
    score: Mapped[int | None]  # percent, rounded down
    is_passed: Mapped[bool | None]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship()
    version: Mapped[ContentVersion] = relationship()


class SurveyResponse(db.Model):
    """Course-end survey answers, deliberately not linked to any user or enrolment."""

    __tablename__ = "survey_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    # The session it followed, so a 実施報告 can summarise per cohort; still no user.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    # Only the day: an exact time could be matched with Enrolment.survey_done_at.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
