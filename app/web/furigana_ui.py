"""Furigana on the words around the lessons in the children's theme: header, menus, buttons,
messages, form errors and error pages get ruby over kanji above the course's grade.

The layout wraps the page body in the ``kids`` filter; the filter walks the rendered HTML and puts
every text node through the lesson engine (``app.services.content.furigana``), so what a pupil
reads around a lesson follows the same rules as the lesson itself. Text already inside ``<ruby>``
(author furigana, lesson bodies, course titles) is left as it is, as are scripts, styles, form
fields' own text and attributes. The analysis of a text node is cached by (text, grade): the pages
repeat the same few hundred labels, so after the first requests it costs a dictionary look-up.
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import unescape
from typing import Any

from flask import Flask, has_request_context
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.services.content import furigana

# The grade used on pages that belong to no course (my page, error pages, the pupil login): the
# children's courses' usual furigana_grade (content/README.md).
DEFAULT_GRADE = 4

# A comment, or a tag whose quoted attribute values may hold ">".
_TAG_RE = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.S)
_NAME_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
# Elements whose text must not change: ruby already has its reading; a <textarea> or <option>
# holds text (the pupil's own words, a form value) where markup is not allowed; scripts and styles
# are not text; <title> cannot hold markup either.
_SKIP = frozenset({"ruby", "rt", "rp", "script", "style", "textarea", "option", "title", "code", "pre"})


@lru_cache(maxsize=4096)
def annotate_text(text: str, grade: int) -> str:
    """HTML for one text node (given unescaped) with ruby over kanji above grade."""
    return furigana.annotate(text, grade)


def annotate_html(html: str, grade: int) -> str:
    """Ruby over kanji above grade in every text node of html outside ruby, scripts and form text."""
    if grade <= 0 or not furigana.needs_furigana(html, grade):
        return html
    out: list[str] = []
    skipping: list[str] = []  # the open elements whose text is left alone
    cursor = 0
    for match in _TAG_RE.finditer(html):
        out.append(_text(html[cursor : match.start()], grade, bool(skipping)))
        tag = match.group(0)
        out.append(tag)
        cursor = match.end()
        name = _NAME_RE.match(tag)
        if name is None or tag.endswith("/>"):
            continue
        closing, element = name.group(1), name.group(2).lower()
        if element not in _SKIP:
            continue
        if not closing:
            skipping.append(element)
        elif element in skipping:
            # Close up to the matching element (rp and rt may be left unclosed in HTML).
            while skipping and skipping.pop() != element:
                pass
    out.append(_text(html[cursor:], grade, bool(skipping)))
    return "".join(out)


def _text(chunk: str, grade: int, skipping: bool) -> str:
    if skipping or not chunk or not furigana.needs_furigana(chunk, grade):
        return chunk
    return annotate_text(unescape(chunk), grade)


def _grade_of(context: Context) -> int:
    """The furigana grade of the course the page shows, else the children's usual grade."""
    for name in ("version", "attempt", "course"):
        value = context.get(name)
        version = getattr(value, "version", None) if name == "attempt" else value
        if name == "course":
            version = getattr(value, "live_version", None)
        meta = getattr(version, "meta", None)
        if isinstance(meta, dict) and meta.get("furigana_grade"):
            return int(meta["furigana_grade"])
    return DEFAULT_GRADE


def is_wanted(children_theme: bool) -> bool:
    """Ruby for the UI only in the children's theme, in Japanese, with the viewer's furigana on."""
    if not children_theme or not has_request_context():
        return False
    if str(get_locale()) != "ja":
        return False
    return not (current_user and current_user.is_authenticated and not current_user.is_furigana_on)


@pass_context
def kids(context: Context, value: Any, children_theme: bool = True) -> Markup:
    """Filter: value (HTML) with furigana for a pupil, unchanged for anyone else."""
    html = Markup(value) if hasattr(value, "__html__") else Markup.escape(value)
    if not is_wanted(children_theme):
        return html
    return Markup(annotate_html(str(html), _grade_of(context)))


def register(app: Flask) -> None:
    app.add_template_filter(kids, "kids")
