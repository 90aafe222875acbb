"""Open data (no login): the supporters CSV and the page that describes it."""
from __future__ import annotations

from flask import current_app, render_template

from app.extensions import db, limiter
from app.public import bp
from app.services.infra import cache
from app.services.statistics import opendata, tilemap
from app.services.statistics.suppression import MARK
from app.web.dates import fiscal_year_text as fiscal_year_label
from app.web.downloads import download
from app.web.published import published_counts

CSV_NAME = "tsunagari_supporters.csv"


@bp.route("/opendata")
def opendata_index():
    years = opendata.published_years()
    # The 47 prefectures of the last published year, as the CSV has them (suppressed where it is).
    national = published_counts()
    national_map = tilemap.tile_map({p.code: (p.name, p.supporters) for p in national.prefectures}) \
        if national.fiscal_year else None
    return render_template("public/opendata.html", columns=opendata.COLUMNS, years=years,
                           year_labels={y: fiscal_year_label(y) for y in years},
                           national=national, national_map=national_map, mark=MARK,
                           threshold=current_app.config["SUPPRESSION_THRESHOLD"],
                           no_municipality=opendata.NO_MUNICIPALITY)


@bp.route("/opendata/supporters.csv")
@limiter.limit("60 per minute")
def opendata_supporters_csv():
    threshold = current_app.config["SUPPRESSION_THRESHOLD"]
    data = cache.remember(("opendata_supporters", threshold, tuple(opendata.published_years())),
                          current_app.config["OPENDATA_CACHE_SECONDS"],
                          lambda: opendata.supporters_csv(db.session, threshold))
    # Only ended fiscal years are published: the file changes once a year, so caches may keep it.
    return download(data, "text/csv", CSV_NAME, cache_control="public, max-age=3600")
