"""Coordinators' changes to a cohort that take something away: removing a participant, cancelling
(中止) the cohort. Each has a confirm page saying what stays (app/services/cohorts/removal.py)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.coordinate import bp
from app.coordinate.loaders import load_cohort
from app.extensions import db
from app.forms import ConfirmForm
from app.jobs import dispatch_cancellation
from app.models import User
from app.services.cohorts import removal


def _back(org_id: int, cohort_id: int, anchor: str = ""):
    return redirect(url_for("coordinate.cohort_detail", org_id=org_id, cohort_id=cohort_id) + anchor)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/participants/<int:enrolment_id>/remove",
          methods=["GET", "POST"])
def cohort_participant_remove(org_id: int, cohort_id: int, enrolment_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        kept = removal.remove_participant(db.session, cohort, enrolment_id, actor=current_user)
        db.session.commit()
        if kept is None:  # a second submit, or someone else was quicker: nothing more happens
            flash(_("この人は、すでにこの開催回の参加者ではありません。"), "info")
        else:
            flash(_("参加者の一覧から外しました。修了と証書はそのままです。"), "success")
        return _back(org.id, cohort.id, "#participants")
    enrolment = removal.participant_in(db.session, cohort, enrolment_id)
    if enrolment is None:
        return _back(org.id, cohort.id, "#participants")
    return render_template("coordinate/cohort_participant_remove.html", org=org, cohort=cohort, form=form,
                           person=db.session.get(User, enrolment.user_id),
                           kept=removal.consequences(db.session, enrolment))


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/cancel", methods=["GET", "POST"])
def cohort_cancel(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        user_ids = removal.cancel_cohort(db.session, cohort, actor=current_user)
        db.session.commit()
        if user_ids is None:
            flash(_("この開催回は、すでに中止になっています。"), "info")
        else:
            dispatch_cancellation(current_app._get_current_object(), cohort.id, user_ids)
            flash(_("開催回を中止しました。参加者 %(n)d人に、中止のお知らせのメールを送ります。", n=len(user_ids)),
                  "success")
        return _back(org.id, cohort.id)
    if cohort.cancelled_at is not None:
        flash(_("この開催回は、すでに中止になっています。"), "info")
        return _back(org.id, cohort.id)
    return render_template("coordinate/cohort_cancel.html", org=org, cohort=cohort, form=form,
                           participants=len(removal.participants(db.session, cohort)))
