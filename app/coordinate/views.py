"""Coordinators' pages, always limited to their own organisations and areas."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.loaders import load_organisation
from app.extensions import db
from app.forms import ConfirmForm
from app.services.accounts import accounts
from app.services.organisations import organisations


@bp.route("/")
def index():
    orgs = organisations.organisations_for(db.session, current_user)
    return render_template("coordinate/index.html", organisations=orgs)


@bp.route("/organisations/<int:org_id>")
def organisation(org_id: int):
    org = load_organisation(org_id)
    return render_template("coordinate/organisation.html", org=org, form=ConfirmForm(),
                           pending=accounts.pending_invitations(db.session, org))


@bp.route("/organisations/<int:org_id>/members/<int:user_id>/remove", methods=["POST"])
def remove_member(org_id: int, user_id: int):
    org = load_organisation(org_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user_id == current_user.id:
        flash(_("自分自身は外せません。"), "error")
        return redirect(url_for("coordinate.organisation", org_id=org.id))
    try:
        organisations.remove_member(db.session, org, user_id, current_user)
    except organisations.OrganisationError:
        abort(404)
    db.session.commit()
    flash(_("担当者を外しました。"), "success")
    return redirect(url_for("coordinate.organisation", org_id=org.id))
