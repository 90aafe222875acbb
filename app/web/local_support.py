"""The "where to ask in your town" box that lessons show, on screen, on the projector and on paper."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from app.models import Municipality

NATIONAL_PORTAL = "https://www.notalone-cao.go.jp/"


def local_support(municipality: Municipality | None, template: str = "learn/_local_support.html") -> Markup:
    """The box for `municipality` (the viewer's, or the organiser's), with the national portal."""
    return Markup(render_template(template, municipality=municipality, portal=NATIONAL_PORTAL))
