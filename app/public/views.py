"""Pages and endpoints open to everyone: landing, health, municipality look-up, language."""
from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from app.extensions import db, limiter
from app.models import Asset, ContentVersion, Role
from app.public import bp, home
from app.services.organisations import municipalities
from app.urls import safe_next


@bp.route("/")
def index():
    return render_template("public/index.html", **home.context(request.args))


@bp.route("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


def _as_json(m) -> dict:
    return {
        "code": m.code,
        "name": m.name,
        "kana": m.kana,
        "prefecture": m.prefecture.name,
        "prefecture_code": m.prefecture_code,
        "url": m.url,
    }


@bp.route("/api/municipalities")
@limiter.limit("120 per minute")
def api_municipalities():
    prefecture = request.args.get("prefecture", "").strip()
    if prefecture:
        if len(prefecture) != 2 or not prefecture.isdigit():
            return jsonify({"error": "prefecture must be a 2-digit code, e.g. 29"}), 400
        found = municipalities.in_prefecture(db.session, prefecture)
    else:
        found = municipalities.search(db.session, request.args.get("q", ""))
    return jsonify([_as_json(m) for m in found])


@bp.route("/language", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


@bp.route("/content/<int:version_id>/<path:path>")
def content_asset(version_id: int, path: str):
    """An image or media file of a course version: published versions for all, others for admins."""
    version = db.session.get(ContentVersion, version_id)
    if version is None:
        abort(404)
    is_admin = current_user.is_authenticated and current_user.role is Role.ADMIN
    if version.published_at is None and not is_admin:
        abort(404)
    asset = db.session.scalar(sa.select(Asset).where(Asset.version_id == version_id, Asset.path == path))
    if asset is None:
        abort(404)
    response = current_app.response_class(asset.data, mimetype=asset.mime)
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"  # versions never change
    if asset.mime == "image/svg+xml":
        # Checked on import, but an SVG opened on its own is a document: run nothing, load nothing.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.set_etag(asset.sha256)
    return response.make_conditional(request)
