"""Situations (こんなとき、どうする？): a scene, a question and choices with kind feedback.

Authored as a ```situation fence holding YAML in a lesson; checked with the bundle and rendered
as plain HTML (each choice a <details> revealing its feedback). Nothing is scored or stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from yaml.nodes import Node, SequenceNode

from .errors import ContentError
from .yamlsource import Mapping, Source

SITUATION_INFO = "situation"
# The heading when the author gives no title; a bundle in another language writes its own.
DEFAULT_TITLE = "こんなとき、どうする？"
MIN_CHOICES = 2
MAX_CHOICES = 4


@dataclass(frozen=True)
class SituationChoice:
    """One thing the trainee might say or do, and the feedback on it (both Markdown)."""

    text: str  # inline Markdown
    feedback: str  # Markdown


@dataclass(frozen=True)
class Situation:
    """A parsed ```situation block."""

    title: str  # inline Markdown
    scene: str  # Markdown
    question: str  # inline Markdown
    choices: tuple[SituationChoice, ...]


def parse_situation(
    text: str, file: str, fence_line: int | None, errors: list[ContentError]
) -> Situation | None:
    """Read a situation block; report every problem into errors, located in the file.

    fence_line is the file line of the opening ``` (the YAML starts on the next line).
    """
    src = Source(file, errors, line_offset=fence_line or 0)
    before = len(errors)
    node = src.parse(text) if text.strip() else None
    if node is None:
        if len(errors) == before:  # empty, or only comments
            src.error_at(
                fence_line,
                1,
                "situation.empty",
                "「こんなとき、どうする？」（```situation）の中身がありません。"
                "scene・question・choices を書いてください。",
                "The situation block is empty. Write scene, question and choices in it.",
            )
        return None
    m = src.mapping(node, "situation")
    if m is None:
        return None
    src.check_keys(m, "situation", ("scene", "question", "choices"), ("title",))
    title = _text(src, m, "title") or DEFAULT_TITLE
    scene = _text(src, m, "scene")
    question = _text(src, m, "question")
    choices = _choices(src, m)
    if len(errors) > before:
        return None
    return Situation(title, scene, question, choices)


def _text(src: Source, m: Mapping, key: str) -> str:
    value = src.text(m, key, f"situation.{key}")
    if value is not None and not value.strip():
        src.error(
            m.value(key),
            "situation.text_empty",
            f"situation.{key} が空です。文を書いてください。",
            f"situation.{key} is empty. Write the text.",
        )
    return (value or "").strip()


def _choices(src: Source, m: Mapping) -> tuple[SituationChoice, ...]:
    node = m.value("choices")
    if node is None:
        return ()
    if not isinstance(node, SequenceNode):
        src.type_error(node, "situation.choices", "list")
        return ()
    if not MIN_CHOICES <= len(node.value) <= MAX_CHOICES:
        src.error(
            node if node.value else m.key_node("choices"),
            "situation.choices_count",
            f"choices（選択肢）は {MIN_CHOICES}〜{MAX_CHOICES} 個にしてください（今は {len(node.value)} 個）。",
            f"A situation needs {MIN_CHOICES} to {MAX_CHOICES} choices (it has {len(node.value)}). "
            "Add or remove choices.",
        )
    return tuple(choice for item in node.value if (choice := _choice(src, item)) is not None)


def _choice(src: Source, item: Node) -> SituationChoice | None:
    cm = src.mapping(item, "choices の項目 / choice")
    if cm is None:
        return None
    src.check_keys(cm, "choice", ("text", "feedback"), ())
    text = src.text(cm, "text", "choice text") or ""
    feedback = src.text(cm, "feedback", "choice feedback") or ""
    if "text" in cm.items and not text.strip():
        src.error(
            cm.value("text"),
            "situation.text_empty",
            "選択肢の text が空です。受講者が選ぶ言葉や行動を書いてください。",
            "A choice's text is empty. Write what the trainee might say or do.",
        )
    if "feedback" in cm.items and not feedback.strip():
        src.error(
            cm.value("feedback") or cm.key_node("feedback"),
            "situation.feedback_empty",
            "選択肢の feedback が空です。その選択についての、やさしい言葉（よい点、気をつけたい点）を書いてください。",
            "A choice's feedback is empty. Write kind words on that choice (what is good, what to "
            "take care of).",
        )
    return SituationChoice(text.strip(), feedback.strip())


def render_situation(
    situation: Situation,
    *,
    block: Callable[[str], str],
    inline: Callable[[str], str],
) -> str:
    """The situation as HTML: a heading, the scene, the question, and the choices as <details>.

    No script: each <summary> is a native disclosure button (keyboard and screen readers know it).
    Closed <details> do not print in every browser, so a print-only copy lists each choice with
    its feedback; it is display:none on screen, so assistive technology never meets it twice.
    """
    items = []
    printed = []
    for choice in situation.choices:
        text_html, feedback_html = inline(choice.text), block(choice.feedback)
        items.append(
            f"<li><details><summary>{text_html}</summary>"
            f'<div class="situation-feedback">{feedback_html}</div></details></li>\n'
        )
        printed.append(f"<li><p><strong>{text_html}</strong></p>{feedback_html}</li>\n")
    return (
        f'<section class="situation">\n<h2>{inline(situation.title)}</h2>\n'
        f'<div class="situation-scene">{block(situation.scene)}</div>\n'
        f'<p class="situation-question"><strong>{inline(situation.question)}</strong></p>\n'
        f'<ol class="situation-choices">\n{"".join(items)}</ol>\n'
        f'<div class="situation-print"><ol>\n{"".join(printed)}</ol></div>\n'
        "</section>\n"
    )
