"""マイページ (issue 20 item 8): the trainee's joined sessions (date in Japan time, venue or URL, the
organiser and contact), leaving one (confirm page, audited; refused after attendance), and
correcting their own name until a certificate is printed (then the page points to reissue)."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Certificate, CohortMode, Enrolment, User
from app.services.certificates import issuing
from app.services.cohorts import cohorts
from app.services.learning import progress
from tests.cohort_helpers import in_days, join_all, make_cohort
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee


def trainee_client(app, email: str = "me@example.jp", name: str = "渡辺 花子"):
    user = make_trainee(email=email, name=name)
    db.session.commit()
    client = app.test_client()
    login(client, email, PASSWORD)
    return client, user


def events(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_my_page_lists_joined_sessions_with_japan_time_place_and_contact(app, ikoma, course):
    client, user = trainee_client(app)
    # 08:00 in Japan is the previous day in UTC: the page shows the day and time in Japan.
    morning = make_cohort(ikoma, course, title="朝の回", starts_at=in_days(5, hour=8))
    morning.created_by_id = db.session.scalar(sa.select(User.id).where(User.email == "coord@example.jp"))
    online = make_cohort(ikoma, course, title="オンラインの回", mode=CohortMode.LIVE_ONLINE, days=3)
    join_all(morning, [user])
    page = client.get("/my").get_data(as_text=True)
    section = page[page.index('id="sessions"'):page.index('id="certificates"')]
    day = in_days(5, hour=8).astimezone(cohorts.JST)
    assert "朝の回" in section and f"{day.month}月{day.day}日" in section and "08:00" in section
    assert "生駒市役所 4階 大会議室" in section and "生駒市" in section
    assert 'href="mailto:coord@example.jp"' in section
    assert "オンラインの回" not in section
    # A live online session shows its meeting link to its participant.
    online_user = make_trainee(email="online@example.jp")
    db.session.commit()
    join_all(online, [online_user])
    other = app.test_client()
    login(other, "online@example.jp", PASSWORD)
    assert "https://meet.example.jp/abc" in other.get("/my").get_data(as_text=True)


def test_leaving_a_session_confirms_then_leaves_and_is_audited(app, ikoma, course):
    client, user = trainee_client(app)
    cohort = make_cohort(ikoma, course)
    (enrolment,) = join_all(cohort, [user])
    confirm = client.get(f"/my/sessions/{cohort.id}/leave")
    assert confirm.status_code == 200 and "学習" in confirm.get_data(as_text=True)
    assert db.session.get(Enrolment, enrolment.id).cohort_id == cohort.id  # a GET changes nothing
    response = post_form(client, f"/my/sessions/{cohort.id}/leave", {})
    assert "参加をやめました" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).cohort_id is None
    assert events("cohort.leave") == 1
    assert cohort.title not in client.get("/my").get_data(as_text=True)
    # A cohort left (or someone else's, or none): the same message, nothing said about it.
    response = client.get(f"/my/sessions/{cohort.id}/leave")
    assert "参加していません" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.get("/my/sessions/999999/leave")
    assert "参加していません" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_leaving_after_attendance_is_refused_with_a_clear_message(app, ikoma, course):
    client, user = trainee_client(app)
    cohort = make_cohort(ikoma, course, days=-1)
    (enrolment,) = join_all(cohort, [user])
    cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=make_trainee())
    db.session.commit()
    assert "出席が記録されています" in client.get("/my").get_data(as_text=True)
    response = post_form(client, f"/my/sessions/{cohort.id}/leave", {}, token_from="/my")
    assert "出席が記録されているため、参加をやめることはできません" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).cohort_id == cohort.id
    assert events("cohort.leave") == 0


def test_name_is_corrected_until_a_certificate_is_printed(app, ikoma, course):
    client, user = trainee_client(app, name="渡部 花子")
    cohort = make_cohort(ikoma, course, days=-1)
    (enrolment,) = join_all(cohort, [user])
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    cert = issuing.current_certificate(db.session, enrolment.id)
    assert cert.holder_name == "渡部 花子"
    # An unprintable name is refused by the PrintableName validator.
    response = post_form(client, "/my/name", {"display_name": "渡辺 花子😀"})
    assert response.status_code == 200 and "印刷できない文字" in response.get_data(as_text=True)
    response = post_form(client, "/my/name", {"display_name": "渡辺 花子"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "渡辺 花子"
    assert db.session.get(Certificate, cert.id).holder_name == "渡辺 花子"
    assert events("user.name_correct") == 1
    # Once printed, the page points to the reissue by the issuing organisation, and a POST changes nothing.
    assert client.get(f"/my/certificates/{cert.id}.pdf").status_code == 200
    page = client.get("/my/name").get_data(as_text=True)
    assert "再発行" in page and cert.serial in page and 'name="display_name"' not in page
    post_form(client, "/my/name", {"display_name": "別の 名前"}, token_from="/my")
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "渡辺 花子"
