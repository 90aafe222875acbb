"""Situations (こんなとき、どうする？): checked with file:line, rendered as <details> without script."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from app.services.content import check_bundle, render_lesson
from app.services.content.furigana import is_kanji, known_kanji
from tests.content.test_content_bundle import make_bundle

DEFAULTS = Path(__file__).parents[2] / "content" / "courses"

SITUATION = """\
```situation
scene: |
  近所のCさんが、{集|あつ}まりに来なくなりました。
question: あなたなら、どうしますか。
choices:
  - text: あいさつを続ける
    feedback: よい一歩です。
  - text: 理由を問いつめる
    feedback: |
      心配な気持ちは大切です。
      でも、問いつめられると話しにくくなります。
```
"""


def lesson_with(block: str) -> str:
    # The fence opens on line 9 of the file.
    return f"---\nid: hajimeni\ntitle: はじめに\nminutes: 10\n---\n\n最初の段落です。\n\n{block}"


@pytest.fixture(scope="module")
def bundle():
    result = check_bundle(Path(__file__).parents[1] / "content_fixtures" / "valid-adult")
    return result.bundle


def render(bundle, block: str) -> str:
    lesson = dataclasses.replace(bundle.lessons[0], body=lesson_with(block).split("---\n", 2)[2])
    return render_lesson(lesson, bundle.course).html


def test_a_situation_renders_as_details_without_script(bundle):
    html = render(bundle, SITUATION)
    section = re.search(r'<section class="situation">.*?</section>', html, re.S).group(0)
    assert "<h2>こんなとき、どうする？</h2>" in section
    assert '<div class="situation-scene"><p>近所のCさんが、<ruby>集<rp>' in section
    assert '<p class="situation-question"><strong>あなたなら、どうしますか。</strong></p>' in section
    choices = re.search(r'<ol class="situation-choices">(.*?)</ol>', section, re.S).group(1)
    assert choices.count("<details><summary>") == 2 and "<summary>あいさつを続ける</summary>" in choices
    assert '<div class="situation-feedback"><p>心配な気持ちは大切です。でも、' in choices
    # The print copy holds every choice with its feedback, for paper (closed <details> do not print).
    printed = re.search(r'<div class="situation-print">(.*?)</div>', section, re.S).group(1)
    assert "<strong>理由を問いつめる</strong>" in printed and "よい一歩です。" in printed
    assert "<script" not in section and "onclick" not in section and " open" not in section


def test_an_author_title_replaces_the_default(bundle):
    html = render(bundle, SITUATION.replace("```situation\n", "```situation\ntitle: 職場で\n"))
    assert "<h2>職場で</h2>" in html


def _errors(tmp_path, block: str) -> list[tuple[int | None, str]]:
    root = make_bundle(tmp_path, {"lessons/01-hajimeni.md": lesson_with(block)})
    result = check_bundle(root)
    assert not result.ok
    return [(e.line, e.code) for e in result.errors if e.file == "lessons/01-hajimeni.md"]


FIVE_CHOICES = "".join(f"  - text: 選択{n}\n    feedback: ことば{n}\n" for n in range(5))


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (SITUATION.replace("question: あなたなら、どうしますか。\n", ""), (10, "key.missing")),
        (
            SITUATION.split("choices:\n")[0] + "choices:\n" + FIVE_CHOICES + "```\n",
            (14, "situation.choices_count"),
        ),
        (
            SITUATION.split("  - text: 理由")[0] + "```\n",
            (14, "situation.choices_count"),
        ),
        (SITUATION.replace("feedback: よい一歩です。", 'feedback: ""'), (15, "situation.feedback_empty")),
        (SITUATION.replace("    feedback: よい一歩です。\n", ""), (14, "key.missing")),
        (SITUATION.replace("question:", "qestion:"), (12, "key.unknown")),
        (
            SITUATION.replace("scene: |\n  近所のCさんが、{集|あつ}まりに来なくなりました。", "scene: '  '"),
            (10, "situation.text_empty"),
        ),
        ("```situation\n```\n", (9, "situation.empty")),
        ("```situation\nscene: [a\n```\n", (11, "yaml.invalid")),
        (
            SITUATION.replace("よい一歩です。", "よい一歩です。![絵](images/nai.png)"),
            (9, "markdown.image_missing"),
        ),
    ],
    ids=[
        "no question",
        "five choices",
        "one choice",
        "empty feedback",
        "no feedback",
        "unknown key",
        "empty scene",
        "empty block",
        "broken yaml",
        "missing image",
    ],
)
def test_each_mistake_is_located(tmp_path, block, expected):
    assert expected in _errors(tmp_path, block)


def situations(course: str) -> dict[str, list[str]]:
    bundle = check_bundle(DEFAULTS / course).bundle
    found = {}
    for lesson in bundle.lessons:
        html = render_lesson(lesson, bundle.course).html
        found[lesson.id] = re.findall(r'<section class="situation">.*?</section>', html, re.S)
    return found


@pytest.mark.parametrize("course", ["tsunagari-adult", "tsunagari-children"])
def test_every_default_lesson_has_a_situation(course):
    found = situations(course)
    assert found and all(found.values()), {lesson: len(sections) for lesson, sections in found.items()}
    for sections in found.values():
        for section in sections:
            # No phone numbers in situations: the lessons give the checked lines and their hours.
            assert not re.search(r"\d{2,4}-\d{2,4}-\d{3,5}", section)


def test_childrens_situations_have_furigana_on_every_kanji_above_grade_4():
    known = known_kanji(4)
    for lesson, sections in situations("tsunagari-children").items():
        for section in sections:
            bare = re.sub(r"<[^>]+>", "", re.sub(r"<ruby>.*?</ruby>", "", section))
            assert [char for char in bare if is_kanji(char) and char not in known] == [], lesson
