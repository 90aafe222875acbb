"""Admins managing accounts: role changes, deactivation and reactivation, each audited."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEvent, Membership, Role, User
from app.services.accounts import privacy
from app.services.infra import audit


class UserAdminError(Exception):
    """A refused change; `code` names the reason for the view to word."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _check_target(user: User, actor: User) -> None:
    if user.id == actor.id:
        # An admin never locks themselves out; another admin must do it.
        raise UserAdminError("self")


def change_role(session: Session, user: User, role: Role, *, actor: User, ip: str | None = None) -> bool:
    """Give `user` another role; False when it already has it.

    A trainee's memberships are removed with the coordinator role, so a later promotion starts
    from no organisation instead of silently restoring old access."""
    _check_target(user, actor)
    if user.is_pupil and role is not Role.TRAINEE:
        raise UserAdminError("pupil")
    if user.role is role:
        return False
    removed: list[int] = []
    if role is Role.TRAINEE:
        removed = list(session.scalars(sa.select(Membership.organisation_id).where(Membership.user_id == user.id)))
        session.execute(sa.delete(Membership).where(Membership.user_id == user.id)
                        .execution_options(synchronize_session=False))
        session.expire(user, ["memberships"])
    previous = user.role
    user.role = role  # read on every request, so it applies to open sessions at once
    audit.record(session, "user.role_change", actor_id=actor.id, target_type="user", target_id=user.id, ip=ip,
                 old=previous.value, new=role.value, removed_organisations=removed or None)
    session.flush()
    return True


def set_active(session: Session, user: User, active: bool, *, actor: User, ip: str | None = None) -> bool:
    """Deactivate (no login, sessions end) or reactivate an account; False when nothing changes."""
    _check_target(user, actor)
    if user.is_active_account is active:
        return False
    user.is_active_account = active
    if not active:
        # Flask-Login checks is_active only at login: a new session version ends open sessions.
        user.session_version += 1
    audit.record(session, "user.reactivate" if active else "user.deactivate", actor_id=actor.id,
                 target_type="user", target_id=user.id, ip=ip)
    session.flush()
    return True


def delete_account(session: Session, user: User, *, actor: User, ip: str | None = None) -> int:
    """Delete an account on request (a pupil through their teacher, anyone who cannot do it
    themselves), exactly as its owner's deletion would; returns its number.

    Administrators are refused: demote first, so the platform never loses its last admin by a
    slip."""
    _check_target(user, actor)
    if user.role is Role.ADMIN:
        raise UserAdminError("admin")
    user_id = user.id
    privacy.erase_account(session, user, action="user.delete_by_admin", actor_id=actor.id, ip=ip)
    return user_id


def recent_events(session: Session, user: User, limit: int = 20) -> list[AuditEvent]:
    """What the account did and what was done to it, newest first."""
    return list(session.scalars(
        sa.select(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id,
                      sa.and_(AuditEvent.target_type == "user", AuditEvent.target_id == str(user.id))))
        .order_by(AuditEvent.id.desc()).limit(limit)))
