"""Coordinators invite colleagues into their own organisation (removing is in views.py)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.forms import InviteForm
from app.coordinate.views import load_organisation
from app.extensions import db
from app.services import accounts, mail


@bp.route("/organisations/<int:org_id>/members/invite", methods=["POST"])
def invite_member(org_id: int):
    org = load_organisation(org_id)
    form = InviteForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("coordinate.organisation", org_id=org.id))
    lifetime = timedelta(days=current_app.config["INVITE_TOKEN_DAYS"])
    user, token = accounts.invite_coordinator(db.session, email=form.email.data, display_name=form.display_name.data,
                                              organisation=org, invited_by=current_user, lifetime=lifetime)
    db.session.commit()
    mail.send(current_app.config, user.email, _("【つながりサポーター養成講座】担当者としての招待"),
              render_template("email/invite.txt", user=user, org=org,
                              link=url_for("auth.accept_invite", token=token, _external=True),
                              days=current_app.config["INVITE_TOKEN_DAYS"]))
    flash(_("%(email)s に招待メールを送りました。", email=user.email), "success")
    return redirect(url_for("coordinate.organisation", org_id=org.id))
