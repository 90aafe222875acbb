"""What every page's layout needs, whichever blueprint renders it (registered by create_app)."""
from __future__ import annotations

from flask import Flask, has_request_context
from flask_login import current_user

from app.forms import ConfirmForm
from app.models import TextSize


def reading_preferences() -> dict[str, str]:
    """Classes for the viewer's text size, furigana and the children's theme."""
    if not current_user or not current_user.is_authenticated:
        return {"reading_class": ""}
    classes = {TextSize.LARGE: "text-large", TextSize.XLARGE: "text-xlarge"}.get(current_user.text_size, "").split()
    if not current_user.is_furigana_on:
        classes.append("furigana-off")
    if current_user.is_pupil:
        classes.append("theme-children")
    return {"reading_class": " ".join(classes)}


def confirm_form() -> dict[str, ConfirmForm]:
    # Every page has a logout button, which posts through a CSRF-protected form; e-mails
    # rendered outside a request need none.
    return {"confirm_form": ConfirmForm()} if has_request_context() else {}


def register(app: Flask) -> None:
    app.context_processor(reading_preferences)
    app.context_processor(confirm_form)
