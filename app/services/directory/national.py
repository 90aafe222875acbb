"""The national phone lines a course bundle already lists in its lesson with the local-support block.

The card (名刺サイズ) prints them beside the town's places. They are read from the lesson's stored
HTML, as the bundle wrote them (content/README.md, "Local support"): a bold name at the start of a
list item or a `###` heading, then an item `電話：**number**`; the item starting with 受付：
gives the hours (children's lessons may write the hours without the label: the first later item
that mentions a time is taken). No number is ever made up here: a line without `電話：**...**`
is not a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Audience, ContentVersion, Course, Lesson
from app.services.content.render import LOCAL_SUPPORT_PLACEHOLDER

_PHONE_LABEL = "電話："
_HOURS_LABEL = "受付："
_PHONE_RE = re.compile(r"^[#0-9][0-9-]{2,15}$")


@dataclass(frozen=True)
class NationalLine:
    name: str
    phone: str
    hours: str = ""


class _Reader(HTMLParser):
    """Collects (name, phone, hours) from headings and list items, ignoring furigana readings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[NationalLine] = []
        self._stack: list[str] = []
        self._name = ""
        self._current: dict[str, str] | None = None
        self._item = ""  # text of the innermost open <li> or <h3>
        self._item_strong = ""
        self._strong_first = False  # the item began with <strong>
        self._in_strong = False
        self._skip = 0  # inside <rt>/<rp>

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("rt", "rp"):
            self._skip += 1
        elif tag in ("li", "h2", "h3", "h4"):
            self._stack.append(tag)
            self._item, self._item_strong, self._strong_first = "", "", False
        elif tag == "strong":
            self._in_strong = True
            if not self._item.strip():
                self._strong_first = True
        elif tag == "ul" and self._stack and self._stack[-1] == "li":
            self._close_item("li", nested=True)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("rt", "rp"):
            self._skip -= 1
        elif tag == "strong":
            self._in_strong = False
        elif tag in ("li", "h2", "h3", "h4") and self._stack:
            self._close_item(self._stack.pop())
            self._item, self._item_strong, self._strong_first = "", "", False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._item += data
        if self._in_strong:
            self._item_strong += data

    def _close_item(self, tag: str, nested: bool = False) -> None:
        text = " ".join(self._item.split())
        if not text:
            return
        if tag in ("h2", "h4"):
            self._finish()
            self._name = ""
        elif tag == "h3" or (nested and self._strong_first):
            self._finish()
            self._name = self._item_strong.strip() if nested else text
        elif tag == "li":
            self._item_line(text)
        if nested:
            self._item, self._item_strong, self._strong_first = "", "", False

    def _item_line(self, text: str) -> None:
        phone = self._item_strong.strip()
        if text.startswith(_PHONE_LABEL) and self._name and _PHONE_RE.match(phone):
            self._finish()
            self._current = {"name": self._name, "phone": phone, "hours": ""}
        elif self._current is not None and not self._current["hours"]:
            if text.startswith(_HOURS_LABEL):
                self._current["hours"] = text.removeprefix(_HOURS_LABEL)
            elif "時" in text and len(text) <= 60 and not text.startswith("運営"):
                self._current["hours"] = text

    def _finish(self) -> None:
        if self._current is not None:
            self.lines.append(NationalLine(**self._current))
            self._current = None

    def close(self) -> None:
        super().close()
        self._finish()


def lines_in(lesson_html: str) -> list[NationalLine]:
    """The national lines written after the local-support block of a lesson (all, if it has none)."""
    _, found, after = lesson_html.partition(LOCAL_SUPPORT_PLACEHOLDER)
    reader = _Reader()
    reader.feed(after if found else lesson_html)
    reader.close()
    seen: set[str] = set()
    unique = []
    for line in reader.lines:
        if line.phone not in seen:
            seen.add(line.phone)
            unique.append(line)
    return unique


def course_lines(session: Session, audience: Audience) -> list[NationalLine]:
    """The national lines of the published course for `audience` whose live version has a lesson
    with the local-support block (the first such course by slug); [] when there is none."""
    stmt = (sa.select(Lesson.html)
            .join(ContentVersion, ContentVersion.id == Lesson.version_id)
            .join(Course, Course.live_version_id == ContentVersion.id)
            .where(Course.audience == audience, Lesson.has_local_support.is_(True))
            .order_by(Course.slug, Lesson.position).limit(1))
    html = session.scalar(stmt)
    return lines_in(html) if html else []


def furigana_grade(session: Session, audience: Audience) -> int:
    """The furigana grade of the live children's course (0 when none is published)."""
    stmt = (sa.select(ContentVersion.meta).join(Course, Course.live_version_id == ContentVersion.id)
            .where(Course.audience == audience).order_by(Course.slug).limit(1))
    meta = session.scalar(stmt) or {}
    return int(meta.get("furigana_grade") or 0)
