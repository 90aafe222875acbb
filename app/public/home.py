"""The home page's figures: the course's length and the published supporter counts, both cached,
and the area a visitor picked with the GET form (prefecture first, then municipality)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Audience
from app.services.content import overview
from app.services.infra import cache
from app.services.statistics.headline import AreaCount, PublishedCounts
from app.services.statistics.suppression import MARK
from app.web.dates import fiscal_year_text as fiscal_year_label
from app.web.published import published_counts


@dataclass(frozen=True)
class Picked:
    prefecture: AreaCount | None = None
    town: AreaCount | None = None
    error: str | None = None  # "prefecture" or "town": the code given is not one we know


def adult_minutes() -> int | None:
    """Minutes of the live adult course's lessons; a publish shows within AREA_CACHE_SECONDS."""
    return cache.remember(("live_minutes", Audience.ADULT.value), current_app.config["AREA_CACHE_SECONDS"],
                          lambda: overview.live_minutes(db.session, Audience.ADULT))


def pick(counts: PublishedCounts, args: MultiDict) -> Picked:
    """The area chosen by ?town=292095 or ?pref=29; a signed-in trainee's own town by default."""
    town_code = args.get("town", "").strip()
    pref_code = args.get("pref", "").strip()
    if not town_code and not pref_code and current_user.is_authenticated:
        town_code = current_user.municipality_code or ""
    if town_code:
        town = counts.municipality(town_code) if len(town_code) == 6 and town_code.isdigit() else None
        if town is None:
            return Picked(error="town")
        return Picked(counts.prefecture(town_code[:2]), town)
    if pref_code:
        prefecture = counts.prefecture(pref_code) if len(pref_code) == 2 else None
        return Picked(prefecture) if prefecture is not None else Picked(error="prefecture")
    return Picked()


def context(args: MultiDict) -> dict:
    counts = published_counts()
    return {"counts": counts, "picked": pick(counts, args), "minutes": adult_minutes(), "mark": MARK,
            "fiscal_year_label": fiscal_year_label}
