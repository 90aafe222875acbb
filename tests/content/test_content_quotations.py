"""The quotation rule of `flask content check`: 「…」 credited to a law or a ministry must be in the
bundle's quotes.md word for word; everything else about the bundle is unaffected (warnings only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.content import check_bundle
from app.services.content.bundle import check_quotations, declared_quotes

DEFAULTS = Path(__file__).resolve().parents[2] / "content" / "courses"

LAW_ART2 = "孤独・孤立の状態は人生のあらゆる段階において何人にも生じ得るものであり、"
NOTE = f"""\
# 引用

## 孤独・孤立対策推進法 第2条
> {LAW_ART2}

## 内閣府 つながりサポーターのページ
> 孤独・孤立の問題について知識を身につけ、
> 身の回りの人に関心をもち、できる範囲で困っている人をサポートする

## 引用ではない「」
- 「あなたはひとりじゃない」
"""


def lesson(body: str) -> str:
    return f"---\nid: l1\ntitle: テスト\nminutes: 5\n---\n\n{body}"


def warnings_for(body: str, note: str | None = NOTE) -> list:
    texts = {"lessons/01-l1.md": lesson(body)}
    if note is not None:
        texts["quotes.md"] = note
    return check_quotations(texts)


def test_a_paraphrase_credited_to_the_law_is_reported_with_file_line_and_column():
    # The sentence lesson 1 of the adult course used to have.
    found = warnings_for(
        "はじめの段落です。\n\n"
        "2024年4月に施行された法律も、「孤独・孤立は人生のどの段階でも、だれにでも起こりうる」\n"
        "という考え方に立っています。\n"
    )
    assert len(found) == 1
    warning = found[0]
    assert (warning.file, warning.line, warning.column, warning.code) == (
        "lessons/01-l1.md", 9, 18, "quote.not_declared"
    )
    assert "quotes.md" in warning.message_ja and "「法」" in warning.message_ja
    assert str(warning).startswith("lessons/01-l1.md:9:18: ")


def test_the_exact_words_or_an_exact_part_of_them_pass():
    assert warnings_for("法律は、「孤独・孤立の状態は人生のあらゆる段階において何人にも生じ得るもの」としています。\n") == []
    # Author furigana and spacing do not count; a quotation written over two '>' lines is one.
    assert warnings_for("法律は「人生のあらゆる段階において{何人|なんぴと}にも生じ得る」とします。\n") == []
    assert warnings_for("内閣府は「身の回りの人に関心をもち、 できる範囲で困っている人をサポートする」人とします。\n") == []


def test_one_changed_character_is_reported():
    assert len(warnings_for("法律は「人生のあらゆる段階において何人にも生じうる」とします。\n")) == 1


def test_an_ellipsis_may_leave_words_out_but_not_change_their_order():
    assert warnings_for("法律は「孤独・孤立の状態は…何人にも生じ得るもの」とします。\n") == []
    assert len(warnings_for("法律は「何人にも生じ得るもの…孤独・孤立の状態は」とします。\n")) == 1


@pytest.mark.parametrize("credit", ["法律", "推進法", "厚生労働省", "内閣府", "法務省", "こども家庭庁"])
def test_each_credit_word_makes_a_span_a_quotation(credit):
    assert len(warnings_for(f"{credit}は「だれにでも起こる」と言っています。\n")) == 1


def test_spans_without_a_credit_nearby_are_not_quotations():
    assert warnings_for("「おはよう」と声をかけましょう。話を聴く方法を学びます。\n") == []
    far = "あ" * 60
    assert warnings_for(f"法律のはなし。{far}「だれにでも起こる」\n") == []


def test_a_credit_in_the_next_paragraph_or_past_a_heading_is_not_nearby():
    assert warnings_for("「あなたのことを気にかけています」と伝えます。\n\n内閣府も、声がけを挙げています。\n") == []
    assert warnings_for("内閣府のこと\n\n## 声をかける\n\n「おはよう」と言います。\n") == []


def test_a_quotation_on_the_line_after_its_credit_is_checked():
    body = "内閣府は、次のような人だとしています。\n\n> 「困っている人を必ず助ける人」\n"
    assert len(warnings_for(body)) == 1


def test_names_listed_as_not_quotations_pass():
    assert warnings_for("内閣府の「あなたはひとりじゃない」というサイトです。\n") == []
    assert len(warnings_for("内閣府の「あなたはひとりぼっちじゃない」というサイトです。\n")) == 1


def test_without_quotes_md_every_credited_span_is_reported():
    assert len(warnings_for("内閣府の「あなたはひとりじゃない」というサイトです。\n", note=None)) == 1


def test_the_sources_section_and_author_notes_are_not_course_text():
    body = "本文です。\n\n## 出典\n\n- 内閣府「人々のつながりに関する基礎調査（令和6年）」\n"
    assert warnings_for(body) == []
    assert check_quotations({"README.md": "内閣府は「なんでも」と言った。"}) == []


def test_quiz_and_course_yaml_are_checked_too():
    found = check_quotations({"quiz.yaml": "questions:\n  - id: q1\n    explanation: 法律は「だれでも」と言う。\n"})
    assert [(w.file, w.line) for w in found] == [("quiz.yaml", 3)]


def test_declared_quotes_reads_quotations_and_names():
    quotes, names = declared_quotes(NOTE)
    assert quotes[0] == LAW_ART2
    assert quotes[1].startswith("孤独・孤立の問題について知識を身につけ、身の回りの人に")
    assert names == {"あなたはひとりじゃない"}


@pytest.fixture()
def adult_copy(tmp_path):
    target = tmp_path / "adult"
    shutil.copytree(DEFAULTS / "tsunagari-adult", target)
    return target


def test_warnings_do_not_stop_a_bundle_and_the_cli_prints_them(app, adult_copy):
    first = adult_copy / "lessons" / "01-kodoku-koritsu.md"
    text = first.read_text(encoding="utf-8")
    start = text.index("「孤独・孤立の状態は人生のあらゆる段階")
    first.write_text(text.replace("生じ得るもの」", "生じうるもの」", 1), encoding="utf-8")
    line = text.count("\n", 0, start) + 1

    result = check_bundle(adult_copy)
    assert result.ok and result.bundle is not None
    assert [(w.file, w.line, w.code) for w in result.warnings] == [
        ("lessons/01-kodoku-koritsu.md", line, "quote.not_declared")
    ]

    out = app.test_cli_runner().invoke(args=["content", "check", str(adult_copy)])
    assert out.exit_code == 0, out.output
    assert f"warning: lessons/01-kodoku-koritsu.md:{line}:" in out.stderr
    assert "1 warning(s)" in out.output


@pytest.mark.parametrize("slug", ["tsunagari-adult", "tsunagari-children"])
def test_the_default_courses_quote_exactly(slug):
    result = check_bundle(DEFAULTS / slug)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == []
