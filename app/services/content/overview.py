"""What a course asks of a trainee, in figures the public pages can state (its length)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Audience, Course, Lesson


def live_minutes(session: Session, audience: Audience) -> int | None:
    """The lesson minutes of the live course for `audience` (the first by slug); None when none is live."""
    course_id = session.scalar(sa.select(Course.id).where(Course.audience == audience,
                                                          Course.live_version_id.is_not(None))
                               .order_by(Course.slug).limit(1))
    if course_id is None:
        return None
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Lesson.minutes), 0))
                          .join(Course, Course.live_version_id == Lesson.version_id)
                          .where(Course.id == course_id))
