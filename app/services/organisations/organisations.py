"""Organisations (実施団体) and the scope of what a coordinator may see."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Membership, Municipality, Organisation, OrganisationKind, Prefecture, Role, User
from app.services.infra import audit


class OrganisationError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def create_organisation(
    session: Session, *, kind: OrganisationKind, name: str, area_code: str, actor: User | None
) -> Organisation:
    """Create an organisation whose area is a 6-digit municipality or a 2-digit prefecture."""
    org = Organisation(kind=kind, name=name.strip())
    set_area(session, org, area_code)
    session.add(org)
    session.flush()
    audit.record(session, "organisation.create", actor_id=actor.id if actor else None,
                 target_type="organisation", target_id=org.id, name=org.name)
    return org


def update_organisation(
    session: Session, org: Organisation, *, kind: OrganisationKind, name: str, area_code: str, actor: User
) -> dict[str, list]:
    """Change name, kind and area; the audit log keeps what changed, from what to what."""
    before = {"name": org.name, "kind": org.kind.value, "area": org.municipality_code or org.prefecture_code}
    org.name, org.kind = name.strip(), kind
    set_area(session, org, area_code)
    after = {"name": org.name, "kind": org.kind.value, "area": org.municipality_code or org.prefecture_code}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit.record(session, "organisation.update", actor_id=actor.id, target_type="organisation",
                     target_id=org.id, **changes)
    session.flush()
    return changes


def search_organisations(session: Session, query: str = "", limit: int = 200) -> list[Organisation]:
    """Organisations whose name contains `query` or whose area code starts with it (all if empty)."""
    stmt = sa.select(Organisation).order_by(Organisation.name).limit(limit)
    query = query.strip()
    if query:
        stmt = stmt.where(sa.or_(Organisation.name.contains(query, autoescape=True),
                                 Organisation.municipality_code.startswith(query, autoescape=True),
                                 Organisation.prefecture_code.startswith(query, autoescape=True)))
    return list(session.scalars(stmt))


def set_area(session: Session, org: Organisation, area_code: str) -> None:
    if len(area_code) == 2 and session.get(Prefecture, area_code) is not None:
        org.prefecture_code, org.municipality_code = area_code, None
    elif len(area_code) == 6 and session.get(Municipality, area_code) is not None:
        org.municipality_code, org.prefecture_code = area_code, None
    else:
        raise OrganisationError("unknown_area")


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: everything (admin) or some organisations and areas."""

    everything: bool
    organisation_ids: frozenset[int]
    municipality_codes: frozenset[str]
    prefecture_codes: frozenset[str]

    def covers_municipality(self, code: str | None) -> bool:
        if self.everything:
            return True
        return bool(code) and (code in self.municipality_codes or code[:2] in self.prefecture_codes)

    def municipality_filter(self, column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        """A WHERE clause limiting a municipality-code column to this scope."""
        if self.everything:
            return sa.true()
        clauses = []
        if self.municipality_codes:
            clauses.append(column.in_(sorted(self.municipality_codes)))
        if self.prefecture_codes:
            clauses.append(sa.func.substr(column, 1, 2).in_(sorted(self.prefecture_codes)))
        return sa.or_(*clauses) if clauses else sa.false()


def scope_for(session: Session, user: User) -> Scope:
    if user.role is Role.ADMIN:
        return Scope(True, frozenset(), frozenset(), frozenset())
    orgs = list(
        session.scalars(
            sa.select(Organisation).join(Membership).where(Membership.user_id == user.id)
        )
    )
    return Scope(
        False,
        frozenset(o.id for o in orgs),
        frozenset(o.municipality_code for o in orgs if o.municipality_code),
        frozenset(o.prefecture_code for o in orgs if o.prefecture_code),
    )


def organisations_for(session: Session, user: User) -> list[Organisation]:
    stmt = sa.select(Organisation).order_by(Organisation.name)
    if user.role is not Role.ADMIN:
        stmt = stmt.join(Membership).where(Membership.user_id == user.id)
    return list(session.scalars(stmt))


def get_organisation_in_scope(session: Session, user: User, org_id: int) -> Organisation | None:
    """The organisation when the viewer may see it; None (answer 404) otherwise."""
    org = session.get(Organisation, org_id)
    if org is None:
        return None
    if user.role is Role.ADMIN or session.get(Membership, (user.id, org.id)) is not None:
        return org
    return None


def remove_member(session: Session, org: Organisation, user_id: int, actor: User) -> None:
    membership = session.get(Membership, (user_id, org.id))
    if membership is None:
        raise OrganisationError("not_member")
    session.delete(membership)
    audit.record(session, "coordinator.remove", actor_id=actor.id, target_type="user",
                 target_id=user_id, organisation_id=org.id)
