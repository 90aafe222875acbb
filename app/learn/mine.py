"""The trainee's own sessions and name, from マイページ: leaving a session they joined (confirm page,
audited, refused after attendance) and correcting the spelling of their name until a certificate
is printed (after that, the issuing organisation reissues it)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.extensions import db
from app.forms import ConfirmForm, PrintableName, printable_text
from app.learn import bp
from app.services.certificates import own_name
from app.services.certificates.issuing import CertificateError
from app.services.cohorts import cohorts


class NameForm(FlaskForm):
    display_name = StringField(
        _l("お名前（修了証に印刷されます）"), filters=[printable_text],
        validators=[DataRequired(message=_l("入力してください。")),
                    Length(max=60, message=_l("%(max)d文字以内で入力してください。")), PrintableName("holder_name")])
    submit = SubmitField(_l("名前を直す"))


def _joined(cohort_id: int) -> cohorts.JoinedSession | None:
    """The viewer's own joined session; None for any other cohort, as for a missing one."""
    return next((s for s in cohorts.sessions_of(db.session, current_user) if s.cohort.id == cohort_id), None)


def _cannot_leave(joined: cohorts.JoinedSession, code: str):
    """Back to マイページ with why the session cannot be left (cohorts.leave's error codes)."""
    if code == "cancelled":
        flash(_("この開催回は中止になりました。参加をやめる手続きはいりません。学習の記録と修了証は、そのまま残ります。"),
              "info")
    else:
        flash(_("この開催回は出席が記録されているため、参加をやめることはできません。まちがいのときは、主催者（%(org)s）にご連絡ください。",
                org=joined.organisation.name), "error")
    return redirect(url_for("learn.my_page") + "#sessions")


@bp.route("/my/sessions/<int:cohort_id>/leave", methods=["GET", "POST"])
def leave_session(cohort_id: int):
    joined = _joined(cohort_id)
    if joined is None:
        # The same answer for a cohort left already, someone else's and a missing one.
        flash(_("この開催回には参加していません。"), "info")
        return redirect(url_for("learn.my_page") + "#sessions")
    form = ConfirmForm()
    if joined.cohort.cancelled_at is not None:
        return _cannot_leave(joined, "cancelled")
    if joined.has_attended:
        return _cannot_leave(joined, "attended")
    if form.validate_on_submit():
        try:
            cohorts.leave(db.session, joined.cohort, current_user)
        except cohorts.CohortError as error:
            db.session.rollback()
            return _cannot_leave(joined, error.code)
        db.session.commit()
        flash(_("「%(title)s」への参加をやめました。講座の学習は、このまま続けられます。", title=joined.cohort.title), "success")
        return redirect(url_for("learn.my_page") + "#sessions")
    return render_template("learn/leave_session.html", joined=joined, form=form)


@bp.route("/my/name", methods=["GET", "POST"])
def own_name_page():
    if current_user.is_pupil:
        abort(404)  # a pupil's name is kept by their teacher
    printed = own_name.printed_certificates(db.session, current_user)
    form = NameForm(display_name=current_user.display_name)
    if not printed and form.validate_on_submit():
        try:
            changed = own_name.correct_own_name(db.session, current_user, form.display_name.data)
        except CertificateError:
            db.session.rollback()
            return redirect(url_for("learn.own_name_page"))
        db.session.commit()
        flash(_("お名前を直しました。") if not changed
              else _("お名前を直しました。修了証にも、直したお名前が印刷されます。"), "success")
        return redirect(url_for("learn.my_page"))
    return render_template("learn/own_name.html", form=form, printed=printed)
