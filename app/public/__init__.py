from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import directory, join, opendata, privacy, sessions, verify, views  # noqa: E402,F401
