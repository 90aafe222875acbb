"""What completing an enrolment brings (progress.completion_effects): its certificate and the
supporter count, in the completion's own transaction, whether completed online or by attendance."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, Course, Enrolment, SupporterRecord
from app.services.content import courses
from app.services.learning import enrolling, progress, quizzes
from app.services.statistics import statistics
from tests.factories import make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, right_answers


def effects_of(enrolment: Enrolment) -> tuple[int, int]:
    """(certificates, supporter records) stored for the enrolment, as this session sees them."""
    certificates = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                                     .where(Certificate.enrolment_id == enrolment.id))
    records = db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)
                                .where(SupporterRecord.enrolment_id == enrolment.id))
    return certificates, records


@pytest.fixture()
def adult_course(app) -> Course:
    courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    return db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))


def test_online_completion_issues_and_counts_in_the_same_transaction(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    for lesson in version.lessons:
        progress.complete_lesson(db.session, enrolment, version, lesson.key)
    attempt = quizzes.start_attempt(db.session, enrolment, version)
    db.session.commit()
    enrolment_id = enrolment.id
    assert effects_of(enrolment) == (0, 0)
    quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, right_answers(version))
    assert enrolment.completed_at is not None and effects_of(enrolment) == (1, 1)
    # Not yet committed: rolling back takes the completion and both effects away together.
    db.session.rollback()
    enrolment = db.session.get(Enrolment, enrolment_id)
    assert enrolment.completed_at is None and effects_of(enrolment) == (0, 0)


def test_attendance_completion_has_the_same_effects(app, adult_course):
    enrolment = enrolling.enrol(db.session, make_trainee(), adult_course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    assert effects_of(enrolment) == (1, 1)
    # Attending again completes nothing more and issues nothing more.
    assert not progress.record_attendance(db.session, enrolment)
    assert effects_of(enrolment) == (1, 1)


def test_a_failing_effect_leaves_the_enrolment_not_completed(app, adult_course, monkeypatch):
    enrolment = enrolling.enrol(db.session, make_trainee(), adult_course)
    db.session.commit()
    enrolment_id = enrolment.id

    def broken(session, enrolment):
        raise RuntimeError("statistics unavailable")

    monkeypatch.setattr(statistics, "record_completion", broken)
    with pytest.raises(RuntimeError):
        progress.record_attendance(db.session, enrolment)
    db.session.rollback()
    enrolment = db.session.get(Enrolment, enrolment_id)
    assert enrolment.completed_at is None and effects_of(enrolment) == (0, 0)
