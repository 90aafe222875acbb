"""Platforms and their members: create, invite, accept, decline, withdraw, leave; who belongs where.

An invitation changes nothing: until a coordinator of the invited organisation accepts, the
platform sees none of its cohorts. Every step is in the audit log. Scope is the caller's (the
views load the organisation through the coordinator's scope first); these functions check only
that the objects belong together."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import MemberState, Organisation, OrganisationKind, Platform, PlatformMember, User
from app.models.base import utcnow
from app.services.infra import audit

# Only an area's own office runs a platform (a municipality's or a prefecture's organisation).
RUNNING_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.PREFECTURE)
SEARCH_LIMIT = 20


class PlatformError(Exception):
    """A refused platform operation; `code` names the reason for the view to word."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


# --- who belongs where -------------------------------------------------------------------------------

def active_member_org_ids(session: Session, platform_id: int) -> set[int]:
    """Organisations that accepted the platform's invitation and have not left."""
    return set(session.scalars(
        sa.select(PlatformMember.organisation_id)
        .where(PlatformMember.platform_id == platform_id, PlatformMember.state == MemberState.ACTIVE)
    ))


def visible_org_ids(session: Session, platform: Platform) -> set[int]:
    """Whose cohorts the platform sees: its running organisation and its active members."""
    return active_member_org_ids(session, platform.id) | {platform.organisation_id}


def platforms_run_by(session: Session, organisation_id: int) -> list[Platform]:
    """Platforms whose running organisation is `organisation_id`, by name."""
    return list(session.scalars(
        sa.select(Platform).where(Platform.organisation_id == organisation_id).order_by(Platform.name, Platform.id)
    ))


def platform_of(session: Session, org: Organisation, platform_id: int) -> Platform | None:
    """The platform when `org` runs it (the caller checked the viewer may act for `org`)."""
    platform = session.get(Platform, platform_id)
    return platform if platform is not None and platform.organisation_id == org.id else None


def memberships_of(session: Session, organisation_id: int) -> list[PlatformMember]:
    """The organisation's places in platforms, invitations first, then active, then left ones."""
    order = sa.case({MemberState.INVITED.value: 0, MemberState.ACTIVE.value: 1}, value=PlatformMember.state, else_=2)
    return list(session.scalars(
        sa.select(PlatformMember).join(Platform, Platform.id == PlatformMember.platform_id)
        .where(PlatformMember.organisation_id == organisation_id)
        .order_by(order, Platform.name, PlatformMember.id)
    ))


def membership_of(session: Session, org: Organisation, member_id: int) -> PlatformMember | None:
    """The organisation's own place in a platform (invitation, membership or former membership)."""
    member = session.get(PlatformMember, member_id)
    return member if member is not None and member.organisation_id == org.id else None


def member_in(session: Session, platform: Platform, member_id: int) -> PlatformMember | None:
    """A member row of the platform."""
    member = session.get(PlatformMember, member_id)
    return member if member is not None and member.platform_id == platform.id else None


def members_of(session: Session, platform: Platform) -> list[PlatformMember]:
    order = sa.case({MemberState.ACTIVE.value: 0, MemberState.INVITED.value: 1}, value=PlatformMember.state, else_=2)
    return list(session.scalars(
        sa.select(PlatformMember).join(Organisation, Organisation.id == PlatformMember.organisation_id)
        .where(PlatformMember.platform_id == platform.id).order_by(order, Organisation.name, PlatformMember.id)
    ))


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    area_name: str


def invitable(session: Session, platform: Platform, query: str) -> list[Candidate]:
    """Organisations whose name contains `query` that could be invited (not active or invited already)."""
    query = query.strip()
    if len(query) < 2:
        return []
    taken = sa.select(PlatformMember.organisation_id).where(
        PlatformMember.platform_id == platform.id, PlatformMember.state != MemberState.LEFT)
    rows = session.scalars(
        sa.select(Organisation).where(Organisation.name.contains(query, autoescape=True),
                                      Organisation.id != platform.organisation_id, Organisation.id.not_in(taken))
        .order_by(Organisation.name, Organisation.id).limit(SEARCH_LIMIT))
    return [Candidate(o.id, o.name, o.area_name) for o in rows]


# --- changes --------------------------------------------------------------------------------------------

def create_platform(session: Session, org: Organisation, name: str, *, actor: User | None) -> Platform:
    if org.kind not in RUNNING_KINDS:
        raise PlatformError("not_an_area_office")
    name = name.strip()
    if not name:
        raise PlatformError("name_required")
    platform = Platform(organisation_id=org.id, name=name)
    session.add(platform)
    session.flush()
    audit.record(session, "platform.create", actor_id=_actor_id(actor), target_type="platform",
                 target_id=platform.id, organisation_id=org.id, name=name)
    return platform


def invite(session: Session, platform: Platform, organisation_id: int, *, actor: User | None) -> PlatformMember:
    """Invite an organisation; a former member or a declined invitation is invited again on its row."""
    invitee = session.get(Organisation, organisation_id)
    if invitee is None:
        raise PlatformError("unknown_organisation")
    if invitee.id == platform.organisation_id:
        raise PlatformError("runs_platform")
    member = session.scalar(sa.select(PlatformMember).where(
        PlatformMember.platform_id == platform.id, PlatformMember.organisation_id == invitee.id))
    if member is not None and member.state is not MemberState.LEFT:
        raise PlatformError("already_member" if member.state is MemberState.ACTIVE else "already_invited")
    if member is None:
        member = PlatformMember(platform_id=platform.id, organisation_id=invitee.id)
        session.add(member)
    member.state, member.invited_at, member.invited_by_id = MemberState.INVITED, utcnow(), _actor_id(actor)
    member.accepted_at = member.accepted_by_id = member.left_at = member.left_by_id = None
    session.flush()
    audit.record(session, "platform.invite", actor_id=_actor_id(actor), target_type="platform_member",
                 target_id=member.id, platform_id=platform.id, organisation_id=invitee.id)
    return member


def _move(session: Session, member: PlatformMember, expected: MemberState, code: str, **values: object) -> None:
    """Change the row only if it is still in `expected`, in one conditional UPDATE: of the same
    button pressed twice at once, one request wins and the other is refused (one audit entry)."""
    if member.state is not expected:
        raise PlatformError(code)
    done = session.execute(sa.update(PlatformMember)
                           .where(PlatformMember.id == member.id, PlatformMember.state == expected)
                           .values(**values).execution_options(synchronize_session=False))
    session.refresh(member)
    if done.rowcount != 1:
        raise PlatformError(code)


def accept(session: Session, member: PlatformMember, *, actor: User | None) -> None:
    """The invited organisation's coordinator accepts: from now on the platform sees its cohorts."""
    _move(session, member, MemberState.INVITED, "not_invited", state=MemberState.ACTIVE, accepted_at=utcnow(),
          accepted_by_id=_actor_id(actor))
    audit.record(session, "platform.accept", actor_id=_actor_id(actor), target_type="platform_member",
                 target_id=member.id, platform_id=member.platform_id, organisation_id=member.organisation_id)


def _end(session: Session, member: PlatformMember, action: str, actor: User | None,
         expected: MemberState = MemberState.INVITED, code: str = "not_invited") -> None:
    _move(session, member, expected, code, state=MemberState.LEFT, left_at=utcnow(), left_by_id=_actor_id(actor))
    audit.record(session, action, actor_id=_actor_id(actor), target_type="platform_member", target_id=member.id,
                 platform_id=member.platform_id, organisation_id=member.organisation_id)


def decline(session: Session, member: PlatformMember, *, actor: User | None) -> None:
    """The invited organisation says no; nothing was ever shared."""
    _end(session, member, "platform.decline", actor)


def withdraw(session: Session, member: PlatformMember, *, actor: User | None) -> None:
    """The platform takes back an invitation not yet answered."""
    _end(session, member, "platform.withdraw", actor)


def leave(session: Session, member: PlatformMember, *, actor: User | None) -> None:
    """A member leaves: from now on the platform sees none of its cohorts, past or future."""
    _end(session, member, "platform.leave", actor, MemberState.ACTIVE, "not_member")
