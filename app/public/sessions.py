"""The public session finder (開催予定の講座をさがす) and its feeds, open to everyone.

Only cohorts marked public by their organisers, upcoming and still open for registration, appear
(app.services.platform.finder). Per municipality, prefecture and platform there is an iCalendar
feed, a JSON feed and an HTML snippet a town's own web site may fetch; the open data CSV lists
every upcoming public session. Each search or feed is one query, whatever the size of the data."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db, limiter
from app.models import Audience, CohortMode, Municipality, Platform, Prefecture
from app.public import bp
from app.services.cohorts.cohorts import format_join_code
from app.services.infra import exports
from app.services.organisations import municipalities
from app.services.platform import finder
from app.urls import base_url, external_url
from app.web.downloads import download

AUDIENCE_LABELS = {Audience.ADULT: _l("一般向け（大人）"), Audience.CHILDREN: _l("子ども向け（小・中学生）")}
FEED_KINDS = "any(municipality,prefecture,platform)"
FEED_CACHE = "public, max-age=300"
FEED_LIMIT = "120 per minute"


def session_url(session: finder.PublicSession) -> str:
    """The session's public page (the existing join page), which has the join button."""
    return external_url("public.join_landing", code=format_join_code(session.join_code))


def _date(name: str) -> dt.date | None:
    """A date from the query string; None when unreadable or at the calendar's very ends, where
    turning Japan's midnight into UTC or adding the last day's 24 hours overflows (a 500 before)."""
    try:
        day = dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if dt.MINYEAR < day.year < dt.MAXYEAR else None


def _enum(enum_cls, name: str):
    try:
        return enum_cls(request.args.get(name, ""))
    except ValueError:
        return None


def _filters_from_args() -> tuple[finder.Filters, Municipality | None, str]:
    """The finder's filters from the query string; unknown values are ignored, never an error."""
    code = request.args.get("municipality_code", "").strip()
    town = db.session.get(Municipality, code) if len(code) == 6 and code.isdigit() else None
    pref = request.args.get("prefecture", "").strip()
    pref = town.prefecture_code if town else (pref if len(pref) == 2 and pref.isdigit() else "")
    filters = finder.Filters(prefecture_code=pref or None, municipality_code=town.code if town else None,
                             date_from=_date("from"), date_to=_date("to"), mode=_enum(CohortMode, "mode"),
                             audience=_enum(Audience, "audience"))
    return filters, town, pref


@bp.route("/sessions")
@limiter.limit(FEED_LIMIT)
def sessions_finder():
    filters, town, pref = _filters_from_args()
    page = max(request.args.get("page", 1, type=int), 1)
    found, more = finder.search(db.session, filters, page=page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "public/sessions.html", sessions=found, more=more, page=page, filters=filters, town=town,
        prefectures=municipalities.all_prefectures(db.session),
        municipality_options=municipalities.in_prefecture(db.session, pref) if pref else [],
        audience_labels=AUDIENCE_LABELS, modes=list(CohortMode), args=args, session_url=session_url,
        feed=(("municipality", town.code) if town else ("prefecture", pref) if pref else None))


# --- feeds ----------------------------------------------------------------------------------------------

def _feed_filters(kind: str, code: str) -> tuple[finder.Filters, str]:
    """The feed's filters and its name; 404 for an unknown area or platform."""
    if kind == "municipality":
        town = db.session.get(Municipality, code) if len(code) == 6 and code.isdigit() else None
        if town is None:
            abort(404)
        return finder.Filters(municipality_code=town.code), town.full_name
    if kind == "prefecture":
        pref = db.session.get(Prefecture, code) if len(code) == 2 and code.isdigit() else None
        if pref is None:
            abort(404)
        return finder.Filters(prefecture_code=pref.code), pref.name
    # isascii: "²" passes isdigit() but not int() (a 500 before).
    platform = db.session.get(Platform, int(code)) if code.isascii() and code.isdigit() and len(code) < 10 else None
    if platform is None:
        abort(404)
    return finder.Filters(platform_id=platform.id, platform_organisation_id=platform.organisation_id), platform.name


def _feed_response(body: bytes | str, mimetype: str, *, cross_origin: bool = False):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = FEED_CACHE
    if cross_origin:
        # Read by a town's own web site from its visitors' browsers; nothing here is private.
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route(f"/sessions/<{FEED_KINDS}:kind>/<code>.ics")
@limiter.limit(FEED_LIMIT)
def sessions_ics(kind: str, code: str):
    filters, name = _feed_filters(kind, code)
    text = finder.FeedText(calendar_name=_("%(name)s つながりサポーター養成講座 開催予定", name=name),
                           online=_("オンライン"), description=_("主催: %(organiser)s\n申し込み: %(url)s"))
    host = urlsplit(base_url()).hostname or "localhost"  # never the request's Host header
    body = finder.ics_bytes(finder.upcoming(db.session, filters), text, url_for_session=session_url, host=host)
    return _feed_response(body, "text/calendar; charset=utf-8")


@bp.route(f"/sessions/<{FEED_KINDS}:kind>/<code>.json")
@limiter.limit(FEED_LIMIT)
def sessions_json(kind: str, code: str):
    filters, name = _feed_filters(kind, code)
    found = finder.upcoming(db.session, filters)
    body = {"name": name, "finder": external_url("public.sessions_finder"),
            "sessions": [finder.as_json(s, session_url(s)) for s in found]}
    return _feed_response(json.dumps(body, ensure_ascii=False), "application/json", cross_origin=True)


@bp.route(f"/sessions/<{FEED_KINDS}:kind>/<code>/embed.html")
@limiter.limit(FEED_LIMIT)
def sessions_embed(kind: str, code: str):
    """An HTML fragment (no page around it) for a town's site to fetch and insert as it is."""
    filters, name = _feed_filters(kind, code)
    body = render_template("public/_sessions_embed.html", sessions=finder.upcoming(db.session, filters, limit=20),
                           name=name, session_url=session_url)
    return _feed_response(body, "text/html", cross_origin=True)


@bp.route(f"/sessions/<{FEED_KINDS}:kind>/<code>/feeds")
def sessions_embed_help(kind: str, code: str):
    """The addresses of the three feeds and how a town's web site uses them."""
    _filters, name = _feed_filters(kind, code)
    urls = {fmt: external_url(endpoint, kind=kind, code=code) for fmt, endpoint in
            (("ics", "public.sessions_ics"), ("json", "public.sessions_json"), ("html", "public.sessions_embed"))}
    return render_template("public/sessions_feeds.html", name=name, urls=urls,
                           webcal=urls["ics"].replace("https://", "webcal://", 1).replace("http://", "webcal://", 1))


@bp.route("/opendata/sessions.csv")
@limiter.limit(FEED_LIMIT)
def opendata_sessions_csv():
    found = finder.upcoming(db.session, finder.Filters(), limit=100_000)
    body = exports.csv_bytes(list(finder.CSV_COLUMNS), finder.csv_rows(found, session_url))
    return download(body, "text/csv; charset=utf-8", "tsunagari_upcoming_sessions.csv", cache_control=FEED_CACHE)

