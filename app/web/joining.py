"""What the public join pages and the learner's join actions share: the rate limit on codes that
are not found, and the page that says a code is unknown."""
from __future__ import annotations

from flask import Response, current_app, render_template
from flask.typing import ResponseReturnValue

from app.web.cohort_text import JOIN_ERRORS


def join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def not_found(response: Response) -> bool:
    """Only answers that found nothing count against the limit (see app/public/join.py)."""
    return response.status_code == 404


def unknown_code_page(code: str) -> ResponseReturnValue:
    message = str(JOIN_ERRORS["unknown_code"]) % {"code": code[:20]}
    return render_template("public/join_code.html", code=code[:20], error=message), 404
