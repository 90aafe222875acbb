"""Certificates are rendered by the job queue right after completion (the in-process thread by default),
so the holder's first download is a stored PDF; a failed render leaves the on-demand path working."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.models import Certificate, CertificateFile, Course
from app.services.certificates import issuing
from app.services.content import courses
from app.services.learning import enrolling, progress
from tests.conftest import login
from tests.factories import PASSWORD, make_trainee


@pytest.fixture()
def prerendering(app):
    # create_app wires the hook (register_hooks); registering again is a no-op.
    jobs.register_certificate_renders(app)
    app.config["CERTIFICATE_PRERENDER"] = True
    courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    yield db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))
    jobs.wait_for_threads()


def _complete(course: Course, user) -> int:
    enrolment = enrolling.enrol(db.session, user, course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    cert_id = issuing.current_certificate(db.session, enrolment.id).id
    jobs.wait_for_threads()
    db.session.expire_all()
    return cert_id


def _stored(cert_id: int) -> CertificateFile | None:
    return db.session.get(CertificateFile, cert_id)


def test_completion_stores_the_pdf_and_the_first_download_renders_nothing(app, prerendering, monkeypatch):
    cert_id = _complete(prerendering, make_trainee(email="t@example.jp"))
    stored = _stored(cert_id)
    assert stored is not None and stored.data.startswith(b"%PDF")
    assert db.session.get(Certificate, cert_id).pdf_sha256 == hashlib.sha256(stored.data).hexdigest()

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered at download")

    monkeypatch.setattr(issuing, "render_certificate", no_rendering)
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert_id}.pdf")
    assert response.status_code == 200 and response.data == stored.data


def test_a_failed_render_leaves_the_download_rendering_on_demand(app, prerendering, monkeypatch):
    real = issuing.render_certificate

    def broken(*args, **kwargs):
        raise RuntimeError("the render failed in the job")

    monkeypatch.setattr(issuing, "render_certificate", broken)
    cert_id = _complete(prerendering, make_trainee(email="t@example.jp"))
    assert _stored(cert_id) is None
    assert db.session.get(Certificate, cert_id).pdf_sha256 is None  # the completion itself stands

    monkeypatch.setattr(issuing, "render_certificate", real)
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    db.session.expire_all()
    assert _stored(cert_id).data == response.data


def test_a_rolled_back_completion_renders_nothing(app, prerendering, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr(jobs, "dispatch_certificate_render", lambda app, ids: queued.append(ids))
    enrolment = enrolling.enrol(db.session, make_trainee(email="t@example.jp"), prerendering)
    db.session.commit()
    assert progress.record_attendance(db.session, enrolment)
    db.session.rollback()
    db.session.commit()  # a later commit must not find the rolled-back certificate waiting
    assert queued == []


def test_a_queue_that_cannot_be_reached_does_not_undo_the_completion(app, prerendering, monkeypatch):
    def unreachable(app, ids):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(jobs, "dispatch_certificate_render", unreachable)
    cert_id = _complete(prerendering, make_trainee(email="t@example.jp"))
    assert db.session.get(Certificate, cert_id) is not None and _stored(cert_id) is None


def test_revoked_or_already_stored_certificates_are_skipped(app, prerendering, monkeypatch):
    cert_id = _complete(prerendering, make_trainee(email="t@example.jp"))
    calls: list[object] = []
    monkeypatch.setattr(issuing, "render_certificate", lambda *a, **k: calls.append(a) or b"%PDF-x")
    with app.app_context():
        jobs.run_certificate_render([cert_id, 999999])
    assert calls == []
