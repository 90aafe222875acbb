"""Privacy (APPI): a person's own data (the my-data export), deleting an account with every
personal row (by its owner, an admin or the retention job), and the retention job that deletes
accounts nobody has used for years."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    Enrolment,
    EvaluationPair,
    LessonProgress,
    Membership,
    OneTimeToken,
    QuizAttempt,
    Reflection,
    Role,
    SchoolClass,
    User,
)
from app.models.base import utcnow
from app.services.accounts.accounts import AccountError
from app.services.infra import audit
from app.services.learning import enrolling, quizzes

# --- my data -------------------------------------------------------------------------------------

def _self_assessment(session: Session, enrolment_id: int) -> dict | None:
    """The before/after self-assessment while it is still linked to the account (evaluation)."""
    pair = session.scalar(sa.select(EvaluationPair).where(EvaluationPair.enrolment_id == enrolment_id))
    if pair is None:
        return None
    slots = range(1, 7)
    return {"before": [getattr(pair, f"b{i}") for i in slots], "after": [getattr(pair, f"a{i}") for i in slots],
            "before_on": _iso(pair.before_on), "after_on": _iso(pair.after_on),
            "followup_consent": pair.followup_consent, "followup_on": _iso(pair.followup_on),
            "followup": {"noticed": pair.noticed, "spoke": pair.spoke, "connected": pair.connected}}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_my_data(session: Session, user: User) -> dict:
    """Everything stored about `user`, as plain data (JSON-ready)."""
    enrolments = []
    for e in enrolling.enrolments_of(session, user):
        progress = session.scalars(sa.select(LessonProgress).where(LessonProgress.enrolment_id == e.id)
                                   .order_by(LessonProgress.completed_at, LessonProgress.lesson_key))
        lesson_titles = {lesson.key: lesson.title for lesson in e.started_version.lessons}
        reflections = session.scalars(sa.select(Reflection).where(Reflection.enrolment_id == e.id)
                                      .order_by(Reflection.lesson_key))
        enrolments.append({
            "course": e.course.slug,
            "course_title": e.started_version.title,
            "enrolled_at": _iso(e.created_at),
            "started_version": e.started_version.label,
            "cohort_id": e.cohort_id,
            "lessons_done": e.lessons_done,
            "lessons_required": e.lessons_required,
            "best_score": e.best_score,
            "latest_score": e.latest_score,
            "quiz_passed_at": _iso(e.quiz_passed_at),
            "completed_at": _iso(e.completed_at),
            "completed_version": e.completed_version.label if e.completed_version else None,
            "completed_via": e.completed_via.value if e.completed_via else None,
            "survey_answered_at": _iso(e.survey_done_at),
            "self_assessment": _self_assessment(session, e.id),
            "lessons_completed": [{"lesson": p.lesson_key, "completed_at": _iso(p.completed_at)} for p in progress],
            "reflections": [{"lesson": r.lesson_key, "lesson_title": lesson_titles.get(r.lesson_key, r.lesson_key),
                             "text": r.text, "updated_at": _iso(r.updated_at)}
                            for r in reflections],
            "quiz_attempts": [{"number": a.number, "version": a.version.label, "started_at": _iso(a.started_at),
                               "submitted_at": _iso(a.submitted_at), "score": a.score, "passed": a.is_passed,
                               "answers": a.answers} for a in quizzes.attempts_of(session, e)],
        })
    school_class = None
    if user.school_class_id is not None:
        cls = session.get(SchoolClass, user.school_class_id)
        school_class = {"code": cls.code, "name": cls.name, "number": user.pupil_number}
    return {
        "exported_at": _iso(utcnow()),
        "account": {
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role.value,
            "municipality_code": user.municipality_code,
            "municipality": user.municipality.full_name if user.municipality else None,
            "age_band": user.age_band.value if user.age_band else None,
            "sex": user.sex.value if user.sex else None,
            "text_size": user.text_size.value,
            "furigana": user.is_furigana_on,
            "school_class": school_class,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "enrolments": enrolments,
    }


def my_data_rows(data: dict) -> list[tuple[str, str, str, str, str]]:
    """The export flattened to rows (section, course, item, value, at) for a CSV."""
    rows = [("account", "", key, "" if value is None else str(value), "")
            for key, value in data["account"].items() if key != "school_class"]
    if data["account"]["school_class"]:
        rows += [("account", "", f"school_class.{k}", str(v), "") for k, v in data["account"]["school_class"].items()]
    for e in data["enrolments"]:
        course = e["course"]
        for key in ("enrolled_at", "started_version", "cohort_id", "lessons_done", "lessons_required", "best_score",
                    "latest_score", "quiz_passed_at", "completed_at", "completed_version", "completed_via",
                    "survey_answered_at"):
            rows.append(("enrolment", course, key, "" if e[key] is None else str(e[key]), ""))
        if e.get("self_assessment"):
            rows += [("self_assessment", course, phase, ",".join("" if v is None else str(v)
                                                                for v in e["self_assessment"][phase]), "")
                     for phase in ("before", "after")]
        rows += [("lesson", course, p["lesson"], "done", p["completed_at"]) for p in e["lessons_completed"]]
        rows += [("reflection", course, r["lesson"], r["text"], r["updated_at"]) for r in e["reflections"]]
        for a in e["quiz_attempts"]:
            answers = "; ".join(f"{q}={','.join(c)}" for q, c in sorted((a["answers"] or {}).items()))
            rows.append(("quiz_attempt", course, str(a["number"]),
                         f"score={a['score']} passed={a['passed']} {answers}".strip(), a["submitted_at"] or ""))
    return rows


# --- deleting an account --------------------------------------------------------------------------

def may_delete_own_account(user: User) -> bool:
    """Adult trainees delete their own account; pupils ask their teacher, staff ask an admin."""
    return user.role is Role.TRAINEE and not user.is_pupil


def delete_account(session: Session, user: User, password: str) -> None:
    """Delete the account and every personal row; anonymous survey answers and the audit log stay."""
    if not may_delete_own_account(user):
        raise AccountError("not_allowed")
    if not user.check_password(password):
        raise AccountError("wrong_password")
    erase_account(session, user, action="user.delete_self", actor_id=user.id)


def erase_account(session: Session, user: User, *, action: str, actor_id: int | None, **detail: object) -> None:
    """Delete the account and every personal row, without the owner's checks (the retention job
    uses it too), so certificates and statistics are treated the same whoever deletes."""
    user_id = user.id
    enrolment_ids = sa.select(Enrolment.id).where(Enrolment.user_id == user_id).scalar_subquery()
    # Explicit deletes, children first: what goes is listed here, not left to the schema's cascades.
    for model in (LessonProgress, Reflection, QuizAttempt):
        session.execute(sa.delete(model).where(model.enrolment_id.in_(enrolment_ids))
                        .execution_options(synchronize_session=False))
    session.execute(sa.delete(Enrolment).where(Enrolment.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(OneTimeToken).where(OneTimeToken.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(Membership).where(Membership.user_id == user_id)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(User).where(User.id == user_id).execution_options(synchronize_session=False))
    session.expunge(user)
    audit.record(session, action, actor_id=actor_id, target_type="user", target_id=user_id, **detail)
    session.flush()


# --- the retention job ---------------------------------------------------------------------------

def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day `years` earlier (28 February for 29 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def inactive_accounts(session: Session, years: int, now: dt.datetime | None = None) -> list[User]:
    """Accounts with no login (or, never logged in, no registration) for `years` years.

    Administrators are left out: they are few, named staff, removed by hand, and deleting the
    last one would lock everyone out of the platform."""
    if years < 1:
        raise ValueError("years must be at least 1")
    cutoff = years_before(now or utcnow(), years)
    last_active = sa.func.coalesce(User.last_login_at, User.created_at)
    return list(session.scalars(sa.select(User).where(User.role != Role.ADMIN, last_active < cutoff)
                                .order_by(User.id)))


def purge_inactive(session: Session, years: int, now: dt.datetime | None = None, *,
                   dry_run: bool = False) -> list[int]:
    """Delete inactive accounts through the account deletion (`erase_account`); returns their numbers.

    The same deletion as a trainee's own: personal rows go, certificates stay verifiable under the
    printed name, statistics keep their counts. Each account and the run itself are audited."""
    now = now or utcnow()
    users = inactive_accounts(session, years, now)
    ids = [u.id for u in users]
    if dry_run:
        return ids
    for user in users:
        last = user.last_login_at or user.created_at
        erase_account(session, user, action="user.purge_inactive", actor_id=None, years=years,
                      last_active_on=last.date().isoformat())
    audit.record(session, "privacy.purge_inactive", years=years, deleted=len(ids))
    session.flush()
    return ids
