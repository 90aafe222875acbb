"""A coordinator's invitation changes nothing until its owner accepts (issue 13, item 4): no role,
no membership, no real name on the organisation page, and never a deactivated account made active
again; only an admin reactivates."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, Role, User
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee

REAL_NAME = "本名 花子"


def _invite(client, org, email: str, typed_name: str = "招待 される人"):
    page = f"/coordinate/organisations/{org.id}"
    response = post_form(client, f"{page}/members/invite", {"display_name": typed_name, "email": email},
                         token_from=page)
    assert response.status_code == 302
    return page


def _invite_path(outbox, email: str) -> str:
    message = next(m for m in reversed(outbox) if m["To"] == email)
    line = next(line for line in message.get_content().splitlines() if "/invite/" in line)
    return line.strip().split("localhost", 1)[1]


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _member_ids(org) -> set[int]:
    return set(db.session.scalars(sa.select(Membership.user_id).where(Membership.organisation_id == org.id)))


def test_an_existing_account_is_unchanged_and_unnamed_until_it_accepts(app, ikoma, outbox):
    from tests.conftest import coordinator_client

    make_trainee(email="hanako@example.jp", name=REAL_NAME)
    db.session.commit()
    coordinator = coordinator_client(app, ikoma, "colleague@example.jp")
    page = _invite(coordinator, ikoma, "hanako@example.jp")
    hanako = _user("hanako@example.jp")
    assert hanako.role is Role.TRAINEE, "the invitation made the account a coordinator before it accepted"
    assert hanako.id not in _member_ids(ikoma)
    shown = coordinator.get(page).get_data(as_text=True)
    assert REAL_NAME not in shown, "the organisation page shows the real name of an account that has not accepted"
    assert "hanako@example.jp" in shown and "招待中" in shown

    # Accepting: the owner logs in with the password they already have (no reset forced on them).
    invited = app.test_client()
    path = _invite_path(outbox, "hanako@example.jp")
    form = invited.get(path).get_data(as_text=True)
    assert 'name="password_confirm"' not in form
    wrong = post_form(invited, path, {"password": "not-my-password"})
    assert wrong.status_code == 200 and _user("hanako@example.jp").role is Role.TRAINEE
    accepted = post_form(invited, path, {"password": PASSWORD})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/coordinate/")
    hanako = _user("hanako@example.jp")
    assert hanako.role is Role.COORDINATOR and hanako.id in _member_ids(ikoma)
    assert hanako.check_password(PASSWORD)
    assert REAL_NAME in coordinator.get(page).get_data(as_text=True)
    assert "生駒市" in invited.get("/coordinate/").get_data(as_text=True)


def test_an_invitation_never_reactivates_a_deactivated_account(app, ikoma, outbox, admin_client):
    from tests.conftest import coordinator_client

    hanako = make_trainee(email="hanako@example.jp", name=REAL_NAME)
    hanako.is_active_account = False  # deactivated by an admin
    db.session.commit()
    coordinator = coordinator_client(app, ikoma, "colleague@example.jp")
    _invite(coordinator, ikoma, "hanako@example.jp")
    assert not _user("hanako@example.jp").is_active_account
    path = _invite_path(outbox, "hanako@example.jp")
    invited = app.test_client()
    response = post_form(invited, path, {"password": PASSWORD})
    assert response.status_code == 403 and "管理者" in response.get_data(as_text=True)
    # Not by the set-password form either.
    response = invited.post(path, data={"csrf_token": "x", "password": "a-new-secret-77",
                                        "password_confirm": "a-new-secret-77"})
    hanako = _user("hanako@example.jp")
    assert not hanako.is_active_account and hanako.role is Role.TRAINEE and hanako.id not in _member_ids(ikoma)
    assert login(app.test_client(), "hanako@example.jp", PASSWORD).status_code == 200  # still refused
    # An admin can.
    post_form(admin_client, f"/admin/users/{hanako.id}/reactivate", {}, token_from=f"/admin/users/{hanako.id}")
    assert _user("hanako@example.jp").is_active_account


def test_an_account_without_a_password_deactivated_by_an_admin_stays_deactivated(app, ikoma, outbox, admin_client):
    """E.g. a pending invitation's own account that an admin turned off, or an imported one."""
    from tests.conftest import coordinator_client

    coordinator = coordinator_client(app, ikoma, "colleague@example.jp")
    _invite(coordinator, ikoma, "new@example.jp")
    new = _user("new@example.jp")
    # An admin lets the account in, then turns it off again.
    post_form(admin_client, f"/admin/users/{new.id}/reactivate", {}, token_from=f"/admin/users/{new.id}")
    post_form(admin_client, f"/admin/users/{new.id}/deactivate", {}, token_from=f"/admin/users/{new.id}")
    assert not _user("new@example.jp").is_active_account
    response = post_form(app.test_client(), _invite_path(outbox, "new@example.jp"),
                         {"password": "coordinator-pass1", "password_confirm": "coordinator-pass1"})
    assert response.status_code == 403
    new = _user("new@example.jp")
    assert not new.is_active_account and new.id not in _member_ids(ikoma)


def test_a_new_address_belongs_nowhere_until_it_accepts(app, ikoma, outbox):
    from tests.conftest import coordinator_client

    coordinator = coordinator_client(app, ikoma, "colleague@example.jp")
    page = _invite(coordinator, ikoma, "new@example.jp", typed_name="新人 一郎")
    new = _user("new@example.jp")
    assert not new.is_active_account and new.id not in _member_ids(ikoma)
    assert "new@example.jp" in coordinator.get(page).get_data(as_text=True)
    invited = app.test_client()
    path = _invite_path(outbox, "new@example.jp")
    response = post_form(invited, path, {"password": "coordinator-pass1", "password_confirm": "coordinator-pass1"})
    assert response.status_code == 302
    new = _user("new@example.jp")
    assert new.is_active_account and new.role is Role.COORDINATOR and new.id in _member_ids(ikoma)
    assert invited.get("/coordinate/").status_code == 200


def test_an_invitation_from_another_organisation_does_not_cancel_the_first(app, ikoma, outbox, admin_client):
    make_trainee(email="hanako@example.jp", name=REAL_NAME)
    other = make_organisation(municipality="292010", name="奈良市")
    db.session.commit()
    for org in (ikoma, other):
        post_form(admin_client, f"/admin/organisations/{org.id}/invite",
                  {"display_name": "x", "email": "hanako@example.jp"}, token_from=f"/admin/organisations/{org.id}")
    first, second = (line.strip().split("localhost", 1)[1] for m in outbox if m["To"] == "hanako@example.jp"
                     for line in m.get_content().splitlines() if "/invite/" in line)
    for path in (first, second):
        assert post_form(app.test_client(), path, {"password": PASSWORD}).status_code == 302
    assert _user("hanako@example.jp").id in _member_ids(ikoma) & _member_ids(other)
