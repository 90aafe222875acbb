"""Removing a participant from a cohort and cancelling (中止) a cohort: the confirm pages say what
stays, nothing issued disappears, both are audited, double submits are harmless, scope is the
coordinator's own organisation (404 elsewhere), and a cancelled cohort leaves the finder, takes
nobody new, is 中止 on the participants' マイページ, and its participants are told by e-mail."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import run_cancellation_mail, wait_for_threads
from app.models import AuditEvent, Certificate, Cohort, Enrolment
from app.services.cohorts import cohorts
from tests.cohort_helpers import join_all, make_cohort
from tests.conftest import coordinator_client, csrf_token, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee


@pytest.fixture()
def client(app, ikoma):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    return client


def _base(org, cohort) -> str:
    return f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}"


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_removing_a_participant_keeps_the_completion_and_certificate(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)  # held yesterday: attendance is open
    person, other = make_trainee(name="出席 花子"), make_trainee(name="残る 太郎")
    enrolment, _kept = join_all(cohort, [person, other])
    post_form(client, _base(ikoma, cohort) + "/attendance", {"enrolment_id": [str(enrolment.id)]})
    wait_for_threads(timeout=300)
    db.session.expire_all()
    serial = db.session.scalar(sa.select(Certificate.serial).where(Certificate.enrolment_id == enrolment.id))
    assert serial
    url = _base(ikoma, cohort) + f"/participants/{enrolment.id}/remove"
    page = client.get(url).get_data(as_text=True)
    assert "出席 花子" in page and serial in page and "取り消しません" in page and "出席で修了しています" in page
    token = csrf_token(client, url)
    first = client.post(url, data={"csrf_token": token})
    second = client.post(url, data={"csrf_token": token})  # double submit
    assert first.status_code == second.status_code == 302
    db.session.expire_all()
    removed = db.session.get(Enrolment, enrolment.id)
    assert removed.cohort_id is None and removed.completed_at is not None
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))
    assert cert.revoked_at is None
    events = _audits("cohort.participant_remove")
    assert len(events) == 1
    assert events[0].detail["certificates_kept"] == [serial] and events[0].detail["completed_by_attendance"] is True
    detail = client.get(_base(ikoma, cohort)).get_data(as_text=True)
    assert "残る 太郎" in detail and "出席 花子" not in detail


def test_a_participant_of_another_cohort_cannot_be_removed_through_this_one(app, ikoma, course, client):
    cohort, other_cohort = make_cohort(ikoma, course), make_cohort(ikoma, course, title="別の回")
    (enrolment,) = join_all(other_cohort, [make_trainee()])
    url = _base(ikoma, cohort) + f"/participants/{enrolment.id}/remove"
    assert client.get(url).status_code == 302  # not listed here: back to the cohort
    client.post(url, data={"csrf_token": csrf_token(client, _base(ikoma, cohort) + "/cancel")})
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).cohort_id == other_cohort.id
    assert _audits("cohort.participant_remove") == []


def test_other_organisations_get_404_and_posts_need_csrf(app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    (enrolment,) = join_all(cohort, [make_trainee()])
    outsider = coordinator_client(app, make_organisation(municipality="292010", name="奈良市"), "nara@example.jp")
    for path in (f"/participants/{enrolment.id}/remove", "/cancel"):
        assert outsider.get(_base(ikoma, cohort) + path).status_code == 404
        assert outsider.post(_base(ikoma, cohort) + path, data={}).status_code in (400, 404)
    # The own coordinator without a CSRF token changes nothing.
    own = app.test_client()
    login(own, "coord@example.jp", PASSWORD)
    own.post(_base(ikoma, cohort) + "/cancel", data={})
    own.post(_base(ikoma, cohort) + f"/participants/{enrolment.id}/remove", data={})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).cancelled_at is None
    assert db.session.get(Enrolment, enrolment.id).cohort_id == cohort.id


def test_cancelling_tells_participants_once_and_leaves_the_finder(app, ikoma, course, client, outbox):
    cohort = make_cohort(ikoma, course, title="中止される公開回", is_public=True, days=10)
    people = [make_trainee(name=f"参加 者{n}", email=f"p{n}@example.jp") for n in range(2)]
    join_all(cohort, people)
    assert "中止される公開回" in app.test_client().get("/sessions").get_data(as_text=True)
    url = _base(ikoma, cohort) + "/cancel"
    page = client.get(url).get_data(as_text=True)
    assert "参加者 2人" in page and "取り消しません" in page
    token = csrf_token(client, url)
    client.post(url, data={"csrf_token": token})
    client.post(url, data={"csrf_token": token})  # double submit: nothing twice
    wait_for_threads(timeout=60)
    assert sorted(m["To"] for m in outbox) == ["p0@example.jp", "p1@example.jp"]
    assert all("中止のお知らせ" in m["Subject"] for m in outbox)
    assert len(_audits("cohort.cancel")) == 1
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).cancelled_at is not None
    assert "中止される公開回" not in app.test_client().get("/sessions").get_data(as_text=True)
    # Nobody new joins, not even by the join code.
    newcomer = make_trainee()
    db.session.commit()
    with pytest.raises(cohorts.CohortError):
        cohorts.join(db.session, db.session.get(Cohort, cohort.id), newcomer)
    db.session.rollback()
    # The participants' マイページ says 中止.
    participant = app.test_client()
    login(participant, "p0@example.jp", PASSWORD)
    my = participant.get("/my").get_data(as_text=True)
    assert "中止される公開回" in my and "中止" in my.split("中止される公開回", 1)[1][:200]
    # The coordinator's page says so and offers no second cancel.
    detail = client.get(_base(ikoma, cohort)).get_data(as_text=True)
    assert "中止しました" in detail and url not in detail


def test_the_cancellation_job_sends_nothing_for_a_cohort_that_is_not_cancelled(app, ikoma, course, outbox):
    cohort = make_cohort(ikoma, course)
    (enrolment,) = join_all(cohort, [make_trainee(email="x@example.jp")])
    with app.app_context():
        run_cancellation_mail(cohort.id, [enrolment.user_id])
    assert outbox == []


def test_a_huge_or_unknown_enrolment_id_is_no_error(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course)
    for enrolment_id in ("999999", "9" * 30):
        url = _base(ikoma, cohort) + f"/participants/{enrolment_id}/remove"
        assert client.get(url).status_code in (302, 404)
        response = client.post(url, data={"csrf_token": csrf_token(client, _base(ikoma, cohort) + "/cancel")})
        assert response.status_code in (302, 404)
    assert _audits("cohort.participant_remove") == []


def test_editing_a_cancelled_cohort_cannot_put_it_back_in_the_finder(app, ikoma, course, client):
    from app.services.cohorts import removal
    from app.services.cohorts.cohorts import CohortFields, update_cohort

    cohort = make_cohort(ikoma, course, title="中止後に編集", is_public=True, days=10)
    removal.cancel_cohort(db.session, cohort, actor=_coordinator())
    db.session.commit()
    cohort = db.session.get(Cohort, cohort.id)
    fields = CohortFields(course_id=course.id, title="中止後に編集", mode=cohort.mode, starts_at=cohort.starts_at,
                          ends_at=cohort.ends_at, venue=cohort.venue, is_public=True)
    update_cohort(db.session, cohort, fields, actor=_coordinator())
    db.session.commit()
    assert db.session.get(Cohort, cohort.id).is_public is False
    assert "中止後に編集" not in app.test_client().get("/sessions").get_data(as_text=True)


def _coordinator():
    from app.models import User

    return db.session.scalar(sa.select(User).where(User.email == "coord@example.jp"))


def test_a_cancelled_cohort_sends_no_reminder(app, ikoma, course):
    from app.services.cohorts import removal

    cohort = make_cohort(ikoma, course, days=1)
    join_all(cohort, [make_trainee()])
    removal.cancel_cohort(db.session, cohort, actor=_coordinator())
    db.session.commit()
    assert cohorts.claim_due_reminders(db.session) == []
