"""Markdown to safe HTML: furigana, reflection and local-support blocks, allow-list sanitising."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup

from . import cjk, furigana
from .situations import SITUATION_INFO, parse_situation, render_situation

if TYPE_CHECKING:
    from .model import Bundle, CourseMeta, Lesson, QuizQuestion, SurveyQuestion

AssetUrl = Callable[[str], str]

REFLECTION_INFO = "reflection"
LOCAL_SUPPORT_INFO = "local-support"

# The element the app replaces with the private answer form of a 個人ワーク.
REFLECTION_FORM_PLACEHOLDER = '<div class="reflection-form"></div>'
LOCAL_SUPPORT_PLACEHOLDER = '<div class="local-support"></div>'

_ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "img", "blockquote", "code",
    "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "ruby", "rt", "rp",
    "section", "div", "details", "summary",
}  # fmt: skip
_LINK_SCHEMES = {"http", "https", "mailto", "tel"}

# One cleaner, built once: the allow-list is the security boundary for everything rendered.
_cleaner = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes={"a": {"href", "title"}, "img": {"src", "alt"}, "ol": {"start"}},
    # Attributes allowed only with one exact value.
    tag_attribute_values={
        "img": {"loading": {"lazy"}},
        "section": {"data-reflection": {"1"}},
    },
    allowed_classes={
        "section": {"reflection", "situation"},
        "div": {
            "reflection-form",
            "local-support",
            "situation-scene",
            "situation-feedback",
            "situation-print",
        },
        "ol": {"situation-choices"},
        "p": {"situation-question"},
    },
    url_schemes=_LINK_SCHEMES,
    strip_comments=True,
    link_rel="noopener noreferrer",
)

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
_INVISIBLE_RE = re.compile(r"[\x00-\x20\x7f]+")
_FURIGANA_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


def sanitize(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes."""
    return _cleaner.clean(html)


def _validate_link(url: str) -> bool:
    # Stricter than markdown-it's default (which lets data:image through): only the schemes
    # the sanitiser keeps, or a relative reference. The decoded form is checked as well, so
    # "%6Aavascript:" cannot reach a browser that decodes before it parses.
    for candidate in (url, unquote(url)):
        compact = _INVISIBLE_RE.sub("", candidate)
        match = _SCHEME_RE.match(compact)
        if match is not None and match.group(1).lower() not in _LINK_SCHEMES:
            return False
    return True


def _furigana_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule for author furigana {漢字|かんじ}; as an inline rule it never runs in code."""
    if state.src[state.pos] != "{":
        return False
    match = _FURIGANA_RE.match(state.src, state.pos)
    if match is None:
        return False
    base, reading = match.group(1).strip(), match.group(2).strip()
    if not base or not reading:
        return False
    if not silent:
        token = state.push("furigana", "ruby", 0)
        token.meta = {"base": base, "reading": reading}
        token.markup = match.group(0)
    state.pos = match.end()
    return True


def _render_furigana(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    meta = tokens[idx].meta
    return furigana.ruby(meta["base"], meta["reading"])


def _render_text(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    if _in_link_showing_url(tokens, idx):
        return escape(tokens[idx].content)
    return furigana.annotate(tokens[idx].content, env.get("furigana_grade", 0))


# Link text that is itself an address: a scheme, www., or a host name with a dotted domain.
_URL_TEXT_RE = re.compile(
    r"^(?:[a-zA-Z][a-zA-Z0-9+.\-]*:\S+|www\.\S+|[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)*\.[a-zA-Z]{2,}(?:[/?#:]\S*)?)$"
)


def _in_link_showing_url(tokens: Sequence[Token], idx: int) -> bool:
    """True inside a link whose text shows a web address: readings over an address are noise."""
    for back in range(idx - 1, -1, -1):
        token = tokens[back]
        if token.type == "link_close":
            return False
        if token.type != "link_open":
            continue
        if token.markup == "autolink":
            return True
        parts = []
        for inner in tokens[back + 1 :]:
            if inner.type == "link_close":
                break
            parts.append(inner.content)
        text = "".join(parts).strip()
        href = unquote(str(token.attrGet("href") or ""))
        return bool(text) and (
            _URL_TEXT_RE.match(text) is not None or text in (href, href.split("://", 1)[-1])
        )
    return False


def _render_heading_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    # The page owns <h1> (the lesson title); body headings start at <h2> and stop at <h4>.
    return f"<{_heading_tag(tokens[idx].tag)}>"


def _render_heading_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return f"</{_heading_tag(tokens[idx].tag)}>\n"


def _heading_tag(tag: str) -> str:
    level = min(max(int(tag[1]), 2), 4)
    return f"h{level}"


def bundle_path(src: str) -> str | None:
    """The bundle-relative path a Markdown image refers to, or None for URLs and escapes."""
    if _SCHEME_RE.match(src) or src.startswith(("/", "//")):
        return None
    path = unquote(src.split("#", 1)[0].split("?", 1)[0])
    path = posixpath.normpath(path)
    if path.startswith("..") or path == ".":
        return None
    return path


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    asset_url: AssetUrl | None = env.get("asset_url")
    path = bundle_path(src)
    if asset_url is not None and path is not None:
        src = asset_url(path)
    alt = self.renderInlineAsText(token.children, options, env)
    return f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">'


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    info = fence_name(token)
    if info == REFLECTION_INFO:
        prompt = _md.render(token.content, _nested_env(env))
        env.setdefault("reflection_prompts", []).append(prompt)
        return (
            f'<section class="reflection" data-reflection="1">\n{prompt}'
            f"{REFLECTION_FORM_PLACEHOLDER}\n</section>\n"
        )
    if info == LOCAL_SUPPORT_INFO:
        env["has_local_support"] = True
        return LOCAL_SUPPORT_PLACEHOLDER + "\n"
    if info == SITUATION_INFO:
        return _render_situation(token.content, env)
    # No language class: the allow-list does not keep classes on <code>.
    return f"<pre><code>{escape(token.content, quote=False)}</code></pre>\n"


def _render_situation(text: str, env: dict) -> str:
    # The checker refuses a bundle with a broken situation; here one renders as nothing.
    situation = parse_situation(text, "", None, [])
    if situation is None:
        return ""
    nested = _nested_env(env)
    return render_situation(
        situation,
        block=lambda markdown: _md.render(markdown, dict(nested)),
        inline=lambda markdown: _md.renderInline(markdown, dict(nested)),
    )


def fence_name(token: Token) -> str:
    """The first word of a fence's info string."""
    info = token.info.strip().split(maxsplit=1)
    return info[0] if info else ""


def _nested_env(env: dict) -> dict:
    return {"furigana_grade": env.get("furigana_grade", 0), "asset_url": env.get("asset_url")}


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.inline.ruler.before("emphasis", "furigana", _furigana_rule)
    # Japanese lines joined without the space a browser shows for a line break.
    md.core.ruler.after("inline", "cjk_soft_breaks", cjk.join_soft_breaks)
    md.add_render_rule("furigana", _render_furigana)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("heading_close", _render_heading_close)
    return md


# Parsing keeps no state between calls (everything per call lives in env), so one shared
# parser is safe and saves rebuilding the rule chains for every text.
_md = _build_parser()


def markdown_parser() -> MarkdownIt:
    """The configured parser, for the bundle checker to see exactly what the renderer sees."""
    return _md


def render_markdown(
    text: str,
    *,
    furigana_grade: int = 0,
    inline: bool = False,
    asset_url: AssetUrl | None = None,
) -> str:
    """Render Markdown to sanitised HTML; inline=True renders without a surrounding <p>."""
    env = {"furigana_grade": furigana_grade, "asset_url": asset_url}
    html = _md.renderInline(text, env) if inline else _md.render(text, env)
    return sanitize(html)


@dataclass(frozen=True)
class RenderedLesson:
    """A lesson's HTML and what the page needs to know about it."""

    html: str
    reflection_prompt_html: str | None
    has_local_support: bool
    transcript_html: str | None = None


@dataclass(frozen=True)
class RenderedQuestion:
    """A quiz question's texts as inline HTML."""

    text_html: str
    choices_html: dict[str, str]  # choice id -> HTML, in the written order
    explanation_html: str


@dataclass(frozen=True)
class RenderedSurveyQuestion:
    """A survey question's texts as inline HTML."""

    text_html: str
    labels_html: list[str]
    choices_html: list[str]


@dataclass(frozen=True)
class RenderedBundle:
    """Everything in a bundle rendered once, ready to store at import."""

    description_html: str
    lessons: dict[str, RenderedLesson]  # lesson id -> rendered lesson, in course order
    quiz: dict[str, RenderedQuestion] = field(default_factory=dict)  # question id -> texts
    survey: dict[str, RenderedSurveyQuestion] = field(default_factory=dict)


def render_lesson(lesson: Lesson, course: CourseMeta, *, asset_url: AssetUrl | None = None) -> RenderedLesson:
    """Render a lesson body (and its transcript) with the course's furigana grade."""
    env: dict[str, Any] = {"furigana_grade": course.furigana_grade, "asset_url": asset_url}
    html = sanitize(_md.render(lesson.body, env))
    prompts = env.get("reflection_prompts") or []
    transcript_html = None
    if lesson.video is not None and lesson.video.transcript_text is not None:
        transcript_html = render_transcript(
            lesson.video.transcript_text,
            is_markdown=(lesson.video.transcript or "").lower().endswith(".md"),
            furigana_grade=course.furigana_grade,
            asset_url=asset_url,
        )
    return RenderedLesson(
        html=html,
        reflection_prompt_html=sanitize(prompts[0]) if prompts else None,
        has_local_support=bool(env.get("has_local_support")),
        transcript_html=transcript_html,
    )


def render_transcript(
    text: str, *, is_markdown: bool, furigana_grade: int = 0, asset_url: AssetUrl | None = None
) -> str:
    """Render a video transcript: Markdown as such, plain text as paragraphs."""
    if is_markdown:
        return render_markdown(text, furigana_grade=furigana_grade, asset_url=asset_url)
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    html = "".join(
        "<p>" + "<br>".join(furigana.annotate(line, furigana_grade) for line in part.splitlines()) + "</p>\n"
        for part in paragraphs
    )
    return sanitize(html)


def render_inline(text: str, course: CourseMeta) -> str:
    """Render a short text (question, choice, label) as inline HTML with the course's furigana."""
    return render_markdown(text, furigana_grade=course.furigana_grade, inline=True)


def render_question(question: QuizQuestion, course: CourseMeta) -> RenderedQuestion:
    """Render a quiz question's text, choices and explanation."""
    return RenderedQuestion(
        text_html=render_inline(question.text, course),
        choices_html={choice.id: render_inline(choice.text, course) for choice in question.choices},
        explanation_html=render_inline(question.explanation, course) if question.explanation else "",
    )


def render_survey_question(question: SurveyQuestion, course: CourseMeta) -> RenderedSurveyQuestion:
    """Render a survey question's text, scale labels and choices."""
    return RenderedSurveyQuestion(
        text_html=render_inline(question.text, course),
        labels_html=[render_inline(label, course) for label in question.labels],
        choices_html=[render_inline(choice, course) for choice in question.choices],
    )


def render_course_description(course: CourseMeta, *, asset_url: AssetUrl | None = None) -> str:
    """Render the course description (block Markdown)."""
    return render_markdown(course.description, furigana_grade=course.furigana_grade, asset_url=asset_url)


def render_bundle(bundle: Bundle, *, asset_url: AssetUrl | None = None) -> RenderedBundle:
    """Render every text of a checked bundle."""
    course = bundle.course
    return RenderedBundle(
        description_html=render_course_description(course, asset_url=asset_url),
        lessons={lesson.id: render_lesson(lesson, course, asset_url=asset_url) for lesson in bundle.lessons},
        quiz={q.id: render_question(q, course) for q in bundle.quiz.questions} if bundle.quiz else {},
        survey={q.id: render_survey_question(q, course) for q in bundle.survey.questions}
        if bundle.survey
        else {},
    )


# -- course titles --------------------------------------------------------------------------------
# A course title is one line of text that may carry author furigana ({講座|こうざ}): the children's
# certificate prints it with ruby, so course.yaml keeps the markup and the app shows it the same way
# on the learner's pages. Titles are not Markdown.


def title_html(text: str) -> Markup:
    """A title as HTML: author furigana as <ruby> (the same markup as in lessons), the rest escaped."""
    out: list[str] = []
    pos = 0
    for match in _FURIGANA_RE.finditer(text):
        base, reading = match.group(1).strip(), match.group(2).strip()
        out.append(escape(text[pos : match.start()]))
        out.append(furigana.ruby(base, reading) if base and reading else escape(match.group(0)))
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def plain_title(text: str) -> str:
    """A title without its author furigana, for page titles, lists, files and e-mails."""
    return _FURIGANA_RE.sub(lambda match: match.group(1).strip(), text)
