"""Demo accounts for a local trial: an organisation in 生駒市, a coordinator, a trainee, an admin."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Membership, Organisation, OrganisationKind, Role, User

IKOMA = "292095"
DEMO_ORG_NAME = "生駒市 つながりサポーター事務局（デモ）"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    name: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin@demo.tsunagari.example", "demo-admin-pass", "デモ管理者"),
    DemoAccount("coordinator", "coordinator@demo.tsunagari.example", "demo-coord-pass", "生駒 花子（デモ担当者）"),
    DemoAccount("trainee", "trainee@demo.tsunagari.example", "demo-trainee-pass", "山田 太郎（デモ受講者）"),
)


def ensure_demo(session: Session) -> tuple[Organisation, list[DemoAccount]]:
    """Create the demo organisation and accounts if missing; running it again changes nothing."""
    org = session.scalar(sa.select(Organisation).where(Organisation.name == DEMO_ORG_NAME))
    if org is None:
        org = Organisation(kind=OrganisationKind.MUNICIPALITY, name=DEMO_ORG_NAME, municipality_code=IKOMA)
        session.add(org)
        session.flush()
    for account in DEMO_ACCOUNTS:
        user = session.scalar(sa.select(User).where(User.email == account.email))
        if user is None:
            user = User(email=account.email, display_name=account.name, role=Role(account.role),
                        municipality_code=IKOMA)
            user.set_password(account.password)
            session.add(user)
            session.flush()
        if user.role is Role.COORDINATOR and session.get(Membership, (user.id, org.id)) is None:
            session.add(Membership(user_id=user.id, organisation_id=org.id))
    session.flush()
    return org, list(DEMO_ACCOUNTS)
