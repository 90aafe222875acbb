"""The whole adult path through the app: enrol, lessons, reflection, quiz, completion, survey."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import CompletedVia, Enrolment, LessonProgress, Reflection, SurveyResponse, TextSize, User
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import (
    FIXTURES,
    attempts,
    publish_bundle,
    right_answers,
    start_quiz,
    submit,
    wrong_answers,
)

PRIVATE_NOTE = "この回答はあなただけが見られます。講座の担当者や管理者は読めません。"


def _enrolment(user_id: int) -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user_id))


def test_whole_adult_path(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    trainee = make_trainee(email="taro@example.jp")
    db.session.commit()
    login(client, "taro@example.jp", PASSWORD)

    # Catalogue and course page.
    assert "テスト講座" in client.get("/courses?audience=adult").get_data(as_text=True)
    assert "テスト講座" not in client.get("/courses?audience=children").get_data(as_text=True)
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "受講をはじめる" in page and "目安の時間 30分" in page

    # Enrol: straight into the first lesson.
    response = post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    assert response.headers["Location"].endswith(f"/courses/{slug}/lessons/hajimeni")
    lesson = client.get(f"/courses/{slug}/lessons/hajimeni").get_data(as_text=True)
    assert PRIVATE_NOTE in lesson
    assert "完了 0 / 2 レッスン（0%）" in lesson and "のこり 約25分" in lesson
    # The reflection form sits inside the lesson's 個人ワーク section, where the author put it.
    section = lesson.split('<section class="reflection"', 1)[1].split("</section>", 1)[0]
    assert 'name="text"' in section and "reflection-form" not in section.split("<form", 1)[0][-40:]
    # Local support: the trainee's municipality and its official site (from the database).
    assert "奈良県生駒市" in lesson and "https://www.city.ikoma.lg.jp" in lesson
    assert 'class="local-support"></div>' not in lesson
    assert "このレッスンを完了" in lesson

    # Reflection: saved, edited, deleted, saved again.
    url = f"/courses/{slug}/lessons/hajimeni/reflection"
    token_page = f"/courses/{slug}/lessons/hajimeni"
    assert post_form(client, url, {"text": "最初の答え"}, token_from=token_page).status_code == 302
    assert "最初の答え" in client.get(token_page).get_data(as_text=True)
    post_form(client, url, {"text": "書き直した答え"}, token_from=token_page)
    rows = list(db.session.scalars(sa.select(Reflection)))
    assert [r.text for r in rows] == ["書き直した答え"]
    post_form(client, url + "/delete", {}, token_from=token_page)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 0
    post_form(client, url, {"text": "残しておく答え"}, token_from=token_page)

    # Every lesson, with the explicit 完了 button; the second has a captioned video.
    response = post_form(client, f"/courses/{slug}/lessons/hajimeni/complete", {}, token_from=token_page)
    assert response.headers["Location"].endswith("/lessons/kizuku")
    video_page = client.get(f"/courses/{slug}/lessons/kizuku").get_data(as_text=True)
    assert '<track kind="captions"' in video_page and "文字起こし" in video_page
    assert "完了 1 / 2 レッスン（50%）" in video_page
    post_form(client, f"/courses/{slug}/lessons/kizuku/complete", {}, token_from=f"/courses/{slug}/lessons/kizuku")
    # Completing twice changes nothing.
    post_form(client, f"/courses/{slug}/lessons/kizuku/complete", {}, token_from=f"/courses/{slug}/lessons/kizuku")
    enrolment = _enrolment(trainee.id)
    assert (enrolment.lessons_done, enrolment.lessons_required, enrolment.completed_at) == (2, 2, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonProgress)) == 2

    # The quiz: fail first...
    url, token, csrf = start_quiz(client, slug)
    response = submit(client, url, token, csrf, wrong_answers(version))
    assert response.status_code == 302
    result = client.get(url).get_data(as_text=True)
    assert "0点" in result and "合格点（80点）に届きませんでした" in result
    assert "誰でも受講できます。" in result  # explanations after submitting, as the course sets
    enrolment = _enrolment(trainee.id)
    assert (enrolment.best_score, enrolment.latest_score, enrolment.completed_at) == (0, 0, None)

    # ...then pass: the enrolment completes in the same request, citing the version.
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, right_answers(version))
    assert "合格です" in client.get(url).get_data(as_text=True)
    enrolment = _enrolment(trainee.id)
    assert (enrolment.best_score, enrolment.latest_score) == (100, 100)
    assert enrolment.completed_at is not None and enrolment.quiz_passed_at == enrolment.completed_at
    assert enrolment.completed_version_id == version.id and enrolment.completed_via is CompletedVia.ONLINE
    assert [a.number for a in attempts(enrolment.id)] == [1, 2]
    assert "この講座を修了しました" in client.get(f"/courses/{slug}").get_data(as_text=True)
    my_page = client.get("/my").get_data(as_text=True)
    assert "修了した講座" in my_page and "テスト講座" in my_page and 'id="certificates"' in my_page

    # The survey, once; the answers carry no identity.
    survey = f"/courses/{slug}/survey"
    assert "アンケート" in client.get(survey).get_data(as_text=True)
    response = post_form(client, survey, {"s-s1": "5", "s-s2": "2", "s-s3": "とても良かった"})
    assert response.status_code == 302
    response = post_form(client, f"/courses/{slug}/survey", {"s-s1": "1", "s-s2": "1"},
                         token_from=f"/courses/{slug}")
    assert response.status_code == 302
    db.session.expire_all()
    stored = list(db.session.scalars(sa.select(SurveyResponse)))
    assert len(stored) == 1 and stored[0].answers == {"s1": 5, "s2": 2, "s3": "とても良かった"}
    assert not {"user_id", "enrolment_id"} & set(SurveyResponse.__table__.columns.keys())
    assert _enrolment(trainee.id).survey_done_at is not None


def test_survey_needs_required_answers_and_keeps_the_others(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    make_trainee(email="s@example.jp")
    db.session.commit()
    login(client, "s@example.jp", PASSWORD)
    # Not completed yet: the survey is not open.
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    assert client.get(f"/courses/{slug}/survey").status_code == 302
    for key in ("hajimeni", "kizuku"):
        post_form(client, f"/courses/{slug}/lessons/{key}/complete", {}, token_from=f"/courses/{slug}")
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, right_answers(version))
    response = post_form(client, f"/courses/{slug}/survey", {"s-s1": "4", "s-s3": "感想"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "この質問に答えてください" in page
    assert 'value="4" checked' in page and "感想" in page
    response = post_form(client, f"/courses/{slug}/survey", {"s-s1": "9", "s-s2": "1"})
    assert response.status_code == 200 and "正しくありません" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 0


def test_preferences_are_remembered_and_shown(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee(email="p@example.jp")
    db.session.commit()
    login(client, "p@example.jp", PASSWORD)
    post_form(client, f"/courses/{version.course.slug}/enrol", {}, token_from=f"/courses/{version.course.slug}")
    lesson_url = f"/courses/{version.course.slug}/lessons/hajimeni"
    response = post_form(client, "/my/preferences", {"text_size": "xlarge", "next": lesson_url}, token_from="/my")
    assert response.headers["Location"].endswith(lesson_url)
    page = client.get(lesson_url).get_data(as_text=True)
    assert "text-xlarge" in page and "furigana-off" in page and "<ruby>" in page
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.text_size is TextSize.XLARGE and user.is_furigana_on is False
    # Only same-site paths are followed afterwards.
    response = post_form(client, "/my/preferences", {"text_size": "normal", "furigana": "y",
                                                      "next": "https://evil.example/"}, token_from="/my")
    assert response.headers["Location"].endswith("/my")
