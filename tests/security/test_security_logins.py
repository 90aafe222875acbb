"""Logins end for good (issue 13, item 2): each login is a server-side record, and a cookie of an
ended login, whether the session cookie or the remember-me cookie, copied or not, is no one.
Logout ends this device's login; "log out everywhere", a new password, a reset, an accepted
invitation and an admin's deactivation end the others; pupils' logins and the lesson-page cache
obey the same record."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OrganisationKind, SchoolClass, User
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_organisation, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle

REMEMBER = "remember_token"  # Flask-Login's cookie


@pytest.fixture()
def trainee(app):
    user = make_trainee(email="t@example.jp")
    db.session.commit()
    return user


def _remembered_login(app):
    client = app.test_client()
    response = post_form(client, "/login", {"email": "t@example.jp", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER), "the remember-me cookie was not set"
    return client


def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _browser_with(app, **cookies):
    """A new browser holding only the given cookies (copied from another one)."""
    client = app.test_client()
    for name, value in cookies.items():
        if value:
            client.set_cookie(name, value)
    return client


def _logged_in(client) -> bool:
    return client.get("/my").status_code == 200


def test_logout_ends_a_remembered_login_on_that_device(app, trainee):
    client = _remembered_login(app)
    assert _logged_in(client)
    remembered, session_cookie = _cookie(client, REMEMBER), _cookie(client, "session")
    post_form(client, "/logout", {}, token_from="/my")
    assert not _logged_in(client), "still logged in after logout (the remember-me cookie survived)"
    # Copies of the cookies taken before the logout are refused too: the login itself has ended.
    assert not _logged_in(_browser_with(app, remember_token=remembered))
    assert not _logged_in(_browser_with(app, session=session_cookie))
    from app.models import LoginSession

    assert db.session.scalar(sa.select(LoginSession.ended_at)) is not None


def test_a_copied_session_cookie_stops_working_at_logout(app, trainee):
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    copy = _browser_with(app, session=_cookie(client, "session"))
    assert _logged_in(copy)
    post_form(client, "/logout", {}, token_from="/my")
    assert not _logged_in(copy), "a copied session cookie still works after logout"


def test_log_out_everywhere_is_offered_on_the_account_page_and_ends_every_login(app, trainee):
    library_pc = _remembered_login(app)
    left_behind = _cookie(library_pc, REMEMBER)
    phone = app.test_client()
    login(phone, "t@example.jp", PASSWORD)
    page = phone.get("/my").get_data(as_text=True)
    assert 'action="/account/logout-everywhere"' in page and "他の端末からもログアウト" in page
    # A state change: refused without the form's CSRF token.
    assert phone.post("/account/logout-everywhere").status_code == 400
    assert _logged_in(library_pc)
    response = post_form(phone, "/account/logout-everywhere", {}, token_from="/my")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _logged_in(phone)
    assert not _logged_in(library_pc)
    assert not _logged_in(_browser_with(app, remember_token=left_behind))
    # Logging in again afterwards works as usual.
    login(phone, "t@example.jp", PASSWORD)
    assert _logged_in(phone)


def test_password_change_ends_other_logins_and_starts_a_fresh_one_here(app, trainee):
    other = _remembered_login(app)
    left_behind = _cookie(other, REMEMBER)
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    before = _cookie(client, "session")
    post_form(client, "/account/password", {"current": PASSWORD, "password": "a-new-secret-77",
                                            "password_confirm": "a-new-secret-77"})
    assert _logged_in(client)
    assert not _logged_in(other)
    assert not _logged_in(_browser_with(app, remember_token=left_behind))
    assert not _logged_in(_browser_with(app, session=before)), "the session from before the change still works"


def test_reset_ends_a_remembered_login_too(app, trainee, outbox):
    other = _remembered_login(app)
    left_behind = _cookie(other, REMEMBER)
    post_form(app.test_client(), "/reset", {"email": "t@example.jp"})
    link = next(line for line in outbox[-1].get_content().splitlines() if "/reset/" in line).strip()
    post_form(app.test_client(), urlsplit(link).path, {"password": "another-secret-77",
                                                        "password_confirm": "another-secret-77"})
    assert not _logged_in(_browser_with(app, remember_token=left_behind))


def test_deactivation_by_an_admin_ends_every_login_and_reactivation_does_not_revive_them(app, trainee, admin_client):
    other = _remembered_login(app)
    left_behind = _cookie(other, REMEMBER)
    user_id = trainee.id
    post_form(admin_client, f"/admin/users/{user_id}/deactivate", {}, token_from=f"/admin/users/{user_id}")
    db.session.expire_all()
    assert not db.session.get(User, user_id).is_active_account
    assert not _logged_in(other)
    post_form(admin_client, f"/admin/users/{user_id}/reactivate", {}, token_from=f"/admin/users/{user_id}")
    db.session.expire_all()
    assert db.session.get(User, user_id).is_active_account
    assert not _logged_in(_browser_with(app, remember_token=left_behind))


def test_an_old_style_id_or_a_guessed_one_is_no_one(app, trainee):
    """The id Flask-Login keeps is a random token, not the user's number."""
    client = app.test_client()
    for guess in (f"{trainee.id}:1", str(trainee.id), "x" * 43):
        with client.session_transaction() as sess:
            sess["_user_id"] = guess
            sess["_fresh"] = True
        assert not _logged_in(client), guess


def test_a_pupils_login_ends_at_logout_on_a_shared_school_pc(app):
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="ACDEFG")
    db.session.add(school_class)
    db.session.flush()
    make_trainee(email=None, school_class_id=school_class.id, pupil_number=7)
    db.session.commit()
    client = app.test_client()
    response = post_form(client, "/pupil-login", {"class_code": "ACDEFG", "number": "7", "password": PASSWORD})
    assert response.status_code == 302
    home = "/my"
    copy = _browser_with(app, session=_cookie(client, "session"))
    assert copy.get(home).status_code == 200
    post_form(client, "/logout", {}, token_from=home)
    assert client.get(home).status_code == 302
    assert copy.get(home).status_code == 302, "a pupil's copied session cookie still works after logout"


def test_a_new_password_from_the_teacher_ends_the_pupils_logins(app):
    from app.services.accounts import pupils

    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="ACDEFG")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, school_class_id=school_class.id, pupil_number=7)
    teacher = make_admin(email="teacher@example.jp")
    db.session.commit()
    client = app.test_client()
    post_form(client, "/pupil-login", {"class_code": "ACDEFG", "number": "7", "password": PASSWORD})
    assert _logged_in(client)
    pupils.new_password(db.session, pupil, teacher)
    db.session.commit()
    assert not _logged_in(client)


def test_the_lesson_page_cache_refuses_an_ended_login(app, trainee):
    slug = publish_bundle(FIXTURES / "valid-adult").course.slug
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    url = f"/courses/{slug}/lessons/hajimeni"
    client.get(url)
    client.get("/my")
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache
    copy = _browser_with(app, session=_cookie(client, "session"))
    assert copy.get(url).status_code == 200
    post_form(client, "/logout", {}, token_from="/my")
    response = copy.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_logins_are_records_too(app):
    make_admin(email="a@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "a@example.jp", PASSWORD)
    copy = _browser_with(app, session=_cookie(client, "session"))
    assert copy.get("/admin/").status_code == 200
    post_form(client, "/logout", {}, token_from="/admin/")
    assert copy.get("/admin/").status_code == 302
