"""Links that leave the site come from BASE_URL, never from the Host header a client sent; in
production a request for another host is refused (issue 13 item 1)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from app.models import OrganisationKind, SchoolClass
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_admin, make_coordinator, make_organisation, make_trainee
from tests.security.helpers import text_of

PUBLIC = "https://lms.example.jp"
EVIL = "evil.example"
APP_DIR = Path(__file__).resolve().parents[2] / "app"


def _links(message) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", message.get_content())


@pytest.fixture()
def site(app, make_app):
    """The app deployed at PUBLIC, reached by its test client under the attacker's host name (in
    development every Host is answered), with an outbox."""
    outbox: list = []
    return make_app(BASE_URL=PUBLIC, SERVER_NAME=EVIL, MAIL_OUTBOX=outbox), outbox


def test_a_reset_link_asked_for_through_another_host_points_at_base_url(site):
    site_app, outbox = site
    make_trainee(email="victim@example.jp")
    db.session.commit()
    client = site_app.test_client()
    token = csrf_token(client, "/reset")
    client.post("/reset", data={"csrf_token": token, "email": "victim@example.jp"})
    links = [link for link in _links(outbox[-1]) if "/reset/" in link]
    assert links and all(link.startswith(f"{PUBLIC}/reset/") for link in links), links
    assert EVIL not in outbox[-1].get_content()


def test_an_admins_invitation_sent_through_another_host_points_at_base_url(site):
    site_app, outbox = site
    make_admin(email="admin@example.jp")
    org = make_organisation(name="生駒市")
    db.session.commit()
    client = site_app.test_client()
    login(client, "admin@example.jp", PASSWORD)
    page = f"/admin/organisations/{org.id}"
    client.post(f"{page}/invite", data={
        "csrf_token": csrf_token(client, page), "display_name": "担当 花子", "email": "new@example.jp"})
    assert outbox and outbox[-1]["To"] == "new@example.jp"
    links = [link for link in _links(outbox[-1]) if "/invite/" in link]
    assert links and all(link.startswith(f"{PUBLIC}/invite/") for link in links), links
    assert EVIL not in outbox[-1].get_content()


def test_the_pupils_login_address_on_the_class_page_is_base_url(site):
    site_app, _ = site
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    make_coordinator(school, email="teacher@example.jp")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="HOSTS6")
    db.session.add(school_class)
    db.session.commit()
    url = f"/coordinate/organisations/{school.id}/classes/{school_class.id}"
    client = site_app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    page = text_of(client.get(url))
    assert f"{PUBLIC}/pupil-login" in page and EVIL not in page


def test_no_absolute_url_is_built_from_the_request():
    """Every absolute link goes through app/urls.py (BASE_URL): none from the Host header."""
    pattern = re.compile(r"(?<!\w)_external\s*=\s*True|request\.(host_url|url_root|host\b|base_url|url\b)")
    found = [f"{path.relative_to(APP_DIR)}:{n}: {line.strip()}"
             for path in APP_DIR.rglob("*") if path.suffix in {".py", ".html", ".txt"}
             and path.name != "request_guard.py"  # reads the Host only to refuse it
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not found, found


# --- production: one host -----------------------------------------------------------------------------

@pytest.fixture()
def production(app, make_app):
    return make_app(APP_ENV="production", SECRET_KEY="s" * 40, BASE_URL=PUBLIC, ALLOWED_HOSTS=["www.example.jp"])


@pytest.mark.parametrize("host", [EVIL, "127.0.0.1:8000", "lms.example.jp.evil.example", "example.jp"])
def test_production_refuses_requests_for_another_host(production, host):
    client = production.test_client()
    assert client.get("/", headers={"Host": host}).status_code == 400
    refused = client.post("/reset", data={"email": "victim@example.jp"}, headers={"Host": host})
    assert refused.status_code == 400
    assert "うまくいきませんでした" in text_of(refused)  # the app's own page, not a bare error


@pytest.mark.parametrize("host", ["lms.example.jp", "LMS.example.jp", "lms.example.jp:443", "www.example.jp"])
def test_production_answers_its_own_hosts(production, host):
    assert production.test_client().get("/", headers={"Host": host}).status_code == 200


def test_the_health_check_answers_whatever_address_the_load_balancer_uses(production):
    assert production.test_client().get("/healthz", headers={"Host": "10.0.0.5:8000"}).status_code == 200


def test_production_refuses_to_start_without_its_public_address(make_app):
    with pytest.raises(RuntimeError, match="BASE_URL"):
        make_app(APP_ENV="production", SECRET_KEY="s" * 40, BASE_URL="http://127.0.0.1:5000")
    with pytest.raises(RuntimeError, match="BASE_URL"):
        make_app(APP_ENV="production", SECRET_KEY="s" * 40, BASE_URL="lms.example.jp")


def test_external_url_works_outside_a_request_and_keeps_a_path_prefix(make_app):
    from app.urls import external_url

    prefixed = make_app(BASE_URL="https://city.example.jp/lms/")
    with prefixed.app_context():
        assert external_url("auth.reset_password", token="abc") == "https://city.example.jp/lms/reset/abc"
        assert external_url("public.verify", code="AAAA-BBBB") == "https://city.example.jp/lms/verify/AAAA-BBBB"
