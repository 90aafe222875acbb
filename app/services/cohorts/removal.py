"""Taking a participant off a cohort, and cancelling (中止) a cohort.

Decisions (Issue 18 §5), stated on the confirm pages and kept in the audit log:
- An issued certificate stays valid: it was earned. Nothing issued is revoked or deleted here.
- A completion stays, also one recorded by attendance in this cohort: the person attended. A
  mistaken attendance is undone on the attendance page (its own confirm page), not by removal.
- Removal takes the person off the cohort's list (Enrolment.cohort_id is cleared): their course,
  progress and certificate stay theirs, they get no more reminders, and the seat is free again.
  Their attendance rows for the cohort are kept as the record of that session.
- A cancelled cohort keeps its participants and records; it leaves the public finder, takes no new
  participants (cohorts.join refuses it) and its participants are told by e-mail (app.jobs).
- Its unanswered invitations are withdrawn in the same transaction, as a coordinator withdraws one
  (cohorts.remove_invitation: the row goes, audited), so their links answer like any withdrawn link.
  Accepted and declined invitations stay as the cohort's record."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Certificate, Cohort, CohortInvitation, Enrolment, InvitationStatus, User
from app.models.base import utcnow
from app.services.infra import audit


@dataclass
class Consequences:
    """What stays when a participant leaves a cohort: shown before, recorded after."""

    completed: bool = False
    completed_by_attendance: bool = False
    certificates: list[str] = field(default_factory=list)  # serials of valid certificates (they stay valid)


def participant_in(session: Session, cohort: Cohort, enrolment_id: int) -> Enrolment | None:
    """The cohort's participant with this enrolment, or None (the caller answers 404)."""
    enrolment = session.get(Enrolment, enrolment_id)
    return enrolment if enrolment is not None and enrolment.cohort_id == cohort.id else None


def consequences(session: Session, enrolment: Enrolment) -> Consequences:
    serials = session.scalars(sa.select(Certificate.serial).where(
        Certificate.enrolment_id == enrolment.id, Certificate.revoked_at.is_(None)).order_by(Certificate.id)).all()
    via = enrolment.completed_via.value if enrolment.completed_via is not None else None
    return Consequences(completed=enrolment.completed_at is not None,
                        completed_by_attendance=enrolment.completed_at is not None and via == "attendance",
                        certificates=list(serials))


def remove_participant(session: Session, cohort: Cohort, enrolment_id: int, *, actor: User) -> Consequences | None:
    """Take the participant off the cohort; None when they are no longer in it (a second submit).

    The update is conditional, so two submits (or two coordinators) remove and audit once."""
    enrolment = participant_in(session, cohort, enrolment_id)
    if enrolment is None:
        return None
    kept = consequences(session, enrolment)
    done = session.execute(sa.update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.cohort_id == cohort.id)
                           .values(cohort_id=None).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return None
    session.expire(enrolment)
    audit.record(session, "cohort.participant_remove", actor_id=actor.id, target_type="cohort", target_id=cohort.id,
                 enrolment_id=enrolment_id, user_id=enrolment.user_id, completion_kept=kept.completed,
                 completed_by_attendance=kept.completed_by_attendance, certificates_kept=kept.certificates)
    session.flush()
    return kept


def participants(session: Session, cohort: Cohort) -> list[int]:
    """Enrolment ids of the cohort's participants."""
    return list(session.scalars(sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id).order_by(Enrolment.id)))


def cancel_cohort(session: Session, cohort: Cohort, *, actor: User, now: dt.datetime | None = None) -> list[int] | None:
    """Cancel the cohort: it leaves the finder and takes nobody new. Returns the user ids to tell by
    e-mail, or None when it was already cancelled (a second submit: nothing is done or sent twice)."""
    when = now or utcnow()
    done = session.execute(sa.update(Cohort).where(Cohort.id == cohort.id, Cohort.cancelled_at.is_(None))
                           .values(cancelled_at=when, is_public=False).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return None
    session.expire(cohort)
    user_ids = list(session.scalars(sa.select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
                                    .order_by(Enrolment.id)))
    withdrawn = _withdraw_pending_invitations(session, cohort, actor=actor)
    audit.record(session, "cohort.cancel", actor_id=actor.id, target_type="cohort", target_id=cohort.id,
                 participants=len(user_ids), invitations_withdrawn=len(withdrawn), completions_kept=session.scalar(
                     sa.select(sa.func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort.id,
                                                                 Enrolment.completed_at.is_not(None))))
    session.flush()
    return user_ids


def _withdraw_pending_invitations(session: Session, cohort: Cohort, *, actor: User) -> list[int]:
    """Withdraw the cohort's unanswered invitations (their links stop working); their ids."""
    # Conditional on the status, so an invitation accepted at the same moment is left alone.
    withdrawn = list(session.scalars(
        sa.delete(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id,
                                          CohortInvitation.status == InvitationStatus.PENDING)
        .returning(CohortInvitation.id).execution_options(synchronize_session="fetch")))
    for invitation_id in sorted(withdrawn):
        audit.record(session, "cohort.invitation_remove", actor_id=actor.id, target_type="cohort",
                     target_id=cohort.id, invitation_id=invitation_id, reason="cohort_cancelled")
    return sorted(withdrawn)
