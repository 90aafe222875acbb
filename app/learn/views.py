"""The trainee's own pages."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from app.learn import bp


@bp.route("/my")
def my_page():
    return render_template("learn/my_page.html", user=current_user)
