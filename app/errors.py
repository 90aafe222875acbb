"""Error pages in the user's language; a server error rolls the transaction back."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from app.extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def register(app: Flask) -> None:
    def page(code: int, template: str):
        def handler(error):
            if code >= 500:
                db.session.rollback()
            if _wants_json():
                return jsonify({"error": code}), code
            return render_template(f"errors/{template}.html", error=error), code
        return handler

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page(code, str(code) if code in (403, 404, 429, 500) else "generic"))

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("errors/csrf.html", error=error), 400
