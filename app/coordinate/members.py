"""Coordinators invite colleagues into their own organisation (removing is in views.py)."""
from __future__ import annotations

from flask import url_for

from app.coordinate import bp
from app.coordinate.forms import InviteForm
from app.coordinate.loaders import load_organisation
from app.web.invitations import send_invitation


@bp.route("/organisations/<int:org_id>/members/invite", methods=["POST"])
def invite_member(org_id: int):
    org = load_organisation(org_id)
    return send_invitation(org, InviteForm(), url_for("coordinate.organisation", org_id=org.id))
