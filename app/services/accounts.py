"""Accounts: registration, authentication, one-time links, invitations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    AgeBand,
    Membership,
    OneTimeToken,
    Organisation,
    Role,
    Sex,
    TokenPurpose,
    User,
)
from app.models.base import utcnow
from app.services import audit, cache

MIN_PASSWORD_LENGTH = 8
# A short list of passwords people actually choose; enough to refuse the obvious ones.
COMMON_PASSWORDS = frozenset(
    """password password1 password123 12345678 123456789 1234567890 qwertyui qwerty123
    11111111 00000000 abcdefgh abcd1234 iloveyou sunshine princess letmein1 welcome1
    admin123 passw0rd tsunagari""".split()
)


class AccountError(Exception):
    """A refused account operation; `code` names the reason for the view to word."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def password_problem(password: str) -> str | None:
    """Return a reason code when the password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "too_common"
    return None


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(sa.select(User.id).where(User.email == normalise_email(email))) is not None


def register_trainee(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    municipality_code: str,
    age_band: AgeBand | None = None,
    sex: Sex | None = None,
) -> User:
    """Create an adult trainee account; the caller has validated the municipality code."""
    if email_taken(session, email):
        raise AccountError("email_taken")
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem)
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip(),
        role=Role.TRAINEE,
        municipality_code=municipality_code,
        age_band=age_band,
        sex=sex,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, "user.register", actor_id=user.id, target_type="user", target_id=user.id)
    return user


def authenticate(session: Session, email: str, password: str, ip: str | None = None) -> User | None:
    """Return the user for valid credentials; failed attempts are audited."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active or not user.check_password(password):
        audit.record(session, "auth.login_failed", actor_id=user.id if user else None, ip=ip,
                     email_hash=hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16])
        return None
    user.last_login_at = utcnow()
    audit.record(session, "auth.login", actor_id=user.id, target_type="user", target_id=user.id, ip=ip)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("wrong_password")
    if (problem := password_problem(new)) is not None:
        raise AccountError(problem)
    _set_new_password(session, user, new)


def _set_new_password(session: Session, user: User, new: str) -> None:
    user.set_password(new)
    user.session_version += 1  # logs out other sessions
    audit.record(session, "user.password_changed", actor_id=user.id, target_type="user", target_id=user.id)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Create a one-time link token; earlier unused tokens of the same purpose stop working."""
    now = utcnow()
    session.execute(
        sa.update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose,
               OneTimeToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(OneTimeToken(token_hash=_hash_token(token), purpose=purpose, user_id=user.id,
                             expires_at=now + lifetime))
    session.flush()
    return token


def find_token(session: Session, token: str, purpose: TokenPurpose) -> OneTimeToken:
    """The valid token row, or AccountError('token_invalid' | 'token_used' | 'token_expired')."""
    row = session.scalar(
        sa.select(OneTimeToken).where(OneTimeToken.token_hash == _hash_token(token or ""),
                                      OneTimeToken.purpose == purpose)
    )
    if row is None:
        raise AccountError("token_invalid")
    if row.used_at is not None:
        raise AccountError("token_used")
    if row.expires_at <= utcnow():
        raise AccountError("token_expired")
    return row


def consume_token(session: Session, token: str, purpose: TokenPurpose, new_password: str) -> User:
    """Use a reset or invitation link to set a password; the link then stops working."""
    row = find_token(session, token, purpose)
    if (problem := password_problem(new_password)) is not None:
        raise AccountError(problem)
    # Mark used with a conditional update so a double submit cannot use the link twice.
    used = session.execute(
        sa.update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise AccountError("token_used")
    user = row.user
    _set_new_password(session, user, new_password)
    if purpose is TokenPurpose.INVITE:
        user.is_active_account = True
        audit.record(session, "user.invite_accepted", actor_id=user.id, target_type="user", target_id=user.id)
    return user


def request_password_reset(session: Session, email: str, lifetime: timedelta) -> tuple[User, str] | None:
    """A reset token for an active account with this e-mail; None (silently) otherwise."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return None
    return user, issue_token(session, user, TokenPurpose.PASSWORD_RESET, lifetime)


def invite_coordinator(
    session: Session, *, email: str, display_name: str, organisation: Organisation,
    invited_by: User, lifetime: timedelta,
) -> tuple[User, str]:
    """Create (or reuse) a coordinator account in an organisation and return an invitation token."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        user = User(email=normalise_email(email), display_name=display_name.strip(),
                    role=Role.COORDINATOR, is_active_account=False)
        session.add(user)
        session.flush()
    elif user.role is Role.TRAINEE:
        user.role = Role.COORDINATOR
    if session.get(Membership, (user.id, organisation.id)) is None:
        session.add(Membership(user_id=user.id, organisation_id=organisation.id))
    session.flush()
    audit.record(session, "coordinator.invite", actor_id=invited_by.id, target_type="user",
                 target_id=user.id, organisation_id=organisation.id)
    return user, issue_token(session, user, TokenPurpose.INVITE, lifetime)


def create_admin(session: Session, email: str, display_name: str, password: str) -> User:
    if email_taken(session, email):
        raise AccountError("email_taken")
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem)
    user = User(email=normalise_email(email), display_name=display_name, role=Role.ADMIN)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, "user.create_admin", target_type="user", target_id=user.id)
    return user


def load_user(session: Session, user_id: str) -> User | None:
    """Flask-Login loader: the id carries a session version so password changes log others out."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or str(user.session_version) != raw_version:
        return None
    cache.attach_municipality(session, user.municipality_code)  # reference data, no query per page
    return user

