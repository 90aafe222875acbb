"""Cohorts (開催回 / クラス): creating them, invitations, joining by code, attendance and reminders.

Every function takes the objects it works on; the views load them through the scope loaders,
so nothing here decides who may see what."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from app.models import (
    Attendance,
    Certificate,
    Cohort,
    CohortInvitation,
    CohortMode,
    Course,
    Enrolment,
    InvitationStatus,
    Organisation,
    User,
)
from app.models.base import utcnow
from app.services.accounts.accounts import normalise_email
from app.services.certificates import issuing
from app.services.infra import audit
from app.services.learning import enrolling, progress
from app.services.learning.errors import LearningError

JST = ZoneInfo("Asia/Tokyo")
# No 0/O, 1/I/L: the code is read off a poster and typed on a phone.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8
# Modes with a session people attend, where attendance can be recorded.
SESSION_MODES = (CohortMode.IN_PERSON, CohortMode.LIVE_ONLINE)


class CohortError(Exception):
    """A refused cohort operation; `code` names the reason for the view to word."""

    def __init__(self, code: str, detail: object = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


# --- codes and times --------------------------------------------------------------------------------

def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """Full-width letters, lower case, spaces and hyphens as typed on a phone -> the stored code."""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())[:JOIN_CODE_LENGTH * 2]


def format_join_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == JOIN_CODE_LENGTH else code


def jst(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(JST) if value is not None else None


def from_jst(day: dt.date, time: dt.time) -> dt.datetime:
    """A date and time typed in Japan, as an aware UTC datetime for storage."""
    return dt.datetime.combine(day, time, tzinfo=JST).astimezone(dt.UTC)


def deadline_from_day(day: dt.date | None) -> dt.datetime | None:
    """A registration deadline typed as a day means until the end of that day in Japan."""
    if day is None:
        return None
    return from_jst(day, dt.time(23, 59, 59))


# --- creating and finding ---------------------------------------------------------------------------

@dataclass
class CohortFields:
    course_id: int
    title: str
    mode: CohortMode
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    venue: str | None = None
    meeting_url: str | None = None
    capacity: int | None = None
    instructor_name: str | None = None
    registration_deadline: dt.datetime | None = None
    is_public: bool = False  # listed in the public session finder (app.services.platform.finder)


def _apply(cohort: Cohort, fields: CohortFields) -> None:
    cohort.course_id = fields.course_id
    cohort.title = fields.title.strip()
    cohort.mode = fields.mode
    cohort.starts_at = fields.starts_at
    cohort.ends_at = fields.ends_at
    cohort.venue = (fields.venue or "").strip() or None
    cohort.meeting_url = (fields.meeting_url or "").strip() or None
    cohort.capacity = fields.capacity
    cohort.instructor_name = (fields.instructor_name or "").strip() or None
    cohort.registration_deadline = fields.registration_deadline
    cohort.is_public = fields.is_public and cohort.cancelled_at is None  # a cancelled cohort stays out of the finder


def create_cohort(session: Session, org: Organisation, fields: CohortFields, *, actor: User | None) -> Cohort:
    if session.get(Course, fields.course_id) is None:
        raise CohortError("unknown_course")
    while True:  # 31^8 codes: a clash is very unlikely, but a duplicate must never be handed out
        code = new_join_code()
        if session.scalar(sa.select(Cohort.id).where(Cohort.join_code == code)) is None:
            break
    cohort = Cohort(organisation_id=org.id, join_code=code, created_by_id=actor.id if actor else None)
    _apply(cohort, fields)
    session.add(cohort)
    session.flush()
    audit.record(session, "cohort.create", actor_id=actor.id if actor else None, target_type="cohort",
                 target_id=cohort.id, organisation_id=org.id)
    return cohort


def update_cohort(session: Session, cohort: Cohort, fields: CohortFields, *, actor: User) -> None:
    """Change a cohort; the course stays once people have joined or been invited, and capacity
    not below them (an invitation holds its seat)."""
    count = seats_taken(session, cohort)
    if count and fields.course_id != cohort.course_id:
        raise CohortError("course_locked", count)
    if fields.capacity is not None and fields.capacity < count:
        raise CohortError("capacity_below_participants", count)
    _apply(cohort, fields)
    session.flush()
    audit.record(session, "cohort.update", actor_id=actor.id, target_type="cohort", target_id=cohort.id)


def cohort_in(session: Session, org: Organisation, cohort_id: int) -> Cohort | None:
    """The cohort when it belongs to `org` (already scope-checked by the caller)."""
    cohort = session.get(Cohort, cohort_id)
    return cohort if cohort is not None and cohort.organisation_id == org.id else None


def cohorts_of(session: Session, org: Organisation) -> list[Cohort]:
    return list(session.scalars(sa.select(Cohort).where(Cohort.organisation_id == org.id)
                                .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())))


def find_by_code(session: Session, text: str) -> Cohort | None:
    code = normalise_join_code(text)
    if len(code) != JOIN_CODE_LENGTH:
        return None
    return session.scalar(sa.select(Cohort).where(Cohort.join_code == code))


def participant_count(session: Session, cohort: Cohort) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                          .where(Enrolment.cohort_id == cohort.id))


def pending_count(session: Session, cohort: Cohort) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(CohortInvitation).where(
        CohortInvitation.cohort_id == cohort.id, CohortInvitation.status == InvitationStatus.PENDING))


def seats_taken(session: Session, cohort: Cohort) -> int:
    """Participants and unanswered invitations: an invited person finds their seat kept."""
    return participant_count(session, cohort) + pending_count(session, cohort)


def seats_left(session: Session, cohort: Cohort) -> int | None:
    if cohort.capacity is None:
        return None
    return max(cohort.capacity - seats_taken(session, cohort), 0)


def is_closed(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    if cohort.cancelled_at is not None:  # 中止 (removal.cancel_cohort)
        return True
    return cohort.registration_deadline is not None and (now or utcnow()) > cohort.registration_deadline


# --- joining ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Joined:
    enrolment: Enrolment
    is_new: bool  # False: the person was already in this cohort


def lock_cohort(session: Session, cohort: Cohort) -> Cohort:
    """Re-read the cohort, locking its row on PostgreSQL, so two people never take the last seat."""
    session.flush()
    return session.scalars(sa.select(Cohort).where(Cohort.id == cohort.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def join(session: Session, cohort: Cohort, user: User, now: dt.datetime | None = None) -> Joined:
    """Enrol `user` (who asked for it: a join code, or an invitation they accepted) in the cohort's
    course as a participant of the cohort; an invitation of their address is answered with it.

    Raises CohortError('closed' | 'full' | 'other_cohort' | 'not_published')."""
    if cohort.cancelled_at is not None:  # not even an invitation opens a cancelled cohort
        raise CohortError("closed")
    invitation = pending_invitation_for(session, cohort, user)
    existing = enrolling.enrolment_for(session, user, cohort.course)
    if existing is not None and existing.cohort_id == cohort.id:
        _answer(invitation, InvitationStatus.ACCEPTED, now)
        return Joined(existing, is_new=False)
    if existing is not None and existing.cohort_id is not None:
        raise CohortError("other_cohort", existing.cohort_id)
    # An invited person's seat is kept by the invitation, and the coordinator chose them: neither
    # the deadline nor a full cohort turns them away.
    if invitation is None and is_closed(cohort, now):
        raise CohortError("closed")
    cohort = lock_cohort(session, cohort)
    if invitation is None and cohort.capacity is not None and seats_taken(session, cohort) >= cohort.capacity:
        raise CohortError("full")
    try:
        enrolment = enrolling.enrol(session, user, cohort.course, cohort_id=cohort.id)
    except LearningError as error:
        raise CohortError(error.code) from error
    if enrolment.cohort_id != cohort.id:  # joined another cohort of the course at the same moment
        raise CohortError("other_cohort", enrolment.cohort_id)
    _answer(invitation, InvitationStatus.ACCEPTED, now)
    audit.record(session, "cohort.join", actor_id=user.id, target_type="cohort", target_id=cohort.id,
                 enrolment_id=enrolment.id, invitation_id=invitation.id if invitation else None)
    return Joined(enrolment, is_new=True)


@dataclass(frozen=True)
class JoinedSession:
    """A session the user joined, for their own page: when, where, who runs it."""
    cohort: Cohort
    enrolment: Enrolment
    organisation: Organisation
    contact_email: str | None  # the work address of the coordinator who set the session up
    has_attended: bool


def sessions_of(session: Session, user: User) -> list[JoinedSession]:
    """The cohorts `user` joined, soonest first (one query)."""
    creator = aliased(User)
    rows = session.execute(
        sa.select(Cohort, Enrolment, Organisation, creator.email, Attendance.enrolment_id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .outerjoin(creator, creator.id == Cohort.created_by_id)
        .outerjoin(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.cohort_id == Cohort.id))
        .where(Enrolment.user_id == user.id)
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id)).all()
    return [JoinedSession(c, e, o, email, attended is not None) for c, e, o, email, attended in rows]


def leave(session: Session, cohort: Cohort, user: User) -> Enrolment:
    """The participant leaves a cohort they joined; their learning (enrolment, progress) stays.

    Raises CohortError('not_participant'), CohortError('cancelled') or CohortError('attended'):
    a cancelled (中止) cohort is not left, its list of participants is the record of what was
    called off; attendance recorded is part of the session's record (and may have completed the
    course), so it is not left either."""
    enrolment = enrolling.enrolment_for(session, user, cohort.course)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        raise CohortError("not_participant")
    if cohort.cancelled_at is not None:
        raise CohortError("cancelled")
    if session.get(Attendance, (cohort.id, enrolment.id)) is not None:
        raise CohortError("attended")
    enrolment = enrolling.locked(session, enrolment)
    enrolment.cohort_id = None
    audit.record(session, "cohort.leave", actor_id=user.id, target_type="cohort", target_id=cohort.id,
                 enrolment_id=enrolment.id)
    session.flush()
    return enrolment


# --- invitations --------------------------------------------------------------------------------------
# A coordinator invites addresses, never accounts: nothing here looks up whether an address has an
# account, so no page, count or timing can tell a coordinator. The owner accepts logged in as the
# address (accept_invitation -> join); until then the cohort holds only what the coordinator typed.

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(invitation: CohortInvitation, lifetime: dt.timedelta, now: dt.datetime) -> str:
    """A fresh one-time link token; the previous link of the invitation stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = now + lifetime
    invitation.sent_at = now
    return token


def _answer(invitation: CohortInvitation | None, status: InvitationStatus, now: dt.datetime | None) -> None:
    if invitation is not None:
        invitation.status = status
        invitation.token_hash = None
        invitation.answered_at = now or utcnow()


def invite(session: Session, cohort: Cohort, *, email: str, name: str, actor: User, lifetime: dt.timedelta,
           now: dt.datetime | None = None) -> tuple[CohortInvitation, str]:
    """Invite one address (already checked by the caller); returns the invitation and its link token."""
    now = now or utcnow()
    invitation = CohortInvitation(cohort_id=cohort.id, email=normalise_email(email), name=name.strip()[:60],
                                  status=InvitationStatus.PENDING, invited_by_id=actor.id, created_at=now)
    token = _new_token(invitation, lifetime, now)
    session.add(invitation)
    session.flush()
    return invitation, token


def invitations_of(session: Session, cohort: Cohort) -> list[CohortInvitation]:
    """Invitations not (yet) turned into participants: unanswered first, then declined."""
    return list(session.scalars(
        sa.select(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id,
                                          CohortInvitation.status != InvitationStatus.ACCEPTED)
        .order_by(CohortInvitation.status.desc(), CohortInvitation.name, CohortInvitation.id)))


def invitation_counts(session: Session, cohort: Cohort) -> dict[InvitationStatus, int]:
    """How many invitations are unanswered, accepted and declined (one query)."""
    counts = dict.fromkeys(InvitationStatus, 0)
    counts.update(session.execute(sa.select(CohortInvitation.status, sa.func.count())
                                  .where(CohortInvitation.cohort_id == cohort.id)
                                  .group_by(CohortInvitation.status)).all())
    return counts


def invitation_in(session: Session, cohort: Cohort, invitation_id: int) -> CohortInvitation | None:
    invitation = session.get(CohortInvitation, invitation_id)
    return invitation if invitation is not None and invitation.cohort_id == cohort.id else None


def invitation_by_token(session: Session, token: str, now: dt.datetime | None = None) -> CohortInvitation | None:
    """The unanswered, unexpired invitation a mailed link stands for."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(sa.select(CohortInvitation).where(
        CohortInvitation.token_hash == _token_hash(token), CohortInvitation.status == InvitationStatus.PENDING))
    if invitation is None or invitation.expires_at is None or invitation.expires_at < (now or utcnow()):
        return None
    return invitation


def pending_invitation_for(session: Session, cohort: Cohort, user: User) -> CohortInvitation | None:
    """The unanswered invitation of the user's own address to this cohort, if any."""
    if not user.email:
        return None
    return session.scalar(sa.select(CohortInvitation).where(
        CohortInvitation.cohort_id == cohort.id, CohortInvitation.email == normalise_email(user.email),
        CohortInvitation.status == InvitationStatus.PENDING))


def accept_invitation(session: Session, invitation: CohortInvitation, user: User,
                      now: dt.datetime | None = None) -> Joined:
    """The owner of the invited address, logged in as it, joins the cohort.

    Raises CohortError('wrong_account') for anyone else, and join()'s errors."""
    if not user.email or normalise_email(user.email) != invitation.email:
        raise CohortError("wrong_account", invitation.email)
    return join(session, session.get(Cohort, invitation.cohort_id), user, now)


def decline_invitation(session: Session, invitation: CohortInvitation, now: dt.datetime | None = None) -> None:
    """The holder of the mailed link says no; no account is needed for that."""
    _answer(invitation, InvitationStatus.DECLINED, now)
    audit.record(session, "cohort.invitation_decline", target_type="cohort", target_id=invitation.cohort_id,
                 invitation_id=invitation.id)
    session.flush()


def resend_invitation(session: Session, invitation: CohortInvitation, *, actor: User, lifetime: dt.timedelta,
                      now: dt.datetime | None = None) -> str:
    """A new link for an unanswered invitation. Raises CohortError('not_pending')."""
    if invitation.status is not InvitationStatus.PENDING:
        raise CohortError("not_pending")
    token = _new_token(invitation, lifetime, now or utcnow())
    audit.record(session, "cohort.invitation_resend", actor_id=actor.id, target_type="cohort",
                 target_id=invitation.cohort_id, invitation_id=invitation.id)
    session.flush()
    return token


def remove_invitation(session: Session, invitation: CohortInvitation, *, actor: User) -> None:
    """Withdraw an unanswered invitation or forget a declined one. Raises CohortError('not_pending')."""
    if invitation.status is InvitationStatus.ACCEPTED:
        raise CohortError("not_pending")
    audit.record(session, "cohort.invitation_remove", actor_id=actor.id, target_type="cohort",
                 target_id=invitation.cohort_id, invitation_id=invitation.id)
    session.delete(invitation)
    session.flush()


# --- attendance -------------------------------------------------------------------------------------

@dataclass
class AttendanceResult:
    recorded: int = 0  # new attendance rows
    completed: int = 0  # enrolments completed by this attendance
    not_allowed: bool = False  # the course does not let attendance stand in for the lessons
    certificate_ids: list[int] = field(default_factory=list)


def participants(session: Session, cohort: Cohort) -> list[tuple[Enrolment, User, Attendance | None]]:
    """Everyone in the cohort with their attendance, for the checklist (one query)."""
    rows = session.execute(
        sa.select(Enrolment, User, Attendance).join(User, User.id == Enrolment.user_id)
        .outerjoin(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.cohort_id == cohort.id))
        .where(Enrolment.cohort_id == cohort.id).order_by(User.display_name, Enrolment.id))
    return [tuple(row) for row in rows]


def record_attendance(session: Session, cohort: Cohort, enrolment_ids: list[int], *, actor: User,
                      now: dt.datetime | None = None) -> AttendanceResult:
    """Record who attended; completes their course where the course allows it.

    Raises CohortError('no_session' | 'not_started' | 'none_chosen' | 'not_participant') before
    storing anything. A completion by attendance is dated the session's start."""
    if cohort.mode not in SESSION_MODES:
        raise CohortError("no_session")
    now = now or utcnow()
    if not attendance_open(cohort, now):
        raise CohortError("not_started", cohort.starts_at)
    wanted = sorted(set(enrolment_ids))
    if not wanted:
        raise CohortError("none_chosen")
    enrolments = list(session.scalars(sa.select(Enrolment).where(Enrolment.id.in_(wanted),
                                                                 Enrolment.cohort_id == cohort.id)))
    strangers = sorted(set(wanted) - {e.id for e in enrolments})
    if strangers:
        raise CohortError("not_participant", strangers)
    result = AttendanceResult()
    already = set(session.scalars(sa.select(Attendance.enrolment_id).where(
        Attendance.cohort_id == cohort.id, Attendance.enrolment_id.in_(wanted))))
    for enrolment in enrolments:
        if enrolment.id not in already:
            try:
                with session.begin_nested():
                    session.add(Attendance(cohort_id=cohort.id, enrolment_id=enrolment.id, recorded_at=now,
                                           recorded_by_id=actor.id))
                result.recorded += 1
            except IntegrityError:
                pass  # another coordinator recorded the same person at the same moment
        try:
            if progress.record_attendance(session, enrolment, now=now, session_at=cohort.starts_at):
                result.completed += 1
        except LearningError as error:
            if error.code != "attendance_not_allowed":
                raise CohortError(error.code) from error
            result.not_allowed = True
            continue
        cert = issuing.current_certificate(session, enrolment.id)
        if cert is not None and cert.revoked_at is None:
            result.certificate_ids.append(cert.id)
    audit.record(session, "cohort.attendance", actor_id=actor.id, target_type="cohort", target_id=cohort.id,
                 recorded=result.recorded, completed=result.completed)
    session.flush()
    return result


def attendance_open(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Attendance is recorded from the session's start (a cohort without a start time: any time)."""
    return cohort.starts_at is None or (now or utcnow()) >= cohort.starts_at


# Stored as the revocation reason, shown where the certificate is verified: the service's words.
UNDO_REASON = "出席の記録の取り消しにより、修了を取り消しました。"


@dataclass(frozen=True)
class UndoEffect:
    """What removing one person's attendance will do, for the confirm page and for the POST."""
    enrolment: Enrolment
    user: User
    withdraws_completion: bool  # the completion rested on this attendance alone
    keeps_completion: bool  # completed by lessons and quiz: stays
    certificate: Certificate | None  # revoked with UNDO_REASON when the completion is withdrawn


def undo_effects(session: Session, cohort: Cohort, enrolment_ids: list[int]) -> list[UndoEffect]:
    """For each of the ids with attendance recorded in this cohort, what undoing it will do
    (ids of others or without attendance are left out)."""
    rows = session.execute(
        sa.select(Enrolment, User).join(User, User.id == Enrolment.user_id)
        .join(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.cohort_id == cohort.id))
        .where(Enrolment.id.in_(sorted(set(enrolment_ids))), Enrolment.cohort_id == cohort.id)
        .order_by(User.display_name, Enrolment.id)).all()
    effects = []
    for enrolment, user in rows:
        withdraws = progress.completion_rests_on_attendance(session, enrolment)
        cert = issuing.current_certificate(session, enrolment.id) if withdraws else None
        effects.append(UndoEffect(enrolment, user, withdraws, enrolment.completed_at is not None and not withdraws,
                                  cert if cert is not None and cert.revoked_at is None else None))
    return effects


@dataclass
class UndoResult:
    removed: int = 0
    withdrawn: int = 0  # completions withdrawn
    revoked: int = 0  # certificates revoked


def undo_attendance(session: Session, cohort: Cohort, enrolment_ids: list[int], *, actor: User) -> UndoResult:
    """Remove recorded attendance (a mistaken tick). A completion that rested on it alone is
    withdrawn, its certificate revoked with UNDO_REASON and the supporter count corrected
    (progress.withdraw_attendance_completion); a completion by lessons and quiz stays. Audited."""
    result = UndoResult()
    for effect in undo_effects(session, cohort, enrolment_ids):
        session.execute(sa.delete(Attendance).where(Attendance.cohort_id == cohort.id,
                                                    Attendance.enrolment_id == effect.enrolment.id)
                        .execution_options(synchronize_session=False))
        result.removed += 1
        revoked = progress.withdraw_attendance_completion(session, effect.enrolment, actor_id=actor.id,
                                                          reason=UNDO_REASON)
        if revoked is not None:
            result.withdrawn += 1
            result.revoked += 1 if revoked else 0
        audit.record(session, "cohort.attendance_undo", actor_id=actor.id, target_type="cohort",
                     target_id=cohort.id, enrolment_id=effect.enrolment.id,
                     completion_withdrawn=revoked is not None, certificate_id=revoked or None)
    session.expire_all()
    return result


# --- reminders --------------------------------------------------------------------------------------

def claim_due_reminders(session: Session, now: dt.datetime | None = None) -> list[Cohort]:
    """Cohorts starting tomorrow (Japan time) whose reminder has not gone out, now marked as sent.

    Marked before sending with a conditional UPDATE, so two cron runs never both send."""
    now = now or utcnow()
    tomorrow = now.astimezone(JST).date() + dt.timedelta(days=1)
    start = from_jst(tomorrow, dt.time(0, 0))
    end = start + dt.timedelta(days=1)
    due = list(session.scalars(sa.select(Cohort.id).where(
        Cohort.starts_at >= start, Cohort.starts_at < end, Cohort.reminder_sent_at.is_(None),
        Cohort.cancelled_at.is_(None))  # no "tomorrow" reminder for a cancelled (中止) cohort
        .order_by(Cohort.id)))
    claimed = []
    for cohort_id in due:
        done = session.execute(sa.update(Cohort).where(Cohort.id == cohort_id, Cohort.reminder_sent_at.is_(None))
                               .values(reminder_sent_at=now).execution_options(synchronize_session=False))
        if done.rowcount == 1:
            claimed.append(cohort_id)
    session.expire_all()
    return [session.get(Cohort, cohort_id) for cohort_id in claimed]


def recipients(session: Session, cohort: Cohort) -> list[User]:
    """Participants who can be e-mailed (pupils and deactivated accounts cannot)."""
    return list(session.scalars(sa.select(User).join(Enrolment, Enrolment.user_id == User.id)
                                .where(Enrolment.cohort_id == cohort.id, User.email.is_not(None),
                                       User.is_active_account.is_(True))
                                .order_by(User.id)))
