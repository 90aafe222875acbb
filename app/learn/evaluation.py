"""The self-assessment pages (評価・検証): before the first lesson, after completion, follow-up.

Every page is optional: one button skips it, and nothing in learning or certificates waits for it.
The offer on the course page comes from `evaluation_due`, given to this blueprint's templates."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.learn import bp
from app.learn.evaluation_forms import EvaluationForm, FollowupForm, evaluation_answers_from
from app.models import Audience
from app.services.evaluation import answers
from app.services.evaluation.answers import EvaluationError, Phase
from app.services.learning import enrolling, progress

ERRORS = {
    "tampered": _l("送られた回答の内容が正しくありません。選び直してから、もう一度送ってください。"),
    "empty": _l("どれにも答えていません。答えないときは「答えずに進む」を押してください。"),
    "done": _l("この質問には、すでに答えていただきました（または、答えずに進みました）。"),
    "not_completed": _l("この質問は、講座を修了したあとに答えられます。"),
}


@bp.context_processor
def _evaluation_offer() -> dict:
    def evaluation_due(enrolment) -> str | None:
        phase = answers.due(db.session, enrolment) if enrolment is not None else None
        return phase.value if phase else None
    return {"evaluation_due": evaluation_due}


def _enrolment(slug: str):
    course = enrolling.published_course(db.session, slug)
    if course is None or not enrolling.may_take(current_user, course):
        abort(404)
    enrolment = enrolling.enrolment_for(db.session, current_user, course)
    if enrolment is None:
        abort(404)
    return course, enrolment


def _next_page(course, enrolment, phase: Phase):
    if phase is Phase.BEFORE:
        version = enrolling.live_version(db.session, course)
        key = progress.resume_key(version, enrolment, progress.done_keys(db.session, enrolment))
        if key:
            return redirect(url_for("learn.lesson", slug=course.slug, key=key))
    return redirect(url_for("learn.course", slug=course.slug))


@bp.route("/courses/<slug>/evaluation/<any(before, after):phase>", methods=["GET", "POST"])
def evaluation(slug: str, phase: str):
    course, enrolment = _enrolment(slug)
    phase_ = Phase(phase)
    if answers.due(db.session, enrolment) is not phase_:
        return _next_page(course, enrolment, phase_)
    questionnaire = answers.questionnaire_for(db.session, enrolment)
    form = EvaluationForm()
    raw = evaluation_answers_from(request.form)
    status = 200
    if form.validate_on_submit():
        try:
            if form.skip.data:
                answers.skip(db.session, enrolment, phase_)
            else:
                answers.answer(db.session, enrolment, phase_, raw, followup_consent=form.followup.data)
        except EvaluationError as error:
            db.session.rollback()
            flash(str(ERRORS.get(error.code, ERRORS["tampered"])), "error")
            status = 400
        except IntegrityError:
            # The same form sent twice at once: the other request made the pair (one per enrolment).
            db.session.rollback()
            return _next_page(course, enrolment, phase_)
        else:
            db.session.commit()
            if not form.skip.data:
                flash(_("ご協力ありがとうございました。") if course.audience is Audience.ADULT
                      else _("こたえてくれて、ありがとう。"), "success")
            return _next_page(course, enrolment, phase_)
    children = current_user.is_pupil or course.audience is Audience.CHILDREN
    offer_followup = phase_ is Phase.AFTER and questionnaire.followup and bool(current_user.email)
    return render_template("learn/evaluation.html", course=course, version=course.live_version, phase=phase,
                           questionnaire=questionnaire, form=form, chosen=raw, children=children,
                           offer_followup=offer_followup), status


@bp.route("/courses/<slug>/evaluation/followup", methods=["GET", "POST"])
def evaluation_followup(slug: str):
    course, enrolment = _enrolment(slug)
    if not answers.followup_open(db.session, enrolment):
        flash(str(ERRORS["done"]), "info")
        return redirect(url_for("learn.course", slug=slug))
    form = FollowupForm()
    if form.validate_on_submit():
        answers.answer_followup(db.session, enrolment, form.noticed.data == "yes", form.spoke.data == "yes",
                                form.connected.data == "yes")
        db.session.commit()
        flash(_("ご協力ありがとうございました。"), "success")
        return redirect(url_for("learn.course", slug=slug))
    return render_template("learn/evaluation_followup.html", course=course, version=course.live_version,
                           form=form), 400 if request.method == "POST" else 200
