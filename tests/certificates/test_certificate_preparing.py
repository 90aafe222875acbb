"""A first download while the job queue is still rendering a just-issued certificate answers a short
"being prepared" page (202, reloading itself) instead of rendering the same PDF again in the web
worker; a worker that is down or far behind never keeps anyone waiting past PRERENDER_WAIT."""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from app import jobs
from app.extensions import db
from app.models import Certificate
from app.services.certificates import issuing
from app.web import pdf as pdf_web
from tests.conftest import login
from tests.factories import PASSWORD
from tests.learn_helpers import complete_by_attendance


@pytest.fixture()
def rq_app(app, monkeypatch):
    app.config.update(JOB_QUEUE="rq", CERTIFICATE_PRERENDER=True)
    monkeypatch.setattr(jobs, "dispatch_certificate_followup", lambda app, ids, render: None)
    return app


def _no_render(monkeypatch) -> None:
    monkeypatch.setattr(issuing, "render_certificate", lambda *a, **k: pytest.fail("rendered in the request"))


def test_a_pending_render_answers_202_with_a_page_that_reloads_into_the_download(rq_app, course, monkeypatch):
    cert_id = complete_by_attendance(course, "wait@example.jp")
    asked: list[int] = []
    monkeypatch.setattr(jobs, "render_pending", lambda app, cid: asked.append(cid) or True)
    _no_render(monkeypatch)
    client = rq_app.test_client()
    login(client, "wait@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert_id}.pdf")
    assert response.status_code == 202 and asked == [cert_id]
    assert response.headers["Retry-After"] == "2" and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "修了証を作っています" in page and 'role="status"' in page
    refresh = re.search(r'<meta http-equiv="refresh" content="2;url=([^"]+)">', page)
    assert refresh and refresh.group(1) == f"/my/certificates/{cert_id}.pdf"


def test_past_the_wait_the_download_renders_itself(rq_app, course, monkeypatch):
    cert_id = complete_by_attendance(course, "late@example.jp")
    cert = db.session.get(Certificate, cert_id)
    cert.issued_at = cert.issued_at - pdf_web.PRERENDER_WAIT - dt.timedelta(seconds=1)
    db.session.commit()
    monkeypatch.setattr(jobs, "render_pending", lambda app, cid: True)  # a job stuck in "started"
    client = rq_app.test_client()
    login(client, "late@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_stored_pdf_is_sent_without_asking_the_queue(rq_app, course, monkeypatch):
    cert_id = complete_by_attendance(course, "stored@example.jp")
    client = rq_app.test_client()
    login(client, "stored@example.jp", PASSWORD)
    monkeypatch.setattr(jobs, "render_pending", lambda app, cid: False)
    first = client.get(f"/my/certificates/{cert_id}.pdf")
    assert first.status_code == 200
    monkeypatch.setattr(jobs, "render_pending", lambda app, cid: pytest.fail("asked the queue"))
    _no_render(monkeypatch)
    again = client.get(f"/my/certificates/{cert_id}.pdf")
    assert again.status_code == 200 and again.data == first.data


def test_the_wallet_card_never_waits(rq_app, course, monkeypatch):
    cert_id = complete_by_attendance(course, "card@example.jp")
    monkeypatch.setattr(jobs, "render_pending", lambda app, cid: pytest.fail("asked the queue"))
    client = rq_app.test_client()
    login(client, "card@example.jp", PASSWORD)
    assert client.get(f"/my/certificates/{cert_id}/card.pdf").status_code == 200


def test_render_pending_is_false_without_rq_or_without_redis(app):
    app.config.update(JOB_QUEUE="thread", CERTIFICATE_PRERENDER=True)
    assert jobs.render_pending(app, 1) is False
    app.config.update(JOB_QUEUE="rq", REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    assert jobs.render_pending(app, 1) is False


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set (CI sets it)")
def test_render_pending_follows_the_job_on_redis(make_app, course):
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = os.environ["TEST_REDIS_URL"]
    Redis.from_url(url).flushdb()
    rq_app = make_app(JOB_QUEUE="rq", REDIS_URL=url, CERTIFICATE_PRERENDER=True)
    cert_id = complete_by_attendance(course, "redis@example.jp")
    jobs.dispatch_certificate_followup(rq_app, [cert_id], True)  # what the completion's commit does with RQ
    assert jobs.render_pending(rq_app, cert_id) is True
    assert jobs.render_pending(rq_app, cert_id + 1000) is False  # no job of that name
    queue = Queue("certificates", connection=Redis.from_url(url))
    with rq_app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert jobs.render_pending(rq_app, cert_id) is False  # finished: the PDF is stored
    db.session.expire_all()
    assert db.session.get(Certificate, cert_id).pdf_sha256 is not None
    rq_app.config["CERTIFICATE_PRERENDER"] = False
    assert jobs.render_pending(rq_app, cert_id) is False
