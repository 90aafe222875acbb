"""Progress: lessons done, the resume link, the stored figures, and completion (online or by
attendance) with its effects: the certificate and the supporter count (`completion_effects`).

Progress figures are stored on the enrolment and updated in the same transaction as the step
that changes them, so reports read them instead of recomputing per learner. Completion is set by a
conditional UPDATE on the enrolment row locked first, so two racing requests complete it once.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import CompletedVia, ContentVersion, Course, Enrolment, LessonProgress, QuizAttempt, User
from app.models.base import utcnow
from app.services.certificates import issuing
from app.services.infra import audit
from app.services.infra.upsert import insert_ignore
from app.services.learning import enrolling
from app.services.learning.errors import LearningError
from app.services.statistics import statistics

# --- lessons -------------------------------------------------------------------------------------

def done_keys(session: Session, enrolment: Enrolment | None) -> set[str]:
    if enrolment is None:
        return set()
    return set(session.scalars(sa.select(LessonProgress.lesson_key)
                               .where(LessonProgress.enrolment_id == enrolment.id)))


def note_visit(session: Session, enrolment: Enrolment, key: str) -> bool:
    """Remember the lesson last opened, for the resume link; True when that changed it."""
    if enrolment.last_lesson_key != key:
        enrolment.last_lesson_key = key
        session.flush()
        return True
    return False


def resume_key(version: ContentVersion, enrolment: Enrolment | None, done: set[str]) -> str | None:
    """The lesson to continue with (つづきから学ぶ): the first one not done, in course order.

    Not the last one opened: someone who looked ahead and came back resumes where their
    progress stops. One model of progress: a lesson is done when its end is reached and 次へ
    (or the complete button) is pressed, both a POST; opening a page never completes anything."""
    del enrolment  # kept in the signature: callers pass it, and the rule may weigh it again
    return next((lesson.key for lesson in version.lessons if lesson.key not in done), None)


def following_key(version: ContentVersion, key: str) -> str | None:
    """The lesson after `key` in course order (the 次へ card's target), None after the last."""
    keys = [lesson.key for lesson in version.lessons]
    index = keys.index(key) if key in keys else len(keys)
    return keys[index + 1] if index + 1 < len(keys) else None


def minutes_left(version: ContentVersion, done: set[str]) -> int:
    required = set(version.required_lesson_keys)
    return sum(lesson.minutes for lesson in version.lessons if lesson.key in required and lesson.key not in done)


def complete_lesson(session: Session, enrolment: Enrolment, version: ContentVersion, key: str,
                    now: datetime | None = None) -> bool:
    """Mark a lesson of `version` done (idempotent); True when it was not done before.

    The last lesson due completes the enrolment, with its effects (`completion_effects`)."""
    if version.course_id != enrolment.course_id or enrolling.lesson_in(version, key) is None:
        raise LearningError("unknown_lesson")
    now = now or utcnow()
    enrolment = enrolling.locked(session, enrolment)
    added = insert_ignore(session, LessonProgress,
                           {"enrolment_id": enrolment.id, "lesson_key": key, "completed_at": now},
                           ["enrolment_id", "lesson_key"])
    enrolment.last_lesson_key = key
    settle(session, enrolment, version, now)
    return added


# --- figures and completion ----------------------------------------------------------------------

def _figures_version(session: Session, enrolment: Enrolment, live: ContentVersion) -> ContentVersion:
    # A completed enrolment keeps the figures of the version it was completed in.
    if enrolment.completed_version_id is not None:
        return session.get(ContentVersion, enrolment.completed_version_id)
    return live


def _figures(session: Session, enrolment: Enrolment, version: ContentVersion) -> dict:
    """The stored figures recounted from the rows of this enrolment: one query of indexed subqueries."""
    required = version.required_lesson_keys
    done = (sa.select(sa.func.count()).select_from(LessonProgress)
            .where(LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_key.in_(required))
            .scalar_subquery()) if required else sa.literal(0)
    submitted = sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id,
                                             QuizAttempt.submitted_at.is_not(None))
    best = submitted.with_only_columns(sa.func.max(QuizAttempt.score)).scalar_subquery()
    latest = submitted.with_only_columns(QuizAttempt.score).order_by(QuizAttempt.number.desc()).limit(1) \
        .scalar_subquery()
    passed = submitted.where(QuizAttempt.is_passed.is_(True)) \
        .with_only_columns(sa.func.min(QuizAttempt.submitted_at)).scalar_subquery()
    figures = session.execute(sa.select(done, best, latest, passed)).one()
    return {"lessons_required": len(required), "lessons_done": figures[0], "best_score": figures[1],
            "latest_score": figures[2], "quiz_passed_at": figures[3]}


def _store_figures(session: Session, enrolment: Enrolment, figures: dict) -> None:
    for name, value in figures.items():
        setattr(enrolment, name, value)
    session.flush()  # one UPDATE when they changed


def _due(figures: dict, version: ContentVersion) -> bool:
    """Whether these figures complete the course: every required lesson, and the quiz passed where
    it is required (a self-check quiz is offered and scored but never holds completion back)."""
    lessons_ok = figures["lessons_done"] >= figures["lessons_required"]
    return lessons_ok and (not version.is_quiz_required or figures["quiz_passed_at"] is not None)


def refresh_figures(session: Session, enrolment: Enrolment, live: ContentVersion) -> None:
    """Recount the stored figures (one query), then store them (one UPDATE when they changed)."""
    _store_figures(session, enrolment, _figures(session, enrolment, _figures_version(session, enrolment, live)))


def settle(session: Session, enrolment: Enrolment, live: ContentVersion, now: datetime) -> bool:
    """After a step online (a lesson done, a quiz submitted) on the locked enrolment: recount its
    figures and complete it when due, with its effects; True when this call completed it.

    Few statements (issue 17: a cohort submitting the quiz together): one SELECT of the figures,
    then either one UPDATE of the figures or one conditional UPDATE that stores them with the
    completion (two racing requests complete it once), and no re-read after it."""
    version = _figures_version(session, enrolment, live)
    figures = _figures(session, enrolment, version)
    if enrolment.completed_at is None and _due(figures, version):
        values = {**figures, "completed_at": now, "completed_version_id": version.id,
                  "completed_via": CompletedVia.ONLINE, "updated_at": now}
        table = Enrolment.__table__  # a Core UPDATE: no ORM synchronisation to skip
        done = session.execute(sa.update(table).where(table.c.id == enrolment.id, table.c.completed_at.is_(None))
                               .values(**values))
        if done.rowcount == 1:
            for name, value in values.items():  # what the row now holds, without reading it back
                set_committed_value(enrolment, name, value)
            set_committed_value(enrolment, "completed_version", version)
            _completion_recorded(session, enrolment, version, CompletedVia.ONLINE)
            return True
        session.refresh(enrolment)  # completed by another request first (SQLite): keep theirs
    _store_figures(session, enrolment, figures)
    return False


def _mark_completed(session: Session, enrolment: Enrolment, version: ContentVersion, via: CompletedVia,
                    now: datetime) -> bool:
    """Set the completion once: a conditional UPDATE, so two racing requests complete it once."""
    session.flush()
    done = session.execute(
        sa.update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.completed_at.is_(None))
        .values(completed_at=now, completed_version_id=version.id, completed_via=via, updated_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(enrolment)
    if done.rowcount != 1:
        return False
    refresh_figures(session, enrolment, version)
    _completion_recorded(session, enrolment, version, via)
    return True


def _completion_recorded(session: Session, enrolment: Enrolment, version: ContentVersion, via: CompletedVia) -> None:
    audit.record(session, "enrolment.completed", actor_id=enrolment.user_id, target_type="enrolment",
                 target_id=enrolment.id, version_id=version.id, via=via.value)
    completion_effects(session, enrolment)
    session.flush()


def completion_effects(session: Session, enrolment: Enrolment) -> None:
    """What completing an enrolment brings, once, in the completion's own transaction: its
    certificate is issued and the new supporter counted for the statistics. An exception here
    rolls the completion back too, so a completed enrolment never lacks either."""
    issuing.issue_on_completion(session, enrolment)
    statistics.record_completion(session, enrolment)


# --- completion by attendance, progress after a new version ---------------------------------------

def record_attendance(session: Session, enrolment: Enrolment, now: datetime | None = None,
                      session_at: datetime | None = None) -> bool:
    """Complete an enrolment by attending an in-person session, where the course allows it.

    For the coordinator side (cohorts); True when this call completed the enrolment, with its
    effects (`completion_effects`). The completion is dated `session_at` (the session's start) when
    given, so the certificate and the statistics carry the day of the session, not of the tick."""
    version = enrolling.live_version(session, enrolment.course)
    if version is None:
        raise LearningError("not_published")
    if not version.meta["completion"].get("attendance_replaces_lessons"):
        raise LearningError("attendance_not_allowed")
    enrolment = enrolling.locked(session, enrolment)
    if enrolment.completed_at is not None:
        return False
    return _mark_completed(session, enrolment, version, CompletedVia.ATTENDANCE, session_at or now or utcnow())


def completion_rests_on_attendance(session: Session, enrolment: Enrolment) -> bool:
    """Whether the enrolment is complete only because attendance was recorded: lessons and quiz
    (stored figures, kept current by every step) would not complete it on their own."""
    if enrolment.completed_at is None or enrolment.completed_via is not CompletedVia.ATTENDANCE:
        return False
    version = _figures_version(session, enrolment, enrolling.live_version(session, enrolment.course))
    return not _due(stored_figures(enrolment), version)


def withdraw_attendance_completion(session: Session, enrolment: Enrolment, *, actor_id: int,
                                   reason: str) -> int | None:
    """Undo a completion that rested only on attendance now removed: the enrolment is open again,
    its certificate revoked with `reason` (kept, and verification says so; no longer the current
    one, so a later completion issues a new one) and the supporter no longer counted.

    A completion that lessons and quiz reach on their own is left alone (returns None); otherwise
    returns the id of the revoked certificate (0 when there was none)."""
    enrolment = enrolling.locked(session, enrolment)
    if not completion_rests_on_attendance(session, enrolment):
        return None
    completed_version_id = enrolment.completed_version_id
    enrolment.completed_at = None
    enrolment.completed_version_id = None
    enrolment.completed_via = None
    session.flush()
    cert = issuing.current_certificate(session, enrolment.id)
    revoked = 0
    if cert is not None:
        if cert.revoked_at is None:
            issuing.revoke(session, cert, reason=reason, actor=session.get(User, actor_id))
        cert.current_for_enrolment_id = None
        revoked = cert.id
    # A withdrawn completion was never a supporter: the count must not keep it.
    statistics.forget_completion(session, enrolment)
    live = enrolling.live_version(session, enrolment.course)
    if live is not None:
        refresh_figures(session, enrolment, live)
    audit.record(session, "enrolment.completion_withdrawn", actor_id=actor_id, target_type="enrolment",
                 target_id=enrolment.id, version_id=completed_version_id, certificate_id=revoked or None)
    session.flush()
    return revoked


def refresh_course_progress(session: Session, course: Course) -> int:
    """Recount lessons for every enrolment not yet completed, after a new version goes live.

    Two UPDATE statements whatever the number of learners; returns the rows touched."""
    version = enrolling.live_version(session, course)
    if version is None:
        return 0
    required = version.required_lesson_keys
    done = (sa.select(sa.func.count()).select_from(LessonProgress)
            .where(LessonProgress.enrolment_id == Enrolment.id, LessonProgress.lesson_key.in_(required))
            .scalar_subquery()) if required else sa.literal(0)
    result = session.execute(
        sa.update(Enrolment).where(Enrolment.course_id == course.id, Enrolment.completed_at.is_(None))
        .values(lessons_done=done, lessons_required=len(required), updated_at=utcnow())
        .execution_options(synchronize_session=False))
    session.expire_all()
    return result.rowcount


# --- figures for tests and checks ----------------------------------------------------------------

FIGURES = ("lessons_done", "lessons_required", "best_score", "latest_score", "quiz_passed_at", "completed_at",
           "completed_version_id", "completed_via")


def stored_figures(enrolment: Enrolment) -> dict:
    return {name: getattr(enrolment, name) for name in FIGURES}


def recompute_progress(session: Session, enrolment: Enrolment) -> dict:
    """The figures computed from raw rows in Python, independently of the stored ones (tests)."""
    session.refresh(enrolment)
    version = (session.get(ContentVersion, enrolment.completed_version_id) if enrolment.completed_version_id
               else enrolling.live_version(session, enrolment.course))
    done = done_keys(session, enrolment)
    required = version.required_lesson_keys
    submitted = list(session.scalars(sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id,
                                                                 QuizAttempt.submitted_at.is_not(None))
                                     .order_by(QuizAttempt.number)))
    passed = [a.submitted_at for a in submitted if a.is_passed]
    return {
        "lessons_done": len([k for k in required if k in done]),
        "lessons_required": len(required),
        "best_score": max((a.score for a in submitted), default=None),
        "latest_score": submitted[-1].score if submitted else None,
        "quiz_passed_at": min(passed) if passed else None,
        "completed_at": enrolment.completed_at,
        "completed_version_id": enrolment.completed_version_id,
        "completed_via": enrolment.completed_via,
    }
