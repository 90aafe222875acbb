"""The open data's supporter counts for pages of any blueprint (home page, prefecture dashboard),
kept as long as the open-data file: they change once a fiscal year ends."""
from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.services.infra import cache
from app.services.statistics import headline, opendata
from app.services.statistics.headline import PublishedCounts


def published_counts() -> PublishedCounts:
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    return cache.remember(("published_counts", threshold, tuple(opendata.published_years())),
                          current_app.config["OPENDATA_CACHE_SECONDS"],
                          lambda: headline.published_counts(db.session, threshold))
