"""Passwords are hashed with argon2id (OWASP: m=19 MiB, t=2, p=1); older scrypt and pbkdf2 hashes still
verify and are replaced at the next successful log-in, for adults and pupils; a failed one changes nothing."""
from __future__ import annotations

from werkzeug import security

from app import passwords
from app.extensions import db
from app.models import OrganisationKind, SchoolClass
from app.services.accounts import accounts, pupils
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_organisation, make_trainee

ARGON2_OWASP = "$argon2id$v=19$m=19456,t=2,p=1$"


def _pupil(password: str, method: str = "pbkdf2:sha256:200000"):
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="ACDEFG")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, school_class_id=school_class.id, pupil_number=7)
    pupil.password_hash = security.generate_password_hash(password, method=method)
    db.session.commit()
    return pupil


def test_new_hashes_are_argon2id_with_owasp_parameters(app):
    user = accounts.register_trainee(db.session, email="new@example.jp", display_name="新人",
                                     password="a-good-secret-1", municipality_code="292095")
    assert user.password_hash.startswith(ARGON2_OWASP)
    assert user.check_password("a-good-secret-1") and not user.check_password("a-good-secret-2")
    pupil = _pupil("old-pass-1")
    pupils.new_password(db.session, pupil, make_admin())
    assert pupil.password_hash.startswith(ARGON2_OWASP)


def test_an_old_scrypt_hash_verifies_and_is_upgraded_at_log_in(app):
    user = make_trainee(email="old@example.jp")
    user.password_hash = security.generate_password_hash(PASSWORD)  # werkzeug's scrypt, as before
    db.session.commit()
    assert user.password_hash.startswith("scrypt:")
    response = login(app.test_client(), "old@example.jp", PASSWORD)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith(ARGON2_OWASP)
    assert user.check_password(PASSWORD)
    # Logging in again keeps the same hash: nothing is rehashed once it is current.
    upgraded = user.password_hash
    assert accounts.authenticate(db.session, "old@example.jp", PASSWORD) is user
    assert user.password_hash == upgraded


def test_a_wrong_password_does_not_upgrade_an_old_hash(app):
    user = make_trainee(email="old@example.jp")
    old = user.password_hash = security.generate_password_hash(PASSWORD)
    db.session.commit()
    assert accounts.authenticate(db.session, "old@example.jp", "not-the-password") is None
    assert user.password_hash == old


def test_a_deactivated_account_is_not_upgraded_even_with_the_right_password(app):
    user = make_trainee(email="off@example.jp", is_active_account=False)
    old = user.password_hash = security.generate_password_hash(PASSWORD)
    db.session.commit()
    assert accounts.authenticate(db.session, "off@example.jp", PASSWORD) is None
    assert user.password_hash == old


def test_a_pupils_pbkdf2_hash_verifies_and_is_upgraded_only_by_the_right_password(app):
    pupil = _pupil("kumo-7-yama")
    old = pupil.password_hash
    wrong = post_form(app.test_client(), "/pupil-login", {"class_code": "ACDEFG", "number": "7", "password": "umi-7"})
    assert wrong.status_code == 200
    db.session.refresh(pupil)
    assert pupil.password_hash == old
    right = post_form(app.test_client(), "/pupil-login", {"class_code": "ACDEFG", "number": "7",
                                                          "password": "kumo-7-yama"})
    assert right.status_code == 302
    db.session.refresh(pupil)
    assert pupil.password_hash.startswith(ARGON2_OWASP)
    assert pupil.check_password("kumo-7-yama")


def test_hostile_hashes_and_passwords_are_refused_not_raised(app):
    assert not passwords.check_password(None, "x")
    assert not passwords.check_password("", "x")
    assert not passwords.check_password("$argon2id$garbage", "x")
    good = passwords.hash_password("パスワード\u202e\x00")
    assert passwords.check_password(good, "パスワード\u202e\x00")
    assert not passwords.check_password(good, "パスワード\u202e")
    # argon2id tells a trailing NUL apart (Python's hashlib.scrypt, under werkzeug's old hashes, does not).
    assert not passwords.check_password(passwords.hash_password("abc"), "abc\x00")
    assert passwords.needs_rehash("$argon2id$garbage") and passwords.needs_rehash(None)
    weaker = "$argon2id$v=19$m=8192,t=1,p=1$" + good.rsplit("$", 2)[1] + "$" + good.rsplit("$", 1)[1]
    assert passwords.needs_rehash(weaker) and not passwords.needs_rehash(good)
