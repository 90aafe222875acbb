"""A holder corrects the spelling of their own name, until a certificate of theirs is printed.

Printed means a PDF of it was made (its hash or stored file exists): someone may hold that paper or
file, so from then on the name changes only by reissue (issuing.reissue, done by the issuing
organisation), which gives a new code and marks the old certificate superseded."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Certificate, CertificateFile, User
from app.services.certificates.issuing import CertificateError
from app.services.certificates.names import clean_name
from app.services.infra import audit


def _current(session: Session, user: User) -> list[Certificate]:
    return list(session.scalars(sa.select(Certificate).where(
        Certificate.user_id == user.id, Certificate.current_for_enrolment_id.is_not(None),
        Certificate.revoked_at.is_(None))))


def is_printed(session: Session, cert: Certificate) -> bool:
    return cert.pdf_sha256 is not None or session.get(CertificateFile, cert.id) is not None


def printed_certificates(session: Session, user: User) -> list[Certificate]:
    """The user's current certificates already printed: their name is then corrected by reissue."""
    return [cert for cert in _current(session, user) if is_printed(session, cert)]


def correct_own_name(session: Session, user: User, name: str) -> int:
    """Set the user's name (already checked by PrintableName) and the name on their certificates
    not yet printed; returns how many certificates changed. Raises CertificateError('already_printed')
    when a current certificate has been printed, CertificateError('not_allowed') for pupils (their
    teacher keeps their names)."""
    if user.is_pupil:
        raise CertificateError("not_allowed")
    current = _current(session, user)
    if any(is_printed(session, cert) for cert in current):
        raise CertificateError("already_printed")
    name = clean_name(name)
    user.display_name = name
    for cert in current:
        cert.holder_name = name
    # That it changed, not the names: the audit log is no second copy of names.
    audit.record(session, "user.name_correct", actor_id=user.id, target_type="user", target_id=user.id,
                 certificates=[cert.id for cert in current])
    session.flush()
    return len(current)
