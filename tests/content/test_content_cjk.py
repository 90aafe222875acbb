"""A line break between two Japanese characters is not shown as a space; between Latin words it is."""

from __future__ import annotations

import dataclasses

import pytest

from app.services.content import (
    Choice,
    QuizQuestion,
    SurveyQuestion,
    check_bundle,
    render_course_description,
    render_lesson,
    render_markdown,
    render_question,
    render_survey_question,
)
from app.services.content.cjk import is_wide
from tests.content.test_content_bundle import FIXTURES

SOURCE = "この講座の説明です。\nこの講座では、"
JOINED = "この講座の説明です。この講座では、"


def ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


@pytest.fixture(scope="module")
def bundle():
    result = check_bundle(FIXTURES / "valid-adult")
    assert result.ok
    return result.bundle


def test_the_reported_case_renders_without_a_space():
    html = render_markdown(SOURCE)
    assert JOINED in html and "です。\n" not in html and "です。 " not in html


def test_a_lesson_joins_japanese_lines(bundle):
    lesson = dataclasses.replace(bundle.lessons[0], body=f"{SOURCE}\n孤立について\n学びます。\n")
    html = render_lesson(lesson, bundle.course).html
    assert f"{JOINED}孤立について学びます。" in html


def test_quiz_and_survey_texts_join_japanese_lines(bundle):
    question = QuizQuestion(
        "q1", "single", SOURCE, [Choice("a", "声を\nかける"), Choice("b", "x")], "a", "説明の\n文です。"
    )
    rendered = render_question(question, bundle.course)
    assert rendered.text_html == JOINED
    assert rendered.choices_html["a"] == "声をかける"
    assert rendered.explanation_html == "説明の文です。"
    survey = SurveyQuestion("s1", "single", SOURCE, choices=["市区町村の\n広報", "学校"])
    rendered_survey = render_survey_question(survey, bundle.course)
    assert rendered_survey.text_html == JOINED and rendered_survey.choices_html[0] == "市区町村の広報"


def test_the_course_description_joins_japanese_lines(bundle):
    course = dataclasses.replace(bundle.course, description=SOURCE)
    assert JOINED in render_course_description(course)


def test_author_furigana_on_either_side_of_the_break():
    html = render_markdown("{孤独|こどく}\nを感じる\n{孤立|こりつ}")
    assert html == f"<p>{ruby('孤独', 'こどく')}を感じる{ruby('孤立', 'こりつ')}</p>\n"


def test_emphasis_and_links_next_to_the_break_do_not_keep_the_space():
    html = render_markdown("**大切です。**\n[相談先](https://www.mhlw.go.jp/)\nを見ます。")
    assert "<strong>大切です。</strong><a" in html and "</a>を見ます。" in html


def test_a_word_wrapped_across_lines_gets_automatic_furigana_as_one_word():
    html = render_markdown("まわりから\n孤\n立する", furigana_grade=4)
    assert html == f"<p>まわりから{ruby('孤立', 'こりつ')}する</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "Latin words\nkeep their space",
        "日本語の文\nEnglish",  # a Latin word on either side keeps the space
        "English\n日本語",
        "한국어는\n띄어 씁니다",  # Korean separates words with spaces
        "画像の前\n![図](images/sign.png)\nと後",
    ],
)
def test_breaks_next_to_other_text_stay_spaces(text):
    html = render_markdown(text)
    assert "\n" in html.removesuffix("</p>\n")


def test_wide_characters_are_kana_kanji_and_full_width_punctuation():
    assert all(is_wide(char) for char in "あア漢、。「」（）！ー・ｱ")
    assert not any(is_wide(char) for char in "a1.,!?한")
