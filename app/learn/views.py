"""The learner's pages: catalogue, course, lessons, reflection, quiz, survey, my page, my data."""
from __future__ import annotations

import json
from typing import NamedTuple

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from app.extensions import db
from app.forms import ConfirmForm
from app.learn import bp
from app.learn.forms import (
    AttemptForm,
    DeleteAccountForm,
    PreferencesForm,
    ReflectionForm,
    SurveyForm,
    answers_from,
    survey_answers_from,
)
from app.learn.lesson_page import lesson_parts
from app.models import Audience, ContentVersion, Course, Enrolment, Lesson, TextSize
from app.services.accounts import accounts, privacy
from app.services.accounts.accounts import AccountError
from app.services.certificates import issuing
from app.services.cohorts import cohorts
from app.services.content import courses
from app.services.evaluation import answers as evaluation
from app.services.infra import audit, exports
from app.services.learning import enrolling, progress, quizzes, reflections, surveys
from app.services.learning.errors import LearningError
from app.services.learning.grading import AnswerError
from app.urls import safe_next
from app.web import pagecache
from app.web.downloads import download
from app.web.local_support import local_support

ERRORS = {
    "not_published": _l("この講座は、いまは受講できません。"),
    "unknown_lesson": _l("このレッスンは、いまの講座の版にはありません。講座のページから続けてください。"),
    "already_completed": _l("この講座はすでに修了しています。記録はそのまま残っています。"),
    "no_attempts_left": _l("確認テストを受けられる回数の上限に達しました。講座の担当者に相談してください。"),
    "no_quiz": _l("この講座には確認テストがありません。"),
    "busy": _l("ほかの画面で同時に操作されたため、止めました。もう一度お試しください。"),
    "tampered": _l("送られた回答の内容が正しくありません。選び直してから、もう一度送ってください。"),
    "unanswered": _l("まだ答えていない問題があります。赤い印の問題を選んでください。ほかの答えはそのまま残っています。"),
    "no_survey": _l("この講座にはアンケートがありません。"),
    "not_completed": _l("アンケートは、講座を修了したあとに答えられます。"),
    "survey_done": _l("アンケートには、すでに答えていただきました。ありがとうございました。"),
    "too_long": _l("文字数が多すぎます。短くしてから、もう一度送ってください。"),
    "wrong_password": _l("パスワードが正しくありません。"),
    "not_allowed": _l("このアカウントは、ここでは削除できません。"),
}


# --- helpers ------------------------------------------------------------------------------------------

def _course(slug: str):
    """The published course and its live version; 404 also for a course not meant for the viewer
    (a pupil and the adult course), so every page of it is closed, not only enrolling."""
    course = enrolling.published_course(db.session, slug)
    if course is None or not enrolling.may_take(current_user, course):
        abort(404)
    return course, course.live_version


def _is_children(course=None) -> bool:
    return current_user.is_pupil or (course is not None and course.audience is Audience.CHILDREN)


def _enrolment_or_redirect(course):
    """The viewer's enrolment, or a redirect to the course page asking to enrol first."""
    enrolment = enrolling.enrolment_for(db.session, current_user, course)
    if enrolment is None:
        flash(_("まず「受講をはじめる」を押してください。"), "info")
        return None, redirect(url_for("learn.course", slug=course.slug))
    return enrolment, None


def _error(code: str) -> str:
    return str(ERRORS.get(code, ERRORS["busy"]))


def _certificate(enrolment):
    """The completed enrolment's certificate, offered where the learner finishes (item 5)."""
    if enrolment is None or enrolment.completed_at is None:
        return None
    return issuing.current_certificate(db.session, enrolment.id)


def _preferences_form() -> PreferencesForm:
    form = PreferencesForm(formdata=None, text_size=current_user.text_size.value,
                           furigana=current_user.is_furigana_on)
    form.next.data = request.full_path if request.query_string else request.path
    return form


# --- catalogue and course ---------------------------------------------------------------------------

@bp.route("/courses")
def catalogue():
    audience = request.args.get("audience")
    if current_user.is_pupil:
        audience = Audience.CHILDREN.value
    chosen = Audience(audience) if audience in {a.value for a in Audience} else None
    found = courses.published_courses(db.session, chosen)
    mine = {e.course_id: e for e in enrolling.enrolments_of(db.session, current_user)}
    return render_template("learn/catalogue.html", courses=found, audience=chosen, mine=mine)


@bp.route("/pupil")
def pupil_home():
    """Where a pupil lands after login: the children's course, or the list of them."""
    found = courses.published_courses(db.session, Audience.CHILDREN)
    if len(found) == 1:
        return redirect(url_for("learn.course", slug=found[0].slug))
    return redirect(url_for("learn.catalogue", audience=Audience.CHILDREN.value))


@bp.route("/courses/<slug>")
def course(slug: str):
    course, version = _course(slug)
    enrolment = enrolling.enrolment_for(db.session, current_user, course)
    done = progress.done_keys(db.session, enrolment)
    return render_template(
        "learn/course.html", course=course, version=version, enrolment=enrolment, done=done,
        resume=progress.resume_key(version, enrolment, done), minutes_left=progress.minutes_left(version, done),
        children=_is_children(course), form=ConfirmForm(), certificate=_certificate(enrolment))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
def enrol(slug: str):
    course, version = _course(slug)
    if ConfirmForm().validate_on_submit():
        enrolment = enrolling.enrol(db.session, current_user, course)
        db.session.commit()
        if evaluation.due(db.session, enrolment) is not None:  # optional; its page skips in one click
            return redirect(url_for("learn.evaluation", slug=slug, phase="before"))
        first = version.lessons[0].key if version.lessons else None
        if first:
            return redirect(url_for("learn.lesson", slug=slug, key=first))
    return redirect(url_for("learn.course", slug=slug))


# --- lessons and reflections ------------------------------------------------------------------------

def _missing_lesson(course, key: str):
    if enrolling.key_in_other_version(db.session, course, key):
        flash(_error("unknown_lesson"), "error")
        return redirect(url_for("learn.course", slug=course.slug))
    abort(404)


class LessonContext(NamedTuple):
    course: Course
    version: ContentVersion
    lesson: Lesson
    enrolment: Enrolment


def _lesson_context(slug: str, key: str) -> tuple[LessonContext | None, ResponseReturnValue | None]:
    """What every page of one lesson starts from, or the answer when there is none: 404 for a course
    the viewer may not take, the course page for a lesson of an older version or before enrolling."""
    course, version = _course(slug)
    lesson = enrolling.lesson_in(version, key)
    if lesson is None:
        return None, _missing_lesson(course, key)
    enrolment, gone = _enrolment_or_redirect(course)
    if gone:
        return None, gone
    return LessonContext(course, version, lesson, enrolment), None


def _render_lesson(course, version, lesson, enrolment, reflection_form=None, status: int = 200):
    done = progress.done_keys(db.session, enrolment)
    lessons = version.lessons
    index = lessons.index(lesson)
    saved = reflections.reflection_for(db.session, enrolment, lesson.key)
    if reflection_form is None:
        reflection_form = ReflectionForm(formdata=None, text=saved.text if saved else "")
    return render_template(
        "learn/lesson.html", course=course, version=version, lesson=lesson, enrolment=enrolment, done=done,
        parts=lesson_parts(lesson.html, local_support(current_user.municipality)),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        minutes_left=progress.minutes_left(version, done), reflection=saved, reflection_form=reflection_form,
        children=_is_children(course), form=ConfirmForm(), preferences=_preferences_form()), status


@bp.route("/courses/<slug>/lessons/<key>")
def lesson(slug: str, key: str):
    here, gone = _lesson_context(slug, key)
    if gone:
        return gone
    course, version, lesson, enrolment = here
    if progress.note_visit(db.session, enrolment, key):
        db.session.commit()  # only when it changed: a commit expires every row the page reads
        return _render_lesson(course, version, lesson, enrolment)
    html, status = _render_lesson(course, version, lesson, enrolment)
    pagecache.keep(html)  # nothing written: the key read before rendering still describes the page
    return html, status


@bp.route("/courses/<slug>/lessons/<key>/complete", methods=["POST"])
def complete_lesson(slug: str, key: str):
    here, gone = _lesson_context(slug, key)
    if gone:
        return gone
    course, version, _lesson, enrolment = here
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("learn.lesson", slug=slug, key=key))
    was_completed = enrolment.is_completed
    progress.complete_lesson(db.session, enrolment, version, key)
    db.session.commit()
    if enrolment.is_completed and not was_completed:
        flash(_("おめでとうございます。講座を修了しました。") if not _is_children(course)
              else _("おめでとう！さいごまで よくがんばりました。"), "success")
        return redirect(url_for("learn.course", slug=slug))
    following = progress.resume_key(version, enrolment, progress.done_keys(db.session, enrolment))
    if request.form.get("then") == "next":
        # The 次へ card: completing goes on to the card's own target, the lesson after this one.
        following = progress.following_key(version, key)
    flash(_("このレッスンを完了にしました。") if not _is_children(course) else _("できたね！つぎへ すすもう。"),
          "success")
    if following:
        return redirect(url_for("learn.lesson", slug=slug, key=following))
    if version.quiz is not None and not enrolment.quiz_passed_at:
        return redirect(url_for("learn.quiz", slug=slug))
    return redirect(url_for("learn.course", slug=slug))


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/courses/<slug>/lessons/<key>/reflection", methods=["POST"])
def save_reflection(slug: str, key: str):
    here, gone = _lesson_context(slug, key)
    if gone:
        return gone
    course, version, lesson, enrolment = here
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            reflections.save_reflection(db.session, enrolment, version, key, form.text.data)
        except LearningError as error:
            db.session.rollback()
            form.text.errors.append(_error(error.code))
        else:
            db.session.commit()
            if _wants_json():
                return jsonify({"saved": True})
            flash(_("個人ワークの答えを保存しました。"), "success")
            return redirect(url_for("learn.lesson", slug=slug, key=key) + "#reflection")
    if _wants_json():
        return jsonify({"saved": False, "errors": [str(e) for e in form.text.errors] or [_error("busy")]}), 400
    # Re-show the page with what was typed, so nothing is lost.
    return _render_lesson(course, version, lesson, enrolment, reflection_form=form, status=400)


@bp.route("/courses/<slug>/lessons/<key>/reflection/delete", methods=["POST"])
def delete_reflection(slug: str, key: str):
    here, gone = _lesson_context(slug, key)
    if gone:
        return gone
    course, version, _lesson, enrolment = here
    if ConfirmForm().validate_on_submit() and reflections.delete_reflection(db.session, enrolment, key):
        db.session.commit()
        flash(_("個人ワークの答えを削除しました。"), "success")
    return redirect(url_for("learn.lesson", slug=slug, key=key) + "#reflection")


# --- quiz --------------------------------------------------------------------------------------------

@bp.route("/courses/<slug>/quiz")
def quiz(slug: str):
    course, version = _course(slug)
    enrolment, gone = _enrolment_or_redirect(course)
    if gone:
        return gone
    if version.quiz is None:
        flash(_error("no_quiz"), "info")
        return redirect(url_for("learn.course", slug=slug))
    return render_template(
        "learn/quiz.html", course=course, version=version, enrolment=enrolment,
        attempts=quizzes.attempts_of(db.session, enrolment),
        open_attempt=quizzes.open_attempt(db.session, enrolment, version),
        left=quizzes.attempts_left(db.session, enrolment, version), pass_mark=quizzes.pass_mark(version),
        children=_is_children(course), form=ConfirmForm())


@bp.route("/courses/<slug>/quiz/start", methods=["POST"])
def start_quiz(slug: str):
    course, version = _course(slug)
    enrolment, gone = _enrolment_or_redirect(course)
    if gone or not ConfirmForm().validate_on_submit():
        return gone or redirect(url_for("learn.quiz", slug=slug))
    try:
        attempt = quizzes.start_attempt(db.session, enrolment, version)
    except LearningError as error:
        db.session.rollback()
        flash(_error(error.code), "error")
        return redirect(url_for("learn.quiz", slug=slug))
    db.session.commit()
    return redirect(url_for("learn.attempt", slug=slug, attempt_id=attempt.id))


def _render_attempt(course, enrolment, attempt, form=None, chosen=None, missing=(), status: int = 200):
    quiz = attempt.version.quiz
    if form is None:
        form = AttemptForm(formdata=None, token=attempt.token)
    result = quizzes.graded(attempt)
    by_id = {q["id"]: q for q in quiz["questions"]}
    # Questions and choices in the order this attempt showed them.
    shown = [(by_id[item["id"]], [c for cid in item["choices"] for c in by_id[item["id"]]["choices"] if c["id"] == cid])
             for item in attempt.order]
    left = quizzes.attempts_left(db.session, enrolment, attempt.version)
    feedback = quizzes.feedback_for(attempt, enrolment, left)
    return render_template(
        "learn/attempt.html", course=course, enrolment=enrolment, attempt=attempt, shown=shown, form=form,
        results={r.id: r for r in result.results} if result else {},
        chosen=chosen if chosen is not None else (attempt.answers or {}), missing=set(missing), result=result,
        explain=feedback.answers, feedback=feedback, feedback_setting=quizzes.feedback_setting(attempt.version),
        pass_mark=quizzes.pass_mark(attempt.version),
        children=_is_children(course), certificate=_certificate(enrolment), left=left), status


@bp.route("/courses/<slug>/quiz/<int:attempt_id>", methods=["GET", "POST"])
def attempt(slug: str, attempt_id: int):
    form = AttemptForm() if request.method == "POST" else None
    if form is None or not form.validate_on_submit() or not form.token.data:
        course, _version = _course(slug)
        enrolment = enrolling.enrolment_for(db.session, current_user, course)
        attempt = quizzes.attempt_for(db.session, enrolment, attempt_id)
        if attempt is None:
            abort(404)  # someone else's attempt, or none: the same answer
        if form is None:
            return _render_attempt(course, enrolment, attempt)
        flash(_("回答が正しく送られませんでした。もう一度送ってください。"), "error")
        return redirect(url_for("learn.attempt", slug=slug, attempt_id=attempt_id))
    # A submission reads the enrolment with its lock and its course in one statement, and the
    # attempt only by its token (submit_attempt answers unknown_attempt for anyone else's): the
    # fewest statements at a peak. No course, no enrolment, not meant for the viewer: all 404.
    enrolment = enrolling.locked_enrolment_in(db.session, current_user, slug)
    if enrolment is None or not enrolling.may_take(current_user, enrolment.course):
        abort(404)
    course = enrolment.course
    raw = answers_from(request.form)
    try:
        quizzes.submit_attempt(db.session, enrolment, attempt_id, form.token.data, raw)
    except LearningError as error:
        db.session.rollback()
        if error.code == "unknown_attempt":
            abort(404)
        flash(_error(error.code), "error")
        return redirect(url_for("learn.quiz", slug=slug))
    except AnswerError as error:
        db.session.rollback()
        attempt = quizzes.attempt_for(db.session, enrolment, attempt_id)
        if attempt is None:
            abort(404)
        flash(_error(error.code), "error")
        return _render_attempt(course, enrolment, attempt, form=form, chosen=error.kept, missing=error.missing,
                               status=400)
    db.session.commit()
    return redirect(url_for("learn.attempt", slug=slug, attempt_id=attempt_id))


# --- survey ------------------------------------------------------------------------------------------

@bp.route("/courses/<slug>/survey", methods=["GET", "POST"])
def survey(slug: str):
    course, version = _course(slug)
    enrolment, gone = _enrolment_or_redirect(course)
    if gone:
        return gone
    code = ("no_survey" if version.survey is None else "not_completed" if not enrolment.is_completed
            else "survey_done" if enrolment.survey_done_at else None)
    if code:
        flash(_error(code), "info")
        return redirect(url_for("learn.course", slug=slug))
    form = SurveyForm()
    raw = survey_answers_from(request.form)
    missing: list[str] = []
    if form.validate_on_submit():
        try:
            surveys.submit_survey(db.session, enrolment, version, raw)
        except LearningError as error:
            db.session.rollback()
            flash(_error(error.code), "error")
            missing = error.missing
        else:
            db.session.commit()
            flash(_("アンケートにご協力いただき、ありがとうございました。"), "success")
            return redirect(url_for("learn.course", slug=slug))
    return render_template("learn/survey.html", course=course, version=version, form=form, chosen=raw,
                           missing=set(missing), children=_is_children(course)), 400 if missing else 200


# --- my page, preferences, my data, account deletion ---------------------------------------------------

@bp.route("/my")
def my_page():
    enrolments = enrolling.enrolments_of(db.session, current_user)
    return render_template(
        "learn/my_page.html", user=current_user, preferences=_preferences_form(),
        in_progress=[e for e in enrolments if not e.is_completed],
        completed=[e for e in enrolments if e.is_completed],
        certificates=issuing.certificates_of(db.session, current_user), today=issuing.today_jst(),
        sessions=cohorts.sessions_of(db.session, current_user))


@bp.route("/my/preferences", methods=["POST"])
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        accounts.set_preferences(db.session, current_user, text_size=TextSize(form.text_size.data),
                                 is_furigana_on=form.furigana.data)
        db.session.commit()
        flash(_("表示を変えました。"), "success")
    return redirect(safe_next(form.next.data) or url_for("learn.my_page"))


@bp.route("/my/data")
def my_data():
    return render_template("learn/my_data.html", data=privacy.export_my_data(db.session, current_user),
                           may_delete=privacy.may_delete_own_account(current_user))


def _record_my_data_download(fmt: str) -> None:
    """A copy of a trainee's data leaving the system is an export like any other: one audit event,
    committed before the file is made. Only who, when and the format: none of the data itself."""
    audit.record(db.session, "export.my_data", actor_id=current_user.id, ip=request.remote_addr,
                 target_type="user", target_id=current_user.id, format=fmt)
    db.session.commit()


@bp.route("/my/data.json")
def my_data_json():
    _record_my_data_download("json")
    body = json.dumps(privacy.export_my_data(db.session, current_user), ensure_ascii=False, indent=2)
    return download(body, "application/json; charset=utf-8", "my-data.json", cache_control="no-store")


@bp.route("/my/data.csv")
def my_data_csv():
    _record_my_data_download("csv")
    # What the trainee typed may start like a formula: exports makes Excel show it, not run it.
    body = exports.csv_bytes([_("区分"), _("講座"), _("項目"), _("内容"), _("日時")],
                             privacy.my_data_rows(privacy.export_my_data(db.session, current_user)))
    return download(body, "text/csv; charset=utf-8", "my-data.csv", cache_control="no-store")


@bp.route("/my/delete", methods=["GET", "POST"])
def delete_account():
    form = DeleteAccountForm()
    allowed = privacy.may_delete_own_account(current_user)
    if allowed and form.validate_on_submit():
        try:
            privacy.delete_account(db.session, current_user._get_current_object(), form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.password.errors.append(_error(error.code))
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("アカウントを削除しました。ご利用ありがとうございました。"), "info")
            return redirect(url_for("public.index"))
    return render_template("learn/delete_account.html", form=form, allowed=allowed)
