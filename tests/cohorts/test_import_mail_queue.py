"""Participant import: the invitation e-mails are sent by the job queue (app.jobs), not inside the
request; the job makes the links itself, so no token waits in the queue."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import run_invitation_mail, wait_for_threads
from app.models import CohortInvitation
from app.services.cohorts import cohorts
from tests.cohort_helpers import HEADER, csv_file, make_cohort
from tests.conftest import login, post_form
from tests.factories import PASSWORD

ROWS = [HEADER, "山田 花子,hanako@example.jp,292095,40代,女性", "鈴木 一郎,ichiro@example.jp,292095,50代,男性"]


@pytest.fixture()
def client(app, ikoma):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    return client


def _confirm(client, org, cohort):
    url = f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/import"
    preview = post_form(client, url, {"file": csv_file(ROWS)}, content_type="multipart/form-data")
    return post_form(client, preview.headers["Location"], {})


def _invitations(cohort) -> list[CohortInvitation]:
    return list(db.session.scalars(sa.select(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id)
                                   .order_by(CohortInvitation.id)))


def test_the_request_only_queues_the_mails(app, ikoma, course, client, outbox, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr("app.coordinate.cohorts.dispatch_invitations", lambda _app, ids: queued.append(ids))
    cohort = make_cohort(ikoma, course)
    response = _confirm(client, ikoma, cohort)
    assert response.status_code == 302
    # Nothing was mailed by the request; the job got the two new invitations.
    assert outbox == []
    assert queued == [[i.id for i in _invitations(cohort)]] and len(queued[0]) == 2
    # The job (run here as a worker would) mails each one a link that works.
    with app.app_context():
        run_invitation_mail(queued[0])
    assert sorted(m["To"] for m in outbox) == ["hanako@example.jp", "ichiro@example.jp"]
    body = next(m for m in outbox if m["To"] == "hanako@example.jp").get_body(("plain",)).get_content()
    token = re.search(r"/join/invitation/(\S+)", body).group(1)
    db.session.expire_all()
    found = cohorts.invitation_by_token(db.session, token)
    assert found is not None and found.email == "hanako@example.jp"


def test_the_in_process_queue_sends_them_after_the_request(app, ikoma, course, client, outbox):
    cohort = make_cohort(ikoma, course)
    assert _confirm(client, ikoma, cohort).status_code == 302
    wait_for_threads(timeout=60)
    assert sorted(m["To"] for m in outbox) == ["hanako@example.jp", "ichiro@example.jp"]
    assert all("参加のご招待" in m["Subject"] for m in outbox)


def test_an_invitation_answered_or_removed_before_the_job_is_not_mailed(app, ikoma, course, client, outbox,
                                                                        monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr("app.coordinate.cohorts.dispatch_invitations", lambda _app, ids: queued.append(ids))
    cohort = make_cohort(ikoma, course)
    _confirm(client, ikoma, cohort)
    first, second = _invitations(cohort)
    db.session.delete(first)  # withdrawn by the coordinator meanwhile
    db.session.commit()
    with app.app_context():
        run_invitation_mail(queued[0])
    assert [m["To"] for m in outbox] == [second.email]


def test_a_second_run_of_the_job_makes_the_first_link_stop_working(app, ikoma, course, client, outbox, monkeypatch):
    queued: list[list[int]] = []
    monkeypatch.setattr("app.coordinate.cohorts.dispatch_invitations", lambda _app, ids: queued.append(ids))
    cohort = make_cohort(ikoma, course)
    _confirm(client, ikoma, cohort)
    with app.app_context():
        run_invitation_mail(queued[0][:1])
        run_invitation_mail(queued[0][:1])
    first, latest = (re.search(r"/join/invitation/(\S+)", m.get_body(("plain",)).get_content()).group(1)
                     for m in outbox)
    db.session.expire_all()
    assert cohorts.invitation_by_token(db.session, first) is None
    assert cohorts.invitation_by_token(db.session, latest) is not None


def test_nothing_is_queued_for_an_empty_list(app, monkeypatch):
    from app import jobs

    started: list = []
    monkeypatch.setattr(jobs.threading, "Thread", lambda *a, **k: started.append(a))
    jobs.dispatch_invitations(app, [])
    assert started == []
