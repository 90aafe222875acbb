"""Surveys: the anonymous course survey, answered once per enrolment after completion."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ContentVersion, Enrolment, SurveyResponse
from app.models.base import utcnow
from app.services.learning.errors import LearningError

SURVEY_TEXT_MAX_CHARS = 2000


def check_survey(survey: dict, raw: dict[str, str]) -> dict:
    """Validated survey answers, or LearningError('tampered' | 'unanswered' | 'too_long')."""
    answers: dict = {}
    missing = []
    known = {q["id"] for q in survey["questions"]}
    if set(raw) - known:
        raise LearningError("tampered")
    for q in survey["questions"]:
        value = (raw.get(q["id"]) or "").strip()
        if not value:
            if q.get("required"):
                missing.append(q["id"])
            continue
        if q["kind"] == "text":
            if len(value) > SURVEY_TEXT_MAX_CHARS:
                raise LearningError("too_long")
            answers[q["id"]] = value
            continue
        options = len(q["labels_html"]) if q["kind"] == "scale" else len(q["choices"])
        if not value.isdigit() or not 1 <= int(value) <= options:
            raise LearningError("tampered")
        answers[q["id"]] = int(value)  # 1-based: the scale point, or the choice's position
    if missing:
        raise LearningError("unanswered", missing=missing)
    return answers


def submit_survey(session: Session, enrolment: Enrolment, version: ContentVersion, raw: dict[str, str],
                  now: datetime | None = None) -> SurveyResponse:
    """Store survey answers without the respondent's identity; once per enrolment."""
    if version.survey is None or version.course_id != enrolment.course_id:
        raise LearningError("no_survey")
    if enrolment.completed_at is None:
        raise LearningError("not_completed")
    if enrolment.survey_done_at is not None:
        raise LearningError("survey_done")
    answers = check_survey(version.survey, raw)
    now = now or utcnow()
    session.flush()
    claimed = session.execute(
        sa.update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.survey_done_at.is_(None))
        .values(survey_done_at=now).execution_options(synchronize_session=False))
    session.refresh(enrolment)
    if claimed.rowcount != 1:
        raise LearningError("survey_done")
    response = SurveyResponse(course_id=enrolment.course_id, version_id=version.id,
                              audience=enrolment.course.audience, cohort_id=enrolment.cohort_id, answers=answers,
                              submitted_at=now.replace(hour=0, minute=0, second=0, microsecond=0))
    session.add(response)
    session.flush()
    return response
