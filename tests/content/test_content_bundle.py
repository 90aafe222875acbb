"""check_bundle: valid bundles parse, and each kind of mistake is reported where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.content import ContentError, check_bundle

FIXTURES = Path(__file__).parents[1] / "content_fixtures"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"

COURSE_YAML = """\
slug: test-adult
title: テスト講座
audience: adult
target_readers: [一般]
estimated_minutes: 30
description: |
  孤独・孤立について学ぶ、テスト用の講座です。
version: "2026.1"
completion:
  lessons: all
  quiz_pass_mark: 80
  attendance_replaces_lessons: true
certificate_template: adult
survey: true
"""

QUIZ_YAML = """\
shuffle: true
attempts_allowed: 0
pass_mark: 80
show_explanations: after_submit
questions:
  - id: q1
    kind: single
    text: 特別な資格は必要ですか。
    choices:
      - {id: a, text: 必要ない}
      - {id: b, text: 国家資格が必要}
    answer: a
  - id: q2
    kind: truefalse
    text: 孤独・孤立は特定の人だけの問題である。
    answer: false
"""

LESSON_1 = """\
---
id: hajimeni
title: はじめに
minutes: 10
---

最初の段落です。

![サインの例](images/sign.png)
"""


def make_bundle(tmp_path: Path, changes: dict[str, str | bytes | None], base: str = "valid-adult") -> Path:
    """Copy a valid fixture and apply changes: text or bytes replace a file, None deletes it."""
    root = tmp_path / "bundle"
    shutil.copytree(FIXTURES / base, root)
    for rel, content in changes.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def located(errors: list[ContentError]) -> list[tuple[str, int | None, int | None, str]]:
    return [(e.file, e.line, e.column, e.code) for e in errors]


# -- valid bundles --------------------------------------------------------------------------------


def test_valid_adult_bundle_parses_every_key():
    result = check_bundle(FIXTURES / "valid-adult")

    assert result.errors == []
    bundle = result.bundle
    assert bundle is not None
    course = bundle.course
    assert (course.slug, course.title, course.audience) == ("test-adult", "テスト講座", "adult")
    assert course.target_readers == ["一般"]
    assert course.estimated_minutes == 30
    assert course.description == "孤独・孤立について学ぶ、テスト用の講座です。\n"
    assert course.version == "2026.1"
    assert course.completion.lessons == ["hajimeni", "kizuku"]
    assert course.completion.lessons_all is True
    assert course.completion.quiz_pass_mark == 80
    assert course.completion.attendance_replaces_lessons is True
    assert (course.certificate_template, course.survey, course.furigana_grade) == ("adult", True, 0)

    first, second = bundle.lessons
    assert (first.id, first.title, first.minutes, first.number) == ("hajimeni", "はじめに", 10, 1)
    assert first.path == "lessons/01-hajimeni.md"
    assert first.body_line == 6
    assert first.body.startswith("\n最初の段落です。")
    assert first.has_reflection and first.has_local_support and first.video is None
    assert second.video is not None
    assert (second.video.src, second.video.captions, second.video.transcript) == (
        "media/kizuku.mp4",
        "media/kizuku.vtt",
        "media/kizuku.md",
    )
    assert second.video.transcript_text == "いつもと違うサインに気づきます。\n"

    quiz = bundle.quiz
    assert quiz is not None
    assert (quiz.shuffle, quiz.attempts_allowed, quiz.pass_mark) == (True, 0, 80)
    assert quiz.show_explanations == "after_submit"
    assert [(q.id, q.kind, q.answer) for q in quiz.questions] == [
        ("q1", "single", "a"),
        ("q2", "multiple", ["a", "c"]),
        ("q3", "truefalse", False),
    ]
    assert [c.id for c in quiz.questions[1].choices] == ["a", "b", "c"]
    assert quiz.questions[1].correct_choice_ids == {"a", "c"}
    assert quiz.questions[2].choices == []

    survey = bundle.survey
    assert survey is not None
    assert [(q.id, q.kind, q.required) for q in survey.questions] == [
        ("s1", "scale", True),
        ("s2", "single", True),
        ("s3", "text", False),
    ]
    assert len(survey.questions[0].labels) == 5
    assert survey.questions[1].choices == ["市区町村の広報", "学校", "その他"]

    assert sorted(bundle.files) == [
        "images/sign.png",
        "media/kizuku.md",
        "media/kizuku.mp4",
        "media/kizuku.vtt",
    ]
    assert bundle.files["images/sign.png"].startswith(b"\x89PNG")
    assert len(bundle.digest) == 64


def test_valid_children_bundle_gets_children_defaults():
    result = check_bundle(FIXTURES / "valid-children")

    assert result.errors == []
    course = result.bundle.course
    assert (course.certificate_template, course.furigana_grade, course.survey) == ("children", 4, False)
    assert course.target_readers == []
    assert course.completion.lessons == ["hanasu"]
    assert course.completion.lessons_all is False
    assert course.completion.attendance_replaces_lessons is False
    assert result.bundle.survey is None
    assert result.bundle.quiz.pass_mark == 100
    assert result.bundle.quiz.shuffle is True


def test_digest_changes_with_content(tmp_path):
    original = check_bundle(FIXTURES / "valid-adult").bundle.digest
    changed = check_bundle(make_bundle(tmp_path, {"media/kizuku.md": "ちがう文字起こし\n"}))

    assert changed.bundle.digest != original


def test_bom_is_tolerated(tmp_path):
    root = make_bundle(tmp_path, {"course.yaml": "\ufeff" + COURSE_YAML})

    assert check_bundle(root).errors == []


def test_missing_folder_is_reported(tmp_path):
    result = check_bundle(tmp_path / "nope")

    assert result.bundle is None
    assert located(result.errors) == [(".", None, None, "bundle.not_found")]


# -- one mistake at a time -------------------------------------------------------------------------

TWO_REFLECTIONS = (
    LESSON_1
    + """
```reflection
ひとつめの問い。
```

```reflection
ふたつめの問い。
```
"""
)

CASES = {
    "missing required key": (
        {"course.yaml": COURSE_YAML.replace("title: テスト講座\n", "")},
        [("course.yaml", 1, 1, "key.missing")],
    ),
    "unknown audience": (
        {"course.yaml": COURSE_YAML.replace("audience: adult", "audience: teens")},
        [("course.yaml", 3, 11, "course.audience_unknown")],
    ),
    "unknown key": (
        {"course.yaml": COURSE_YAML.replace("survey: true", "survey: true\nsurvei: true")},
        [("course.yaml", 15, 1, "key.unknown")],
    ),
    "duplicate key": (
        {"course.yaml": COURSE_YAML + "slug: other\n"},
        [("course.yaml", 15, 1, "key.duplicate")],
    ),
    "bad slug": (
        {"course.yaml": COURSE_YAML.replace("slug: test-adult", "slug: Test Adult")},
        [("course.yaml", 1, 7, "course.slug_format")],
    ),
    "duplicate lesson id": (
        {"lessons/02-kizuku.md": LESSON_1.replace("![サインの例](images/sign.png)", "本文")},
        [("lessons/02-kizuku.md", 2, 5, "lesson.id_duplicate")],
    ),
    "lesson id bad format": (
        {"lessons/01-hajimeni.md": LESSON_1.replace("id: hajimeni", "id: Hajime_Ni")},
        [("lessons/01-hajimeni.md", 2, 5, "lesson.id_format")],
    ),
    "lesson without front matter": (
        {"lessons/01-hajimeni.md": "# はじめに\n\n本文\n"},
        [("lessons/01-hajimeni.md", 1, 1, "lesson.front_matter_missing")],
    ),
    "lesson file name without number": (
        {"lessons/hajimeni.md": LESSON_1, "lessons/01-hajimeni.md": None},
        [("lessons/hajimeni.md", None, None, "lesson.file_name")],
    ),
    "minutes not a number": (
        {"lessons/01-hajimeni.md": LESSON_1.replace("minutes: 10", "minutes: ten")},
        [("lessons/01-hajimeni.md", 4, 10, "value.type")],
    ),
    "quiz question without correct answer": (
        {"quiz.yaml": QUIZ_YAML.replace("    answer: a\n", "")},
        [("quiz.yaml", 6, 5, "quiz.no_correct_answer")],
    ),
    "quiz answer not among the choices": (
        {"quiz.yaml": QUIZ_YAML.replace("answer: a", "answer: c")},
        [("quiz.yaml", 12, 13, "quiz.answer_not_a_choice")],
    ),
    "multiple answer not among the choices": (
        {
            "quiz.yaml": QUIZ_YAML.replace("kind: single", "kind: multiple").replace(
                "answer: a", "answer: [a, z]"
            )
        },
        [("quiz.yaml", 12, 17, "quiz.answer_not_a_choice")],
    ),
    "truefalse answer not boolean": (
        {"quiz.yaml": QUIZ_YAML.replace("answer: false", 'answer: "false"')},
        [("quiz.yaml", 16, 13, "quiz.truefalse_not_boolean")],
    ),
    "truefalse answer written as a mark": (
        {"quiz.yaml": QUIZ_YAML.replace("answer: false", "answer: ×")},
        [("quiz.yaml", 16, 13, "quiz.truefalse_not_boolean")],
    ),
    "duplicate question id": (
        {"quiz.yaml": QUIZ_YAML.replace("id: q2", "id: q1")},
        [("quiz.yaml", 13, 9, "quiz.question_id_duplicate")],
    ),
    "duplicate choice id": (
        {"quiz.yaml": QUIZ_YAML.replace("{id: b,", "{id: a,")},
        [("quiz.yaml", 11, 14, "quiz.choice_id_duplicate")],
    ),
    "unknown question kind": (
        {"quiz.yaml": QUIZ_YAML.replace("kind: truefalse", "kind: yesno")},
        [("quiz.yaml", 14, 11, "quiz.kind_unknown")],
    ),
    "course pass mark above 100": (
        {
            "course.yaml": COURSE_YAML.replace("quiz_pass_mark: 80", "quiz_pass_mark: 120"),
            "quiz.yaml": QUIZ_YAML.replace("pass_mark: 80\n", ""),
        },
        [("course.yaml", 11, 19, "completion.pass_mark_range")],
    ),
    "quiz pass mark below 0": (
        {"quiz.yaml": QUIZ_YAML.replace("pass_mark: 80", "pass_mark: -5")},
        [("quiz.yaml", 3, 12, "quiz.pass_mark_range")],
    ),
    "quiz pass mark differs from completion": (
        {"quiz.yaml": QUIZ_YAML.replace("pass_mark: 80", "pass_mark: 70")},
        [("quiz.yaml", 3, 12, "quiz.pass_mark_mismatch")],
    ),
    "completion names an unknown lesson": (
        {"course.yaml": COURSE_YAML.replace("lessons: all", "lessons: [hajimeni, nanika]")},
        [("course.yaml", 10, 23, "completion.lesson_unknown")],
    ),
    "missing image": (
        {"lessons/01-hajimeni.md": LESSON_1.replace("images/sign.png", "images/nai.png")},
        [("lessons/01-hajimeni.md", 9, 1, "markdown.image_missing")],
    ),
    "missing image later on a line": (
        {"lessons/01-hajimeni.md": LESSON_1 + "\n図: ![a](images/sign.png) と ![b](images/b.png)\n"},
        [("lessons/01-hajimeni.md", 11, 28, "markdown.image_missing")],
    ),
    "remote image": (
        {"lessons/01-hajimeni.md": LESSON_1.replace("images/sign.png", "https://example.com/a.png")},
        [("lessons/01-hajimeni.md", 9, 1, "markdown.image_remote")],
    ),
    "missing caption file": (
        {"media/kizuku.vtt": None},
        [("lessons/02-kizuku.md", 7, 13, "lesson.media_missing")],
    ),
    "video without captions": (
        {
            "lessons/02-kizuku.md": "---\nid: kizuku\ntitle: 気づく\nminutes: 15\nvideo:\n"
            "  src: media/kizuku.mp4\n---\n\n本文\n"
        },
        [("lessons/02-kizuku.md", 5, 1, "lesson.video_captions_required")],
    ),
    "invalid YAML": (
        {"course.yaml": COURSE_YAML.replace("  quiz_pass_mark: 80", " quiz_pass_mark: 80")},
        [("course.yaml", 11, 2, "yaml.invalid")],
    ),
    "invalid YAML in front matter": (
        {"lessons/01-hajimeni.md": LESSON_1.replace("title: はじめに", "title: [はじめに")},
        [("lessons/01-hajimeni.md", 4, 8, "yaml.invalid")],
    ),
    "not UTF-8": (
        {"course.yaml": COURSE_YAML.replace("title: テスト講座", "title: 講座").encode("shift_jis")},
        [("course.yaml", 2, 8, "file.not_utf8")],
    ),
    "empty lesson body": (
        {"lessons/01-hajimeni.md": "---\nid: hajimeni\ntitle: はじめに\nminutes: 10\n---\n\n  \n"},
        [("lessons/01-hajimeni.md", 5, None, "lesson.body_empty")],
    ),
    "two reflection blocks": (
        {"lessons/01-hajimeni.md": TWO_REFLECTIONS},
        [("lessons/01-hajimeni.md", 15, 1, "lesson.reflection_multiple")],
    ),
    "image inside a reflection prompt": (
        {"lessons/01-hajimeni.md": LESSON_1 + "\n```reflection\n問い\n![図](images/zu.png)\n```\n"},
        [("lessons/01-hajimeni.md", 13, 1, "markdown.image_missing")],
    ),
    "svg image": (
        {"images/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'},
        [("images/logo.svg", 1, 1, "svg.event_handler")],
    ),
    "html page": (
        {"lessons/extra.html": "<script>alert(1)</script>"},
        [("lessons/extra.html", None, None, "file.type_disallowed")],
    ),
    "script": (
        {"media/run.sh": "#!/bin/sh\nrm -rf /\n"},
        [("media/run.sh", None, None, "file.type_disallowed")],
    ),
    "file in an unexpected folder": (
        {"extra/notes.md": "メモ\n"},
        [("extra/notes.md", None, None, "file.unexpected_location")],
    ),
    "image whose bytes are not its extension": (
        {"images/sign.png": JPEG_BYTES},
        [("images/sign.png", None, None, "file.content_mismatch")],
    ),
    "captions that are not WebVTT": (
        {"media/kizuku.vtt": "1\n00:00:00,000 --> 00:00:02,000\nSRT です\n"},
        [("media/kizuku.vtt", 1, 1, "media.vtt_invalid")],
    ),
    "survey true without survey.yaml": (
        {"survey.yaml": None},
        [("course.yaml", 14, 1, "course.survey_missing")],
    ),
    "survey.yaml while survey is false": (
        {"course.yaml": COURSE_YAML.replace("survey: true", "survey: false")},
        [("survey.yaml", None, None, "course.survey_unused")],
    ),
    "scale with four labels": (
        {
            "survey.yaml": "questions:\n  - id: s1\n    kind: scale\n    text: どうでしたか。\n    labels: [a, b, c, d]\n"
        },
        [("survey.yaml", 5, 13, "survey.labels_count")],
    ),
    "unreadable lesson does not cascade": (
        {
            "course.yaml": COURSE_YAML.replace("lessons: all", "lessons: [hajimeni, kizuku]"),
            "lessons/02-kizuku.md": "---\nid: kizuku\n---\n\n\x82\xa0\n".encode("latin-1"),
        },
        [("lessons/02-kizuku.md", 5, 1, "file.not_utf8")],
    ),
    "two lessons with one number": (
        {"lessons/01-sonota.md": LESSON_1.replace("id: hajimeni", "id: sonota")},
        [("lessons/01-sonota.md", None, None, "lesson.number_duplicate")],
    ),
    "empty course.yaml": (
        {"course.yaml": "# まだ書いていません\n"},
        [("course.yaml", 1, None, "file.empty")],
    ),
    "truefalse with choices": (
        {
            "quiz.yaml": QUIZ_YAML.replace(
                "    answer: false", "    choices: [{id: a, text: はい}]\n    answer: false"
            )
        },
        [("quiz.yaml", 16, 5, "quiz.truefalse_choices")],
    ),
    "unknown survey kind": (
        {"survey.yaml": "questions:\n  - id: s1\n    kind: stars\n    text: どうでしたか。\n"},
        [("survey.yaml", 3, 11, "survey.kind_unknown")],
    ),
    "quiz without course pass mark": (
        {"course.yaml": COURSE_YAML.replace("  quiz_pass_mark: 80\n", "")},
        [("course.yaml", 9, 1, "completion.quiz_pass_mark_missing")],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_mistake_is_located(tmp_path, case):
    changes, expected = CASES[case]

    result = check_bundle(make_bundle(tmp_path, changes))

    assert located(result.errors) == expected
    assert result.bundle is None


def test_error_text_names_the_place_and_both_languages(tmp_path):
    root = make_bundle(tmp_path, {"course.yaml": COURSE_YAML.replace("audience: adult", "audience: teens")})

    (error,) = check_bundle(root).errors

    assert str(error) == f"course.yaml:3:11: {error.message_ja} / {error.message_en}"
    assert "teens" in error.message_ja and "adult" in error.message_ja
    assert "children" in error.message_en


def test_every_message_says_what_to_do(tmp_path):
    """Each message is bilingual and ends with an instruction, not only a diagnosis."""
    for case, (changes, _) in CASES.items():
        root = make_bundle(tmp_path / case.replace(" ", "-"), changes)
        for error in check_bundle(root).errors:
            # Japanese: a polite instruction; English: a diagnosis followed by an instruction.
            assert "ください" in error.message_ja, (case, error.message_ja)
            assert ". " in error.message_en.rstrip(". "), (case, error.message_en)


def test_many_errors_are_all_reported(tmp_path):
    root = make_bundle(
        tmp_path,
        {
            "course.yaml": COURSE_YAML.replace("audience: adult", "audience: teens").replace(
                "lessons: all", "lessons: [nanika]"
            ),
            "lessons/01-hajimeni.md": LESSON_1.replace("images/sign.png", "images/nai.png"),
            "lessons/02-kizuku.md": LESSON_1.replace("![サインの例](images/sign.png)", "本文"),
            "quiz.yaml": QUIZ_YAML.replace("answer: a", "answer: c").replace(
                "answer: false", "answer: maybe"
            ),
            "survey.yaml": None,
            "images/evil.svg": "<svg/>",
        },
    )

    result = check_bundle(root)

    assert located(result.errors) == [
        ("course.yaml", 3, 11, "course.audience_unknown"),
        ("course.yaml", 10, 13, "completion.lesson_unknown"),
        ("course.yaml", 14, 1, "course.survey_missing"),
        ("images/evil.svg", 1, 1, "svg.not_svg"),
        ("lessons/01-hajimeni.md", 9, 1, "markdown.image_missing"),
        ("lessons/02-kizuku.md", 2, 5, "lesson.id_duplicate"),
        ("quiz.yaml", 12, 13, "quiz.answer_not_a_choice"),
        ("quiz.yaml", 16, 13, "quiz.truefalse_not_boolean"),
    ]


def test_symlinks_are_refused(tmp_path):
    root = make_bundle(tmp_path, {})
    (root / "images" / "link.png").symlink_to("/etc/passwd")

    result = check_bundle(root)

    assert located(result.errors) == [("images/link.png", None, None, "file.symlink")]


def test_hidden_files_and_os_litter_are_ignored(tmp_path):
    root = make_bundle(tmp_path, {".DS_Store": b"\x00\x01", "images/.gitkeep": "", "Thumbs.db": b"x"})

    result = check_bundle(root)

    assert result.errors == []
    assert "images/.gitkeep" not in result.bundle.files
