"""Courses and their immutable content versions (imported from bundles)."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow


class Audience(enum.Enum):
    ADULT = "adult"
    CHILDREN = "children"


class Course(db.Model):
    """A course by its stable slug; what trainees see is its live (published) version."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    live_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("content_version.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    live_version: Mapped[ContentVersion | None] = relationship(foreign_keys=[live_version_id], post_update=True)
    versions: Mapped[list[ContentVersion]] = relationship(
        back_populates="course", foreign_keys="ContentVersion.course_id", order_by="ContentVersion.number"
    )


class ContentVersion(db.Model):
    """One import of a bundle: never changed afterwards, so progress and certificates can cite it."""

    __tablename__ = "content_version"
    __table_args__ = (sa.UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, 3 ... per course
    label: Mapped[str] = mapped_column(sa.String(40))  # course.yaml `version`
    title: Mapped[str] = mapped_column(sa.String(120))
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)  # sha256 of the bundle's files
    # Everything trainees see, rendered once at import: description, completion rule, quiz, survey.
    meta: Mapped[dict] = mapped_column(sa.JSON)
    quiz: Mapped[dict | None] = mapped_column(sa.JSON)
    survey: Mapped[dict | None] = mapped_column(sa.JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(back_populates="versions", foreign_keys=[course_id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", order_by="Lesson.position", cascade="all, delete-orphan"
    )

    @property
    def required_lesson_keys(self) -> list[str]:
        return list(self.meta["completion"]["lessons"])

    @property
    def estimated_minutes(self) -> int:
        return int(self.meta["estimated_minutes"])

    @property
    def is_quiz_self_check(self) -> bool:
        """True when the quiz is offered for checking oneself and passing it is not needed to complete.

        The mode lives in meta["completion"]["quiz"]; versions imported before it have none and
        keep the quiz required."""
        return self.quiz is not None and self.meta["completion"].get("quiz") == "self_check"

    @property
    def is_quiz_required(self) -> bool:
        """True when passing the quiz is part of completing the course online."""
        return self.quiz is not None and not self.is_quiz_self_check


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"), sa.UniqueConstraint("version_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(60))  # the stable lesson id from the front matter
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    minutes: Mapped[int]
    html: Mapped[str] = mapped_column(sa.Text)  # sanitised, with furigana, rendered at import
    reflection_prompt_html: Mapped[str | None] = mapped_column(sa.Text)
    has_local_support: Mapped[bool] = mapped_column(default=False)
    video: Mapped[dict | None] = mapped_column(sa.JSON)

    version: Mapped[ContentVersion] = relationship(back_populates="lessons")


class Asset(db.Model):
    """An image or media file of a version, kept in the database so app servers stay stateless."""

    __tablename__ = "asset"
    __table_args__ = (sa.UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(200))
    mime: Mapped[str] = mapped_column(sa.String(60))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
