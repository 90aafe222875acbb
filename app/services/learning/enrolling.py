"""Enrolling: which courses are open to a learner (published, meant for their audience), the live
version and its lessons, and the learner's enrolments.

Every step that can race (a double click, two tabs, two app servers) is made safe by a unique key
or a conditional UPDATE, and on PostgreSQL by locking the enrolment row first (`locked`).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from app.models import Audience, ContentVersion, Course, Enrolment, Lesson, User
from app.services.infra import cache
from app.services.infra.upsert import insert_ignore
from app.services.learning.errors import LearningError


def published_course(session: Session, slug: str) -> Course | None:
    """A course with a live version, by slug; None for unknown or unpublished courses."""
    course = session.scalar(sa.select(Course).where(Course.slug == slug, Course.live_version_id.is_not(None)))
    if course is not None:
        # The live version and its lessons from the per-process copy: no query (BENCHMARKS.md, lesson page).
        cache.attach_version(session, course.live_version_id)
    return course


def locked_enrolment_in(session: Session, user: User, slug: str) -> Enrolment | None:
    """The user's enrolment in the published course `slug`, read with its lock together with the
    course in one statement (a quiz submission at a peak); None for an unknown or unpublished
    course and for no enrolment alike. The caller still checks `may_take` on `enrolment.course`."""
    session.flush()
    row = session.execute(
        sa.select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Course.slug == slug, Course.live_version_id.is_not(None), Enrolment.user_id == user.id)
        .with_for_update(of=Enrolment).execution_options(populate_existing=True)).first()
    if row is None:
        return None
    enrolment, course = row
    set_committed_value(enrolment, "course", course)  # held by the enrolment: no second read
    cache.attach_version(session, course.live_version_id)  # the live version and lessons, no query
    _note_locked(session, enrolment)
    return enrolment


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
    enrolment = locked(session, enrolment_for(session, user, course))
    if cohort_id is not None and enrolment.cohort_id is None:
        enrolment.cohort_id = cohort_id
    session.flush()
    return enrolment


_LOCKED = "enrolments_locked"  # session.info: (transaction, ids of enrolments locked in it)


def _transaction(enrolment: Enrolment):  # noqa: ANN202 (SessionTransaction | None)
    owner = object_session(enrolment)  # the Session itself, also when called with a scoped_session
    return owner.get_transaction() if owner is not None else None


def _note_locked(session: Session, enrolment: Enrolment) -> None:
    transaction = _transaction(enrolment)
    noted = session.info.get(_LOCKED)
    if noted is None or noted[0] is not transaction:
        noted = session.info[_LOCKED] = (transaction, set())
    noted[1].add(enrolment.id)


def locked(session: Session, enrolment: Enrolment) -> Enrolment:
    """Re-read the enrolment, locking its row on PostgreSQL until the transaction ends.

    An enrolment already read with its lock in this same transaction (`locked_enrolment_in`)
    is not read again: its row cannot have changed under the lock."""
    session.flush()
    noted = session.info.get(_LOCKED)
    transaction = _transaction(enrolment)
    if noted is not None and transaction is not None and noted[0] is transaction and enrolment.id in noted[1]:
        return enrolment
    enrolment = session.scalars(sa.select(Enrolment).where(Enrolment.id == enrolment.id).with_for_update()
                                .execution_options(populate_existing=True)).one()
    _note_locked(session, enrolment)
    return enrolment


def lesson_in(version: ContentVersion, key: str) -> Lesson | None:
    return next((lesson for lesson in version.lessons if lesson.key == key), None)


def key_in_other_version(session: Session, course: Course, key: str) -> bool:
    """Whether a lesson key belongs to another version of the course (an old link, an old page)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Lesson).join(ContentVersion)
                          .where(ContentVersion.course_id == course.id, Lesson.key == key)) > 0
