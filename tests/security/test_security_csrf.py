"""CSRF: every POST route of the app, found in the URL map, refuses a request without a valid
token (400, the explanation page) and changes nothing in the database."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Role
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.security.helpers import text_of, url_for_rule
from tests.test_access import _urls, world  # noqa: F401  (the access matrix's objects, in scope)


def database_fingerprint() -> dict[str, str]:
    """A digest of every row of every table: any insert, update or delete changes it."""
    db.session.expire_all()
    digests = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            digests[table.name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return digests


def post_rules(app):
    return [rule for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule) if "POST" in rule.methods]


@pytest.mark.parametrize("role", [None, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN])
def test_every_post_without_a_token_is_refused_and_changes_nothing(app, world, role):  # noqa: F811
    client = app.test_client()
    if role is not None:
        login(client, world["users"][role].email, PASSWORD)
    # A token that is valid, but for another browser's session.
    stranger = app.test_client()
    foreign = csrf_token(stranger, "/login")
    before = database_fingerprint()
    checked = []
    for rule in post_rules(app):
        url = _urls(rule, world, True, role) if rule.arguments else url_for_rule(rule)
        form = {"email": "x@example.jp", "password": PASSWORD, "text": "書き換え", "title": "書き換え",
                "name": "書き換え", "reason": "取り消し", "lang": "en", "everyone": "1"}
        for data, headers in ((form, {}), ({**form, "csrf_token": foreign}, {}),
                              (form, {"X-CSRFToken": foreign}), ({**form, "csrf_token": ""}, {})):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code == 400, (role, url, response.status_code)
            assert "安全のため" in text_of(response), url
        checked.append(rule.rule)
    assert len(checked) >= 30, checked
    assert database_fingerprint() == before
    # The session is still usable afterwards: refusals do not log anyone out.
    if role is not None:
        assert client.get("/my").status_code == 200


def test_get_never_changes_state_on_the_logout_and_language_routes(app):
    """The two routes any page posts to refuse GET, so a link or an image cannot trigger them."""
    client = app.test_client()
    for url in ("/logout", "/language", "/my/preferences"):
        assert client.get(url).status_code in (404, 405), url
