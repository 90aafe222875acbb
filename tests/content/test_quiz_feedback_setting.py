"""quiz.yaml feedback: read, defaulted, and a wrong value reported at its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.content import check_bundle
from tests.content.test_content_bundle import QUIZ_YAML, located, make_bundle


def _quiz(tmp_path: Path, text: str):
    return check_bundle(make_bundle(tmp_path, {"quiz.yaml": text}))


@pytest.mark.parametrize("value", ["after_pass", "wrong_only", "none", "after_submit"])
def test_each_feedback_value_is_read(tmp_path, value):
    result = _quiz(tmp_path, f"feedback: {value}\n" + QUIZ_YAML)
    assert result.errors == []
    assert result.bundle.quiz.feedback == value


def test_without_feedback_right_answers_wait_for_a_pass(tmp_path):
    text = QUIZ_YAML.replace("show_explanations: after_submit\n", "")
    result = _quiz(tmp_path, text)
    assert result.errors == [] and result.bundle.quiz.feedback == "after_pass"


def test_an_author_who_wrote_show_explanations_after_submit_keeps_it(tmp_path):
    result = _quiz(tmp_path, QUIZ_YAML)
    assert result.errors == [] and result.bundle.quiz.feedback == "after_submit"


@pytest.mark.parametrize("value", ["always", "'after_pass\\u202e'", "'none\\0'", "9" * 40])
def test_an_unknown_feedback_is_reported_with_its_line(tmp_path, value):
    result = _quiz(tmp_path, QUIZ_YAML.replace("pass_mark: 80\n", f"pass_mark: 80\nfeedback: {value}\n"))
    assert ("quiz.yaml", 4, 11, "quiz.feedback_unknown") in located(result.errors)
    error = next(e for e in result.errors if e.code == "quiz.feedback_unknown")
    assert "after_pass" in error.message_ja and "wrong_only" in error.message_en


def test_an_empty_feedback_is_an_error_not_a_default(tmp_path):
    result = _quiz(tmp_path, "feedback:\n" + QUIZ_YAML)
    assert result.errors and result.errors[0].line == 1
