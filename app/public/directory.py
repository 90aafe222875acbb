"""つなぐ先 in public (no login): each municipality's directory, and all of them as open data."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template

from app.extensions import db, limiter
from app.models import Audience, DirectoryEntry, EntryStatus, Municipality
from app.public import bp
from app.services.directory import entries, national, opendata
from app.web.downloads import download

CSV_NAME = "tsunagari_directory.csv"


@bp.route("/directory")
def directory_index():
    """Towns that have a directory, with how many places each lists."""
    counts = db.session.execute(
        sa.select(Municipality, sa.func.count(DirectoryEntry.id))
        .join(DirectoryEntry, DirectoryEntry.municipality_code == Municipality.code)
        .where(DirectoryEntry.status == EntryStatus.PUBLISHED)
        .group_by(Municipality.code).order_by(Municipality.code)).all()
    return render_template("public/directory_index.html", towns=counts)


@bp.route("/directory/<code>")
def directory_page(code: str):
    municipality = db.session.get(Municipality, code) if code.isdigit() and len(code) == 6 else None
    if municipality is None:
        abort(404)
    found = entries.published(db.session, code)
    today = entries.today_jst()
    return render_template("public/directory.html", municipality=municipality, entries=found,
                           stale={e.id for e in found if entries.needs_check(e, today)},
                           lines=national.course_lines(db.session, Audience.ADULT))


@bp.route("/opendata/directory.csv")
@limiter.limit("60 per minute")
def opendata_directory_csv():
    return download(opendata.directory_csv(db.session), "text/csv", CSV_NAME, cache_control=None)
