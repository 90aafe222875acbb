from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OneTimeToken, Role, TokenPurpose, User
from app.models.base import utcnow
from app.services.accounts import accounts
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_admin, make_organisation, make_trainee

GOOD = {
    "display_name": "生駒 花子",
    "email": "Hanako@Example.jp",
    "password": "tsunagaru-2026",
    "password_confirm": "tsunagaru-2026",
    "prefecture": "29",
    "municipality_code": "292095",
    "age_band": "60s",
    "sex": "female",
}


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def confirm_link_path(message) -> str:
    """The path of the link in a registration mail."""
    line = next(line for line in message.get_content().splitlines() if "/register/confirm/" in line)
    return line.strip().split("localhost", 1)[1]


def test_register_in_ikoma_then_see_my_page(client, outbox):
    response = post_form(client, "/register", GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    assert user_count() == 0, "the account exists only once its owner follows the mailed link"
    assert outbox[-1]["To"] == "hanako@example.jp"
    path = confirm_link_path(outbox[-1])
    response = post_form(client, path, {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my")
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.municipality_code, user.role) == ("hanako@example.jp", "292095", Role.TRAINEE)
    assert user.password_hash.startswith("$argon2id$") and "tsunagaru" not in user.password_hash
    page = client.get("/my").get_data(as_text=True)
    assert "生駒 花子" in page and "奈良県生駒市" in page


def test_register_without_javascript_lists_municipalities_of_prefecture(client):
    response = post_form(client, "/register", {**GOOD, "municipality_code": "", "show_municipalities": "1"},
                         token_from="/register")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and user_count() == 0
    assert '<option value="292095"' in page and "生駒市" in page and "市区町村を選んでください" not in page


@pytest.mark.parametrize("change, field_message", [
    ({"municipality_code": "29209"}, "検査数字（6桁目）がありません"),
    ({"municipality_code": "292096"}, "検査数字が合いません"),
    ({"municipality_code": "999997"}, "見つかりません"),
    ({"municipality_code": ""}, "市区町村を選んでください"),
    ({"password": "short", "password_confirm": "short"}, "8文字以上"),
    ({"password": "password123", "password_confirm": "password123"}, "推測されやすい"),
    ({"password_confirm": "something-else"}, "パスワードが一致しません"),
    ({"email": "not-an-address"}, "メールアドレスの形が正しくありません"),
    ({"display_name": "あ" * 61}, "60文字以内"),
])
def test_register_bad_input_gets_a_clear_message_and_stores_nothing(client, change, field_message):
    response = post_form(client, "/register", {**GOOD, **change})
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert user_count() == 0


def test_duplicate_email_mails_the_owner_and_the_first_account_is_kept(client, outbox):
    first = make_trainee(email="hanako@example.jp", name="最初の人")
    db.session.commit()
    response = post_form(client, "/register", GOOD)
    # The page says what it says for a new address; only the address's owner learns the rest.
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    assert outbox[-1]["To"] == "hanako@example.jp"
    assert "アカウントはすでにあります" in outbox[-1].get_content() and "/register/confirm/" not in outbox[-1].get_content()
    assert user_count() == 1
    db.session.refresh(first)
    assert first.display_name == "最初の人" and first.check_password(PASSWORD)


def test_missing_csrf_token_is_refused(client):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "安全のため" in response.get_data(as_text=True)
    assert user_count() == 0


def test_every_form_carries_a_csrf_token(client):
    for url in ("/login", "/register", "/reset"):
        assert csrf_token(client, url)


def test_login_logout_and_wrong_password(client):
    make_trainee(email="t@example.jp")
    db.session.commit()
    bad = login(client, "t@example.jp", "wrong-password")
    assert "正しくありません" in bad.get_data(as_text=True)
    good = login(client, "T@Example.jp", PASSWORD)
    assert good.status_code == 302 and good.headers["Location"].endswith("/my")
    assert client.get("/my").status_code == 200
    post_form(client, "/logout", {}, token_from="/my")
    assert client.get("/my").status_code == 302
    actions = db.session.scalars(sa.text("SELECT action FROM audit_event ORDER BY id")).all()
    assert actions == ["auth.login_failed", "auth.login"]


def test_login_rotates_the_session(client):
    make_trainee(email="t@example.jp")
    db.session.commit()
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"
    login(client, "t@example.jp", PASSWORD)
    with client.session_transaction() as sess:
        assert "planted" not in sess and "_user_id" in sess


@pytest.mark.parametrize("target, expected", [
    ("/my", "/my"),
    ("https://evil.example/", "/my"),
    ("//evil.example/", "/my"),
    ("/\\evil.example", "/my"),
    ("javascript:alert(1)", "/my"),
])
def test_next_never_leaves_the_site(client, target, expected):
    make_trainee(email="t@example.jp")
    db.session.commit()
    response = post_form(client, f"/login?next={target}", {"email": "t@example.jp", "password": PASSWORD},
                         token_from="/login")
    assert response.headers["Location"] == expected


def test_password_change_logs_out_other_sessions(app):
    make_trainee(email="t@example.jp")
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "t@example.jp", PASSWORD)
    login(laptop, "t@example.jp", PASSWORD)
    response = post_form(laptop, "/account/password", {"current": PASSWORD, "password": "a-new-secret-9",
                                                       "password_confirm": "a-new-secret-9"})
    assert response.status_code == 302
    assert laptop.get("/my").status_code == 200
    assert phone.get("/my").status_code == 302  # the other session is gone


def test_password_change_with_wrong_current_password_changes_nothing(client):
    make_trainee(email="t@example.jp")
    db.session.commit()
    login(client, "t@example.jp", PASSWORD)
    response = post_form(client, "/account/password", {"current": "nope-nope-nope", "password": "a-new-secret-9",
                                                       "password_confirm": "a-new-secret-9"})
    assert "現在のパスワードが正しくありません" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User)).check_password(PASSWORD)


def test_password_reset_link_works_once(client, outbox):
    make_trainee(email="t@example.jp")
    db.session.commit()
    post_form(client, "/reset", {"email": "t@example.jp"})
    assert len(outbox) == 1
    link = next(line for line in outbox[0].get_content().splitlines() if "/reset/" in line).strip()
    path = link.split("localhost", 1)[1]
    response = post_form(client, path, {"password": "brand-new-pass1", "password_confirm": "brand-new-pass1"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(User)).check_password("brand-new-pass1")
    reused = client.get(path)
    assert reused.status_code == 410 and "すでに使われています" in reused.get_data(as_text=True)


def test_reset_for_unknown_address_says_the_same_and_sends_no_link(client, outbox):
    response = post_form(client, "/reset", {"email": "nobody@example.jp"}, follow_redirects=True)
    assert "登録されているメールアドレスなら" in response.get_data(as_text=True)
    # One mail either way (same work); this one has no reset link, only says there is no account.
    assert [m["To"] for m in outbox] == ["nobody@example.jp"]
    assert "/reset/" not in outbox[0].get_content() and "見つかりませんでした" in outbox[0].get_content()


def test_expired_reset_link_is_refused(client):
    user = make_trainee(email="t@example.jp")
    token = accounts.issue_token(db.session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    db.session.execute(sa.update(OneTimeToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    response = post_form(client, f"/reset/{token}", {"password": "brand-new-pass1",
                                                     "password_confirm": "brand-new-pass1"}, token_from="/login")
    assert response.status_code == 410 and "有効期限が切れています" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User)).check_password(PASSWORD)


def test_a_second_token_cancels_the_first(app):
    user = make_trainee(email="t@example.jp")
    first = accounts.issue_token(db.session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    accounts.issue_token(db.session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    with pytest.raises(accounts.AccountError, match="token_used"):
        accounts.find_token(db.session, first, TokenPurpose.PASSWORD_RESET)


def test_a_registration_link_works_once_and_an_address_that_got_an_account_meanwhile_is_not_doubled(client, outbox):
    post_form(client, "/register", GOOD)
    post_form(client, "/register", {**GOOD, "display_name": "二度目"}, token_from="/register")
    first, second = confirm_link_path(outbox[0]), confirm_link_path(outbox[1])
    assert post_form(client, second, {}).headers["Location"].endswith("/my")
    assert db.session.scalar(sa.select(User.display_name)) == "二度目"
    other = client.application.test_client()
    assert post_form(other, first, {}, token_from="/login").status_code == 410
    assert user_count() == 1


def test_admin_invites_a_coordinator_who_sets_a_password(app, outbox):
    admin = make_admin(email="admin@example.jp")
    org = make_organisation(municipality="292095", name="生駒市役所")
    db.session.commit()
    admin_client, invited = app.test_client(), app.test_client()
    login(admin_client, "admin@example.jp", PASSWORD)
    response = post_form(admin_client, f"/admin/organisations/{org.id}/invite",
                         {"display_name": "担当 一郎", "email": "ichiro@city.example.jp"},
                         token_from=f"/admin/organisations/{org.id}")
    assert response.status_code == 302 and len(outbox) == 1
    coordinator = db.session.scalar(sa.select(User).where(User.email == "ichiro@city.example.jp"))
    # A new address gets an account that cannot log in and belongs nowhere until it accepts.
    assert coordinator.role is Role.COORDINATOR and not coordinator.is_active_account
    assert coordinator.memberships == []
    path = next(line for line in outbox[0].get_content().splitlines() if "/invite/" in line).split("localhost", 1)[1]
    response = post_form(invited, path, {"password": "coordinator-pass1", "password_confirm": "coordinator-pass1"})
    assert response.headers["Location"].endswith("/coordinate/")
    assert "生駒市役所" in invited.get("/coordinate/").get_data(as_text=True)
    assert post_form(app.test_client(), path.strip(), {"password": "x" * 12, "password_confirm": "x" * 12},
                     token_from="/login").status_code == 410
    assert admin.id != coordinator.id
