"""Writing to the audit log."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    ip: str | None = None,
    **detail: object,
) -> AuditEvent:
    """Append one audit event; the caller's transaction commits it with the change itself."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        detail={k: v for k, v in detail.items() if v is not None},
    )
    session.add(event)
    return event
