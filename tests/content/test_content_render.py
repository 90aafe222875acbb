"""Rendering: safe HTML whatever the input, reflection/local-support blocks, furigana."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from app.services.content import (
    check_bundle,
    render_bundle,
    render_inline,
    render_lesson,
    render_markdown,
    render_question,
)
from app.services.content.furigana import align, annotate_word
from app.services.content.render import render_transcript, sanitize

FIXTURES = Path(__file__).parents[1] / "content_fixtures"

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "img", "blockquote", "code",
    "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "ruby", "rt", "rp",
    "section", "div",
}  # fmt: skip


def ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_safe(html: str) -> None:
    """No tag outside the allow-list, no event handler or style, no dangerous URL."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            assert name != "style", html
            if name in ("href", "src"):
                # What a browser would see after entity decoding (done by the parser), URL
                # decoding and dropping invisible characters.
                seen = "".join(ch for ch in unquote(value or "") if ord(ch) > 0x20).lower()
                assert not seen.startswith(("javascript:", "data:", "vbscript:")), (value, html)
        allowed = {
            "a": {"href", "title", "rel"},
            "img": {"src", "alt", "loading"},
            "section": {"class", "data-reflection"},
            "div": {"class"},
            "ol": {"start"},
        }.get(tag, set())
        assert set(attrs) <= allowed, (tag, attrs)
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="images/a.png" onload="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;vascript:alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](<java\tscript:alert(1)>)",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{display:none}</style>",
    '<div class="reflection-form" onclick="alert(1)">x</div>',
    '<ruby onclick="alert(1)">漢<rt onmouseover="alert(1)">かん</rt></ruby>',
    "{<img src=x onerror=alert(1)>|かんじ}",
    '{漢字|"><script>alert(1)</script>}',
    '{漢字|<rt onclick="alert(1)">}',
    '[x](https://example.com "t\\" onmouseover=\\"alert(1)")',
    '![x" onerror="alert(1)](images/a.png)',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<object data="https://evil.example/x.swf"></object>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "<!-- --><script>alert(1)</script>",
    "```reflection\n<script>alert(1)</script>\n[x](javascript:alert(1))\n```",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "```html\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize("grade", [0, 4])
def test_xss_payloads_render_harmless(payload, grade):
    assert_safe(render_markdown(payload, furigana_grade=grade))
    assert_safe(render_markdown(payload, furigana_grade=grade, inline=True))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitizer_alone_neutralises_raw_payloads(payload):
    """Second line of defence: even HTML that bypassed Markdown escaping is cleaned."""
    assert_safe(sanitize(payload))


def test_xss_payload_count():
    assert len(XSS_PAYLOADS) >= 20


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>太字</b>") == "<p>&lt;b&gt;太字&lt;/b&gt;</p>\n"


def test_sanitizer_drops_what_the_allow_list_does_not_name():
    html = sanitize(
        '<section class="reflection evil" data-reflection="2" id="x"><div class="local-support x">'
        '</div><img src="a.png" loading="eager" width="1"><a href="https://a.example" target="_blank">'
        "a</a></section>"
    )

    assert html == (
        '<section class="reflection"><div class="local-support"></div><img src="a.png">'
        '<a href="https://a.example" rel="noopener noreferrer">a</a></section>'
    )


def test_allowed_links_are_kept():
    html = render_markdown("[a](https://example.com/x?y=1) [m](mailto:a@example.com) [t](tel:0120000000)")

    assert [attrs["href"] for tag, attrs in elements(html) if tag == "a"] == [
        "https://example.com/x?y=1",
        "mailto:a@example.com",
        "tel:0120000000",
    ]


# -- blocks, images, headings --------------------------------------------------------------------


def test_reflection_and_local_support_blocks():
    html = render_markdown("本文\n\n```reflection\nどう**思い**ますか。\n```\n\n```local-support\n```\n")

    assert html == (
        "<p>本文</p>\n"
        '<section class="reflection" data-reflection="1">\n'
        "<p>どう<strong>思い</strong>ますか。</p>\n"
        '<div class="reflection-form"></div>\n'
        "</section>\n"
        '<div class="local-support"></div>\n'
    )


def test_render_lesson_reports_its_parts():
    bundle = check_bundle(FIXTURES / "valid-adult").bundle
    first, second = bundle.lessons

    rendered = render_lesson(first, bundle.course, asset_url=lambda path: f"/v/7/{path}")

    assert (
        rendered.reflection_prompt_html == "<p>あなたの身近に、最近元気がないように見える人はいますか。</p>\n"
    )
    assert rendered.has_local_support is True
    assert '<img src="/v/7/images/sign.png" alt="サインの例" loading="lazy">' in rendered.html
    assert '<div class="reflection-form"></div>' in rendered.html
    assert rendered.transcript_html is None
    other = render_lesson(second, bundle.course)
    assert (other.reflection_prompt_html, other.has_local_support) == (None, False)
    assert other.transcript_html == "<p>いつもと違うサインに気づきます。</p>\n"


def test_images_keep_their_relative_path_without_asset_url():
    assert render_markdown("![図](images/a%20b.png)", inline=True) == (
        '<img src="images/a%20b.png" alt="図" loading="lazy">'
    )
    assert render_markdown("![図](images/a%20b.png)", inline=True, asset_url=lambda p: "/x/" + p) == (
        '<img src="/x/images/a b.png" alt="図" loading="lazy">'
    )


def test_headings_start_at_h2_and_stop_at_h4():
    assert render_markdown("# A\n\n###### B") == "<h2>A</h2>\n<h4>B</h4>\n"


def test_tables_render():
    html = render_markdown("| 項目 | 内容 |\n|---|---|\n| 孤独 | 感じる |\n")

    assert [tag for tag, _ in elements(html)] == [
        "table",
        "thead",
        "tr",
        "th",
        "th",
        "tbody",
        "tr",
        "td",
        "td",
    ]


def test_transcript_plain_text_is_escaped():
    assert render_transcript("一行目\n<b>二行目</b>\n\n次の段落", is_markdown=False) == (
        "<p>一行目<br>&lt;b&gt;二行目&lt;/b&gt;</p>\n<p>次の段落</p>\n"
    )


def test_question_texts_render_inline_with_furigana():
    bundle = check_bundle(FIXTURES / "valid-children").bundle

    rendered = render_question(bundle.quiz.questions[0], bundle.course)

    assert rendered.text_html == ruby("孤独", "こどく") + "はだれにでも起こる。"
    assert rendered.choices_html == {}
    assert render_inline("**孤独**", bundle.course) == "<strong>" + ruby("孤独", "こどく") + "</strong>"


# -- furigana -------------------------------------------------------------------------------------


def test_author_furigana():
    assert render_markdown("{孤立|こりつ}する") == f"<p>{ruby('孤立', 'こりつ')}する</p>\n"


def test_author_furigana_is_kept_and_not_doubled():
    html = render_markdown("{孤立|こりつ}と孤立", furigana_grade=4, inline=True)

    assert html == ruby("孤立", "こりつ") + "と" + ruby("孤立", "こりつ")
    assert html.count("<rt>") == 2


def test_author_furigana_wins_over_the_analyser():
    html = render_markdown("{孤独|ひとりぼっち}", furigana_grade=4, inline=True)

    assert html == ruby("孤独", "ひとりぼっち")


def test_code_is_left_alone():
    html = render_markdown("`孤独` と `{孤立|こりつ}`\n\n```\n孤独\n```\n", furigana_grade=4)

    assert html == "<p><code>孤独</code> と <code>{孤立|こりつ}</code></p>\n<pre><code>孤独\n</code></pre>\n"


def test_escaped_brace_is_not_furigana():
    assert render_markdown("\\{孤立|こりつ}", inline=True) == "{孤立|こりつ}"


def test_grade_4_course_gets_kodoku():
    html = render_markdown("孤独を感じる", furigana_grade=4, inline=True)

    assert html == ruby("孤独", "こどく") + "を感じる"


def test_grade_1_kanji_gets_no_ruby():
    html = render_markdown("人が大きな声で話す", furigana_grade=4, inline=True)

    assert "<ruby>" not in html
    assert html == "人が大きな声で話す"


def test_okurigana_stay_outside_the_ruby():
    assert render_markdown("新しいことが起こり", furigana_grade=2, inline=True) == (
        "新しいことが" + ruby("起", "お") + "こり"
    )


def test_each_kanji_run_is_aligned_separately():
    assert render_markdown("話し合い", furigana_grade=1, inline=True) == (
        ruby("話", "はな") + "し" + ruby("合", "あ") + "い"
    )
    assert align("話し合い", "はなしあい") == [("話", "はな"), ("し", None), ("合", "あ"), ("い", None)]


def test_repeat_mark_belongs_to_its_kanji():
    assert render_markdown("時々", furigana_grade=1, inline=True) == ruby("時々", "ときどき")
    assert render_markdown("人々", furigana_grade=1, inline=True) == "人々"


def test_digits_stay_outside_the_ruby():
    assert render_markdown("20歳", furigana_grade=4, inline=True) == "20" + ruby("歳", "さい")


def test_ambiguous_alignment_falls_back_to_the_whole_word():
    assert align("日か日", "かかかか") is None
    assert annotate_word("日か日", "かかかか") == ruby("日か日", "かかかか")


def test_no_furigana_at_grade_0():
    assert render_markdown("孤独", inline=True) == "孤独"


def test_alt_text_and_link_targets_get_no_ruby():
    html = render_markdown(
        "![孤独](images/a.png) [孤独](https://example.com/孤独)", furigana_grade=4, inline=True
    )

    assert html == (
        '<img src="images/a.png" alt="孤独" loading="lazy"> '
        '<a href="https://example.com/%E5%AD%A4%E7%8B%AC" rel="noopener noreferrer">'
        + ruby("孤独", "こどく")
        + "</a>"
    )


def test_full_children_bundle_renders_fast():
    bundle = check_bundle(FIXTURES / "valid-children").bundle
    paragraph = (
        "孤独や孤立は、だれにでも起こりうることです。困ったときは、身近な大人や相談窓口に"
        "話してみましょう。話し合いの中で、気持ちが楽になることがあります。\n\n"
    )
    for lesson in bundle.lessons:
        lesson.body = paragraph * 150  # about 13,000 characters a lesson
    bundle.lessons = bundle.lessons * 6

    start = time.perf_counter()
    rendered = render_bundle(bundle)
    elapsed = time.perf_counter() - start

    assert elapsed < 3.0
    assert ruby("窓口", "まどぐち") in rendered.lessons["hanasu"].html
