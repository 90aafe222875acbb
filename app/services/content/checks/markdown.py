"""Markdown texts: images in the bundle, reflection, local-support and situation blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token
from yaml.nodes import Node

from ..errors import ContentError
from ..render import LOCAL_SUPPORT_INFO, REFLECTION_INFO, bundle_path, fence_name
from ..situations import SITUATION_INFO, parse_situation
from ..yamlsource import Source
from .collector import Collector, extension
from .files import IMAGE_EXTENSIONS, SVG_EXTENSIONS

_IMAGE_MARK_RE = re.compile(r"!\[")


@dataclass
class Scan:
    """What a lesson's Markdown holds, for the Lesson record."""

    reflections: int = 0
    local_support: bool = False


def scan_markdown(
    c: Collector, rel: str, text: str, first_line: int, *, in_lesson: bool, scan: Scan | None = None
) -> Scan:
    """Check what a Markdown text refers to; first_line is the file line of its line 1."""
    scan = scan or Scan()
    lines = text.split("\n")
    tokens = c.md.parse(text, {})
    next_mark: dict[tuple[int, int], int] = {}
    for token in tokens:
        if token.type == "fence" and in_lesson:
            name = fence_name(token)
            line = first_line + token.map[0] if token.map else None
            if name == REFLECTION_INFO:
                scan.reflections += 1
                if scan.reflections > 1:
                    c.error(
                        rel,
                        line,
                        "lesson.reflection_multiple",
                        "個人ワーク（```reflection）は1つのレッスンに1つまでです。"
                        "2つ目を別のレッスンに移すか、1つにまとめてください。",
                        "A lesson may have only one reflection block. Move the second one "
                        "to another lesson or merge them.",
                        column=1,
                    )
                if not token.content.strip():
                    c.error(
                        rel,
                        line,
                        "lesson.reflection_empty",
                        "個人ワーク（```reflection）に問いかけの文がありません。問いかけを書いてください。",
                        "The reflection block has no prompt. Write the question to reflect on.",
                        column=1,
                    )
                elif token.map:
                    scan_markdown(c, rel, token.content, line + 1, in_lesson=False, scan=scan)
            elif name == LOCAL_SUPPORT_INFO:
                scan.local_support = True
            elif name == SITUATION_INFO:
                _check_situation(c, rel, token.content, line)
        elif token.type == "inline" and token.children:
            _check_images(c, rel, token, lines, first_line, next_mark)
    return scan


def _check_situation(c: Collector, rel: str, text: str, fence_line: int | None) -> None:
    situation = parse_situation(text, rel, fence_line, c.errors)
    if situation is None:
        return
    before = len(c.errors)
    for markdown in (situation.scene, *(choice.feedback for choice in situation.choices)):
        scan_markdown(c, rel, markdown, 1, in_lesson=False)
    # Lines inside YAML values do not map simply to the file: point at the block's fence.
    for index in range(before, len(c.errors)):
        error = c.errors[index]
        c.errors[index] = ContentError(
            error.file, fence_line, 1, error.code, error.message_ja, error.message_en
        )


def _check_images(
    c: Collector,
    rel: str,
    inline: Token,
    lines: list[str],
    first_line: int,
    next_mark: dict[tuple[int, int], int],
) -> None:
    for child in inline.children or []:
        if child.type != "image":
            continue
        src = str(child.attrGet("src") or "")
        line, column = _image_position(inline, lines, first_line, next_mark)
        if src.startswith(("http://", "https://", "//")):
            c.error(
                rel,
                line,
                "markdown.image_remote",
                "外部サイトの画像は使えません（受講者の情報が外部に送られるため）。"
                "画像を images/ に保存して、そのパスを書いてください。",
                "Images from other sites are not allowed (they leak trainee data). Save the "
                "image under images/ and use its path.",
                column=column,
            )
            continue
        path = bundle_path(src)
        if path is None or path not in c.raw:
            c.error(
                rel,
                line,
                "markdown.image_missing",
                f"画像「{src}」が講座の中にありません。画像を images/ に置くか、"
                "パス（講座フォルダからの相対パス、例: images/sign.png）を直してください。",
                f'The image "{src}" is not in the bundle. Add it under images/ or fix the '
                "path (relative to the bundle folder, e.g. images/sign.png).",
                column=column,
            )
        elif extension(path) not in IMAGE_EXTENSIONS | SVG_EXTENSIONS:
            c.error(
                rel,
                line,
                "markdown.image_type",
                f"「{src}」は画像ではありません。PNG・JPEG・WebP・SVG の画像を指定してください。",
                f'"{src}" is not an image. Refer to a PNG, JPEG, WebP or SVG image.',
                column=column,
            )


def _image_position(
    inline: Token, lines: list[str], first_line: int, next_mark: dict[tuple[int, int], int]
) -> tuple[int | None, int | None]:
    """Line and column of the next "![" in the inline's source lines, in document order."""
    if not inline.map:
        return None, None
    start, end = inline.map
    key = (start, end)
    # Table cells on one row share a map: consume their "![" marks one after another.
    seen = next_mark.get(key, 0)
    count = 0
    for index in range(start, min(end, len(lines))):
        for match in _IMAGE_MARK_RE.finditer(lines[index]):
            if count == seen:
                next_mark[key] = seen + 1
                return first_line + index, match.start() + 1
            count += 1
    return first_line + start, None


def scan_yaml_markdown(c: Collector, src: Source, text: str, node: Node | None) -> None:
    """Check images in a Markdown text written in YAML; errors point at the value's line."""
    if "![" not in text:
        return
    before = len(c.errors)
    scan_markdown(c, src.file, text, 1, in_lesson=False)
    line, column = src.position(node)
    # Line numbers inside a YAML scalar do not map simply to the file: use the value's line.
    for index in range(before, len(c.errors)):
        error = c.errors[index]
        c.errors[index] = ContentError(
            error.file, line, column, error.code, error.message_ja, error.message_en
        )
