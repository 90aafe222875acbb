"""Quiz attempts: idempotent submission, limits, tampering, unanswered questions, completion."""
from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, QuizAttempt
from app.services.learning import enrolling, progress, quizzes
from app.services.learning.errors import LearningError
from app.services.learning.grading import AnswerError, build_order
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import (
    FIXTURES,
    attempts,
    bundle_copy,
    publish_bundle,
    right_answers,
    start_quiz,
    submit,
    wrong_answers,
)


@pytest.fixture()
def course_and_client(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee(email="q@example.jp")
    db.session.commit()
    login(client, "q@example.jp", PASSWORD)
    post_form(client, f"/courses/{version.course.slug}/enrol", {}, token_from=f"/courses/{version.course.slug}")
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    return version, client, enrolment


def test_double_submit_of_one_token_stores_one_attempt(course_and_client):
    version, client, enrolment = course_and_client
    url, token, csrf = start_quiz(client, version.course.slug)
    first = submit(client, url, token, csrf, wrong_answers(version))
    # The same form again (double click, resent after "back") is the same attempt, not a second one.
    second = submit(client, url, token, csrf, right_answers(version))
    assert first.status_code == second.status_code == 302
    stored = attempts(enrolment.id)
    assert len(stored) == 1 and stored[0].score == 0 and stored[0].submitted_at is not None
    db.session.refresh(enrolment)
    assert enrolment.latest_score == 0 and enrolment.completed_at is None
    # Starting twice without submitting also gives one open attempt.
    start_quiz(client, version.course.slug)
    start_quiz(client, version.course.slug)
    assert len(attempts(enrolment.id)) == 2


def _submit_in_threads(app, enrolment_id: int, attempt_id: int, token: str, answers: dict, n: int = 2):
    barrier = threading.Barrier(n)
    outcomes: list = []

    def run():
        with app.app_context():
            try:
                enrolment = db.session.get(Enrolment, enrolment_id)
                barrier.wait(timeout=10)
                result = quizzes.submit_attempt(db.session, enrolment, attempt_id, token, answers)
                db.session.commit()
                outcomes.append(("ok", result.is_repeat))
            except Exception as error:  # reported below, so the test shows what went wrong
                db.session.rollback()
                outcomes.append(("error", repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_concurrent_submissions_of_one_attempt_store_one(app, monkeypatch):
    """Two app workers receive the same form at the same moment (PostgreSQL in CI; SQLite too)."""
    if db.engine.url.get_backend_name() == "sqlite" and db.engine.url.database in (None, "", ":memory:"):
        pytest.skip("an in-memory SQLite database cannot be shared between threads")
    version = publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee()
    enrolment = enrolling.enrol(db.session, user, version.course)
    for lesson in version.lessons:
        progress.complete_lesson(db.session, enrolment, version, lesson.key)
    attempt = quizzes.start_attempt(db.session, enrolment, version)
    db.session.commit()
    completions = []
    effects = progress.completion_effects

    def counted_effects(session, e):
        completions.append(e.id)
        effects(session, e)

    monkeypatch.setattr(progress, "completion_effects", counted_effects)
    outcomes = _submit_in_threads(app, enrolment.id, attempt.id, attempt.token, right_answers(version))
    assert sorted(outcomes) == [("ok", False), ("ok", True)], outcomes
    db.session.expire_all()
    rows = list(db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment.id)))
    assert len(rows) == 1 and rows[0].score == 100
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.completed_at is not None and completions == [enrolment.id]
    assert progress.stored_figures(enrolment) == progress.recompute_progress(db.session, enrolment)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="row locks are a PostgreSQL matter; TEST_DATABASE_URL is not PostgreSQL")
def test_concurrent_submissions_on_postgresql_many_workers(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    attempt = quizzes.start_attempt(db.session, enrolment, version)
    db.session.commit()
    outcomes = _submit_in_threads(app, enrolment.id, attempt.id, attempt.token, wrong_answers(version), n=5)
    assert sorted(outcomes) == [("ok", False)] + [("ok", True)] * 4, outcomes
    assert len(attempts(enrolment.id)) == 1


def test_attempt_limit(app, client, tmp_path):
    version = publish_bundle(bundle_copy(tmp_path, quiz={"attempts_allowed": 2, "shuffle": "false"}))
    slug = version.course.slug
    make_trainee(email="limit@example.jp")
    db.session.commit()
    login(client, "limit@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    assert "あと2回受けられます" in client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    for _ in range(2):
        url, token, csrf = start_quiz(client, slug)
        submit(client, url, token, csrf, wrong_answers(version))
    page = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    assert "あと0回受けられます" in page and "テストをはじめる" not in page and "もう一度受ける" not in page
    response = post_form(client, f"/courses/{slug}/quiz/start", {}, token_from=f"/courses/{slug}/quiz")
    assert response.status_code == 302
    assert "上限に達しました" in client.get(response.headers["Location"]).get_data(as_text=True)
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert len(attempts(enrolment.id)) == 2


def test_tampered_ids_are_refused_and_nothing_stored(course_and_client):
    version, client, enrolment = course_and_client
    url, token, csrf = start_quiz(client, version.course.slug)
    good = right_answers(version)
    for bad in ({**good, "q9": ["a"]},          # a question that does not exist
                {**good, "q1": ["z"]},          # a choice that does not exist
                {**good, "q1": ["a", "b"]},     # two answers to a single-choice question
                {**good, "q3": ["maybe"]}):     # ○× is only true or false
        response = submit(client, url, token, csrf, bad)
        assert response.status_code == 400
        assert "正しくありません" in response.get_data(as_text=True)
    assert [a.submitted_at for a in attempts(enrolment.id)] == [None]
    # A token of someone else's attempt, or a made-up one, answers 404.
    assert submit(client, url, "not-a-token", csrf, good).status_code == 404
    assert submit(client, url, token, csrf, good).status_code == 302


def test_answers_to_another_course_are_refused(app, client, tmp_path):
    first = publish_bundle(FIXTURES / "valid-adult")
    other = publish_bundle(bundle_copy(tmp_path, replace={"course.yaml": ("slug: test-adult", "slug: test-other")}))
    make_trainee(email="two@example.jp")
    db.session.commit()
    login(client, "two@example.jp", PASSWORD)
    for v in (first, other):
        post_form(client, f"/courses/{v.course.slug}/enrol", {}, token_from=f"/courses/{v.course.slug}")
    url_a, token_a, csrf = start_quiz(client, first.course.slug)
    url_b, token_b, _ = start_quiz(client, other.course.slug)
    # Course B's attempt sent to course A's address, and A's token to B's attempt: 404, nothing stored.
    assert submit(client, url_a.replace(first.course.slug, other.course.slug), token_a, csrf,
                  right_answers(first)).status_code == 404
    assert submit(client, url_b, token_a, csrf, right_answers(first)).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)
                             .where(QuizAttempt.submitted_at.is_not(None))) == 0


def test_unanswered_question_keeps_the_other_answers(course_and_client):
    version, client, enrolment = course_and_client
    url, token, csrf = start_quiz(client, version.course.slug)
    response = submit(client, url, token, csrf, {"q1": ["a"], "q2": ["a", "c"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "まだ答えていない問題があります" in page and "この問題に答えてください" in page
    assert page.count("この問題に答えてください") == 1
    assert 'name="q-q1" value="a" checked' in page
    assert 'name="q-q2" value="a" checked' in page and 'name="q-q2" value="c" checked' in page
    assert attempts(enrolment.id)[0].submitted_at is None
    # The same form, completed, is then accepted as the one attempt.
    assert submit(client, url, token, csrf, right_answers(version)).status_code == 302
    assert [a.score for a in attempts(enrolment.id)] == [100]


def test_completed_course_submitted_again(app, course_and_client):
    version, client, enrolment = course_and_client
    slug = version.course.slug
    for lesson in version.lessons:
        post_form(client, f"/courses/{slug}/lessons/{lesson.key}/complete", {}, token_from=f"/courses/{slug}")
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, right_answers(version))
    db.session.refresh(enrolment)
    completed_at = enrolment.completed_at
    assert completed_at is not None
    # The completing form resent: the stored result, nothing new.
    assert submit(client, url, token, csrf, wrong_answers(version)).status_code == 302
    # A new attempt is refused with a clear message.
    response = post_form(client, f"/courses/{slug}/quiz/start", {}, token_from=f"/courses/{slug}/quiz")
    assert "すでに修了しています" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Completing a lesson again does not complete twice.
    post_form(client, f"/courses/{slug}/lessons/hajimeni/complete", {}, token_from=f"/courses/{slug}")
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.completed_at == completed_at
    assert [(a.score, a.number) for a in attempts(enrolment.id)] == [(100, 1)]


def test_open_attempt_after_completion_by_attendance_is_refused(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    attempt = quizzes.start_attempt(db.session, enrolment, version)
    assert progress.record_attendance(db.session, enrolment) is True
    assert progress.record_attendance(db.session, enrolment) is False
    with pytest.raises(LearningError) as raised:
        quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, right_answers(version))
    assert raised.value.code == "already_completed"
    assert attempt.submitted_at is None and enrolment.completed_via.value == "attendance"
    assert progress.stored_figures(enrolment) == progress.recompute_progress(db.session, enrolment)


def test_attendance_only_where_the_course_allows_it(app):
    version = publish_bundle(FIXTURES / "valid-children")  # attendance_replaces_lessons not set
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    with pytest.raises(LearningError) as raised:
        progress.record_attendance(db.session, enrolment)
    assert raised.value.code == "attendance_not_allowed" and enrolment.completed_at is None


def test_explanations_after_pass_only(app, client, tmp_path):
    version = publish_bundle(bundle_copy(tmp_path, quiz={"show_explanations": "after_pass"}))
    slug = version.course.slug
    make_trainee(email="e@example.jp")
    db.session.commit()
    login(client, "e@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, wrong_answers(version))
    page = client.get(url).get_data(as_text=True)
    assert "誰でも受講できます。" not in page and "合格したあとに見られます" in page
    url2, token, csrf = start_quiz(client, slug)
    submit(client, url2, token, csrf, right_answers(version))
    assert "誰でも受講できます。" in client.get(url2).get_data(as_text=True)
    assert "誰でも受講できます。" in client.get(url).get_data(as_text=True)


def test_shuffle_records_the_order_shown(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    import random

    orders = {tuple(q["id"] for q in build_order(version.quiz, random.Random(seed))) for seed in range(20)}
    assert len(orders) > 1
    truefalse = next(q for q in build_order(version.quiz, random.Random(1)) if q["id"] == "q3")
    assert truefalse["choices"] == ["true", "false"]
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    attempt = quizzes.start_attempt(db.session, enrolment, version, rng=random.Random(3))
    assert attempt.order == build_order(version.quiz, random.Random(3))
    with pytest.raises(AnswerError):
        quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, {})
