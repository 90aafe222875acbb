"""A course bundle can make its quiz a self-check: offered, scored and shown, but not needed to
complete. The default stays required (passing at the pass mark completes an online learner)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Audience, Certificate, CompletedVia, Enrolment
from app.services.content.bundle import check_bundle
from app.services.learning import progress
from app.services.statistics import statistics
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

PASS_MARK_LINE = "  quiz_pass_mark: 80\n"


def self_check_bundle(tmp_path, mode: str = "self_check"):
    return bundle_copy(
        tmp_path, replace={"course.yaml": (PASS_MARK_LINE, f"{PASS_MARK_LINE}  quiz: {mode}\n")}
    )


def enrolled_client(client, version, email: str = "self@example.jp") -> Enrolment:
    user = make_trainee(email=email)
    db.session.commit()
    login(client, email, PASSWORD)
    slug = version.course.slug
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))


def finish_lessons(client, version):
    slug = version.course.slug
    for lesson in version.lessons:
        response = post_form(
            client, f"/courses/{slug}/lessons/{lesson.key}/complete", {}, token_from=f"/courses/{slug}"
        )
        assert response.status_code == 302
    return response


def test_bundle_field_is_checked_with_file_and_line(tmp_path):
    result = check_bundle(self_check_bundle(tmp_path))
    assert result.ok, result.errors
    assert result.bundle.course.completion.quiz_mode == "self_check"

    default = check_bundle(FIXTURES / "valid-adult")
    assert default.ok and default.bundle.course.completion.quiz_mode == "required"

    wrong_path = self_check_bundle(tmp_path, "optional")
    wrong = check_bundle(wrong_path)
    errors = [e for e in wrong.errors if e.code == "completion.quiz_mode_unknown"]
    assert len(errors) == 1, wrong.errors
    line = (wrong_path / "course.yaml").read_text(encoding="utf-8").splitlines().index("  quiz: optional") + 1
    assert (errors[0].file, errors[0].line) == ("course.yaml", line)
    assert "self_check" in errors[0].message_ja and "required" in errors[0].message_en

    no_quiz = self_check_bundle(tmp_path)
    (no_quiz / "quiz.yaml").unlink()
    text = (no_quiz / "course.yaml").read_text(encoding="utf-8").replace(PASS_MARK_LINE, "")
    (no_quiz / "course.yaml").write_text(text, encoding="utf-8")
    codes = [e.code for e in check_bundle(no_quiz).errors]
    assert codes == ["course.quiz_missing"], codes


def test_self_check_completes_by_lessons_without_passing(app, client, tmp_path):
    version = publish_bundle(self_check_bundle(tmp_path))
    assert version.meta["completion"]["quiz"] == "self_check" and version.is_quiz_self_check
    slug = version.course.slug
    enrolment = enrolled_client(client, version)

    # The quiz taken first and failed: scored and stored, the course is not done yet (lessons).
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, wrong_answers(version))
    db.session.refresh(enrolment)
    assert enrolment.latest_score == 0 and enrolment.completed_at is None
    page = client.get(url).get_data(as_text=True)
    assert "0点" in page and "修了に合格は必要ありません" in page

    last = finish_lessons(client, version)
    assert "修了しました" in client.get(last.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.completed_at is not None and enrolment.completed_via is CompletedVia.ONLINE
    assert enrolment.quiz_passed_at is None and enrolment.best_score == 0
    assert progress.stored_figures(enrolment) == progress.recompute_progress(db.session, enrolment)

    # The certificate is issued and the supporter is counted, as for any completion.
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    assert certificate is not None and certificate.revoked_at is None
    report = statistics.national_report(db.session, statistics.Filters())
    assert report.audiences.get(Audience.ADULT) == 1 and report.in_period == 1


def test_self_check_stays_open_after_completion(app, client, tmp_path):
    version = publish_bundle(self_check_bundle(tmp_path))
    slug = version.course.slug
    enrolment = enrolled_client(client, version)
    finish_lessons(client, version)

    course_page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "確認テストで理解を確かめる（任意）" in course_page
    quiz_page = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    assert "すでに修了しています" in quiz_page and "テストをはじめる" in quiz_page
    assert "修了に合格は必要ありません" in quiz_page

    # Offered, scored and shown after completion; completion itself does not change.
    db.session.refresh(enrolment)
    completed_at = enrolment.completed_at
    url, token, csrf = start_quiz(client, slug)
    assert submit(client, url, token, csrf, wrong_answers(version)).status_code == 302
    url2, token2, csrf2 = start_quiz(client, slug)
    assert submit(client, url2, token2, csrf2, right_answers(version)).status_code == 302
    assert [(a.number, a.score, a.is_passed) for a in attempts(enrolment.id)] == [
        (1, 0, False),
        (2, 100, True),
    ]
    page = client.get(url2).get_data(as_text=True)
    assert "100点" in page and "合格です" in page
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.completed_at == completed_at and enrolment.best_score == 100
    assert enrolment.quiz_passed_at is not None
    assert progress.stored_figures(enrolment) == progress.recompute_progress(db.session, enrolment)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_pages_say_a_self_check_is_not_required(app, client, tmp_path):
    version = publish_bundle(self_check_bundle(tmp_path))
    slug = version.course.slug
    enrolled_client(client, version)

    course_page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "確認テスト（任意）" in course_page
    assert "確認テストは任意で、修了に必要ではありません" in course_page  # the progress box
    assert "修了に合格は必要ありません" in course_page
    assert "合格することが必要" not in course_page
    quiz_page = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    assert "修了に合格は必要ありません" in quiz_page and "テストをはじめる" in quiz_page


def test_default_quiz_stays_required(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    assert version.meta["completion"]["quiz"] == "required"
    assert version.is_quiz_required and not version.is_quiz_self_check
    slug = version.course.slug
    enrolment = enrolled_client(client, version)

    course_page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "修了には、レッスンを終えて確認テストに合格することが必要です" in course_page
    assert "任意" not in course_page and "修了に合格は必要ありません" not in course_page

    last = finish_lessons(client, version)
    assert last.headers["Location"].endswith(f"/courses/{slug}/quiz")
    db.session.refresh(enrolment)
    assert enrolment.completed_at is None
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, wrong_answers(version))
    db.session.refresh(enrolment)
    assert enrolment.completed_at is None
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, right_answers(version))
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert enrolment.completed_at is not None and enrolment.quiz_passed_at is not None
    # A required quiz is closed once the course is complete.
    response = post_form(client, f"/courses/{slug}/quiz/start", {}, token_from=f"/courses/{slug}/quiz")
    assert "すでに修了しています" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_versions_stored_before_the_mode_keep_the_quiz_required(app):
    version = publish_bundle(FIXTURES / "valid-adult")
    completion = dict(version.meta["completion"])
    completion.pop("quiz")
    version.meta = {**version.meta, "completion": completion}
    db.session.commit()

    assert version.is_quiz_required and not version.is_quiz_self_check
