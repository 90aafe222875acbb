"""Learning: enrolment, lessons done, reflections, quiz attempts, completion, survey, my data.

Progress figures are stored on the enrolment and updated in the same transaction as the step
that changes them, so reports read them instead of recomputing per learner. Every step that
can race (a double click, two tabs, two app servers) is made safe by a unique key or a
conditional UPDATE, and on PostgreSQL by locking the enrolment row first.
"""
from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    Audience,
    CompletedVia,
    ContentVersion,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Membership,
    OneTimeToken,
    QuizAttempt,
    Reflection,
    Role,
    SurveyResponse,
    TextSize,
    User,
)
from app.models.base import utcnow
from app.models.progress import REFLECTION_MAX_CHARS
from app.services.infra import audit, cache
from app.services.infra.upsert import insert_ignore
from app.services.learning import grading

SURVEY_TEXT_MAX_CHARS = 2000

# Called as hook(session, enrolment) inside the transaction that completes an enrolment, once
# per enrolment (certificates register here). An exception rolls the completion back too.
on_completed: list[Callable[[Session, Enrolment], None]] = []
# Called as hook(session, user) just before a user's personal rows are deleted.
on_account_deleting: list[Callable[[Session, User], None]] = []


class LearningError(Exception):
    """A refused learning step; `code` names the reason for the view to word."""

    def __init__(self, code: str, missing: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.missing = missing or []


# --- courses and enrolments -------------------------------------------------------------------

def published_course(session: Session, slug: str) -> Course | None:
    """A course with a live version, by slug; None for unknown or unpublished courses."""
    course = session.scalar(sa.select(Course).where(Course.slug == slug, Course.live_version_id.is_not(None)))
    if course is not None:
        # The live version and its lessons from the per-process copy: no query (bench issue 9).
        cache.attach_version(session, course.live_version_id)
    return course


def live_version(session: Session, course: Course) -> ContentVersion | None:
    """The live version by its id: the relationship can be stale just after publishing."""
    return session.get(ContentVersion, course.live_version_id) if course.live_version_id else None


def enrolment_for(session: Session, user: User, course: Course) -> Enrolment | None:
    return session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id,
                                                     Enrolment.course_id == course.id))


def enrolments_of(session: Session, user: User) -> list[Enrolment]:
    return list(session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id)
                                .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())))


def may_take(user: User, course: Course) -> bool:
    """Whether the course is meant for the user: pupils (accounts of a school class) take only the
    children's course. Adults may open the children's course too: anyone may take the programme, and
    teachers and parents read what the pupils read."""
    return course.audience is Audience.CHILDREN or not user.is_pupil


def enrol(session: Session, user: User, course: Course, cohort_id: int | None = None) -> Enrolment:
    """Enrol `user` in `course` (idempotent); joining a cohort later records it on the enrolment.

    Raises LearningError('wrong_audience') for a course not meant for the user (may_take)."""
    if not may_take(user, course):
        raise LearningError("wrong_audience")
    version = live_version(session, course)
    if version is None:
        raise LearningError("not_published")
    insert_ignore(session, Enrolment, {
        "user_id": user.id, "course_id": course.id, "started_version_id": version.id, "cohort_id": cohort_id,
        "lessons_required": len(version.required_lesson_keys),
    }, ["user_id", "course_id"])
    enrolment = _lock(session, enrolment_for(session, user, course))
    if cohort_id is not None and enrolment.cohort_id is None:
        enrolment.cohort_id = cohort_id
    session.flush()
    return enrolment


def _lock(session: Session, enrolment: Enrolment) -> Enrolment:
    """Re-read the enrolment, locking its row on PostgreSQL until the transaction ends."""
    session.flush()
    return session.scalars(sa.select(Enrolment).where(Enrolment.id == enrolment.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


# --- lessons -------------------------------------------------------------------------------------

def lesson_in(version: ContentVersion, key: str) -> Lesson | None:
    return next((lesson for lesson in version.lessons if lesson.key == key), None)


def key_in_other_version(session: Session, course: Course, key: str) -> bool:
    """Whether a lesson key belongs to another version of the course (an old link, an old page)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Lesson).join(ContentVersion)
                          .where(ContentVersion.course_id == course.id, Lesson.key == key)) > 0


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
    """The lesson to continue with: the last one opened if not yet done, else the first not done."""
    keys = [lesson.key for lesson in version.lessons]
    if not keys:
        return None
    if enrolment is not None and enrolment.last_lesson_key in keys and enrolment.last_lesson_key not in done:
        return enrolment.last_lesson_key
    return next((k for k in keys if k not in done), None)


def minutes_left(version: ContentVersion, done: set[str]) -> int:
    required = set(version.required_lesson_keys)
    return sum(lesson.minutes for lesson in version.lessons if lesson.key in required and lesson.key not in done)


def complete_lesson(session: Session, enrolment: Enrolment, version: ContentVersion, key: str,
                    now: datetime | None = None) -> bool:
    """Mark a lesson of `version` done (idempotent); True when it was not done before."""
    if version.course_id != enrolment.course_id or lesson_in(version, key) is None:
        raise LearningError("unknown_lesson")
    now = now or utcnow()
    enrolment = _lock(session, enrolment)
    added = insert_ignore(session, LessonProgress,
                           {"enrolment_id": enrolment.id, "lesson_key": key, "completed_at": now},
                           ["enrolment_id", "lesson_key"])
    enrolment.last_lesson_key = key
    _refresh_figures(session, enrolment, version)
    _complete_if_due(session, enrolment, version, now)
    return added


def _figures_version(session: Session, enrolment: Enrolment, live: ContentVersion) -> ContentVersion:
    # A completed enrolment keeps the figures of the version it was completed in.
    if enrolment.completed_version_id is not None:
        return session.get(ContentVersion, enrolment.completed_version_id)
    return live


def _refresh_figures(session: Session, enrolment: Enrolment, live: ContentVersion) -> None:
    """Recount the stored figures from the rows of this enrolment (one query of indexed subqueries,
    then one UPDATE: a quiz submission that completes the course runs this twice)."""
    version = _figures_version(session, enrolment, live)
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
    enrolment.lessons_required = len(required)
    enrolment.lessons_done, enrolment.best_score, enrolment.latest_score, enrolment.quiz_passed_at = figures
    session.flush()


def _complete_if_due(session: Session, enrolment: Enrolment, version: ContentVersion, now: datetime) -> bool:
    if enrolment.completed_at is not None:
        return False
    lessons_ok = enrolment.lessons_done >= enrolment.lessons_required
    # A self-check quiz is offered and scored but never holds completion back.
    quiz_ok = not version.is_quiz_required or enrolment.quiz_passed_at is not None
    if lessons_ok and quiz_ok:
        return _mark_completed(session, enrolment, version, CompletedVia.ONLINE, now)
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
    _refresh_figures(session, enrolment, version)
    audit.record(session, "enrolment.completed", actor_id=enrolment.user_id, target_type="enrolment",
                 target_id=enrolment.id, version_id=version.id, via=via.value)
    for hook in on_completed:
        hook(session, enrolment)
    session.flush()
    return True


def record_attendance(session: Session, enrolment: Enrolment, now: datetime | None = None) -> bool:
    """Complete an enrolment by attending an in-person session, where the course allows it.

    For the coordinator side (cohorts); True when this call completed the enrolment."""
    version = live_version(session, enrolment.course)
    if version is None:
        raise LearningError("not_published")
    if not version.meta["completion"].get("attendance_replaces_lessons"):
        raise LearningError("attendance_not_allowed")
    enrolment = _lock(session, enrolment)
    if enrolment.completed_at is not None:
        return False
    return _mark_completed(session, enrolment, version, CompletedVia.ATTENDANCE, now or utcnow())


def refresh_course_progress(session: Session, course: Course) -> int:
    """Recount lessons for every enrolment not yet completed, after a new version goes live.

    Two UPDATE statements whatever the number of learners; returns the rows touched."""
    version = live_version(session, course)
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


# --- reflections -----------------------------------------------------------------------------------

def reflection_for(session: Session, enrolment: Enrolment | None, key: str) -> Reflection | None:
    if enrolment is None:
        return None
    return session.scalar(sa.select(Reflection).where(Reflection.enrolment_id == enrolment.id,
                                                      Reflection.lesson_key == key))


def save_reflection(session: Session, enrolment: Enrolment, version: ContentVersion, key: str,
                    text: str) -> Reflection | None:
    """Save the private answer of a lesson's 個人ワーク; an empty text deletes it."""
    lesson = lesson_in(version, key)
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


# --- quiz ---------------------------------------------------------------------------------------------

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
    enrolment = _lock(session, enrolment)
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
    enrolment = _lock(session, enrolment)
    attempt = session.scalars(sa.select(QuizAttempt).where(QuizAttempt.token == (token or ""))
                              .execution_options(populate_existing=True)).one_or_none()
    if attempt is None or attempt.enrolment_id != enrolment.id or attempt.id != attempt_id:
        raise LearningError("unknown_attempt")
    if attempt.submitted_at is not None:
        return Submission(attempt, is_repeat=True)
    live = live_version(session, enrolment.course) or attempt.version
    if enrolment.completed_at is not None and live.is_quiz_required:
        raise LearningError("already_completed")
    version = attempt.version
    if attempts_left(session, enrolment, version) == 0:
        raise LearningError("no_attempts_left")
    answers = grading.check_answers(version.quiz, attempt.order, raw)
    result = grading.grade(version.quiz, pass_mark(version), answers)
    # Conditional: of two racing requests with the same token, only one stores.
    stored = session.execute(
        sa.update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(answers=answers, score=result.score, is_passed=result.is_passed, submitted_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(attempt)
    if stored.rowcount != 1:
        return Submission(attempt, is_repeat=True)
    _refresh_figures(session, enrolment, live)
    _complete_if_due(session, enrolment, live, now)
    return Submission(attempt, is_repeat=False)


def graded(attempt: QuizAttempt) -> grading.Grade | None:
    """The per-question results of a submitted attempt."""
    if attempt.submitted_at is None:
        return None
    return grading.grade(attempt.version.quiz, pass_mark(attempt.version), attempt.answers or {})


def may_show_explanations(attempt: QuizAttempt, enrolment: Enrolment) -> bool:
    if attempt.submitted_at is None:
        return False
    if attempt.version.quiz.get("show_explanations") == "after_pass":
        return enrolment.quiz_passed_at is not None
    return True


# --- survey ----------------------------------------------------------------------------------------------

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


# --- figures for tests and checks --------------------------------------------------------------------

FIGURES = ("lessons_done", "lessons_required", "best_score", "latest_score", "quiz_passed_at", "completed_at",
           "completed_version_id", "completed_via")


def stored_figures(enrolment: Enrolment) -> dict:
    return {name: getattr(enrolment, name) for name in FIGURES}


def recompute_progress(session: Session, enrolment: Enrolment) -> dict:
    """The figures computed from raw rows in Python, independently of the stored ones (tests)."""
    session.refresh(enrolment)
    version = (session.get(ContentVersion, enrolment.completed_version_id) if enrolment.completed_version_id
               else live_version(session, enrolment.course))
    done = done_keys(session, enrolment)
    required = version.required_lesson_keys
    submitted = [a for a in attempts_of(session, enrolment) if a.submitted_at is not None]
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


# --- preferences, my data, account deletion ------------------------------------------------------------

def set_preferences(session: Session, user: User, *, text_size: TextSize, is_furigana_on: bool) -> None:
    user.text_size = text_size
    user.is_furigana_on = is_furigana_on
    session.flush()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_my_data(session: Session, user: User) -> dict:
    """Everything stored about `user`, as plain data (JSON-ready)."""
    enrolments = []
    for e in enrolments_of(session, user):
        progress = session.scalars(sa.select(LessonProgress).where(LessonProgress.enrolment_id == e.id)
                                   .order_by(LessonProgress.completed_at, LessonProgress.lesson_key))
        reflections = session.scalars(sa.select(Reflection).where(Reflection.enrolment_id == e.id)
                                      .order_by(Reflection.lesson_key))
        enrolments.append({
            "course": e.course.slug,
            "enrolled_at": _iso(e.created_at),
            "started_version": e.started_version.label,
            "cohort_id": e.cohort_id,
            "lessons_done": e.lessons_done,
            "lessons_required": e.lessons_required,
            "best_score": e.best_score,
            "latest_score": e.latest_score,
            "quiz_passed_at": _iso(e.quiz_passed_at),
            "completed_at": _iso(e.completed_at),
            "completed_version": e.completed_version.label if e.completed_version else None,
            "completed_via": e.completed_via.value if e.completed_via else None,
            "survey_answered_at": _iso(e.survey_done_at),
            "lessons_completed": [{"lesson": p.lesson_key, "completed_at": _iso(p.completed_at)} for p in progress],
            "reflections": [{"lesson": r.lesson_key, "text": r.text, "updated_at": _iso(r.updated_at)}
                            for r in reflections],
            "quiz_attempts": [{"number": a.number, "version": a.version.label, "started_at": _iso(a.started_at),
                               "submitted_at": _iso(a.submitted_at), "score": a.score, "passed": a.is_passed,
                               "answers": a.answers} for a in attempts_of(session, e)],
        })
    school_class = None
    if user.school_class_id is not None:
        from app.models import SchoolClass

        cls = session.get(SchoolClass, user.school_class_id)
        school_class = {"code": cls.code, "name": cls.name, "number": user.pupil_number}
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role.value,
            "municipality_code": user.municipality_code,
            "municipality": user.municipality.full_name if user.municipality else None,
            "age_band": user.age_band.value if user.age_band else None,
            "sex": user.sex.value if user.sex else None,
            "text_size": user.text_size.value,
            "furigana": user.is_furigana_on,
            "school_class": school_class,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "enrolments": enrolments,
    }


def my_data_rows(data: dict) -> list[tuple[str, str, str, str, str]]:
    """The export flattened to rows (section, course, item, value, at) for a CSV."""
    rows = [("account", "", key, "" if value is None else str(value), "")
            for key, value in data["account"].items() if key != "school_class"]
    if data["account"]["school_class"]:
        rows += [("account", "", f"school_class.{k}", str(v), "") for k, v in data["account"]["school_class"].items()]
    for e in data["enrolments"]:
        course = e["course"]
        for key in ("enrolled_at", "started_version", "cohort_id", "lessons_done", "lessons_required", "best_score",
                    "latest_score", "quiz_passed_at", "completed_at", "completed_version", "completed_via",
                    "survey_answered_at"):
            rows.append(("enrolment", course, key, "" if e[key] is None else str(e[key]), ""))
        rows += [("lesson", course, p["lesson"], "done", p["completed_at"]) for p in e["lessons_completed"]]
        rows += [("reflection", course, r["lesson"], r["text"], r["updated_at"]) for r in e["reflections"]]
        for a in e["quiz_attempts"]:
            answers = "; ".join(f"{q}={','.join(c)}" for q, c in sorted((a["answers"] or {}).items()))
            rows.append(("quiz_attempt", course, str(a["number"]),
                         f"score={a['score']} passed={a['passed']} {answers}".strip(), a["submitted_at"] or ""))
    return rows


def may_delete_own_account(user: User) -> bool:
    """Adult trainees delete their own account; pupils ask their teacher, staff ask an admin."""
    return user.role is Role.TRAINEE and not user.is_pupil


def delete_account(session: Session, user: User, password: str) -> None:
    """Delete the account and every personal row; anonymous survey answers and the audit log stay."""
    if not may_delete_own_account(user):
        raise LearningError("not_allowed")
    if not user.check_password(password):
        raise LearningError("wrong_password")
    erase_account(session, user, action="user.delete_self", actor_id=user.id)


def erase_account(session: Session, user: User, *, action: str, actor_id: int | None, **detail: object) -> None:
    """Delete the account and every personal row, without the owner's checks (the retention job
    uses it too), so certificates and statistics are treated the same whoever deletes."""
    for hook in on_account_deleting:
        hook(session, user)
    user_id = user.id
    enrolment_ids = sa.select(Enrolment.id).where(Enrolment.user_id == user_id).scalar_subquery()
    # Explicit deletes: SQLite does not enforce ON DELETE CASCADE unless told to.
    for model in (LessonProgress, Reflection, QuizAttempt):
        session.execute(sa.delete(model).where(model.enrolment_id.in_(enrolment_ids))
                        .execution_options(synchronize_session=False))
    session.execute(sa.delete(Enrolment).where(Enrolment.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(OneTimeToken).where(OneTimeToken.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(Membership).where(Membership.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(User).where(User.id == user_id).execution_options(synchronize_session=False))
    session.expunge(user)
    audit.record(session, action, actor_id=actor_id, target_type="user", target_id=user_id, **detail)
    session.flush()
