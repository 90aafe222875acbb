"""Sessions: a new session at every login (nothing planted before survives), logout ends it, and
no `next` parameter anywhere can send a user to another site."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from app.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_trainee


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _decoded(app, value: str) -> dict:
    return dict(app.session_interface.get_signing_serializer(app).loads(value))


@pytest.fixture()
def trainee(app):
    user = make_trainee(email="t@example.jp")
    db.session.commit()
    return user


def _pupil_login(client):
    from app.models import OrganisationKind, SchoolClass
    from tests.factories import make_organisation

    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="ACDEFG")
    db.session.add(school_class)
    db.session.flush()
    make_trainee(email=None, school_class_id=school_class.id, pupil_number=7)
    db.session.commit()
    return post_form(client, "/pupil-login", {"class_code": "acd efg", "number": "7", "password": PASSWORD})


@pytest.mark.parametrize("entry", ["/login", "/pupil-login"])
def test_login_issues_a_new_session_and_drops_everything_from_before(app, trainee, entry):
    client = app.test_client()
    client.get(entry)
    before = _session_cookie(client)
    old = _decoded(app, before)
    assert "csrf_token" in old and "_user_id" not in old
    with client.session_transaction() as sess:
        sess["planted"] = "by-an-attacker"  # session fixation: a value set before login
    response = login(client, "t@example.jp", PASSWORD) if entry == "/login" else _pupil_login(client)
    assert response.status_code == 302
    after = _session_cookie(client)
    new = _decoded(app, after)
    assert after != before
    assert new.get("_user_id") and "planted" not in new
    assert new.get("csrf_token") != old["csrf_token"], "the CSRF secret must change with the login"
    # The cookie from before the login is not a logged-in session.
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/my").status_code == 302


def test_logout_clears_the_session(app, trainee):
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    post_form(client, "/logout", {}, token_from="/my")
    assert "_user_id" not in _decoded(app, _session_cookie(client))
    assert client.get("/my").status_code == 302


def test_password_reset_ends_every_other_session(app, trainee, outbox):
    phone = app.test_client()
    login(phone, "t@example.jp", PASSWORD)
    assert phone.get("/my").status_code == 200
    post_form(app.test_client(), "/reset", {"email": "t@example.jp"})
    link = next(line for line in outbox[-1].get_content().splitlines() if "/reset/" in line).strip()
    path = urlsplit(link).path
    laptop = app.test_client()
    post_form(laptop, path, {"password": "another-secret-77", "password_confirm": "another-secret-77"})
    assert laptop.get("/my").status_code == 200
    assert phone.get("/my").status_code == 302, "the old session still works after a password reset"


OFF_SITE = [
    "https://evil.example/", "http://evil.example", "//evil.example/", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "https:evil.example", "http:/evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", " //evil.example", "\t//evil.example", "/%2F%2Fevil.example",
    "%2F%2Fevil.example", "https://127.0.0.1@evil.example/", "//localhost@evil.example", "/\t/evil.example",
    "\u3000//evil.example",
]


def _stays_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost") and not location.startswith("//") \
        and "evil.example" not in parts.netloc and "\\" not in location


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_after_login_never_leaves_the_site(app, trainee, target):
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"csrf_token": token, "email": "t@example.jp", "password": PASSWORD})
    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_of_the_language_switch_and_preferences_never_leaves_the_site(app, trainee, target):
    client = app.test_client()
    token = csrf_token(client, "/")
    response = client.post("/language", data={"csrf_token": token, "lang": "en", "next": target})
    assert response.status_code == 302 and _stays_on_site(response.headers["Location"]), response.headers
    login(client, "t@example.jp", PASSWORD)
    token = csrf_token(client, "/my")
    response = client.post("/my/preferences", data={"csrf_token": token, "text_size": "normal", "next": target})
    assert response.status_code == 302 and _stays_on_site(response.headers["Location"]), response.headers


@pytest.mark.parametrize("target", OFF_SITE[:6])
def test_next_after_registration_never_leaves_the_site(app, target):
    client = app.test_client()
    token = csrf_token(client, "/register")
    response = client.post(f"/register?next={quote(target, safe='')}", data={
        "csrf_token": token, "display_name": "生駒 太郎", "email": "new@example.jp", "password": "a-good-secret-1",
        "password_confirm": "a-good-secret-1", "municipality_code": "292095"})
    assert response.status_code == 302
    assert _stays_on_site(response.headers["Location"]), response.headers["Location"]
