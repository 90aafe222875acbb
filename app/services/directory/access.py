"""Who keeps a municipality's directory and who may propose entries to it.

The directory of municipality M is kept by the coordinators of M's own organisation (kind
municipality, area M) and by the coordinators of an organisation that runs a platform in which
M's organisation is an active member (a prefecture's platform). The active members of a platform
run by M's organisation may propose entries; M's keepers approve them.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.models import MemberState, Organisation, OrganisationKind, Platform, PlatformMember


def kept_codes(session: Session, org: Organisation) -> set[str]:
    """Municipality codes whose directory `org`'s coordinators keep."""
    codes: set[str] = set()
    if org.kind is OrganisationKind.MUNICIPALITY and org.municipality_code:
        codes.add(org.municipality_code)
    members = (
        sa.select(Organisation.municipality_code)
        .join(PlatformMember, PlatformMember.organisation_id == Organisation.id)
        .join(Platform, Platform.id == PlatformMember.platform_id)
        .where(Platform.organisation_id == org.id, PlatformMember.state == MemberState.ACTIVE,
               Organisation.kind == OrganisationKind.MUNICIPALITY, Organisation.municipality_code.is_not(None))
    )
    codes.update(code for code in session.scalars(members) if code)
    return codes


def proposable_codes(session: Session, org: Organisation) -> set[str]:
    """Municipality codes to whose directory `org` may propose entries (and does not keep)."""
    runner = aliased(Organisation)
    stmt = (
        sa.select(runner.municipality_code)
        .join(Platform, Platform.organisation_id == runner.id)
        .join(PlatformMember, PlatformMember.platform_id == Platform.id)
        .where(PlatformMember.organisation_id == org.id, PlatformMember.state == MemberState.ACTIVE,
               runner.kind == OrganisationKind.MUNICIPALITY, runner.municipality_code.is_not(None))
    )
    return {code for code in session.scalars(stmt) if code} - kept_codes(session, org)


def role_for(session: Session, org: Organisation, code: str) -> str | None:
    """"keeper", "proposer", or None when `org` has nothing to do with `code`'s directory."""
    if code in kept_codes(session, org):
        return "keeper"
    if code in proposable_codes(session, org):
        return "proposer"
    return None
