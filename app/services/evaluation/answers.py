"""The self-assessment: asked before the first lesson and after completion, never required.

A learner's answers go into one EvaluationPair with a random key (secrets, not derived from the
user). Skipping is stored too, only so the offer is not repeated. The after questionnaire shows
the items of the version the before was answered in, so the two can be compared item by item.
Nothing here writes the audit log: an entry naming the actor next to an answer would link the
answer to a person.
"""
from __future__ import annotations

import datetime as dt
import enum
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    Cohort,
    CohortMode,
    ContentVersion,
    Course,
    Enrolment,
    EvaluationPair,
    Organisation,
    SchoolClass,
    User,
)
from app.models.base import utcnow
from app.models.evaluation import MAX_ITEMS
from app.services.learning import enrolling
from app.services.statistics.statistics import JST, fiscal_period

FOLLOWUP_AFTER_DAYS = 90  # about three months


class Phase(enum.Enum):
    BEFORE = "before"
    AFTER = "after"


class EvaluationError(Exception):
    """A refused answer: code is 'no_evaluation', 'tampered', 'empty', 'not_completed' or 'done'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Questionnaire:
    """The items to show: from the version's evaluation.yaml, as stored at import."""

    version_id: int
    scale: int
    faces: bool
    followup: bool
    labels_html: list[str]
    items: list[dict]  # {"id", "text_html"}, in slot order


def questionnaire_of(version: ContentVersion | None) -> Questionnaire | None:
    spec = (version.meta or {}).get("evaluation") if version is not None else None
    if not spec or not spec.get("items"):
        return None
    return Questionnaire(version.id, spec["scale"], spec.get("faces", False), spec.get("followup", False),
                         list(spec["labels_html"]), list(spec["items"])[:MAX_ITEMS])


def pair_of(session: Session, enrolment: Enrolment) -> EvaluationPair | None:
    return session.scalar(sa.select(EvaluationPair).where(EvaluationPair.enrolment_id == enrolment.id))


def questionnaire_for(session: Session, enrolment: Enrolment) -> Questionnaire | None:
    """The after uses the before's items; otherwise the live version's."""
    pair = pair_of(session, enrolment)
    if pair is not None:
        return questionnaire_of(session.get(ContentVersion, pair.version_id))
    return questionnaire_of(enrolling.live_version(session, session.get(Course, enrolment.course_id)))


def due(session: Session, enrolment: Enrolment | None) -> Phase | None:
    """The questionnaire to offer now, if any: before (nothing done yet) or after (completed)."""
    if enrolment is None or questionnaire_for(session, enrolment) is None:
        return None
    pair = pair_of(session, enrolment)
    if enrolment.completed_at is not None:
        if pair is None or (pair.after_on is None and not pair.after_skipped):
            return Phase.AFTER
        return None
    if pair is None and enrolment.lessons_done == 0:
        return Phase.BEFORE
    return None


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(JST).date()


def _dimensions(session: Session, enrolment: Enrolment, now: dt.datetime) -> dict:
    """Where and how the learner takes the course, copied onto the pair at each answer."""
    user = session.get(User, enrolment.user_id)
    cohort = session.get(Cohort, enrolment.cohort_id) if enrolment.cohort_id is not None else None
    org = session.get(Organisation, cohort.organisation_id) if cohort is not None else None
    prefecture, municipality = (user.municipality_code or "")[:2] or None, user.municipality_code
    if user.school_class_id is not None:
        school = session.scalar(sa.select(Organisation).join(SchoolClass, SchoolClass.organisation_id == Organisation.id)
                                .where(SchoolClass.id == user.school_class_id))
        if school is not None:
            org = org or school
            municipality = school.municipality_code
            prefecture = school.prefecture_code or (school.municipality_code or "")[:2] or None
    return {"cohort_id": cohort.id if cohort else None, "organisation_id": org.id if org else None,
            "mode": cohort.mode if cohort else CohortMode.ON_DEMAND, "prefecture_code": prefecture,
            "municipality_code": municipality, "fiscal_year": fiscal_period(now)[0]}


def check_answers(questionnaire: Questionnaire, raw: dict[str, str]) -> list[int | None]:
    """Answers by slot from form values (item id -> "1".."scale"; blank = not answered)."""
    ids = [item["id"] for item in questionnaire.items]
    if set(raw) - set(ids):
        raise EvaluationError("tampered")
    choices = {str(n) for n in range(1, questionnaire.scale + 1)}
    values: list[int | None] = []
    for item_id in ids:
        value = (raw.get(item_id) or "").strip()
        if not value:
            values.append(None)
        elif value in choices:  # not isdigit(): "²" passes it and int() then raised (a 500)
            values.append(int(value))
        else:
            raise EvaluationError("tampered")
    if all(v is None for v in values):
        raise EvaluationError("empty")
    return values + [None] * (MAX_ITEMS - len(values))


def _new_pair(session: Session, enrolment: Enrolment, questionnaire: Questionnaire, now: dt.datetime
              ) -> EvaluationPair:
    course = session.get(Course, enrolment.course_id)
    pair = EvaluationPair(key=secrets.token_hex(16), enrolment_id=enrolment.id, course_id=course.id,
                          version_id=questionnaire.version_id, audience=course.audience,
                          before_skipped=False, after_skipped=False, followup_consent=False,
                          **_dimensions(session, enrolment, now))
    session.add(pair)
    return pair


def _claimable(session: Session, enrolment: Enrolment, phase: Phase) -> tuple[Questionnaire, EvaluationPair | None]:
    if due(session, enrolment) is not phase:
        raise EvaluationError("done" if phase is Phase.BEFORE or enrolment.completed_at else "not_completed")
    return questionnaire_for(session, enrolment), pair_of(session, enrolment)


def answer(session: Session, enrolment: Enrolment, phase: Phase, raw: dict[str, str], *,
           followup_consent: bool = False, now: dt.datetime | None = None) -> EvaluationPair:
    """Store the before or after answers of `enrolment` (once each)."""
    now = now or utcnow()
    questionnaire, pair = _claimable(session, enrolment, phase)
    values = check_answers(questionnaire, raw)
    pair = pair or _new_pair(session, enrolment, questionnaire, now)
    prefix = "b" if phase is Phase.BEFORE else "a"
    for slot, value in enumerate(values, start=1):
        setattr(pair, f"{prefix}{slot}", value)
    if phase is Phase.BEFORE:
        pair.before_on = _today(now)
    else:
        for name, value in _dimensions(session, enrolment, now).items():
            setattr(pair, name, value)  # counted where and how the course was completed
        pair.after_on = _today(now)
        pair.followup_consent = bool(followup_consent and questionnaire.followup)
    session.flush()
    return pair


def skip(session: Session, enrolment: Enrolment, phase: Phase, now: dt.datetime | None = None) -> None:
    """Do not ask this questionnaire again (one click; never blocks anything)."""
    now = now or utcnow()
    questionnaire, pair = _claimable(session, enrolment, phase)
    pair = pair or _new_pair(session, enrolment, questionnaire, now)
    if phase is Phase.BEFORE:
        pair.before_skipped = True
    else:
        pair.after_skipped = True
    session.flush()


# --- the follow-up, about three months after -----------------------------------------------------------

def claim_due_followups(session: Session, now: dt.datetime | None = None) -> list[tuple[User, Course]]:
    """Mark the follow-ups due today as sent and return whom to write to; a second run finds none.

    Due: consent given with the after answers FOLLOWUP_AFTER_DAYS ago or more, not yet sent, and the
    account still there (a deleted account's pair has no enrolment any more)."""
    today = _today(now or utcnow())
    rows = session.execute(
        sa.select(EvaluationPair, User, Course)
        .join(Enrolment, Enrolment.id == EvaluationPair.enrolment_id)
        .join(User, User.id == Enrolment.user_id).join(Course, Course.id == EvaluationPair.course_id)
        .where(EvaluationPair.followup_consent.is_(True), EvaluationPair.followup_sent_on.is_(None),
               EvaluationPair.after_on <= today - dt.timedelta(days=FOLLOWUP_AFTER_DAYS))
        .order_by(EvaluationPair.after_on)).all()
    due_rows = []
    for pair, user, course in rows:
        pair.followup_sent_on = today
        if user.email:
            due_rows.append((user, course))
    session.flush()
    return due_rows


def followup_open(session: Session, enrolment: Enrolment) -> bool:
    pair = pair_of(session, enrolment)
    return pair is not None and pair.followup_sent_on is not None and pair.followup_on is None


def answer_followup(session: Session, enrolment: Enrolment, noticed: bool, spoke: bool, connected: bool,
                    now: dt.datetime | None = None) -> None:
    """Store the follow-up: yes or no to noticed, spoke to, connected someone (no stories)."""
    if not followup_open(session, enrolment):
        raise EvaluationError("done")
    pair = pair_of(session, enrolment)
    pair.noticed, pair.spoke, pair.connected = noticed, spoke, connected
    pair.followup_on = _today(now or utcnow())
    session.flush()
