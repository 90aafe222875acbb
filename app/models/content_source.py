"""The text files of a content version as the author wrote them, so the bundle can be downloaded to edit."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ContentSourceFile(db.Model):
    """course.yaml, lessons/*.md, quiz.yaml ... of a version; images and media are its Asset rows.

    Never served to learners (quiz answers are in it): only the admin's bundle download reads it."""

    __tablename__ = "content_source_file"
    __table_args__ = (sa.UniqueConstraint("version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(sa.String(200))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
