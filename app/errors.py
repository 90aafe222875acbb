"""Error pages in the user's language; a server error rolls the transaction back."""
from __future__ import annotations

import contextlib

from flask import Flask, current_app, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

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

    # The 413 page reads nothing of the refused body: the request's form is left empty when it is
    # too large (app/request_guard.py), so the page's own forms render instead of failing again.
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, page(code, str(code) if code in (403, 404, 413, 429, 500) else "generic"))

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template("errors/csrf.html", error=error), 400

    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse order).
    @app.teardown_appcontext
    def _end_session_even_if_the_connection_died(exc):
        # The page is made, but PostgreSQL went away before the final ROLLBACK (a restart):
        # the transaction died with the connection, the pool drops it, and the answer still goes
        # out instead of a bare 500.
        try:
            db.session.remove()
        except (OperationalError, InterfaceError) as error:
            app.logger.warning("connection lost while closing the session: %s", str(error).splitlines()[0])
            with contextlib.suppress(DBAPIError):
                db.session.remove()  # closing again finds the connection invalidated
            db.session.registry.clear()

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error):
        # The database is down or restarting: a calm 503 that load balancers and people retry.
        # Rendered straight from the template, because the usual context (the logged-in user,
        # their language) would ask the database again.
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone already; the pool replaces it (pre-ping)
            pass
        headers = {"Retry-After": "5", "Cache-Control": "no-store"}
        if _wants_json():
            return jsonify({"error": 503, "database": "unavailable"}), 503, headers
        html = current_app.jinja_env.get_template("errors/503.html").render(
            css_url=url_for("static", filename="css/app.css"))
        return html, 503, headers
