"""The privacy notice (個人情報の取り扱い), in plain Japanese, for everyone."""
from __future__ import annotations

from flask import current_app, render_template

from app.public import bp


@bp.route("/privacy")
def privacy():
    config = current_app.config
    return render_template("public/privacy.html", retention_years=config["RETENTION_YEARS"],
                           operator_name=config["OPERATOR_NAME"], contact=config["PRIVACY_CONTACT"],
                           threshold=config["SUPPRESSION_THRESHOLD"])
