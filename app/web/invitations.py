"""Inviting a coordinator into an organisation: the same steps whether an admin or a colleague in
the organisation sends the invitation (app/admin/views.py, app/coordinate/members.py)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.extensions import db
from app.models import Organisation
from app.services.accounts import accounts
from app.services.infra import mail
from app.urls import external_url


def send_invitation(org: Organisation, form: FlaskForm, back_url: str):
    """Check the posted invitation form, create the invited account with a one-time link, mail it
    and go back to `back_url` with a message (the form's errors when it did not validate)."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back_url)
    days = current_app.config["INVITE_TOKEN_DAYS"]
    user, token = accounts.invite_coordinator(db.session, email=form.email.data, display_name=form.display_name.data,
                                              organisation=org, invited_by=current_user, lifetime=timedelta(days=days))
    db.session.commit()
    mail.send(current_app.config, user.email, _("【つながりサポーター養成講座】担当者としての招待"),
              render_template("email/invite.txt", user=user, org=org,
                              link=external_url("auth.accept_invite", token=token), days=days))
    flash(_("%(email)s に招待メールを送りました。", email=user.email), "success")
    return redirect(back_url)
