"""What changes for learners when a content version replaces the live one, from the two stored versions."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.models import ContentVersion


@dataclass(frozen=True)
class Item:
    """A lesson, question or statement as compared: its stable id, its title or text, and its content."""

    key: str
    title: str
    body: Any = None  # anything whose change counts as "changed" (html, choices and answer, ...)


@dataclass(frozen=True)
class Snapshot:
    """The comparable parts of one stored version."""

    lessons: tuple[Item, ...] = ()
    questions: tuple[Item, ...] = ()
    evaluation: tuple[Item, ...] = ()
    survey: tuple[Item, ...] = ()
    settings: tuple[tuple[str, Any], ...] = ()  # (code, value): completion rule, pass mark, minutes


@dataclass(frozen=True)
class Retitled:
    key: str
    old: str
    new: str


@dataclass(frozen=True)
class PartDiff:
    """Added, removed and changed items of one part (ids kept, so learners' progress follows them)."""

    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    retitled: tuple[Retitled, ...] = ()
    changed: tuple[Item, ...] = ()  # same id and title, other content (the new item)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.retitled or self.changed)


@dataclass(frozen=True)
class VersionDiff:
    """The difference from the live version; first=True when nothing is live yet."""

    first: bool
    lessons: PartDiff = field(default_factory=PartDiff)
    questions: PartDiff = field(default_factory=PartDiff)
    evaluation: PartDiff = field(default_factory=PartDiff)
    survey: PartDiff = field(default_factory=PartDiff)
    settings: tuple[tuple[str, Any, Any], ...] = ()  # (code, old, new)

    @property
    def is_empty(self) -> bool:
        parts = (self.lessons, self.questions, self.evaluation, self.survey)
        return not self.first and not self.settings and all(p.is_empty for p in parts)


def snapshot(version: ContentVersion, asset_prefix: str | None = None) -> Snapshot:
    """Read the comparable parts of a stored version (no queries beyond its lessons).

    Rendered HTML names the version's own asset URLs (asset_prefix, e.g. "/content/7/"); they are
    masked so that an unchanged image does not make every lesson that shows it look changed."""
    def same(value: Any) -> Any:
        if not asset_prefix:
            return value
        return json.dumps(value, ensure_ascii=False, sort_keys=True).replace(asset_prefix, "{asset}/")

    meta = version.meta or {}
    quiz = version.quiz or {}
    survey = version.survey or {}
    evaluation = meta.get("evaluation") or {}
    completion = meta.get("completion") or {}
    return Snapshot(
        lessons=tuple(Item(lesson.key, lesson.title, same((lesson.html, lesson.reflection_prompt_html, lesson.video,
                                                           lesson.minutes)))
                      for lesson in version.lessons),
        questions=tuple(Item(q["id"], q["text_html"], same((q["kind"], q["choices"], q["answer"],
                                                            q.get("explanation_html"))))
                        for q in quiz.get("questions", [])),
        evaluation=tuple(Item(i["id"], i["text_html"]) for i in evaluation.get("items", [])),
        survey=tuple(Item(q["id"], q["text_html"], (q["kind"], q.get("choices"), q.get("labels_html"),
                                                     q.get("required")))
                     for q in survey.get("questions", [])),
        settings=(("required_lessons", tuple(completion.get("lessons", []))),
                  ("pass_mark", completion.get("quiz_pass_mark")),
                  ("attempts_allowed", quiz.get("attempts_allowed")),
                  ("attendance_replaces_lessons", completion.get("attendance_replaces_lessons")),
                  ("estimated_minutes", meta.get("estimated_minutes"))),
    )


def compare_parts(old: tuple[Item, ...], new: tuple[Item, ...]) -> PartDiff:
    """Match items by id; a changed title counts as retitled, other changes as changed."""
    before = {item.key: item for item in old}
    after = {item.key: item for item in new}
    retitled, changed = [], []
    for item in new:
        previous = before.get(item.key)
        if previous is None:
            continue
        if previous.title != item.title:
            retitled.append(Retitled(item.key, previous.title, item.title))
        elif previous.body != item.body:
            changed.append(item)
    return PartDiff(added=tuple(i for i in new if i.key not in before),
                    removed=tuple(i for i in old if i.key not in after),
                    retitled=tuple(retitled), changed=tuple(changed))


def compare(live: Snapshot | None, candidate: Snapshot) -> VersionDiff:
    """The difference a learner meets when `candidate` replaces `live` (None: nothing is live)."""
    if live is None:
        return VersionDiff(first=True, lessons=compare_parts((), candidate.lessons),
                           questions=compare_parts((), candidate.questions))
    old_settings = dict(live.settings)
    return VersionDiff(
        first=False,
        lessons=compare_parts(live.lessons, candidate.lessons),
        questions=compare_parts(live.questions, candidate.questions),
        evaluation=compare_parts(live.evaluation, candidate.evaluation),
        survey=compare_parts(live.survey, candidate.survey),
        settings=tuple((code, old_settings.get(code), value) for code, value in candidate.settings
                       if old_settings.get(code) != value),
    )


def diff_versions(live: ContentVersion | None, candidate: ContentVersion,
                  asset_url_for: Callable[[int, str], str] | None = None) -> VersionDiff:
    """Compare two stored versions of one course; asset_url_for as given to the import."""
    def prefix(version: ContentVersion) -> str | None:
        return asset_url_for(version.id, "") if asset_url_for else None

    return compare(snapshot(live, prefix(live)) if live is not None else None,
                   snapshot(candidate, prefix(candidate)))
