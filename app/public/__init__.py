from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import (
    verify,  # noqa: E402,F401
    views,  # noqa: E402,F401
)
