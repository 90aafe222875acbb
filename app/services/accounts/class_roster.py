"""A teacher's view of one school class: each pupil's progress, names entered in bulk, and
which pupils still carry the default name (class + number) that would print on a certificate."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import segno
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Certificate, Enrolment, QuizAttempt, SchoolClass, User
from app.services.accounts.pupils import pupils_of
from app.services.certificates.issuing import reissue
from app.services.certificates.names import clean_name, printable_problem
from app.services.certificates.own_name import is_printed
from app.services.infra import audit

MAX_NAME = 60
MAX_LINES = 200  # a class has at most 50 pupils; more lines than that is a wrong paste
SORTS = ("number", "progress")


@dataclass(frozen=True)
class PupilProgress:
    pupil: User
    name_set: bool
    lessons_done: int
    lessons_required: int
    attempts: int
    quiz_passed: bool
    completed_at: datetime | None


def default_name_like(school_class: SchoolClass, pupil: User, default_for: Callable[[int], str]) -> bool:
    """True when the pupil still has the name the class was made with (「5年1組 1番」)."""
    number = pupil.pupil_number or 0
    defaults = {default_for(number), f"{school_class.name} {number}番"}
    return pupil.display_name in defaults


def prints_class_default(session: Session, user: User, holder_name: str) -> bool:
    """True when a pupil's certificate would print their class's default name (「5年1組 1番」):
    it is then not printed until the teacher has set the name (decision for issue 20, item 10)."""
    if user.school_class_id is None:
        return False
    school_class = session.get(SchoolClass, user.school_class_id)
    if school_class is None:
        return False
    return holder_name == f"{school_class.name} {user.pupil_number or 0}番"


def with_class_default_names(session: Session, certificate_ids: list[int]) -> set[int]:
    """Of these certificates, those that would print their pupil's class default name (the same
    rule as prints_class_default, in one query): an organisation does not print them either."""
    if not certificate_ids:
        return set()
    default = SchoolClass.name + " " + sa.cast(sa.func.coalesce(User.pupil_number, 0), sa.String) + "番"
    return set(session.scalars(
        sa.select(Certificate.id).join(User, User.id == Certificate.user_id)
        .join(SchoolClass, SchoolClass.id == User.school_class_id)
        .where(Certificate.id.in_(certificate_ids), Certificate.holder_name == default)))


def follow_name(session: Session, pupil: User, actor: User) -> int:
    """Give the pupil's current certificates the name the teacher has just set: in place while no
    PDF of it exists; by reissue (new code, the old one superseded) when a PDF with the class's
    default name was already made. Other printed names stay (correcting them is a reissue)."""
    current = list(session.scalars(sa.select(Certificate).where(
        Certificate.user_id == pupil.id, Certificate.current_for_enrolment_id.is_not(None),
        Certificate.revoked_at.is_(None))))
    changed = 0
    for cert in current:
        if cert.holder_name == pupil.display_name:
            continue
        if not is_printed(session, cert):
            cert.holder_name = pupil.display_name
        elif prints_class_default(session, pupil, cert.holder_name):
            reissue(session, cert, holder_name=pupil.display_name, actor=actor)
        else:
            continue
        changed += 1
    session.flush()
    return changed


def progress_of(session: Session, school_class: SchoolClass, default_for: Callable[[int], str],
                sort: str = "number") -> list[PupilProgress]:
    """One row per pupil of this class only, from their most recently active enrolment."""
    pupils = pupils_of(session, school_class)
    ids = [p.id for p in pupils]
    latest: dict[int, Enrolment] = {}
    if ids:
        for enrolment in session.scalars(sa.select(Enrolment).where(Enrolment.user_id.in_(ids))
                                         .order_by(Enrolment.updated_at, Enrolment.id)):
            latest[enrolment.user_id] = enrolment
    attempts: dict[int, int] = {}
    if latest:
        rows = session.execute(sa.select(QuizAttempt.enrolment_id, sa.func.count())
                               .where(QuizAttempt.enrolment_id.in_([e.id for e in latest.values()]),
                                      QuizAttempt.submitted_at.is_not(None))
                               .group_by(QuizAttempt.enrolment_id))
        attempts = {enrolment_id: count for enrolment_id, count in rows}
    result = []
    for pupil in pupils:
        enrolment = latest.get(pupil.id)
        result.append(PupilProgress(
            pupil=pupil, name_set=not default_name_like(school_class, pupil, default_for),
            lessons_done=enrolment.lessons_done if enrolment else 0,
            lessons_required=enrolment.lessons_required if enrolment else 0,
            attempts=attempts.get(enrolment.id, 0) if enrolment else 0,
            quiz_passed=bool(enrolment and enrolment.quiz_passed_at),
            completed_at=enrolment.completed_at if enrolment else None))
    if sort == "progress":
        result.sort(key=lambda r: (r.completed_at is None, -r.lessons_done, r.pupil.pupil_number or 0))
    return result


@dataclass(frozen=True)
class NameChange:
    number: int
    pupil: User
    old: str
    new: str


@dataclass(frozen=True)
class NameProblem:
    line: int
    code: str  # 'no_pupil', 'too_long', 'characters', 'too_many_lines'


def parse_names(session: Session, school_class: SchoolClass,
                text: str) -> tuple[list[NameChange], list[NameProblem]]:
    """Line n names pupil number n; a blank line leaves that pupil as they are.

    Invisible and bidi control characters (and NUL) are removed as in every printed name; what
    then cannot be printed on a certificate, or is too long, is refused line by line."""
    lines = (text or "").replace("\x00", "").splitlines()
    if len(lines) > MAX_LINES:
        return [], [NameProblem(MAX_LINES + 1, "too_many_lines")]
    by_number = {p.pupil_number: p for p in pupils_of(session, school_class)}
    changes: list[NameChange] = []
    problems: list[NameProblem] = []
    for number, line in enumerate(lines, start=1):
        name = clean_name(line)
        if not name:
            continue
        pupil = by_number.get(number)
        problem = ("no_pupil" if pupil is None else "too_long" if len(name) > MAX_NAME
                   else printable_problem(name, "holder_name"))
        if problem:
            problems.append(NameProblem(number, problem))
        elif name != pupil.display_name:
            changes.append(NameChange(number, pupil, pupil.display_name, name))
    return changes, problems


def apply_names(session: Session, school_class: SchoolClass, text: str, actor: User) -> list[NameChange]:
    """Save the names parsed from text; nothing at all when any line has a problem. Names already
    equal are skipped, so saving the same text twice changes and audits nothing the second time."""
    changes, problems = parse_names(session, school_class, text)
    if problems:
        return []
    for change in changes:
        change.pupil.display_name = change.new
        audit.record(session, "pupil.rename", actor_id=actor.id, target_type="user", target_id=change.pupil.id,
                     bulk=True)
        follow_name(session, change.pupil, actor)
    session.flush()
    return changes


def login_qr_svg(url: str) -> str:
    """A login card's QR code (class code and number in the address, never the password), as inline
    SVG markup: the card sheet's renderer loads nothing but its font, not even data: URIs."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, border=4, dark="#000", light="#fff",
                                                             omitsize=True)
