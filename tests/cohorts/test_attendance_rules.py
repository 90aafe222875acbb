"""Attendance (issue 20 item 2): recordable from the session's start only, a completion by attendance
dated the session's day (certificate and statistics), and a mistaken tick undone after a confirm page:
the completion that rested on it withdrawn, its certificate revoked with a stated reason, the
supporter no longer counted; a completion by lessons and quiz is never undone by it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import Attendance, AuditEvent, Certificate, CompletedVia, Enrolment, SupporterRecord
from app.services.certificates import issuing
from app.services.cohorts import cohorts
from app.services.learning import enrolling, progress, quizzes
from app.services.statistics.statistics import fiscal_period
from tests.cohort_helpers import join_all, make_cohort
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import right_answers


@pytest.fixture()
def client(app, ikoma):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    return client


def url(org, cohort, tail: str = "") -> str:
    return f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/attendance{tail}"


def fresh(enrolment) -> Enrolment:
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment.id)


def events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_future_session_refuses_attendance_even_a_forged_post(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=14)
    (enrolment,) = join_all(cohort, [make_trainee(name="未来 太郎")])
    page = client.get(url(ikoma, cohort)).get_data(as_text=True)
    # The page says from when, and offers no form to tick.
    assert "から記録できます" in page and cohorts.JST and 'name="enrolment_id"' not in page
    assert f"{cohort.starts_at.astimezone(cohorts.JST).day}日" in page
    response = post_form(client, url(ikoma, cohort), {"enrolment_id": [str(enrolment.id)]},
                         token_from=f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}")
    assert "開始の時刻から記録できます" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert fresh(enrolment).completed_at is None
    with pytest.raises(cohorts.CohortError) as error:
        cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=make_trainee(),
                                  now=cohort.starts_at - dt.timedelta(minutes=1))
    assert error.value.code == "not_started"
    # From the start itself it is open.
    cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=make_trainee(), now=cohort.starts_at)
    assert fresh(enrolment).completed_via is CompletedVia.ATTENDANCE


def test_completion_by_attendance_takes_the_sessions_date(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-40)  # recorded weeks after the session
    (enrolment,) = join_all(cohort, [make_trainee()])
    post_form(client, url(ikoma, cohort), {"enrolment_id": [str(enrolment.id)]})
    wait_for_threads(timeout=300)
    enrolment = fresh(enrolment)
    assert enrolment.completed_at == cohort.starts_at
    cert = issuing.current_certificate(db.session, enrolment.id)
    assert cert.completed_on == cohort.starts_at.astimezone(cohorts.JST).date() != issuing.today_jst()
    record = db.session.scalar(sa.select(SupporterRecord).where(SupporterRecord.enrolment_id == enrolment.id))
    assert (record.fiscal_year, record.fiscal_quarter) == fiscal_period(cohort.starts_at)


def test_unticking_confirms_then_withdraws_the_completion_and_revokes_the_certificate(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)
    mistaken, present = join_all(cohort, [make_trainee(name="誤り 一郎"), make_trainee(name="出席 花子")])
    post_form(client, url(ikoma, cohort), {"enrolment_id": [str(mistaken.id), str(present.id)]})
    wait_for_threads(timeout=300)
    cert = issuing.current_certificate(db.session, mistaken.id)
    assert cert is not None and db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)) == 2
    # Un-ticking the mistaken one leads to a confirm page that says what will happen; nothing yet.
    response = post_form(client, url(ikoma, cohort), {"enrolment_id": [str(present.id)]})
    assert "/attendance/undo" in response.headers["Location"]
    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "誤り 一郎" in confirm and "出席 花子" not in confirm
    assert "修了を取り消します" in confirm and cert.serial in confirm and cohorts.UNDO_REASON in confirm
    assert "支援者の人数" in confirm
    assert fresh(mistaken).completed_at is not None
    # The POST undoes it.
    response = post_form(client, url(ikoma, cohort, "/undo"), {"enrolment_id": [str(mistaken.id)]},
                         token_from=response.headers["Location"])
    assert "出席の記録を取り消しました" in client.get(response.headers["Location"]).get_data(as_text=True)
    mistaken = fresh(mistaken)
    assert mistaken.completed_at is None and mistaken.completed_via is None
    assert db.session.get(Attendance, (cohort.id, mistaken.id)) is None
    assert db.session.get(Attendance, (cohort.id, present.id)) is not None
    cert = db.session.get(Certificate, cert.id)
    assert cert.revoked_at is not None and cert.revoked_reason == cohorts.UNDO_REASON
    assert cert.current_for_enrolment_id is None
    assert issuing.verify(cert).status == "revoked"
    # The statistics no longer count the withdrawn completion; the real attendee stays counted.
    records = db.session.scalars(sa.select(SupporterRecord.enrolment_id)).all()
    assert records == [present.id]
    assert events("cohort.attendance_undo") == 1 and events("enrolment.completion_withdrawn") == 1
    assert events("certificate.revoke") == 1
    # Recorded again (this time rightly): a new certificate, counted again.
    post_form(client, url(ikoma, cohort), {"enrolment_id": [str(mistaken.id), str(present.id)]})
    wait_for_threads(timeout=300)
    new = issuing.current_certificate(db.session, mistaken.id)
    assert new is not None and new.id != cert.id and new.revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)) == 2


def test_a_completion_by_lessons_and_quiz_is_never_undone(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)
    (enrolment,) = join_all(cohort, [make_trainee(name="自習 次郎")])
    version = enrolling.live_version(db.session, course)
    for lesson in version.lessons:
        progress.complete_lesson(db.session, enrolment, version, lesson.key)
    if version.quiz is not None:
        attempt = quizzes.start_attempt(db.session, enrolment, version)
        quizzes.submit_attempt(db.session, enrolment, attempt.id, attempt.token, right_answers(version))
    db.session.commit()
    enrolment = fresh(enrolment)
    assert enrolment.completed_via is CompletedVia.ONLINE
    cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=make_trainee())
    db.session.commit()
    confirm = client.get(url(ikoma, cohort, f"/undo?enrolment_id={enrolment.id}")).get_data(as_text=True)
    assert "修了と証書はそのままです" in confirm and "修了を取り消します" not in confirm
    post_form(client, url(ikoma, cohort, "/undo"), {"enrolment_id": [str(enrolment.id)]},
              token_from=url(ikoma, cohort, f"/undo?enrolment_id={enrolment.id}"))
    enrolment = fresh(enrolment)
    assert db.session.get(Attendance, (cohort.id, enrolment.id)) is None
    assert enrolment.completed_via is CompletedVia.ONLINE
    cert = issuing.current_certificate(db.session, enrolment.id)
    assert cert is not None and cert.revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)) == 1


def test_undo_of_another_cohorts_participant_does_nothing(app, ikoma, course, client):
    cohort = make_cohort(ikoma, course, days=-1)
    other = make_cohort(ikoma, course, days=-1, title="別の回")
    (theirs,) = join_all(other, [make_trainee()])
    cohorts.record_attendance(db.session, other, [theirs.id], actor=make_trainee())
    db.session.commit()
    post_form(client, url(ikoma, cohort, "/undo"), {"enrolment_id": [str(theirs.id)]},
              token_from=url(ikoma, cohort))
    assert db.session.get(Attendance, (other.id, theirs.id)) is not None
    assert fresh(theirs).completed_at is not None
