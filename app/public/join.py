"""Joining a cohort, the open part: the page a poster's QR code opens, and a form to type the code.

Anyone may look at what they are about to join; joining itself needs an account (learn.join_cohort).
Only codes that are not found count against the rate limit, so a whole class scanning the poster
from one school network is never blocked, while guessing codes is."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user

from app.cohort_text import JOIN_ERRORS
from app.extensions import db, limiter
from app.models import Cohort
from app.public import bp
from app.services import cohorts, learning


def join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def not_found(response) -> bool:
    return response.status_code == 404


def unknown_code_page(code: str):
    message = str(JOIN_ERRORS["unknown_code"]) % {"code": code[:20]}
    return render_template("public/join_code.html", code=code[:20], error=message), 404


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
    state, other = None, None
    if current_user.is_authenticated:
        enrolment = learning.enrolment_for(db.session, current_user, cohort.course)
        if enrolment is not None and enrolment.cohort_id == cohort.id:
            state = "joined"
        elif enrolment is not None and enrolment.cohort_id is not None:
            state, other = "other_cohort", db.session.get(Cohort, enrolment.cohort_id)
    if state is None and cohorts.is_closed(cohort):
        state = "closed"
    elif state is None and cohorts.seats_left(db.session, cohort) == 0:
        state = "full"
    version = learning.live_version(db.session, cohort.course)
    return render_template("public/join.html", cohort=cohort, org=cohort.organisation, state=state, other=other,
                           course_title=version.title if version else "",
                           seats_left=cohorts.seats_left(db.session, cohort),
                           here=url_for("public.join_landing", code=cohorts.format_join_code(cohort.join_code)))
