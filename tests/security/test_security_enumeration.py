"""Nothing tells a known address (or pupil) from an unknown one (issue 13, item 5): the same answer
and the same work, counted rather than timed: one password-hash check of the same kind at login
and pupil login, one hash and one mail at registration, one mail at reset. Registration is
rate-limited like login. (An account whose hash is of an older kind answers with that kind until
its next log-in replaces it: README, "Security".)"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import passwords
from app.extensions import db
from app.models import OrganisationKind, SchoolClass, User
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.security.helpers import text_of

REGISTRATION = {"display_name": "生駒 太郎", "password": "a-good-secret-1", "password_confirm": "a-good-secret-1",
                "prefecture": "29", "municipality_code": "292095"}


def _kind(pwhash: str) -> str:
    return "argon2id" if pwhash.startswith(passwords.ARGON2_PREFIX) else pwhash.split("$", 1)[0]


@pytest.fixture()
def hash_work(monkeypatch):
    """Every password hash checked or made while the test runs: ('check' | 'make', kind). Everything
    goes through app.passwords (the model, accounts and pupils call it by module attribute)."""
    seen: list[tuple[str, str]] = []
    check, make = passwords.check_password, passwords.hash_password

    def counted_check(pwhash, password: str) -> bool:
        seen.append(("check", _kind(pwhash or "")))
        return check(pwhash, password)

    def counted_make(password: str) -> str:
        made = make(password)
        seen.append(("make", _kind(made)))
        return made

    monkeypatch.setattr(passwords, "check_password", counted_check)
    monkeypatch.setattr(passwords, "hash_password", counted_make)
    return seen


def _page_text(response) -> str:
    """The answer without what differs on every request (CSRF tokens)."""
    import re

    return re.sub(r'value="[^"]{20,}"', "", text_of(response))


def test_login_answers_and_works_the_same_for_known_unknown_and_deactivated_addresses(app, hash_work):
    make_trainee(email="known@example.jp")
    make_trainee(email="off@example.jp", is_active_account=False)
    db.session.commit()
    login(app.test_client(), "warm-up@example.jp", "x")  # a dummy hash may be made once, at the first unknown
    answers, work = {}, {}
    for email in ("known@example.jp", "unknown@example.jp", "off@example.jp"):
        client = app.test_client()
        hash_work.clear()
        response = login(client, email, "wrong-password" if email == "known@example.jp" else PASSWORD)
        answers[email] = (response.status_code, _page_text(response).replace(email, "@"))
        work[email] = list(hash_work)
    assert answers["known@example.jp"] == answers["unknown@example.jp"] == answers["off@example.jp"]
    assert "正しくありません" in answers["unknown@example.jp"][1]
    assert work["known@example.jp"] == work["unknown@example.jp"] == work["off@example.jp"], work
    assert len(work["known@example.jp"]) == 1 and work["known@example.jp"][0][0] == "check"


def test_pupil_login_works_the_same_whether_or_not_the_class_and_number_exist(app, hash_work):
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="ACDEFG")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, school_class_id=school_class.id, pupil_number=7)
    pupil.password_hash = passwords.hash_password("kumo-7-yama")  # as every pupil password is set today
    db.session.commit()
    post_form(app.test_client(), "/pupil-login", {"class_code": "WARMUP", "number": "1", "password": "x"})
    answers, work = [], []
    for code, number in (("ACDEFG", "7"), ("ACDEFG", "8"), ("ZZZZZZ", "7")):
        client = app.test_client()
        hash_work.clear()
        response = post_form(client, "/pupil-login", {"class_code": code, "number": number, "password": "wrong"})
        answers.append((response.status_code,
                        _page_text(response).replace(code, "?").replace(f'value="{number}"', "")))
        work.append(list(hash_work))
    assert answers[0] == answers[1] == answers[2]
    assert work[0] == work[1] == work[2] == [("check", "argon2id")], work


def test_registration_answers_the_same_for_a_taken_address_and_mails_its_owner(app, outbox, hash_work):
    first = make_trainee(email="taken@example.jp", name="最初の人")
    db.session.commit()
    answers, work = {}, {}
    for email in ("taken@example.jp", "new@example.jp"):
        client = app.test_client()
        hash_work.clear()
        response = post_form(client, "/register", {**REGISTRATION, "email": email})
        answers[email] = (response.status_code, response.headers.get("Location"),
                          _page_text(client.get(response.headers["Location"])))
        work[email] = list(hash_work)
    assert answers["taken@example.jp"] == answers["new@example.jp"]
    assert "すでに登録されています" not in answers["taken@example.jp"][2]
    assert "確認のメール" in answers["taken@example.jp"][2]
    assert work["taken@example.jp"] == work["new@example.jp"], work
    # One mail each; the owner of the taken address learns it has an account (and how to log in).
    assert [m["To"] for m in outbox] == ["taken@example.jp", "new@example.jp"]
    assert "アカウントはすでにあります" in outbox[0].get_content() and "/login" in outbox[0].get_content()
    db.session.refresh(first)
    assert first.display_name == "最初の人" and first.check_password(PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_reset_answers_and_mails_the_same_for_known_and_unknown_addresses(app, outbox):
    make_trainee(email="known@example.jp")
    db.session.commit()
    answers = {}
    for email in ("known@example.jp", "unknown@example.jp"):
        client = app.test_client()
        response = post_form(client, "/reset", {"email": email})
        answers[email] = (response.status_code, response.headers.get("Location"),
                          _page_text(client.get(response.headers["Location"])))
    assert answers["known@example.jp"] == answers["unknown@example.jp"]
    # The same work: one mail to the address either way (a link only for the account's owner).
    assert [m["To"] for m in outbox] == ["known@example.jp", "unknown@example.jp"]
    assert "/reset/" in outbox[0].get_content() and "/reset/" not in outbox[1].get_content()


def test_registration_is_rate_limited_like_login(app, make_app):
    limited = make_app(REGISTER_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    token = csrf_token(client, "/register")
    codes = [client.post("/register", data={"csrf_token": token, **REGISTRATION,
                                            "email": f"r{n}@example.jp"}).status_code for n in range(4)]
    assert codes[:3] == [302, 302, 302] and codes[3] == 429, codes
    # Listing the municipalities of a prefecture (the form without JavaScript) is not an attempt.
    listing = client.post("/register", data={"csrf_token": token, "prefecture": "29", "show_municipalities": "1"})
    assert listing.status_code == 200


def test_registration_has_a_limit_by_default(app):
    assert app.config["REGISTER_RATE_LIMIT"]
