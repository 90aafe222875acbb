"""Bulk certificates: a job renders every missing PDF of a set, then a ZIP is built from storage."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import BulkJob, Certificate, CertificateFile, JobStatus, Organisation, User
from app.models.base import utcnow
from app.services.certificates import issuing
from app.services.infra import audit

# Progress is committed every few certificates so the page shows it moving.
PROGRESS_EVERY = 5


def start(session: Session, organisation: Organisation, certificate_ids: Sequence[int], *,
          requested_by: User | None, label: str) -> BulkJob:
    job = BulkJob(organisation_id=organisation.id, requested_by_id=requested_by.id if requested_by else None,
                  label=label[:100], certificate_ids=sorted(set(certificate_ids)), total=len(set(certificate_ids)))
    session.add(job)
    session.flush()
    audit.record(session, "certificate.bulk_start", actor_id=job.requested_by_id, target_type="bulk_job",
                 target_id=job.id, organisation_id=organisation.id, count=job.total)
    return job


def run(session: Session, job_id: int, *, base_url: str) -> BulkJob:
    """Render what is missing and record progress; commits as it goes (it runs outside requests)."""
    job = session.get(BulkJob, job_id)
    if job is None or job.status in (JobStatus.DONE, JobStatus.RUNNING):
        return job
    job.status = JobStatus.RUNNING
    session.commit()
    try:
        stored = set(session.scalars(sa.select(CertificateFile.certificate_id)
                                     .where(CertificateFile.certificate_id.in_(job.certificate_ids))))
        job.done = len(stored)
        for n, cert in enumerate(session.scalars(sa.select(Certificate).where(
                Certificate.id.in_(job.certificate_ids), Certificate.id.not_in(stored))), start=1):
            issuing.pdf_bytes(session, cert, base_url=base_url)
            job.done += 1
            if n % PROGRESS_EVERY == 0:
                session.commit()
        job.status = JobStatus.DONE
        job.finished_at = utcnow()
        session.commit()
    except Exception as error:  # record the failure for the page, then let the runner log it
        session.rollback()
        job = session.get(BulkJob, job_id)
        job.status = JobStatus.FAILED
        job.error = str(error)[:500]
        job.finished_at = utcnow()
        session.commit()
        raise
    return job


def _file_name(cert: Certificate) -> str:
    holder = re.sub(r'[\\/:*?"<>|\s]+', "_", cert.holder_name).strip("_") or "certificate"
    return f"{cert.serial}_{holder}.pdf"


def zip_bytes(session: Session, job: BulkJob) -> bytes:
    """The finished job's certificates as one ZIP, from the stored PDFs (no rendering)."""
    rows = session.execute(sa.select(Certificate, CertificateFile.data).join(
        CertificateFile, CertificateFile.certificate_id == Certificate.id)
        .where(Certificate.id.in_(job.certificate_ids)).order_by(Certificate.serial)).all()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
        for cert, data in rows:
            zf.writestr(_file_name(cert), data)
    return buf.getvalue()
