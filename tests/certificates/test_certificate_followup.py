"""What follows a committed completion: with RQ workers (JOB_QUEUE=rq) one job renders the PDF and
then mails the holder, so the web request does neither; with the thread queue the mail goes out
after the commit in the request, as before. Nothing follows a rolled-back completion."""
from __future__ import annotations

import pytest

from app import jobs
from app.extensions import db
from app.models import Certificate, CertificateFile
from app.services.certificates import issuing
from app.services.learning import enrolling, progress
from tests.factories import make_trainee
from tests.learn_helpers import complete_by_attendance


def _certificate_mails(outbox: list, to: str) -> list:
    return [m for m in outbox if m["To"] == to and "修了証" in m["Subject"]]


@pytest.fixture()
def queued(app, monkeypatch) -> list[tuple[list[int], bool]]:
    """JOB_QUEUE=rq with the enqueue captured instead of sent to Redis."""
    app.config["JOB_QUEUE"] = "rq"
    calls: list[tuple[list[int], bool]] = []
    monkeypatch.setattr(jobs, "dispatch_certificate_followup", lambda app, ids, render: calls.append((ids, render)))
    return calls


def test_with_rq_the_request_queues_one_job_and_sends_no_mail(app, course, outbox, queued):
    app.config["CERTIFICATE_PRERENDER"] = True
    cert_id = complete_by_attendance(course, "rq@example.jp")
    assert queued == [([cert_id], True)]
    assert _certificate_mails(outbox, "rq@example.jp") == []


def test_with_rq_and_no_prerender_the_job_only_mails(app, course, outbox, queued):
    app.config["CERTIFICATE_PRERENDER"] = False
    cert_id = complete_by_attendance(course, "mailonly@example.jp")
    assert queued == [([cert_id], False)]


def test_the_job_renders_first_then_mails_the_link_to_the_stored_pdf(app, course, outbox, queued):
    cert_id = complete_by_attendance(course, "job@example.jp")
    with app.app_context():
        jobs.run_certificate_followup([cert_id], True)
    stored = db.session.get(CertificateFile, cert_id)
    assert stored is not None and stored.data.startswith(b"%PDF")
    (message,) = _certificate_mails(outbox, "job@example.jp")
    body = message.get_content()
    # Links use the configured address, not a request's Host.
    assert f"{app.config['BASE_URL']}/my/certificates/{cert_id}.pdf" in body


def test_the_job_with_render_off_mails_without_rendering(app, course, outbox, queued, monkeypatch):
    monkeypatch.setattr(issuing, "render_certificate", lambda *a, **k: pytest.fail("rendered"))
    cert_id = complete_by_attendance(course, "norender@example.jp")
    with app.app_context():
        jobs.run_certificate_followup([cert_id], False)
    assert db.session.get(CertificateFile, cert_id) is None
    assert len(_certificate_mails(outbox, "norender@example.jp")) == 1


def test_redis_down_the_mail_still_goes_out_in_the_request(app, course, outbox, monkeypatch):
    app.config["JOB_QUEUE"] = "rq"

    def unreachable(app, ids, render):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(jobs, "dispatch_certificate_followup", unreachable)
    cert_id = complete_by_attendance(course, "down@example.jp")
    assert db.session.get(Certificate, cert_id) is not None  # the completion stands
    assert len(_certificate_mails(outbox, "down@example.jp")) == 1


def test_thread_queue_mails_in_the_request(app, course, outbox):
    assert app.config["JOB_QUEUE"] == "thread"
    complete_by_attendance(course, "thread@example.jp")
    assert len(_certificate_mails(outbox, "thread@example.jp")) == 1


def test_a_rolled_back_completion_queues_and_mails_nothing(app, course, outbox, queued):
    enrolment = enrolling.enrol(db.session, make_trainee(email="undone@example.jp"), course)
    db.session.commit()
    assert progress.record_attendance(db.session, enrolment)
    db.session.rollback()
    db.session.commit()  # a later commit must not find the rolled-back certificate waiting
    assert queued == [] and _certificate_mails(outbox, "undone@example.jp") == []
