"""Small builders for test data."""
from __future__ import annotations

import itertools

from app.extensions import db
from app.models import Membership, Organisation, OrganisationKind, Role, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-42"


def make_user(role: Role = Role.TRAINEE, *, municipality: str | None = "292095", email: str | None = None,
              name: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.jp", display_name=name or f"利用者{n}", role=role,
                municipality_code=municipality, **fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_trainee(**kw) -> User:
    return make_user(Role.TRAINEE, **kw)


def make_admin(**kw) -> User:
    return make_user(Role.ADMIN, **kw)


def make_organisation(*, municipality: str | None = "292095", prefecture: str | None = None,
                      kind: OrganisationKind = OrganisationKind.MUNICIPALITY, name: str | None = None) -> Organisation:
    if prefecture:
        municipality = None
    org = Organisation(kind=kind, name=name or f"団体{next(_seq)}", municipality_code=municipality,
                       prefecture_code=prefecture)
    db.session.add(org)
    db.session.flush()
    return org


def make_coordinator(org: Organisation | None = None, **kw) -> User:
    user = make_user(Role.COORDINATOR, **kw)
    if org is not None:
        db.session.add(Membership(user_id=user.id, organisation_id=org.id))
        db.session.flush()
    return user
