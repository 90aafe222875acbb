"""つなぐ先 for trainees and pupils: their town's directory in the lesson's local-support box,
and the card (名刺サイズ) to download from the lesson and from マイページ."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import request, url_for
from flask_login import current_user

from app.extensions import db
from app.learn import bp
from app.models import Audience, Course, Municipality
from app.services.certificates.fonts import FontMissingError
from app.services.directory import national
from app.web import pagecache, support_cards
from app.web.pdf import font_missing_page, pdf_response


@dataclass(frozen=True)
class SupportBox:
    """What the local-support box of a lesson shows beside the municipality's own site."""

    places: list[support_cards.Place]
    children: bool
    lines: list[national.NationalLine]
    card_url: str

    @property
    def entries(self) -> list:
        return [place.entry for place in self.places]

    @property
    def words(self) -> dict:
        return {place.entry.id: place.words for place in self.places}

    @property
    def stale(self) -> set[int]:
        return {place.entry.id for place in self.places if place.needs_check}


def _course_of_request() -> Course | None:
    slug = (request.view_args or {}).get("slug")
    return db.session.scalar(sa.select(Course).where(Course.slug == slug)) if slug else None


def support_box(municipality: Municipality | None) -> SupportBox:
    """The town's places for the lesson being shown: the entries for children, in their words
    and with furigana, in a children's course; every entry in the adult course."""
    course = _course_of_request()
    children = course is not None and course.audience is Audience.CHILDREN
    grade = 0
    if children and course.live_version is not None:
        grade = int(course.live_version.meta.get("furigana_grade") or 0)
    audience = Audience.CHILDREN if children else Audience.ADULT
    places = support_cards.places_for(municipality, children=children, grade=grade)
    if places:
        # A coordinator's edit must show on the next load; the page-cache key does not cover the
        # directory. A town without one keeps the cache: its first entry shows within
        # PAGE_CACHE_SECONDS.
        pagecache.dont_keep()
    return SupportBox(places=places,
                      children=children, lines=national.course_lines(db.session, audience),
                      card_url=url_for("learn.support_card", children=1 if children else None))


@bp.context_processor
def _support_directory() -> dict:
    # A function, so pages without the box pay nothing.
    return {"support_directory": support_box}


@bp.route("/my/support-card.pdf")
def support_card():
    children = current_user.is_pupil or request.args.get("children") == "1"
    try:
        data = support_cards.card_pdf(current_user.municipality, children=children)
    except FontMissingError as error:
        return font_missing_page(error)
    return pdf_response(data, "tsunagu-card.pdf")
