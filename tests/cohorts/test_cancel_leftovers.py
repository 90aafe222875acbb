"""What a cancelled (中止) cohort leaves behind: its unanswered invitations are withdrawn with the
cancellation (the link stops working, accepting is refused, audited as a coordinator's
withdrawal), and マイページ offers no 「参加をやめる」 for it, nor does the leave route act on it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, CohortInvitation, Enrolment, InvitationStatus, User
from app.services.cohorts import cohorts, removal
from tests.cohort_helpers import join_all, make_cohort
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_trainee


def _coordinator() -> User:
    return db.session.scalar(sa.select(User).where(User.email == "coord@example.jp"))


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def _invite(cohort, email: str) -> tuple[CohortInvitation, str]:
    invitation, token = cohorts.invite(db.session, cohort, email=email, name="招待 花子", actor=_coordinator(),
                                       lifetime=dt.timedelta(days=14))
    db.session.commit()
    return invitation, token


def test_cancelling_withdraws_the_pending_invitations_once(app, ikoma, course):
    cohort = make_cohort(ikoma, course, days=10)
    other = make_cohort(ikoma, course, title="別の回", days=12)
    pending, token = _invite(cohort, "invited@example.jp")
    declined, _token = _invite(cohort, "no@example.jp")
    cohorts.decline_invitation(db.session, declined)
    kept, kept_token = _invite(other, "invited@example.jp")
    invitee = make_trainee(email="invited@example.jp")
    db.session.commit()
    pending_id, declined_id, kept_id = pending.id, declined.id, kept.id

    assert removal.cancel_cohort(db.session, cohort, actor=_coordinator()) == []
    db.session.commit()
    db.session.expire_all()
    # Withdrawn as a coordinator withdraws one: gone from the list, the link no longer opens it.
    assert db.session.get(CohortInvitation, pending_id) is None
    assert cohorts.invitation_by_token(db.session, token) is None
    assert cohorts.invitations_of(db.session, cohort) == [db.session.get(CohortInvitation, declined_id)]
    assert db.session.get(CohortInvitation, declined_id).status is InvitationStatus.DECLINED
    assert cohorts.invitation_counts(db.session, cohort)[InvitationStatus.PENDING] == 0
    # Another cohort's invitation of the same address is untouched.
    assert db.session.get(CohortInvitation, kept_id).status is InvitationStatus.PENDING
    assert cohorts.invitation_by_token(db.session, kept_token) is not None
    withdrawals = _audits("cohort.invitation_remove")
    assert [(e.actor_id, e.target_id, e.detail["invitation_id"], e.detail["reason"]) for e in withdrawals] == [
        (_coordinator().id, str(cohort.id), pending_id, "cohort_cancelled")]
    (cancel,) = _audits("cohort.cancel")
    assert cancel.detail["invitations_withdrawn"] == 1

    # The invited person opening the link or accepting it is refused; nothing is joined.
    client = app.test_client()
    login(client, "invited@example.jp", PASSWORD)
    assert client.get(f"/join/invitation/{token}").status_code == 404
    accept = client.post(f"/my/cohorts/invitation/{token}/accept", data={"csrf_token": csrf_token(client, "/my")})
    assert accept.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                             .where(Enrolment.user_id == invitee.id)) == 0

    # A second cancel changes nothing: no second withdrawal, no second audit.
    assert removal.cancel_cohort(db.session, cohort, actor=_coordinator()) is None
    db.session.commit()
    assert len(_audits("cohort.invitation_remove")) == 1 and len(_audits("cohort.cancel")) == 1
    assert db.session.get(CohortInvitation, kept_id).status is InvitationStatus.PENDING


def test_cancelling_through_the_page_withdraws_the_invitations(app, ikoma, course):
    cohort = make_cohort(ikoma, course, days=10)
    _invitation, token = _invite(cohort, "page@example.jp")
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/cancel"
    assert "まだ答えていない招待は取り消します" in client.get(url).get_data(as_text=True)
    form = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": form}).status_code == 302
    assert client.post(url, data={"csrf_token": form}).status_code == 302  # double submit
    db.session.expire_all()
    assert cohorts.invitation_by_token(db.session, token) is None
    assert len(_audits("cohort.invitation_remove")) == 1
    assert app.test_client().get(f"/join/invitation/{token}").status_code == 404


def test_my_page_offers_no_leaving_for_a_cancelled_cohort(app, ikoma, course):
    user = make_trainee(email="me@example.jp")
    db.session.commit()
    cancelled = make_cohort(ikoma, course, title="中止の回", days=10)
    (enrolment,) = join_all(cancelled, [user])
    removal.cancel_cohort(db.session, cancelled, actor=_coordinator())
    db.session.commit()
    client = app.test_client()
    login(client, "me@example.jp", PASSWORD)
    page = client.get("/my").get_data(as_text=True)
    section = page[page.index('id="sessions"'):page.index('id="certificates"')]
    assert "中止の回" in section and "この開催回は中止になりました" in section
    assert "参加をやめる" not in section and f"/my/sessions/{cancelled.id}/leave" not in section

    # The leave route, reached anyway (an old tab, a typed URL), says why and changes nothing.
    leave = f"/my/sessions/{cancelled.id}/leave"
    for send in (lambda: client.get(leave), lambda: post_form(client, leave, {}, token_from="/my")):
        response = send()
        assert response.status_code == 302
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "この開催回は中止になりました。参加をやめる手続きはいりません。" in shown
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).cohort_id == cancelled.id
    assert _audits("cohort.leave") == []


def test_the_leave_service_refuses_a_cancelled_cohort(app, ikoma, course):
    user = make_trainee(email="svc@example.jp")
    db.session.commit()
    cohort = make_cohort(ikoma, course, days=10)
    join_all(cohort, [user])
    removal.cancel_cohort(db.session, cohort, actor=_coordinator())
    db.session.commit()
    try:
        cohorts.leave(db.session, cohort, user)
    except cohorts.CohortError as error:
        assert error.code == "cancelled"
    else:
        raise AssertionError("a cancelled cohort was left")
