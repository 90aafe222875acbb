"""The つなぐ先 card (名刺サイズ 91x55 mm, two sides): the town's places to turn to on the front, the
national lines from the course bundle on the back. One card for a trainee, or an A4 sheet of ten
for a coordinator to print for an in-person session (fronts on page 1, backs on page 2)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from app.extensions import db
from app.models import Audience, DirectoryEntry, Municipality
from app.services.certificates import documents
from app.services.content import furigana
from app.services.directory import entries as directory_entries
from app.services.directory import national
from app.urls import external_url

# How many of the town's places fit on the front; the rest are on the public page it names.
FRONT_PLACES = 4
SHEET_CARDS = 10  # 2 x 5 on A4
NATIONAL_PORTAL = "https://www.notalone-cao.go.jp/"


@dataclass(frozen=True)
class Place:
    """One place as shown to a reader: plain words for adults, children's words (with ruby) for pupils."""

    entry: DirectoryEntry
    words: Markup
    needs_check: bool


def places_for(municipality: Municipality | None, *, children: bool, grade: int = 0) -> list[Place]:
    if municipality is None:
        return []
    found = directory_entries.published(db.session, municipality.code, children_only=children)
    today = directory_entries.today_jst()
    out = []
    for entry in found:
        text = (entry.children_wording or entry.helps_with) if children else entry.helps_with
        words = Markup(furigana.annotate(text, grade)) if children and grade else Markup.escape(text)
        out.append(Place(entry, words, directory_entries.needs_check(entry, today)))
    return out


def ruby(text: str, grade: int) -> Markup:
    """Plain text with furigana over kanji above `grade` (the lessons' engine), escaped."""
    return Markup(furigana.annotate(text, grade)) if grade else Markup.escape(text)


def card_pdf(municipality: Municipality | None, *, children: bool, sheet: bool = False) -> bytes:
    """The card as PDF. Raises FontMissingError like every other document."""
    audience = Audience.CHILDREN if children else Audience.ADULT
    grade = national.furigana_grade(db.session, audience) if children else 0
    places = places_for(municipality, children=children, grade=grade)
    public_url = external_url("public.directory_page", code=municipality.code) if municipality else None
    html = render_template(
        "pdf/support_card.html", municipality=municipality, places=places[:FRONT_PLACES],
        more=max(0, len(places) - FRONT_PLACES), lines=national.course_lines(db.session, audience),
        children=children, grade=grade, ruby=ruby, portal=NATIONAL_PORTAL, public_url=public_url,
        copies=SHEET_CARDS if sheet else 1, sheet=sheet)
    return documents.html_to_pdf(html)
