"""Joining a cohort with its code, or accepting an invitation: a logged-in trainee becomes a participant."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.learn import bp
from app.learn.forms import JoinForm
from app.models import Cohort
from app.services.cohorts import cohorts
from app.web import cohort_mail
from app.web.cohort_text import JOIN_ERRORS
from app.web.joining import join_limit, not_found, unknown_code_page


@bp.route("/my/cohorts/join", methods=["POST"])
@limiter.limit(join_limit, deduct_when=not_found)
def join_cohort():
    form = JoinForm()
    if not form.validate_on_submit() or not form.code.data:
        flash(_("参加コードを入力してください。"), "error")
        return redirect(url_for("public.join_code"))
    cohort = cohorts.find_by_code(db.session, form.code.data)
    if cohort is None:
        return unknown_code_page(form.code.data)
    landing = url_for("public.join_landing", code=cohorts.format_join_code(cohort.join_code))
    try:
        joined = cohorts.join(db.session, cohort, current_user)
    except cohorts.CohortError as error:
        db.session.rollback()
        other = db.session.get(Cohort, error.detail) if error.code == "other_cohort" else None
        flash(str(JOIN_ERRORS.get(error.code, JOIN_ERRORS["closed"])) % {"title": other.title if other else ""},
              "error")
        return redirect(landing)
    db.session.commit()
    if joined.is_new:
        cohort_mail.send_joined(current_app.config, current_user, cohort)
        flash(_("「%(title)s」への参加を受け付けました。日時と場所をメールでお送りしました。", title=cohort.title)
              if current_user.email else _("「%(title)s」に参加しました。", title=cohort.title), "success")
    else:
        flash(_("この開催回には、すでに参加しています。"), "info")
    return redirect(url_for("learn.course", slug=cohort.course.slug))


@bp.route("/my/cohorts/invitation/<token>/accept", methods=["POST"])
@limiter.limit(join_limit, deduct_when=not_found)
def accept_invitation(token: str):
    """The invited person, logged in as the invited address, says yes."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    invitation = cohorts.invitation_by_token(db.session, token)
    if invitation is None:
        abort(404)
    cohort = db.session.get(Cohort, invitation.cohort_id)
    landing = url_for("public.cohort_invitation", token=token)
    try:
        joined = cohorts.accept_invitation(db.session, invitation, current_user)
    except cohorts.CohortError as error:
        db.session.rollback()
        other = db.session.get(Cohort, error.detail) if error.code == "other_cohort" else None
        flash(str(JOIN_ERRORS.get(error.code, JOIN_ERRORS["closed"]))
              % {"title": other.title if other else "", "email": invitation.email}, "error")
        return redirect(landing)
    db.session.commit()
    if joined.is_new:
        cohort_mail.send_joined(current_app.config, current_user, cohort)
    flash(_("「%(title)s」への参加を受け付けました。日時と場所をメールでお送りしました。", title=cohort.title), "success")
    return redirect(url_for("learn.course", slug=cohort.course.slug))
