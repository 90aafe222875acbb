"""School classes: pupils without e-mail, created by a teacher, logging in with code + number."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import passwords
from app.models import Organisation, OrganisationKind, Role, SchoolClass, TextSize, User
from app.models.base import utcnow
from app.services.accounts.accounts import upgrade_password_hash, verify_password
from app.services.infra import audit

MAX_PUPILS = 50
CODE_LENGTH = 6
PASSWORD_LENGTH = 6
# Nothing a child could misread: no 0/O, 1/I/l, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxy34679"


class PupilError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def normalise_code(code: str) -> str:
    """Class codes are typed by children: ignore case, spaces and hyphens."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def classes_of(session: Session, org: Organisation) -> list[SchoolClass]:
    return list(session.scalars(sa.select(SchoolClass).where(SchoolClass.organisation_id == org.id)
                                .order_by(SchoolClass.created_at.desc(), SchoolClass.id.desc())))


def class_in(session: Session, org: Organisation, class_id: int) -> SchoolClass | None:
    """The class when it belongs to `org`; None (answer 404) otherwise."""
    return session.scalar(sa.select(SchoolClass).where(SchoolClass.id == class_id,
                                                       SchoolClass.organisation_id == org.id))


def pupil_in(session: Session, school_class: SchoolClass, pupil_id: int) -> User | None:
    return session.scalar(sa.select(User).where(User.id == pupil_id, User.school_class_id == school_class.id))


def pupils_of(session: Session, school_class: SchoolClass) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.school_class_id == school_class.id)
                                .order_by(User.pupil_number)))


def create_class(session: Session, org: Organisation, *, name: str, count: int,
                 name_for: Callable[[int], str], actor: User) -> SchoolClass:
    """A class of `count` pupils numbered 1..count; `name_for(number)` gives each display name."""
    if org.kind is not OrganisationKind.SCHOOL:
        raise PupilError("not_school")
    if not 1 <= count <= MAX_PUPILS:
        raise PupilError("count")
    code = _random(CODE_ALPHABET, CODE_LENGTH)
    while session.scalar(sa.select(SchoolClass.id).where(SchoolClass.code == code)) is not None:
        code = _random(CODE_ALPHABET, CODE_LENGTH)
    school_class = SchoolClass(organisation_id=org.id, name=name.strip(), code=code, created_by_id=actor.id)
    session.add(school_class)
    session.flush()
    for number in range(1, count + 1):
        pupil = User(email=None, display_name=name_for(number)[:60], role=Role.TRAINEE,
                     municipality_code=org.municipality_code, school_class_id=school_class.id,
                     pupil_number=number, text_size=TextSize.LARGE, is_furigana_on=True)
        # Unusable until the teacher prints the cards, which sets the passwords.
        pupil.password_hash = None
        session.add(pupil)
    session.flush()
    audit.record(session, "class.create", actor_id=actor.id, target_type="school_class", target_id=school_class.id,
                 organisation_id=org.id, pupils=count)
    return school_class


def new_password(session: Session, pupil: User, actor: User) -> str:
    """Give a pupil a new password (returned once, never stored in clear); old sessions end."""
    password = _random(PASSWORD_ALPHABET, PASSWORD_LENGTH)
    # argon2id like adults': at about 26 ms of CPU it is cheaper than the pbkdf2 pupils had before,
    # so a class of forty is made in about a second.
    pupil.password_hash = passwords.hash_password(password)
    pupil.session_version += 1
    audit.record(session, "pupil.password_reset", actor_id=actor.id, target_type="user", target_id=pupil.id)
    return password


def passwords_for_cards(session: Session, school_class: SchoolClass, actor: User,
                        include_logged_in: bool) -> list[tuple[User, str]]:
    """New passwords for the pupils whose cards are printed: by default those who never logged in."""
    pupils = [p for p in pupils_of(session, school_class) if include_logged_in or p.last_login_at is None]
    issued = [(p, new_password(session, p, actor)) for p in pupils]
    session.flush()
    return issued


def rename(session: Session, pupil: User, name: str, actor: User) -> None:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise PupilError("name")
    pupil.display_name = name
    audit.record(session, "pupil.rename", actor_id=actor.id, target_type="user", target_id=pupil.id)
    session.flush()


PUPIL_HASH_METHOD = "pbkdf2:sha256:200000"  # pupils' hashes before argon2id; still verified, upgraded at log-in


def authenticate_pupil(session: Session, code: str, number: int | None, password: str,
                       ip: str | None = None) -> User | None:
    """The pupil for a valid class code + number + password; failures are audited."""
    pupil = None
    if number is not None:
        pupil = session.scalar(sa.select(User).join(SchoolClass, User.school_class_id == SchoolClass.id)
                               .where(SchoolClass.code == normalise_code(code), User.pupil_number == number))
    # The hash is checked first, against a dummy of the pupils' own kind when no pupil matches,
    # so a refusal costs the same whether or not the class code and number exist.
    if not verify_password(pupil, password or "") or not pupil.is_active:
        audit.record(session, "auth.pupil_login_failed", actor_id=pupil.id if pupil else None, ip=ip,
                     code_hash=hashlib.sha256(normalise_code(code).encode()).hexdigest()[:16])
        return None
    upgrade_password_hash(pupil, password)
    pupil.last_login_at = utcnow()
    audit.record(session, "auth.pupil_login", actor_id=pupil.id, target_type="user", target_id=pupil.id, ip=ip)
    return pupil


def cards_pdf(html: str, font_path: Path) -> bytes:
    """Render the login-card sheet; the only resource it may load is the Japanese font file."""
    from weasyprint import HTML, default_url_fetcher

    allowed = font_path.resolve().as_uri()

    def fetch(url: str, *args: object, **kwargs: object) -> dict:
        if url != allowed:
            raise PermissionError(f"refused: {url[:80]}")
        return default_url_fetcher(url, *args, **kwargs)

    return HTML(string=html, url_fetcher=fetch).write_pdf()
