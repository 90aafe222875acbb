"""The passing quiz submission at a peak (issue 17): a bounded number of statements for the whole
request (grading, completion, certificate, supporter count), and the one-statement read of the
course with the locked enrolment still answers 404 for every case the separate reads did."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, Enrolment, SupporterRecord
from app.services.learning import progress
from tests.conftest import count_queries, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, right_answers, start_quiz, submit

# Measured: 12 on PostgreSQL and on SQLite (log-in check, course with the locked enrolment, the
# attempt, its UPDATE, the figures, the enrolment's UPDATE, two audit events, the issuer, the
# serial number, the certificate, the supporter record). It was 35 before issue 17.
MAX_STATEMENTS = 12


def _ready_for_the_quiz(client, email: str, version=None):
    version = version or publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee(email=email)  # in 292095 (生駒市)
    db.session.commit()
    login(client, email, PASSWORD)
    slug = version.course.slug
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    for key in version.required_lesson_keys:
        progress.complete_lesson(db.session, enrolment, version, key)
    db.session.commit()
    return version, enrolment


def test_a_passing_submission_completes_in_a_bounded_number_of_statements(app, client, monkeypatch):
    from app import jobs

    # As in production: what follows the completion (render, e-mail) is queued for an RQ worker.
    app.config["JOB_QUEUE"] = "rq"
    queued: list[list[int]] = []
    monkeypatch.setattr(jobs, "dispatch_certificate_followup", lambda app, ids, render: queued.append(ids))
    make_organisation(municipality="292095", name="生駒市")  # the trainee's town issues the certificate
    # A first completion creates the year's serial counter and the issuer's settings: the steady
    # state of a peak is every completion after it.
    first, _ = _ready_for_the_quiz(client, "first@example.jp")
    submit(client, *start_quiz(client, first.course.slug), right_answers(first))
    client = app.test_client()
    version, enrolment = _ready_for_the_quiz(client, "peak@example.jp", first)
    url, token, csrf = start_quiz(client, version.course.slug)
    with count_queries() as statements:
        response = submit(client, url, token, csrf, right_answers(version))
    assert response.status_code == 302 and len(queued) == 2
    db.session.expire_all()
    done = db.session.get(Enrolment, enrolment.id)
    assert done.completed_at is not None and done.best_score == done.latest_score and done.quiz_passed_at
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                             .where(Certificate.current_for_enrolment_id == enrolment.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)
                             .where(SupporterRecord.enrolment_id == enrolment.id)) == 1
    writes = [s for s in statements if not s.lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert len(statements) <= MAX_STATEMENTS, "\n".join(statements)
    assert len(writes) >= 6  # the completion's own writes all happened in the request


def test_unknown_course_answers_404(app, client):
    version, _enrolment = _ready_for_the_quiz(client, "lost@example.jp")
    url, token, csrf = start_quiz(client, version.course.slug)
    wrong_course = url.replace(f"/courses/{version.course.slug}/", "/courses/no-such-course/")
    assert submit(client, wrong_course, token, csrf, right_answers(version)).status_code == 404


def test_someone_not_enrolled_gets_404_even_with_the_token(app, client):
    version, enrolment = _ready_for_the_quiz(client, "owner@example.jp")
    url, token, csrf = start_quiz(client, version.course.slug)
    other = app.test_client()
    make_trainee(email="other@example.jp")
    db.session.commit()
    login(other, "other@example.jp", PASSWORD)
    page = other.get(f"/courses/{version.course.slug}").get_data(as_text=True)
    other_csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert submit(other, url, token, other_csrf, right_answers(version)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).completed_at is None  # nothing stored for the owner
