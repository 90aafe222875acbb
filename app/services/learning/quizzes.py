"""Quizzes: attempts (their order and token), submission and its grading (``grading``), and when
explanations show. A submission that passes a required quiz may complete the enrolment (``progress``).
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import ContentVersion, Enrolment, QuizAttempt
from app.models.base import utcnow
from app.services.infra.upsert import insert_ignore
from app.services.learning import enrolling, grading, progress
from app.services.learning.errors import LearningError


@dataclass(frozen=True)
class Submission:
    attempt: QuizAttempt
    is_repeat: bool  # the same form sent again: nothing new was stored


def pass_mark(version: ContentVersion) -> int:
    return int(version.meta["completion"]["quiz_pass_mark"])


def attempts_used(session: Session, enrolment: Enrolment) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)
                          .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.submitted_at.is_not(None)))


def attempts_left(session: Session, enrolment: Enrolment, version: ContentVersion) -> int | None:
    """Submissions still allowed; None when unlimited."""
    allowed = int((version.quiz or {}).get("attempts_allowed") or 0)
    if not allowed:
        return None
    return max(allowed - attempts_used(session, enrolment), 0)


def attempts_of(session: Session, enrolment: Enrolment) -> list[QuizAttempt]:
    return list(session.scalars(sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)
                                .order_by(QuizAttempt.number)))


def attempt_for(session: Session, enrolment: Enrolment | None, attempt_id: int) -> QuizAttempt | None:
    """The attempt when it belongs to this enrolment; None (answer 404) otherwise."""
    if enrolment is None:
        return None
    return session.scalar(sa.select(QuizAttempt).where(QuizAttempt.id == attempt_id,
                                                       QuizAttempt.enrolment_id == enrolment.id))


def open_attempt(session: Session, enrolment: Enrolment, version: ContentVersion) -> QuizAttempt | None:
    return session.scalar(sa.select(QuizAttempt).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.version_id == version.id,
        QuizAttempt.submitted_at.is_(None)).order_by(QuizAttempt.number.desc()).limit(1))


def start_attempt(session: Session, enrolment: Enrolment, version: ContentVersion,
                  rng: random.Random | None = None) -> QuizAttempt:
    """The open attempt at `version`'s quiz, or a new one with its order and token.

    A completed enrolment may still take a self-check quiz, not a required one."""
    if version.quiz is None or version.course_id != enrolment.course_id:
        raise LearningError("no_quiz")
    enrolment = enrolling.locked(session, enrolment)
    if enrolment.completed_at is not None and version.is_quiz_required:
        raise LearningError("already_completed")
    existing = open_attempt(session, enrolment, version)
    if existing is not None:
        return existing
    if attempts_left(session, enrolment, version) == 0:
        raise LearningError("no_attempts_left")
    number = (session.scalar(sa.select(sa.func.max(QuizAttempt.number))
                             .where(QuizAttempt.enrolment_id == enrolment.id)) or 0) + 1
    token = secrets.token_urlsafe(32)
    added = insert_ignore(session, QuizAttempt, {
        "enrolment_id": enrolment.id, "version_id": version.id, "number": number, "token": token,
        "order": grading.build_order(version.quiz, rng), "started_at": utcnow(),
    }, ["enrolment_id", "number"])
    if not added:  # another request started one at the same moment: use that one
        existing = open_attempt(session, enrolment, version)
        if existing is None:
            raise LearningError("busy")
        return existing
    return session.scalar(sa.select(QuizAttempt).where(QuizAttempt.token == token))


def submit_attempt(session: Session, enrolment: Enrolment, attempt_id: int, token: str,
                   raw: dict[str, list[str]], now: datetime | None = None) -> Submission:
    """Grade and store one attempt; the same token sent again returns the stored result.

    Raises LearningError('unknown_attempt' | 'already_completed' | 'no_attempts_left') or
    grading.AnswerError('tampered' | 'unanswered'); nothing is stored then."""
    now = now or utcnow()
    enrolment = enrolling.locked(session, enrolment)
    attempt = session.scalars(sa.select(QuizAttempt).where(QuizAttempt.token == (token or ""))
                              .execution_options(populate_existing=True)).one_or_none()
    if attempt is None or attempt.enrolment_id != enrolment.id or attempt.id != attempt_id:
        raise LearningError("unknown_attempt")
    if attempt.submitted_at is not None:
        return Submission(attempt, is_repeat=True)
    live = enrolling.live_version(session, enrolment.course) or attempt.version
    if enrolment.completed_at is not None and live.is_quiz_required:
        raise LearningError("already_completed")
    version = attempt.version
    if attempts_left(session, enrolment, version) == 0:
        raise LearningError("no_attempts_left")
    answers = grading.check_answers(version.quiz, attempt.order, raw)
    result = grading.grade(version.quiz, pass_mark(version), answers)
    # Conditional: of two racing requests with the same token, only one stores.
    values = {"answers": answers, "score": result.score, "is_passed": result.is_passed, "submitted_at": now}
    table = QuizAttempt.__table__  # a Core UPDATE: no ORM synchronisation to skip
    stored = session.execute(
        sa.update(table).where(table.c.id == attempt.id, table.c.submitted_at.is_(None)).values(**values))
    if stored.rowcount != 1:
        session.refresh(attempt)
        return Submission(attempt, is_repeat=True)
    for name, value in values.items():  # what the row now holds, without reading it back
        set_committed_value(attempt, name, value)
    progress.settle(session, enrolment, live, now)
    return Submission(attempt, is_repeat=False)


def graded(attempt: QuizAttempt) -> grading.Grade | None:
    """The per-question results of a submitted attempt."""
    if attempt.submitted_at is None:
        return None
    return grading.grade(attempt.version.quiz, pass_mark(attempt.version), attempt.answers or {})


@dataclass(frozen=True)
class Feedback:
    """What a submitted attempt's page may show besides the score."""

    verdicts: bool  # which questions were right or wrong
    answers: bool  # the right answers and the explanations


def feedback_setting(version: ContentVersion) -> str:
    """quiz.yaml's feedback; a version published before the setting keeps what it showed then."""
    quiz = version.quiz or {}
    if quiz.get("feedback"):
        return str(quiz["feedback"])
    return "after_submit" if quiz.get("show_explanations", "after_submit") == "after_submit" else "after_pass"


def feedback_for(attempt: QuizAttempt, enrolment: Enrolment, left: int | None) -> Feedback:
    """Right answers never show on a failed attempt while another attempt may find them unaided.

    `left` is attempts_left() for the attempt's version (None: unlimited)."""
    if attempt.submitted_at is None:
        return Feedback(verdicts=False, answers=False)
    setting = feedback_setting(attempt.version)
    if setting == "none":
        return Feedback(verdicts=False, answers=False)
    if setting == "wrong_only":
        return Feedback(verdicts=True, answers=False)
    if setting == "after_submit":
        return Feedback(verdicts=True, answers=may_show_explanations(attempt, enrolment))
    passed = enrolment.quiz_passed_at is not None or bool(attempt.is_passed)
    return Feedback(verdicts=True, answers=(passed or left == 0) and may_show_explanations(attempt, enrolment))


def may_show_explanations(attempt: QuizAttempt, enrolment: Enrolment) -> bool:
    if attempt.submitted_at is None:
        return False
    if attempt.version.quiz.get("show_explanations") == "after_pass":
        return enrolment.quiz_passed_at is not None
    return True
