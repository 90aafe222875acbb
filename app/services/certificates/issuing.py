"""Issuing, storing, verifying, revoking and replacing certificates (the database side).

Rendering itself lives in app.services.certificates (pure, no database)."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import (
    Certificate,
    CertificateFile,
    CertificateSettings,
    Cohort,
    Enrolment,
    Municipality,
    Organisation,
    OrganisationKind,
    SchoolClass,
    SerialCounter,
    User,
)
from app.models.base import utcnow
from app.services.certificates.codes import InvalidCodeError, new_verification_code, normalise_code
from app.services.certificates.logos import LogoError, needs_shrinking, prepare_logo
from app.services.certificates.names import clean_name
from app.services.certificates.render import (
    CertificateData,
    CertificateRenderError,
    TemplateNotFoundError,
    certificate_problem,
    render_certificate,
)
from app.services.infra import audit, memory
from app.services.infra.upsert import insert_ignore

JST = ZoneInfo("Asia/Tokyo")
PLATFORM_PREFIX = "000000"  # certificates issued when no organisation covers the trainee's area
PLATFORM_ORGANISER = "つながりサポーター養成講座 事務局"
# The order in which organisations of a trainee's own municipality are chosen as issuer.
ISSUER_KIND_ORDER = (OrganisationKind.MUNICIPALITY, OrganisationKind.WELFARE_COUNCIL, OrganisationKind.NPO,
                     OrganisationKind.OTHER)
_ISSUER_RANK = sa.case({kind.value: i for i, kind in enumerate(ISSUER_KIND_ORDER)},
                       value=sa.cast(Organisation.kind, sa.String), else_=len(ISSUER_KIND_ORDER))


log = logging.getLogger(__name__)


class CertificateError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class UnprintableError(CertificateError):
    """The certificate cannot be rendered from what it holds; `code` says why (PRINT_PROBLEMS)."""

    def __init__(self, code: str, serial: str = "") -> None:
        super().__init__(code)
        self.serial = serial

    def __str__(self) -> str:
        # Shown as is where a bulk job records why it stopped: says which certificate to repair.
        return f"{self.serial}: {self.code}" if self.serial else self.code


# Why a certificate cannot be rendered: a character the font lacks, a text wider than its box,
# a logo the renderer refuses, data the renderer refuses, a broken template, anything else.
PRINT_PROBLEMS = ("characters", "too_long", "logo", "invalid", "template", "render")


def today_jst() -> dt.date:
    return utcnow().astimezone(JST).date()


# --- settings -----------------------------------------------------------------------------------

def area_code(org: Organisation) -> str:
    if org.municipality_code:
        return org.municipality_code
    return org.prefecture.lg_code if org.prefecture else (org.prefecture_code or "").ljust(6, "0")


def settings_for(session: Session, org: Organisation) -> CertificateSettings:
    """The organisation's certificate settings, created with sensible defaults on first use."""
    settings = session.get(CertificateSettings, org.id)
    if settings is None:
        prefix = area_code(org)
        taken = session.scalar(sa.select(CertificateSettings.organisation_id)
                               .where(CertificateSettings.serial_prefix == prefix))
        if taken is not None or prefix == PLATFORM_PREFIX:
            prefix = f"{prefix[:6]}{org.id:02d}"[:12]
        settings = CertificateSettings(organisation_id=org.id, organiser_name=org.name, serial_prefix=prefix,
                                       title="修了証", signatory_title="", signatory_name="")
        session.add(settings)
        session.flush()
    return settings


@dataclass(frozen=True)
class SettingsFields:
    """What an organisation chooses for its certificates (checked by the settings form)."""
    title: str
    organiser_name: str
    signatory_title: str | None
    signatory_name: str | None
    valid_years: int | None


def update_settings(session: Session, settings: CertificateSettings, fields: SettingsFields, *,
                    logo: bytes | None = None, remove_logo: bool = False, actor: User) -> None:
    """Save the organisation's choices; a new logo (already checked: PNG or JPEG of bounded size)
    replaces the old one, `remove_logo` drops it."""
    settings.title = fields.title
    settings.organiser_name = fields.organiser_name.strip()
    settings.signatory_title = (fields.signatory_title or "").strip()
    settings.signatory_name = (fields.signatory_name or "").strip()
    settings.valid_years = fields.valid_years
    if remove_logo:
        settings.logo, settings.logo_mime = None, None
    elif logo:
        # Stored at print size, re-encoded (which drops EXIF and other metadata): every
        # certificate embeds it, so a 12000 px logo would cost each render seconds and a GB.
        settings.logo, settings.logo_mime = prepare_logo(logo), "image/png"
    audit.record(session, "certificate.settings", actor_id=actor.id, target_type="organisation",
                 target_id=settings.organisation_id)


# --- issuing ------------------------------------------------------------------------------------

def issuer_for(session: Session, enrolment: Enrolment) -> Organisation | None:
    """Who issues this enrolment's certificate: the cohort's organisation, else the pupil's school,
    else an organisation of the trainee's municipality, else one covering the whole prefecture,
    else None (the platform)."""
    return _issuer(session, enrolment)[0]


def _issuer(session: Session, enrolment: Enrolment) -> tuple[Organisation | None, CertificateSettings | None]:
    """issuer_for's organisation with its certificate settings where one query brings both (None
    when not loaded: settings_for reads or creates them)."""
    if enrolment.cohort_id is not None:
        # Whoever ran the session recognises it, wherever the participant lives.
        row = session.execute(
            sa.select(Organisation, CertificateSettings).join(Cohort, Cohort.organisation_id == Organisation.id)
            .outerjoin(CertificateSettings, CertificateSettings.organisation_id == Organisation.id)
            .where(Cohort.id == enrolment.cohort_id)).first()
        if row is not None:
            return row[0], row[1]
    user = enrolment.user
    if user.school_class_id is not None:
        school_class = session.get(SchoolClass, user.school_class_id)
        return (school_class.organisation if school_class else None), None
    code = user.municipality_code
    if not code:
        return None, None
    # The first of the municipality's organisations by kind (ISSUER_KIND_ORDER), then by id.
    row = session.execute(
        sa.select(Organisation, CertificateSettings)
        .outerjoin(CertificateSettings, CertificateSettings.organisation_id == Organisation.id)
        .where(Organisation.municipality_code == code).order_by(_ISSUER_RANK, Organisation.id).limit(1)).first()
    if row is not None:
        return row[0], row[1]
    return session.scalar(sa.select(Organisation).where(Organisation.prefecture_code == code[:2])
                          .order_by(Organisation.id)), None


def _next_serial(session: Session, prefix: str, year: int) -> str:
    """Reserve the next number for prefix and year with an atomic UPDATE ... RETURNING."""
    for _ in range(3):
        table = SerialCounter.__table__  # a Core UPDATE ... RETURNING, no ORM machinery around it
        seq = session.scalar(sa.update(table).where(table.c.prefix == prefix, table.c.year == year)
                             .values(last=table.c.last + 1).returning(table.c.last))
        if seq is not None:
            return f"{prefix}-{year}-{seq:06d}"
        try:
            with session.begin_nested():
                session.add(SerialCounter(prefix=prefix, year=year, last=0))
        except IntegrityError:
            pass  # another request created the counter first: use it
    raise CertificateError("serial_unavailable")


def _new_code() -> str:
    """80 random bits (a clash is astronomically unlikely); the unique index on `code` still refuses
    one, so none is ever issued twice, without a look-up before every issue."""
    return normalise_code(new_verification_code()).replace("-", "")


def _municipality_name(session: Session, user: User | None, org: Organisation | None) -> str:
    if user is not None and user.municipality_code:
        m = session.get(Municipality, user.municipality_code)
        if m is not None:
            return m.full_name
    return org.area_name if org is not None else ""


def current_certificate(session: Session, enrolment_id: int) -> Certificate | None:
    return session.scalar(sa.select(Certificate).where(Certificate.current_for_enrolment_id == enrolment_id))


def issue_for_enrolment(session: Session, enrolment: Enrolment, organisation: Organisation | None = None,
                        *, holder_name: str | None = None, just_completed: bool = False) -> Certificate:
    """The enrolment's certificate, issued now if it has none; exactly one even under races.

    `just_completed`: the caller completed the enrolment in this transaction (a conditional UPDATE
    on its locked row), so no other transaction can see it completed and none can be issuing for it:
    the look-up and the savepoint that guard a concurrent issue are left out (issue 17, one
    completion's statements). The unique current_for_enrolment_id still refuses a second one."""
    if enrolment.completed_at is None:
        raise CertificateError("not_completed")
    if not just_completed:
        existing = current_certificate(session, enrolment.id)
        if existing is not None:
            return existing
    org, settings = (organisation, None) if organisation is not None else _issuer(session, enrolment)
    if org is not None and settings is None:
        settings = settings_for(session, org)
    version = enrolment.completed_version or enrolment.course.live_version
    completed_on = enrolment.completed_at.astimezone(JST).date()
    expires_on = None
    if settings is not None and settings.valid_years:
        try:
            expires_on = completed_on.replace(year=completed_on.year + settings.valid_years)
        except ValueError:  # 29 February
            expires_on = completed_on.replace(year=completed_on.year + settings.valid_years, day=28)
    audience = version.meta["audience"]
    cert = Certificate(
        current_for_enrolment_id=enrolment.id, enrolment_id=enrolment.id, user_id=enrolment.user_id,
        organisation_id=org.id if org else None,
        serial=_next_serial(session, settings.serial_prefix if settings else PLATFORM_PREFIX, completed_on.year),
        code=_new_code(),
        template="children" if audience == "children" else "adult",
        # Cleaned again here: names stored before names were cleaned on input may hold a
        # right-to-left override that would print a different name from the one verified.
        holder_name=clean_name(holder_name or enrolment.user.display_name),
        # With the author's furigana ({講座|こうざ}): the children's template prints it as ruby.
        course_title=version.meta.get("title") or version.title, course_version=version.label, audience=audience,
        completed_on=completed_on,
        organiser_name=clean_name(settings.organiser_name) if settings else PLATFORM_ORGANISER,
        municipality_name=_municipality_name(session, enrolment.user, org),
        title=settings.title if settings else "修了証",
        signatory_title=clean_name(settings.signatory_title) if settings else "",
        signatory_name=clean_name(settings.signatory_name) if settings else "",
        expires_on=expires_on,
    )
    if just_completed:
        session.add(cert)
        session.flush()
    else:
        try:
            with session.begin_nested():
                session.add(cert)
        except IntegrityError:
            # A concurrent request issued it first (the unique current_for_enrolment_id): use theirs.
            existing = current_certificate(session, enrolment.id)
            if existing is None:
                raise
            return existing
    audit.record(session, "certificate.issue", actor_id=None, target_type="certificate", target_id=cert.id,
                 serial=cert.serial, enrolment_id=enrolment.id)
    return cert


ISSUED_KEY = "certificates_issued"


def issue_on_completion(session: Session, enrolment: Enrolment) -> None:
    """Issue in the same transaction as the completion (learning's completion calls this), and note
    the certificate for what follows the commit (app.jobs): its PDF rendered ahead, so the first
    download is a stored file, and the holder's e-mail."""
    cert = issue_for_enrolment(session, enrolment, just_completed=True)
    session.info.setdefault(ISSUED_KEY, []).append(cert.id)


# --- the PDF ------------------------------------------------------------------------------------

def certificate_data(cert: Certificate) -> CertificateData:
    return CertificateData(
        holder_name=cert.holder_name, course_title=cert.course_title, course_version=cert.course_version,
        audience=cert.audience, completed_on=cert.completed_on, organiser_name=cert.organiser_name,
        municipality_name=cert.municipality_name, certificate_title=cert.title,
        signatory_title=cert.signatory_title, signatory_name=cert.signatory_name, serial=cert.serial,
        verification_code=cert.code_display, expires_on=cert.expires_on)


def verify_url(base_url: str, cert: Certificate) -> str:
    return f"{base_url.rstrip('/')}/verify/{cert.code_display}"


def print_logo(session: Session, settings: CertificateSettings | None, cert: Certificate | None = None) -> bytes | None:
    """The organisation's logo at print size; a logo stored before logos were scaled down on
    upload is scaled now, once, and stored so (raises UnprintableError if it cannot be)."""
    if settings is None or not settings.logo:
        return None
    if needs_shrinking(settings.logo):
        try:
            settings.logo = prepare_logo(settings.logo, stored=True)
        except LogoError as error:
            raise UnprintableError("logo", cert.serial if cert else "") from error
        settings.logo_mime = "image/png"
        session.flush()
    return settings.logo


def _problem(session: Session, cert: Certificate, template: str, logo: bytes | None) -> str:
    """Why a render of this certificate failed, found without rendering (the failure path only)."""
    try:
        data = certificate_data(cert)
    except (TypeError, ValueError):
        return "invalid"
    return certificate_problem(data, template, logo=logo) or "render"


def render_pdf(session: Session, cert: Certificate, *, base_url: str, template: str | None = None) -> bytes:
    """Render the certificate (or its card); raises UnprintableError, never a bare render error."""
    settings = session.get(CertificateSettings, cert.organisation_id) if cert.organisation_id else None
    template = template or cert.template
    logo = print_logo(session, settings, cert)
    try:
        return render_certificate(certificate_data(cert), template,
                                  verify_url=verify_url(base_url, cert), logo=logo)
    except (CertificateRenderError, TemplateNotFoundError, ValueError) as error:
        # UnsupportedCharacterError is a ValueError; so are a refused logo and refused data.
        code = _problem(session, cert, template, logo)
        log.warning("certificate %s cannot be rendered with %r (%s): %s", cert.id, template, code,
                    str(error)[:300])
        raise UnprintableError(code, cert.serial) from error
    finally:
        memory.release()  # WeasyPrint's garbage back to the OS: workers stay small (bench issue 9)


def print_problem(session: Session, cert: Certificate, template: str | None = None) -> str | None:
    """Why this certificate (or its card, with template="card") could not be rendered now, or None.

    Checked without rendering (the template's text and boxes, the font's glyphs, the logo's
    header): cheap enough for a list page. A stored certificate PDF is printable by definition."""
    template = template or cert.template
    if template == cert.template and cert.pdf_sha256 is not None:
        return None
    settings = session.get(CertificateSettings, cert.organisation_id) if cert.organisation_id else None
    logo = settings.logo if settings is not None else None
    if logo and needs_shrinking(logo):
        logo = None  # scaled down at the next render; judged then
    try:
        data = certificate_data(cert)
    except (TypeError, ValueError):
        return "invalid"
    return certificate_problem(data, template, logo=logo)


def pdf_bytes(session: Session, cert: Certificate, *, base_url: str) -> bytes:
    """The stored PDF; rendered and stored once on first use, identical bytes ever after."""
    # The hash is written with the file, in the same transaction: without it there is no file to
    # read (a render racing this one is settled by the INSERT below), so no SELECT is spent.
    if cert.pdf_sha256 is not None:
        stored = session.get(CertificateFile, cert.id)
        if stored is not None:
            return stored.data
    data = render_pdf(session, cert, base_url=base_url)
    # INSERT ... ON CONFLICT DO NOTHING rather than a savepoint: one statement (bench issue 9e).
    if not insert_ignore(session, CertificateFile, {"certificate_id": cert.id, "data": data, "rendered_at": utcnow()},
                          ["certificate_id"]):
        # Rendered twice at the same moment: keep the one stored first, so the hash never changes.
        stored = session.get(CertificateFile, cert.id, populate_existing=True)
        if stored is None:
            raise RuntimeError(f"certificate {cert.id}: the PDF was neither stored nor found")
        return stored.data
    cert.pdf_sha256 = hashlib.sha256(data).hexdigest()
    session.flush()
    return data


def card_pdf(session: Session, cert: Certificate, *, base_url: str) -> bytes:
    """The wallet-size supporter card (rendered on request; the certificate is what is stored)."""
    return render_pdf(session, cert, base_url=base_url, template="card")


# --- finding and verifying ----------------------------------------------------------------------

def find_by_code(session: Session, text: str) -> Certificate | None:
    try:
        code = normalise_code(text).replace("-", "")
    except InvalidCodeError:
        return None
    return session.scalar(sa.select(Certificate).where(Certificate.code == code))


def find_by_pdf(session: Session, data: bytes) -> Certificate | None:
    digest = hashlib.sha256(data).hexdigest()
    return session.scalar(sa.select(Certificate).where(Certificate.pdf_sha256 == digest))


def _plain_name(name: str) -> str:
    return "".join(ch for ch in clean_name(name) if not ch.isspace())


def masked_name(name: str) -> str:
    """山田 太郎 -> 山田 ○○: enough to recognise, not enough to learn a stranger's name."""
    # Cleaned, so a bidi override stored before names were cleaned cannot reorder what is shown.
    name = clean_name(name)
    parts = unicodedata.normalize("NFKC", name).split()
    if len(parts) >= 2:
        return parts[0] + " " + " ".join("○" * len(p) for p in parts[1:])
    return name[:1] + "○" * max(len(name) - 1, 1)


def name_matches(cert: Certificate, typed: str) -> bool:
    """Whether `typed` is the holder's name (spaces and full-width forms aside): yes or no, nothing more."""
    return bool(typed.strip()) and _plain_name(typed) == _plain_name(cert.holder_name)


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    status: str
    masked_name: str
    # For anyone who has only the code (a QR code in a photo): the certificate's status, course and
    # issuer, nothing about the person (not part of the name, the municipality or the dates).
    is_public: bool = False


def verify(cert: Certificate, today: dt.date | None = None, *, public: bool = False) -> Verification:
    return Verification(cert, cert.status(today or today_jst()).value, masked_name(cert.holder_name), public)


# --- revoking and replacing ---------------------------------------------------------------------

def revoke(session: Session, cert: Certificate, *, reason: str, actor: User) -> None:
    """Mark revoked with date and reason; the record and its PDF stay, and verification says so."""
    if cert.revoked_at is not None:
        raise CertificateError("already_revoked")
    if not reason.strip():
        raise CertificateError("reason_required")
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason.strip()[:200]
    cert.revoked_by_id = actor.id
    audit.record(session, "certificate.revoke", actor_id=actor.id, target_type="certificate", target_id=cert.id,
                 serial=cert.serial, reason=cert.revoked_reason)
    session.flush()


def reissue(session: Session, cert: Certificate, *, holder_name: str, actor: User) -> Certificate:
    """Correct the printed name: a new certificate, the old one marked superseded (not deleted)."""
    if cert.superseded_at is not None or cert.revoked_at is not None:
        raise CertificateError("not_current")
    if cert.enrolment_id is None:
        raise CertificateError("no_enrolment")
    enrolment = session.get(Enrolment, cert.enrolment_id)
    cert.current_for_enrolment_id = None
    cert.superseded_at = utcnow()
    session.flush()
    org = session.get(Organisation, cert.organisation_id) if cert.organisation_id else None
    new = issue_for_enrolment(session, enrolment, org, holder_name=holder_name)
    cert.superseded_by_id = new.id
    audit.record(session, "certificate.reissue", actor_id=actor.id, target_type="certificate", target_id=new.id,
                 replaces=cert.serial, serial=new.serial)
    session.flush()
    return new


def repair(session: Session, cert: Certificate, *, holder_name: str, actor: User, base_url: str) -> bytes:
    """Print a certificate that never could be: its name (cleaned, or as corrected) and the
    organisation's current settings replace what was copied at issue, then the PDF is stored.

    Only a certificate without a stored PDF: nobody holds a paper or file of it, so nothing
    presented elsewhere changes. What identifies it stays: serial, verification code, issue and
    completion dates, expiry, course and municipality. A printed certificate is corrected by
    reissue instead (a new code; the old one is marked superseded). Raises UnprintableError
    (and the caller rolls back) when the current values still cannot be printed."""
    if cert.revoked_at is not None or cert.superseded_at is not None:
        raise CertificateError("not_current")
    if cert.pdf_sha256 is not None or session.get(CertificateFile, cert.id) is not None:
        raise CertificateError("already_printed")
    org = session.get(Organisation, cert.organisation_id) if cert.organisation_id else None
    settings = settings_for(session, org) if org is not None else None
    values = {"holder_name": clean_name(holder_name)}
    if settings is not None:
        values.update(organiser_name=clean_name(settings.organiser_name), title=settings.title,
                      signatory_title=clean_name(settings.signatory_title),
                      signatory_name=clean_name(settings.signatory_name))
    changed = sorted(field for field, value in values.items() if getattr(cert, field) != value)
    for field, value in values.items():
        setattr(cert, field, value)
    session.flush()
    data = pdf_bytes(session, cert, base_url=base_url)
    # Which fields changed, not their values: the audit log is no second copy of names.
    audit.record(session, "certificate.repair", actor_id=actor.id, target_type="certificate", target_id=cert.id,
                 serial=cert.serial, changed=changed)
    session.flush()
    return data


def may_manage(session: Session, user: User, cert: Certificate) -> bool:
    """Admins, and coordinators of the issuing organisation, may revoke and reissue."""
    from app.models import Membership, Role

    if user.role is Role.ADMIN:
        return True
    return (user.role is Role.COORDINATOR and cert.organisation_id is not None
            and session.get(Membership, (user.id, cert.organisation_id)) is not None)


def certificates_of(session: Session, user: User) -> list[Certificate]:
    return list(session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)
                                .order_by(Certificate.issued_at.desc())))
