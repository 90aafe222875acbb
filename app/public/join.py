"""Joining a cohort, the open part: the page a poster's QR code opens, a form to type the code, and
the page an invitation's link opens (accept: learn.accept_invitation; decline: here, no account needed).

Anyone may look at what they are about to join; joining itself needs an account (learn.join_cohort).
Only codes that are not found count against the rate limit, so a whole class scanning the poster
from one school network is never blocked, while guessing codes is."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db, limiter
from app.forms import ConfirmForm
from app.models import Cohort
from app.public import bp
from app.services.accounts.accounts import normalise_email
from app.services.cohorts import cohorts
from app.services.learning import enrolling
from app.web.cohort_text import JOIN_ERRORS
from app.web.joining import join_limit, not_found, unknown_code_page


@bp.route("/join")
def join_code():
    code = request.args.get("code")
    if code is None:
        return render_template("public/join_code.html", code="", error=None)
    normal = cohorts.normalise_join_code(code)
    if len(normal) != cohorts.JOIN_CODE_LENGTH:
        message = str(JOIN_ERRORS["unknown_code"]) % {"code": code[:20]}
        return render_template("public/join_code.html", code=code[:20], error=message), 400
    return redirect(url_for("public.join_landing", code=cohorts.format_join_code(normal)))


@bp.route("/join/<code>")
@limiter.limit(join_limit, deduct_when=not_found)
def join_landing(code: str):
    cohort = cohorts.find_by_code(db.session, code)
    if cohort is None:
        return unknown_code_page(code)
    state, other, invited = None, None, False
    if current_user.is_authenticated:
        enrolment = enrolling.enrolment_for(db.session, current_user, cohort.course)
        if enrolment is not None and enrolment.cohort_id == cohort.id:
            state = "joined"
        elif enrolment is not None and enrolment.cohort_id is not None:
            state, other = "other_cohort", db.session.get(Cohort, enrolment.cohort_id)
        # Someone invited who comes by the poster: their seat is kept, the deadline does not apply.
        invited = cohorts.pending_invitation_for(db.session, cohort, current_user) is not None
    if state is None and invited:
        state = "invited"
    if state is None and cohorts.is_closed(cohort):
        state = "closed"
    elif state is None and cohorts.seats_left(db.session, cohort) == 0:
        state = "full"
    version = enrolling.live_version(db.session, cohort.course)
    return render_template("public/join.html", cohort=cohort, org=cohort.organisation, state=state, other=other,
                           course_title=version.title if version else "",
                           seats_left=cohorts.seats_left(db.session, cohort),
                           here=url_for("public.join_landing", code=cohorts.format_join_code(cohort.join_code)))


def _invitation_or_404(token: str):
    invitation = cohorts.invitation_by_token(db.session, token)
    if invitation is None:
        # One page for a wrong, used, expired or withdrawn link: none of them tells anything.
        abort(404)
    return invitation


@bp.route("/join/invitation/<token>")
@limiter.limit(join_limit, deduct_when=not_found)
def cohort_invitation(token: str):
    """An invitation's page: what it is for, and accept (logged in as the invited address) or decline."""
    invitation = _invitation_or_404(token)
    cohort = db.session.get(Cohort, invitation.cohort_id)
    state, other = "login", None
    if current_user.is_authenticated:
        state = "ready" if normalise_email(current_user.email or "") == invitation.email else "wrong_account"
        enrolment = enrolling.enrolment_for(db.session, current_user, cohort.course) if state == "ready" else None
        if enrolment is not None and enrolment.cohort_id not in (None, cohort.id):
            state, other = "other_cohort", db.session.get(Cohort, enrolment.cohort_id)
    version = enrolling.live_version(db.session, cohort.course)
    here = url_for("public.cohort_invitation", token=token)
    response = render_template("public/invitation.html", invitation=invitation, cohort=cohort, org=cohort.organisation,
                               course_title=version.title if version else "", state=state, other=other, token=token,
                               form=ConfirmForm(), here=here)
    # The link is a one-time secret: not kept by shared computers or proxies.
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/join/invitation/<token>/decline", methods=["POST"])
@limiter.limit(join_limit, deduct_when=not_found)
def decline_cohort_invitation(token: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    invitation = _invitation_or_404(token)
    cohort = db.session.get(Cohort, invitation.cohort_id)
    cohorts.decline_invitation(db.session, invitation)
    db.session.commit()
    flash(_("「%(title)s」への招待を辞退しました。参加者にはなりません。主催者には「辞退」とだけ伝わります。",
            title=cohort.title), "success")
    return redirect(url_for("public.index"))
