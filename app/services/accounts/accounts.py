"""Accounts: registration, authentication, one-time links, invitations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import passwords
from app.models import (
    AgeBand,
    LoginSession,
    Membership,
    OneTimeToken,
    Organisation,
    PendingRegistration,
    Role,
    Sex,
    TextSize,
    TokenPurpose,
    User,
)
from app.models.base import utcnow
from app.services.infra import audit, cache

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


def verify_password(user: User | None, password: str, dummy_method: str | None = None) -> bool:
    """Check a password with the same work whether or not the account exists, is active or has a
    password: an unknown one is checked against a dummy argon2id hash, so timing tells nothing.
    (`dummy_method` is no longer used: every new hash, adults' and pupils', is argon2id.)"""
    if user is None or not user.password_hash:
        passwords.check_password(passwords.dummy_hash(), password or "")
        return False
    return passwords.check_password(user.password_hash, password or "")


def upgrade_password_hash(user: User, password: str) -> None:
    """After a successful log-in, replace an older hash (scrypt, pbkdf2) by an argon2id one."""
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)


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
    # The hash is checked first, whatever the account: a refusal costs the same for all.
    if not verify_password(user, password) or not user.is_active:
        audit.record(session, "auth.login_failed", actor_id=user.id if user else None, ip=ip,
                     email_hash=hashlib.sha256(normalise_email(email).encode()).hexdigest()[:16])
        return None
    upgrade_password_hash(user, password)
    user.last_login_at = utcnow()
    audit.record(session, "auth.login", actor_id=user.id, target_type="user", target_id=user.id, ip=ip)
    return user


def start_registration(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    municipality_code: str,
    lifetime: timedelta,
    age_band: AgeBand | None = None,
    sex: Sex | None = None,
) -> str | None:
    """Keep a registration until its owner follows the mailed link; returns the link's token, or
    None when the address already has an account (the caller then mails its owner instead).

    Both ways hash the password and store nothing that can be told apart from outside."""
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem)
    password_hash = passwords.hash_password(password)
    email = normalise_email(email)
    now = utcnow()
    session.execute(sa.delete(PendingRegistration).where(PendingRegistration.expires_at <= now))
    if email_taken(session, email):
        audit.record(session, "user.register_existing",
                     email_hash=hashlib.sha256(email.encode()).hexdigest()[:16])
        return None
    token = secrets.token_urlsafe(32)
    session.add(PendingRegistration(
        token_hash=_hash_token(token), email=email, display_name=display_name.strip(), password_hash=password_hash,
        municipality_code=municipality_code, age_band=age_band, sex=sex, expires_at=now + lifetime))
    session.flush()
    return token


def confirm_registration(session: Session, token: str) -> User:
    """Create the account of a kept registration; AccountError('token_invalid' | 'token_expired' |
    'email_taken') when the link is unknown, too old, or the address got an account meanwhile."""
    pending = session.scalar(sa.select(PendingRegistration)
                             .where(PendingRegistration.token_hash == _hash_token(token or "")))
    if pending is None:
        raise AccountError("token_invalid")
    if pending.expires_at <= utcnow():
        raise AccountError("token_expired")
    # Every kept registration of the address ends here: one account per address.
    session.execute(sa.delete(PendingRegistration).where(PendingRegistration.email == pending.email)
                    .execution_options(synchronize_session=False))
    if email_taken(session, pending.email):
        raise AccountError("email_taken")
    user = User(email=pending.email, display_name=pending.display_name, password_hash=pending.password_hash,
                role=Role.TRAINEE, municipality_code=pending.municipality_code, age_band=pending.age_band,
                sex=pending.sex)
    session.add(user)
    session.flush()
    audit.record(session, "user.register", actor_id=user.id, target_type="user", target_id=user.id)
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError("wrong_password")
    if (problem := password_problem(new)) is not None:
        raise AccountError(problem)
    _set_new_password(session, user, new)


def set_preferences(session: Session, user: User, *, text_size: TextSize, is_furigana_on: bool) -> None:
    """The reading preferences every page follows: text size and furigana."""
    user.text_size = text_size
    user.is_furigana_on = is_furigana_on
    session.flush()


def _set_new_password(session: Session, user: User, new: str) -> None:
    user.set_password(new)
    user.session_version += 1  # ends every login of the account; the caller starts a fresh one
    audit.record(session, "user.password_changed", actor_id=user.id, target_type="user", target_id=user.id)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: TokenPurpose, lifetime: timedelta,
                organisation: Organisation | None = None, invited_by: User | None = None) -> str:
    """Create a one-time link token; earlier unused tokens of the same purpose (and, for
    invitations, the same organisation) stop working."""
    now = utcnow()
    earlier = sa.update(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose,
                                            OneTimeToken.used_at.is_(None))
    if organisation is not None:
        earlier = earlier.where(OneTimeToken.organisation_id == organisation.id)
    session.execute(earlier.values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(OneTimeToken(token_hash=_hash_token(token), purpose=purpose, user_id=user.id, expires_at=now + lifetime,
                             organisation_id=organisation.id if organisation else None,
                             invited_by_id=invited_by.id if invited_by else None))
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


def _use_token(session: Session, row: OneTimeToken) -> None:
    # Mark used with a conditional update so a double submit cannot use the link twice.
    used = session.execute(
        sa.update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise AccountError("token_used")


def consume_token(session: Session, token: str, purpose: TokenPurpose, new_password: str) -> User:
    """Use a password reset link to set a password; the link then stops working.
    (Invitations go through accept_invitation.)"""
    row = find_token(session, token, purpose)
    if not row.user.is_active:
        raise AccountError("deactivated")  # a link mailed before an admin deactivated the account
    if (problem := password_problem(new_password)) is not None:
        raise AccountError(problem)
    _use_token(session, row)
    _set_new_password(session, row.user, new_password)
    return row.user


def request_password_reset(session: Session, email: str, lifetime: timedelta) -> tuple[User, str] | None:
    """A reset token for an active account with this e-mail; None otherwise (the caller then sends
    a mail saying so, so that both answers take the same work)."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return None
    return user, issue_token(session, user, TokenPurpose.PASSWORD_RESET, lifetime)


def invite_coordinator(
    session: Session, *, email: str, display_name: str, organisation: Organisation,
    invited_by: User, lifetime: timedelta,
) -> tuple[User, str]:
    """An invitation token into an organisation. Nothing about an existing account changes until
    its owner accepts (role, membership, active flag); a new address gets an account that cannot
    log in and has no organisation until then."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        user = User(email=normalise_email(email), display_name=display_name.strip(),
                    role=Role.COORDINATOR, is_active_account=False)
        session.add(user)
        session.flush()
    audit.record(session, "coordinator.invite", actor_id=invited_by.id, target_type="user",
                 target_id=user.id, organisation_id=organisation.id)
    return user, issue_token(session, user, TokenPurpose.INVITE, lifetime, organisation=organisation,
                             invited_by=invited_by)


def invitation_needs_new_password(row: OneTimeToken) -> bool:
    """An account that never had a password (the one the invitation made) sets one when it
    accepts; an existing account logs in with its own."""
    return not row.user.password_hash


def accept_invitation(session: Session, token: str, password: str, new_password: bool) -> User:
    """Accept an invitation: the account becomes a coordinator of the organisation (an admin stays
    an admin). `new_password` says whether `password` is a new one (see
    invitation_needs_new_password) or the account's own. A deactivated account is refused
    (AccountError('deactivated')): only an admin reactivates it."""
    row = find_token(session, token, TokenPurpose.INVITE)
    user = row.user
    if new_password != invitation_needs_new_password(row):
        raise AccountError("token_used")  # the account got a password since the page was shown
    if new_password:
        # An admin's deactivation always moves the session version; the inactive account an
        # invitation made never had it moved. So a moved one was deactivated (perhaps while the
        # invitation was pending) and stays so.
        if not user.is_active_account and user.session_version != 1:
            raise AccountError("deactivated")
        if (problem := password_problem(password)) is not None:
            raise AccountError(problem)
    else:
        if not verify_password(user, password):
            raise AccountError("wrong_password")
        if not user.is_active_account:
            raise AccountError("deactivated")
    _use_token(session, row)
    if new_password:
        _set_new_password(session, user, password)
        user.is_active_account = True  # the account this invitation created, never used before
    if user.role is Role.TRAINEE:
        user.role = Role.COORDINATOR
    if row.organisation_id is not None and session.get(Membership, (user.id, row.organisation_id)) is None:
        session.add(Membership(user_id=user.id, organisation_id=row.organisation_id))
    session.flush()
    audit.record(session, "user.invite_accepted", actor_id=user.id, target_type="user", target_id=user.id,
                 organisation_id=row.organisation_id)
    return user


def pending_invitations(session: Session, organisation: Organisation) -> list[str]:
    """The e-mail addresses invited into the organisation that have not accepted yet: only the
    address the inviter typed, never the name of an account that has not said yes."""
    return list(session.scalars(
        sa.select(User.email).join(OneTimeToken, OneTimeToken.user_id == User.id)
        .where(OneTimeToken.purpose == TokenPurpose.INVITE, OneTimeToken.organisation_id == organisation.id,
               OneTimeToken.used_at.is_(None), OneTimeToken.expires_at > utcnow())
        .distinct().order_by(User.email)))


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


def hash_login_token(token: str) -> str:
    return _hash_token(token)


def start_login(session: Session, user: User, user_agent: str | None = None) -> str:
    """Record a login on one device and return its random token, which Flask-Login keeps (as the
    user's id) in the session and remember-me cookies."""
    # Housekeeping on the account's own rows: logins that can never count again are dropped.
    session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id,
        sa.or_(LoginSession.ended_at.is_not(None), LoginSession.session_version != user.session_version)))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_hash_token(token), session_version=user.session_version,
                             user_agent=(user_agent or "")[:120] or None))
    session.flush()
    user.login_token = token
    return token


def end_login(session: Session, token: str | None) -> None:
    """End one login for good: its session and remember-me cookies are refused from now on."""
    if token:
        session.execute(sa.update(LoginSession)
                        .where(LoginSession.token_hash == _hash_token(token), LoginSession.ended_at.is_(None))
                        .values(ended_at=utcnow()))


def end_all_logins(session: Session, user: User) -> int:
    """End every login of the account, on every device; returns how many there were."""
    ended = session.execute(sa.update(LoginSession)
                            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
                            .values(ended_at=utcnow()))
    audit.record(session, "auth.logout_everywhere", actor_id=user.id, target_type="user", target_id=user.id)
    return ended.rowcount


def load_user(session: Session, login_token: str) -> User | None:
    """Flask-Login loader: the id is a login's token; an unknown or ended login, one from before the
    account's session version moved (password set, deactivation), or an inactive account, is no one."""
    if not isinstance(login_token, str) or not login_token:
        return None
    user = session.scalar(
        sa.select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _hash_token(login_token), LoginSession.ended_at.is_(None),
               LoginSession.session_version == User.session_version, User.is_active_account.is_(True)))
    if user is None:
        return None
    user.login_token = login_token
    cache.attach_municipality(session, user.municipality_code)  # reference data, no query per page
    return user

