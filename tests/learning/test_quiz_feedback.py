"""A failed attempt's page under each quiz.yaml feedback setting: the right answers never leak early."""

from __future__ import annotations

from app.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import (
    bundle_copy,
    publish_bundle,
    right_answers,
    start_quiz,
    submit,
    wrong_answers,
)

EXPLANATION = "誰でも受講できます。"
RIGHT_MARK = "（正しい答え）"


def _fail_once(app, client, tmp_path, settings: str, email: str = "f@example.jp", quiz: dict | None = None):
    path = bundle_copy(tmp_path, quiz=quiz, replace={"quiz.yaml": ("show_explanations: after_submit", settings)})
    version = publish_bundle(path)
    slug = version.course.slug
    make_trainee(email=email)
    db.session.commit()
    login(client, email, PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    url, token, csrf = start_quiz(client, slug)
    assert submit(client, url, token, csrf, wrong_answers(version)).status_code == 302
    return version, slug, url, client.get(url).get_data(as_text=True)


def test_after_pass_shows_what_was_wrong_and_hides_the_right_answers(app, client, tmp_path):
    version, slug, url, page = _fail_once(app, client, tmp_path, "feedback: after_pass")
    assert "不正解" in page and "あなたの答え" in page
    assert RIGHT_MARK not in page and EXPLANATION not in page
    url2, token, csrf = start_quiz(client, slug)
    submit(client, url2, token, csrf, right_answers(version))
    assert RIGHT_MARK in client.get(url2).get_data(as_text=True)
    assert EXPLANATION in client.get(url).get_data(as_text=True)  # the failed attempt too, once passed


def test_wrong_only_never_reveals_the_right_answers(app, client, tmp_path):
    version, slug, url, page = _fail_once(app, client, tmp_path, "feedback: wrong_only")
    assert "不正解" in page and RIGHT_MARK not in page and EXPLANATION not in page
    url2, token, csrf = start_quiz(client, slug)
    submit(client, url2, token, csrf, right_answers(version))
    assert RIGHT_MARK not in client.get(url).get_data(as_text=True)


def test_none_shows_the_score_only(app, client, tmp_path):
    _, _, _, page = _fail_once(app, client, tmp_path, "feedback: none")
    assert "0点" in page and "点数だけ" in page
    assert "不正解" not in page and "あなたの答え" not in page and RIGHT_MARK not in page


def test_after_pass_reveals_when_no_attempt_is_left(app, client, tmp_path):
    _, _, _, page = _fail_once(app, client, tmp_path, "feedback: after_pass", quiz={"attempts_allowed": 1})
    assert "不正解" in page and RIGHT_MARK in page and EXPLANATION in page


def test_after_submit_keeps_the_old_behaviour(app, client, tmp_path):
    _, _, _, page = _fail_once(app, client, tmp_path, "show_explanations: after_submit")
    assert RIGHT_MARK in page and EXPLANATION in page


def test_a_stranger_cannot_read_the_attempt(app, client, tmp_path):
    _, _, url, _ = _fail_once(app, client, tmp_path, "feedback: wrong_only")
    make_trainee(email="other@example.jp")
    db.session.commit()
    stranger = app.test_client()
    login(stranger, "other@example.jp", PASSWORD)
    assert stranger.get(url).status_code == 404
