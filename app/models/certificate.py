"""Certificates: issued once per completed enrolment, never deleted, revocable and replaceable."""
from __future__ import annotations

import datetime as dt
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow
from app.models.organisation import Organisation


class CertificateSettings(db.Model):
    """How an organisation's certificates look: title, organiser line, signatory, logo, expiry."""

    __tablename__ = "certificate_settings"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(sa.String(10), default="修了証")  # 認定証 / 修了証 / 受講証
    organiser_name: Mapped[str] = mapped_column(sa.String(100))
    signatory_title: Mapped[str] = mapped_column(sa.String(40), default="")
    signatory_name: Mapped[str] = mapped_column(sa.String(60), default="")
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo_mime: Mapped[str | None] = mapped_column(sa.String(20))
    valid_years: Mapped[int | None]  # None: no expiry
    # Prefix of serial numbers, unique across organisations (the area code by default).
    serial_prefix: Mapped[str] = mapped_column(sa.String(12), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()


class SerialCounter(db.Model):
    """The last serial number used per serial prefix and year (numbers are never reused)."""

    __tablename__ = "serial_counter"

    prefix: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class CertificateStatus(enum.Enum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


class Certificate(db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set while this is the enrolment's current certificate, NULL once superseded: the unique
    # constraint makes "one current certificate per enrolment" hold under concurrent requests.
    current_for_enrolment_id: Mapped[int | None] = mapped_column(unique=True)
    # The enrolment may be deleted with the account; the certificate stays verifiable.
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)  # normalised, without hyphens
    template: Mapped[str] = mapped_column(sa.String(40))
    # What is printed, copied at issue time so later edits never change an issued certificate.
    holder_name: Mapped[str] = mapped_column(sa.String(60))
    course_title: Mapped[str] = mapped_column(sa.String(120))
    course_version: Mapped[str] = mapped_column(sa.String(40))
    audience: Mapped[str] = mapped_column(sa.String(10))
    completed_on: Mapped[dt.date]
    organiser_name: Mapped[str] = mapped_column(sa.String(100))
    municipality_name: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(10))
    signatory_title: Mapped[str] = mapped_column(sa.String(40))
    signatory_name: Mapped[str] = mapped_column(sa.String(60))
    expires_on: Mapped[dt.date | None]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(200))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation | None] = relationship()
    file: Mapped[CertificateFile | None] = relationship(back_populates="certificate", cascade="all, delete-orphan")

    def status(self, today: dt.date) -> CertificateStatus:
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None:
            return CertificateStatus.SUPERSEDED
        if self.expires_on is not None and self.expires_on < today:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def code_display(self) -> str:
        return "-".join(self.code[i:i + 4] for i in range(0, len(self.code), 4))


class CertificateFile(db.Model):
    """The issued PDF, stored once; kept apart so certificate queries stay light."""

    __tablename__ = "certificate_file"

    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificate.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="file")


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BulkJob(db.Model):
    """A background job rendering many certificates; its progress is visible from any app server."""

    __tablename__ = "bulk_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    label: Mapped[str] = mapped_column(sa.String(100))
    certificate_ids: Mapped[list] = mapped_column(sa.JSON)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
