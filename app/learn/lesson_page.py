"""Assembling a lesson page from its stored HTML: the reflection form and local support slots."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.services.content.render import LOCAL_SUPPORT_PLACEHOLDER, REFLECTION_FORM_PLACEHOLDER


@dataclass(frozen=True)
class LessonParts:
    before: Markup
    after: Markup | None  # None when the lesson has no slot for the reflection form


def lesson_parts(html: str, local_support: Markup) -> LessonParts:
    """Split the sanitised lesson HTML where the reflection form goes; fill in local support."""
    html = html.replace(LOCAL_SUPPORT_PLACEHOLDER, str(local_support))
    before, found, after = html.partition(REFLECTION_FORM_PLACEHOLDER)
    # The HTML was sanitised at import; local_support is rendered by our own escaped template.
    return LessonParts(Markup(before), Markup(after) if found else None)
