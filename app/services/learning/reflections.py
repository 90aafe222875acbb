"""Reflections: a learner's private answer to a lesson's 個人ワーク (one per lesson, editable)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ContentVersion, Enrolment, Reflection
from app.models.base import utcnow
from app.models.progress import REFLECTION_MAX_CHARS
from app.services.infra.upsert import insert_ignore
from app.services.learning import enrolling
from app.services.learning.errors import LearningError


def reflection_for(session: Session, enrolment: Enrolment | None, key: str) -> Reflection | None:
    if enrolment is None:
        return None
    return session.scalar(sa.select(Reflection).where(Reflection.enrolment_id == enrolment.id,
                                                      Reflection.lesson_key == key))


def save_reflection(session: Session, enrolment: Enrolment, version: ContentVersion, key: str,
                    text: str) -> Reflection | None:
    """Save the private answer of a lesson's 個人ワーク; an empty text deletes it."""
    lesson = enrolling.lesson_in(version, key)
    if version.course_id != enrolment.course_id or lesson is None or lesson.reflection_prompt_html is None:
        raise LearningError("unknown_lesson")
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > REFLECTION_MAX_CHARS:
        raise LearningError("too_long")
    if not text:
        delete_reflection(session, enrolment, key)
        return None
    now = utcnow()
    if not insert_ignore(session, Reflection, {"enrolment_id": enrolment.id, "lesson_key": key, "text": text,
                                                "updated_at": now}, ["enrolment_id", "lesson_key"]):
        session.execute(sa.update(Reflection).where(Reflection.enrolment_id == enrolment.id,
                                                    Reflection.lesson_key == key)
                        .values(text=text, updated_at=now).execution_options(synchronize_session=False))
    reflection = reflection_for(session, enrolment, key)
    session.refresh(reflection)
    return reflection


def delete_reflection(session: Session, enrolment: Enrolment, key: str) -> bool:
    result = session.execute(sa.delete(Reflection).where(Reflection.enrolment_id == enrolment.id,
                                                         Reflection.lesson_key == key)
                             .execution_options(synchronize_session=False))
    session.expire_all()
    return result.rowcount > 0
