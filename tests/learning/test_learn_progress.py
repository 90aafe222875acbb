"""Progress across versions, stored figures against a recomputation, bad lesson input."""
from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, LessonProgress, Reflection
from app.models.progress import REFLECTION_MAX_CHARS
from app.services.content import courses
from app.services.learning import enrolling, progress, quizzes, reflections
from app.services.learning.errors import LearningError
from app.services.learning.grading import AnswerError
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.learn_helpers import FIXTURES, bundle_copy, publish_bundle, right_answers, wrong_answers

RENAMED = {"lessons/02-kizuku.md": ("id: kizuku", "id: kizuku-v2")}


def test_lesson_of_another_version(app, client, tmp_path):
    v1 = publish_bundle(FIXTURES / "valid-adult")
    slug = v1.course.slug
    user = make_trainee(email="v@example.jp")
    db.session.commit()
    login(client, "v@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    post_form(client, f"/courses/{slug}/lessons/hajimeni/complete", {}, token_from=f"/courses/{slug}")
    v2 = publish_bundle(bundle_copy(tmp_path, replace=RENAMED))
    assert v2.course_id == v1.course_id and v2.number == 2
    # An old page's lesson id: a clear message on the course page, nothing stored.
    response = client.get(f"/courses/{slug}/lessons/kizuku")
    assert response.status_code == 302
    assert "いまの講座の版にはありません" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = post_form(client, f"/courses/{slug}/lessons/kizuku/complete", {}, token_from=f"/courses/{slug}")
    assert response.status_code == 302
    assert set(db.session.scalars(sa.select(LessonProgress.lesson_key))) == {"hajimeni"}
    # A key no version ever had is simply not found.
    assert client.get(f"/courses/{slug}/lessons/nothing-here").status_code == 404
    # The lesson kept its stable key, so it still counts in version 2.
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "完了 1 / 2 レッスン（50%）" in page
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    with pytest.raises(LearningError):
        progress.complete_lesson(db.session, enrolment, v2, "kizuku")
    progress.complete_lesson(db.session, enrolment, v2, "kizuku-v2")
    quizzes.start_attempt(db.session, enrolment, v2)
    attempt = quizzes.open_attempt(db.session, enrolment, v2)
    quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, right_answers(v2))
    assert enrolment.completed_version_id == v2.id and enrolment.started_version_id == v1.id


def test_refresh_after_a_new_version(app, tmp_path):
    v1 = publish_bundle(FIXTURES / "valid-adult")
    users = [make_trainee() for _ in range(3)]
    enrolments = [enrolling.enrol(db.session, u, v1.course) for u in users]
    for e in enrolments[:2]:
        progress.complete_lesson(db.session, e, v1, "kizuku")
    progress.complete_lesson(db.session, enrolments[0], v1, "hajimeni")
    result = courses.import_path(db.session, bundle_copy(tmp_path, replace=RENAMED), actor=None,
                                 asset_url_for=lambda v, p: p)
    courses.publish(db.session, result.version, actor=None)
    assert progress.refresh_course_progress(db.session, v1.course) == 3
    for e in enrolments:
        db.session.refresh(e)
        assert progress.stored_figures(e) == progress.recompute_progress(db.session, e)
    assert [e.lessons_done for e in enrolments] == [1, 0, 0]


def test_over_long_reflection_is_refused_and_kept_on_the_page(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    make_trainee(email="long@example.jp")
    db.session.commit()
    login(client, "long@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    lesson = f"/courses/{slug}/lessons/hajimeni"
    text = "あ" * (REFLECTION_MAX_CHARS + 1)
    response = post_form(client, lesson + "/reflection", {"text": text}, token_from=lesson)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "4000文字以内で書いてください" in page
    assert text in page  # what was typed is still there to shorten
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 0
    ok = post_form(client, lesson + "/reflection", {"text": "あ" * REFLECTION_MAX_CHARS}, token_from=lesson)
    assert ok.status_code == 302
    # The autosave gets JSON instead of a page.
    auto = post_form(client, lesson + "/reflection", {"text": "自動保存"}, token_from=lesson,
                     headers={"X-Requested-With": "fetch"})
    assert auto.get_json() == {"saved": True}
    assert db.session.scalar(sa.select(Reflection.text)) == "自動保存"


def test_reflection_only_where_the_lesson_has_one(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    enrolment = enrolling.enrol(db.session, make_trainee(), version.course)
    with pytest.raises(LearningError):
        reflections.save_reflection(db.session, enrolment, version, "kizuku", "この課題はない")


def test_stored_figures_equal_recomputation_after_random_actions(app, tmp_path):
    rng = random.Random(20261127)
    limited = bundle_copy(tmp_path, quiz={"attempts_allowed": 4},
                          replace={"course.yaml": ("slug: test-adult", "slug: test-limited")})
    versions = [publish_bundle(FIXTURES / "valid-adult"), publish_bundle(limited)]
    renamed = bundle_copy(tmp_path, replace=RENAMED)
    users = [make_trainee() for _ in range(4)]
    enrolments = []
    published_v2 = False
    for step in range(300):
        user = rng.choice(users)
        version = rng.choice(versions)
        course = version.course
        live = course.live_version
        enrolment = enrolling.enrol(db.session, user, course)
        if enrolment not in enrolments:
            enrolments.append(enrolment)
        action = rng.choice(["lesson", "lesson", "bad_lesson", "start", "submit", "submit", "resubmit",
                             "reflect", "attend", "publish"])
        try:
            if action == "lesson":
                progress.complete_lesson(db.session, enrolment, live, rng.choice(live.lessons).key)
            elif action == "bad_lesson":
                progress.complete_lesson(db.session, enrolment, live, "no-such-lesson")
            elif action == "start":
                quizzes.start_attempt(db.session, enrolment, live)
            elif action in ("submit", "resubmit"):
                attempt = quizzes.open_attempt(db.session, enrolment, live) or quizzes.start_attempt(
                    db.session, enrolment, live)
                answers = rng.choice([right_answers(live), wrong_answers(live), {}])
                quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, answers)
                if action == "resubmit":
                    quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, right_answers(live))
            elif action == "reflect":
                reflections.save_reflection(db.session, enrolment, live, "hajimeni", "考えたこと" * rng.randint(0, 3))
            elif action == "attend" and rng.random() < 0.2:
                progress.record_attendance(db.session, enrolment)
            elif action == "publish" and not published_v2 and step > 150:
                result = courses.import_path(db.session, renamed, actor=None, asset_url_for=lambda v, p: p)
                courses.publish(db.session, result.version, actor=None)
                progress.refresh_course_progress(db.session, result.version.course)
                versions[0] = result.version
                published_v2 = True
        except (LearningError, AnswerError):
            pass
        db.session.commit()
    assert published_v2
    completed = 0
    for enrolment in db.session.scalars(sa.select(Enrolment)):
        assert progress.stored_figures(enrolment) == progress.recompute_progress(db.session, enrolment), enrolment.id
        completed += enrolment.is_completed
    assert completed >= 1 and len(enrolments) >= 4


def test_enrol_is_idempotent_and_records_a_cohort(app):
    from app.models.cohort import Cohort, CohortMode

    version = publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee()
    cohort = Cohort(organisation_id=make_organisation().id, course_id=version.course_id, title="土曜講座",
                    mode=list(CohortMode)[0], join_code="JOINME")
    db.session.add(cohort)
    db.session.flush()
    first = enrolling.enrol(db.session, user, version.course)
    assert first.cohort_id is None and first.started_version_id == version.id and first.lessons_required == 2
    again = enrolling.enrol(db.session, user, version.course, cohort_id=cohort.id)
    assert again.id == first.id and again.cohort_id == cohort.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1
