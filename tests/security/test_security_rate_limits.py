"""Rate limits on every door a guesser would knock on: login (adults and pupils), password reset
and invitation links, cohort join codes and certificate verification. Each is counted per client
address; the fourth try within the minute gets the 429 page with Retry-After."""
from __future__ import annotations

import io

import pytest

from app.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_trainee
from tests.security.helpers import text_of

LIMIT = "3 per minute"
SETTINGS = {"LOGIN_RATE_LIMIT": LIMIT, "RESET_RATE_LIMIT": LIMIT, "JOIN_RATE_LIMIT": LIMIT,
            "VERIFY_RATE_LIMIT": LIMIT}
TOKEN = "x" * 43


def _post(path: str, data: dict):
    def send(client, token: str):
        return client.post(path, data={"csrf_token": token, **data})
    return send


def _get(path: str):
    return lambda client, token: client.get(path)


DOORS = {
    "login": (_post("/login", {"email": "nobody@example.jp", "password": "wrong-password"}), "/login"),
    "pupil login": (_post("/pupil-login", {"class_code": "ACDEFG", "number": "1", "password": "wrong"}),
                    "/pupil-login"),
    "reset request": (_post("/reset", {"email": "nobody@example.jp"}), "/reset"),
    "reset link": (_post(f"/reset/{TOKEN}", {"password": "a-new-secret-1", "password_confirm": "a-new-secret-1"}),
                   "/login"),
    "invitation link": (_post(f"/invite/{TOKEN}", {"password": "a-new-secret-1",
                                                    "password_confirm": "a-new-secret-1"}), "/login"),
    "join code page": (_get("/join/WRONG-CODE"), "/login"),
    "verify form": (_post("/verify", {"code": "AAAA-BBBB-CCCC-DDDD"}), "/verify"),
    "verify link": (_get("/verify/AAAA-BBBB-CCCC-DDDD"), "/verify"),
    "verify by PDF": (lambda client, token: client.post("/verify/file", data={
        "csrf_token": token, "pdf": (io.BytesIO(b"%PDF-1.7 not a certificate"), "x.pdf")}), "/verify"),
}


@pytest.mark.parametrize("door", DOORS)
def test_the_fourth_try_in_a_minute_is_refused(app, make_app, door):
    send, token_page = DOORS[door]
    limited = make_app(**SETTINGS)
    client = limited.test_client()
    token = csrf_token(client, token_page)
    codes = [send(client, token).status_code for _ in range(3)]
    assert 429 not in codes, codes
    refused = send(client, token)
    assert refused.status_code == 429, door
    assert "しばらくお待ちください" in text_of(refused)
    assert int(refused.headers["Retry-After"]) > 0
    # Another address is counted on its own.
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert send(other, csrf_token(other, token_page)).status_code != 429


def test_joining_with_wrong_codes_is_limited_for_logged_in_users_too(app, make_app):
    make_trainee(email="t@example.jp")
    db.session.commit()
    client = make_app(**SETTINGS).test_client()
    login(client, "t@example.jp", PASSWORD)
    token = csrf_token(client, "/my")
    codes = [client.post("/my/cohorts/join", data={"csrf_token": token, "code": f"WRONG{n:03d}"}).status_code
             for n in range(4)]
    assert codes[:3] == [404, 404, 404] and codes[3] == 429


def test_correct_logins_are_not_blocked_by_someone_elses_guessing(app, make_app):
    """The limit is per address: a trainee at home is not locked out by a guesser elsewhere."""
    make_trainee(email="t@example.jp")
    db.session.commit()
    limited = make_app(**SETTINGS)
    guesser = limited.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "127.0.0.3"
    token = csrf_token(guesser, "/login")
    for _ in range(5):
        guesser.post("/login", data={"csrf_token": token, "email": "t@example.jp", "password": "guess"})
    assert login(limited.test_client(), "t@example.jp", PASSWORD).status_code == 302
