"""Platforms and their members: invite, accept, decline, leave; who belongs where."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import MemberState, Platform, PlatformMember


def active_member_org_ids(session: Session, platform_id: int) -> set[int]:
    """Organisations that accepted the platform's invitation and have not left."""
    return set(session.scalars(
        sa.select(PlatformMember.organisation_id)
        .where(PlatformMember.platform_id == platform_id, PlatformMember.state == MemberState.ACTIVE)
    ))


def platforms_run_by(session: Session, organisation_id: int) -> list[Platform]:
    """Platforms whose running organisation is `organisation_id`, by name."""
    return list(session.scalars(
        sa.select(Platform).where(Platform.organisation_id == organisation_id).order_by(Platform.name, Platform.id)
    ))
