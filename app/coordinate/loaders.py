"""Every object a coordinator's URL names, loaded one way: 404 when it is missing **or** outside the
viewer's scope, so a coordinator never learns that another organisation's cohort, class or
certificate exists. Each loader returns the organisation first, then what lies inside it."""
from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import db
from app.models import (
    BulkJob,
    Certificate,
    Cohort,
    CohortInvitation,
    Organisation,
    ParticipantImport,
    SchoolClass,
    User,
)
from app.services.accounts import pupils
from app.services.cohorts import cohorts, participant_import
from app.services.organisations import organisations

T = TypeVar("T")


def _or_404(found: T | None) -> T:
    if found is None:
        abort(404)
    return found


def load_organisation(org_id: int) -> Organisation:
    """The organisation if the viewer may see it; 404 whether missing or out of scope."""
    return _or_404(organisations.get_organisation_in_scope(db.session, current_user, org_id))


def load_cohort(org_id: int, cohort_id: int) -> tuple[Organisation, Cohort]:
    org = load_organisation(org_id)
    return org, _or_404(cohorts.cohort_in(db.session, org, cohort_id))


def load_invitation(org_id: int, cohort_id: int, invitation_id: int) -> tuple[Organisation, Cohort, CohortInvitation]:
    org, cohort = load_cohort(org_id, cohort_id)
    return org, cohort, _or_404(cohorts.invitation_in(db.session, cohort, invitation_id))


def load_import(org_id: int, cohort_id: int, import_id: int) -> tuple[Organisation, Cohort, ParticipantImport]:
    org, cohort = load_cohort(org_id, cohort_id)
    return org, cohort, _or_404(participant_import.import_in(db.session, cohort, import_id))


def load_class(org_id: int, class_id: int) -> tuple[Organisation, SchoolClass]:
    org = load_organisation(org_id)
    return org, _or_404(pupils.class_in(db.session, org, class_id))


def load_pupil(org_id: int, class_id: int, pupil_id: int) -> tuple[Organisation, SchoolClass, User]:
    org, school_class = load_class(org_id, class_id)
    return org, school_class, _or_404(pupils.pupil_in(db.session, school_class, pupil_id))


def load_certificate(org_id: int, cert_id: int) -> tuple[Organisation, Certificate]:
    org = load_organisation(org_id)
    cert = db.session.get(Certificate, cert_id)
    if cert is None or cert.organisation_id != org.id:
        abort(404)
    return org, cert


def load_job(org_id: int, job_id: int) -> tuple[Organisation, BulkJob]:
    """A bulk download job (certificates as one ZIP) the organisation asked for."""
    org = load_organisation(org_id)
    job = db.session.get(BulkJob, job_id)
    if job is None or job.organisation_id != org.id:
        abort(404)
    return org, job
