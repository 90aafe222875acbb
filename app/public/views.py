"""Pages and endpoints open to everyone: landing, health, municipality look-up, language."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.public import bp
from app.services import municipalities


@bp.route("/")
def index():
    return render_template("public/index.html")


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
    from app.auth.views import safe_next

    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


@bp.app_context_processor
def _confirm_form():
    # Every page has a logout button, which posts through a CSRF-protected form.
    return {"confirm_form": ConfirmForm()}
