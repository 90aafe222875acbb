"""Instructor mode: a lesson's stored HTML cut into screens for a projector, and handouts."""
from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from app.models import ContentVersion, Lesson
from app.services.content.render import LOCAL_SUPPORT_PLACEHOLDER, REFLECTION_FORM_PLACEHOLDER

# Lesson HTML is sanitised at import, so "<h2" only ever starts a heading, never text.
_H2 = re.compile(r"(?=<h2[\s>])")
_H2_TEXT = re.compile(r"<h2[^>]*>(.*?)</h2>", re.S)
_TAGS = re.compile(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>", re.S)


@dataclass(frozen=True)
class Screen:
    heading: str  # plain text, for the page title and the table of contents
    html: Markup


def _plain(html: str) -> str:
    return _TAGS.sub("", html).strip()


def screens(lesson: Lesson, local_support: Markup, reflection_note: Markup) -> list[Screen]:
    """One screen per h2 section; the text before the first h2 is the lesson's opening screen.

    The two placeholders of the lesson page become, on a projector, the organisation's local
    support box and a note that the 個人ワーク is written privately (on paper or a phone)."""
    html = fill_placeholders(lesson.html, local_support, reflection_note)
    parts = [part for part in _H2.split(html) if part.strip()]
    out = []
    for part in parts:
        found = _H2_TEXT.search(part)
        heading = _plain(found.group(1)) if found and part.lstrip().startswith("<h2") else lesson.title
        # The HTML was sanitised at import; the inserted pieces come from our own templates.
        out.append(Screen(heading, Markup(part)))
    return out or [Screen(lesson.title, Markup(""))]


def fill_placeholders(html: str, local_support: Markup, reflection: Markup) -> Markup:
    """The lesson HTML with our own pieces where the lesson page puts its form and local desks."""
    # The HTML was sanitised at import; the inserted pieces come from our own escaped templates.
    return Markup(html.replace(LOCAL_SUPPORT_PLACEHOLDER, str(local_support))
                  .replace(REFLECTION_FORM_PLACEHOLDER, str(reflection)))


def lesson_by_key(version: ContentVersion, key: str) -> Lesson | None:
    return next((lesson for lesson in version.lessons if lesson.key == key), None)


def screen_count(lesson: Lesson) -> int:
    return max(len([part for part in _H2.split(lesson.html) if part.strip()]), 1)


def neighbours(version: ContentVersion, lesson: Lesson, number: int, count: int) -> tuple[tuple | None, tuple | None]:
    """(key, screen number) of the previous and next screens, across lesson boundaries (from 1)."""
    lessons = version.lessons
    position = lessons.index(lesson)
    previous = following = None
    if number > 1:
        previous = (lesson.key, number - 1)
    elif position > 0:
        before = lessons[position - 1]
        previous = (before.key, screen_count(before))
    if number < count:
        following = (lesson.key, number + 1)
    elif position + 1 < len(lessons):
        following = (lessons[position + 1].key, 1)
    return previous, following
