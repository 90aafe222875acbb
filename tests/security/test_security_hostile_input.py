"""Hostile input gets an answer from the app, never a 500: a body over MAX_UPLOAD_MB gets the app's
413 page (issue 13 item 8); NUL bytes anywhere and integers the database cannot hold get 400, or
404 for an id in a path (item 9). One guard covers them all (app/request_guard.py)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from app.extensions import db
from app.models import AuditEvent, Cohort, Reflection
from app.services.infra import audit
from app.services.learning import enrolling
from tests.cohort_helpers import default_course, make_cohort
from tests.conftest import coordinator_client, csrf_token, login
from tests.factories import PASSWORD, make_trainee
from tests.security.helpers import rules, text_of, url_for_rule

BIG_INTS = [2**31, 2**63]  # PostgreSQL's integer, SQLite's (and bigint's) limit


# --- item 8: too large ---------------------------------------------------------------------------------

@pytest.fixture()
def small(app, make_app):
    return make_app(MAX_CONTENT_LENGTH=4096)


def test_a_form_over_the_limit_gets_the_apps_413_page(small):
    response = small.test_client().post("/login", data={"email": "x" * 10_000, "password": "p"})
    assert response.status_code == 413 and "大きすぎます" in text_of(response)


def test_an_upload_over_the_limit_gets_the_apps_413_page(small):
    client = small.test_client()
    response = client.post("/verify/file", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/verify"), "pdf": (io.BytesIO(b"%PDF-1.7" + b"x" * 10_000), "c.pdf")})
    assert response.status_code == 413 and "大きすぎます" in text_of(response)


def test_a_logged_in_page_over_the_limit_still_renders_its_413_page(app, small):
    """The page's own forms (the logout button) must not read the refused body again."""
    make_trainee(email="t@example.jp")
    db.session.commit()
    client = small.test_client()
    login(client, "t@example.jp", PASSWORD)
    response = client.post("/my/preferences", data={"next": "x" * 10_000})
    assert response.status_code == 413 and "大きすぎます" in text_of(response)


# --- item 9: NUL bytes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/api/municipalities?q=%00", "/api/municipalities?q=%E7%94%9F%E9%A7%92%00",
    "/verify/AAAA-BBBB-CCCC-DDD%00", "/join/ABCD-%00", "/join?code=ABCD%00EF", "/courses/tsunagari-adult%00",
])
def test_nul_in_a_query_or_path_is_refused(client, url):
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("header", ["User-Agent", "X-Forwarded-For", "Accept-Language"])
def test_nul_in_a_header_is_refused(app, make_app, header):
    """The User-Agent is stored with each login, the forwarded address in the audit log."""
    make_trainee(email="t@example.jp")
    db.session.commit()
    behind_proxy = make_app(PROXY_COUNT=1).test_client()
    token = csrf_token(behind_proxy, "/login")
    response = behind_proxy.post("/login", headers={header: "192.0.2.1\x00"},
                                 data={"csrf_token": token, "email": "t@example.jp", "password": PASSWORD})
    assert response.status_code == 400


def test_the_api_answers_json_for_nul(client):
    response = client.get("/api/municipalities?q=%00")
    assert response.status_code == 400 and response.get_json() == {"error": 400}


@pytest.mark.parametrize("url, data", [
    ("/login", {"email": "a\x00@example.jp", "password": "secret-password"}),
    ("/reset", {"email": "victim@example.jp\x00"}),
    ("/verify", {"code": "AAAA-BBBB\x00"}),
    ("/register", {"display_name": "山田\x00花子", "email": "h@example.jp", "password": "a-long-password-1",
                   "password_confirm": "a-long-password-1", "municipality_code": "292095"}),
    ("/login", {"email\x00": "a@example.jp"}),  # in a field's name too
])
def test_nul_in_a_public_form_is_refused(client, url, data):
    token = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": token, **data}).status_code == 400


def test_nul_in_a_reflection_is_refused_and_nothing_is_stored(app, client):
    course = default_course()
    user = make_trainee(email="t@example.jp")
    enrolling.enrol(db.session, user, course)
    db.session.commit()
    lesson = next(lesson for lesson in enrolling.live_version(db.session, course).lessons
                  if lesson.reflection_prompt_html)
    login(client, "t@example.jp", PASSWORD)
    page = f"/courses/{course.slug}/lessons/{lesson.key}"
    response = client.post(f"{page}/reflection", data={"csrf_token": csrf_token(client, page), "text": "気づく\x00"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) == 0


def test_nul_in_a_cohort_title_is_refused(app, ikoma, course):
    client = coordinator_client(app, ikoma, "c2@example.jp")
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "course_id": str(course.id),
                                      "title": "第1回\x00", "mode": "on_demand"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_the_audit_csv_refuses_a_bad_filter_before_sending_a_byte(app, admin_client):
    audit.record(db.session, "auth.login", actor_id=None)
    db.session.commit()
    exports_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for query in ("actor=%00", "actor=%23" + str(2**31), "actor=" + str(2**63), "action=auth.%00"):
        response = admin_client.get(f"/admin/audit.csv?{query}")
        assert response.status_code == 400, query
        assert "text/csv" not in response.content_type, query
    # Nothing was exported, so no export event either.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == exports_before


def test_the_audit_page_shows_an_account_number_out_of_range_as_a_form_error(admin_client):
    response = admin_client.get(f"/admin/audit?actor={2**31}")
    assert response.status_code == 200 and "アカウント番号が正しくありません" in text_of(response)


# --- item 9: integers out of range ---------------------------------------------------------------------

@pytest.mark.parametrize("big", BIG_INTS)
def test_a_page_number_out_of_range_is_refused(app, ikoma, course, big):
    cohort = make_cohort(ikoma, course)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    base = f"/coordinate/organisations/{ikoma.id}"
    assert client.get(f"{base}/certificates?page={big}").status_code == 400
    assert client.get(f"{base}/cohorts/{cohort.id}?page={big}").status_code == 400
    assert client.get(f"{base}/certificates?page=2").status_code == 200  # ordinary numbers still work


@pytest.mark.parametrize("big", BIG_INTS)
def test_an_audit_position_out_of_range_is_refused(admin_client, big):
    assert admin_client.get(f"/admin/audit?before={big}").status_code == 400
    assert admin_client.get("/admin/audit?before=5").status_code == 200


@pytest.mark.parametrize("big", BIG_INTS)
def test_a_form_list_of_ids_out_of_range_is_refused(app, ikoma, course, big):
    cohort = make_cohort(ikoma, course)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/attendance"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "enrolment_id": ["1", str(big)]})
    assert response.status_code == 400


@pytest.mark.parametrize("big", BIG_INTS)
def test_every_route_with_an_id_in_its_path_answers_404_for_an_id_out_of_range(app, admin_client, big):
    """Every `<int:...>` of every GET route, for an admin (who passes the blueprint guards)."""
    failures = []
    for rule, _ in rules(app, "GET"):
        ints = [arg for arg in rule.arguments if isinstance(rule._converters.get(arg), IntegerConverter)]
        if not ints:
            continue
        url = url_for_rule(rule, dict.fromkeys(ints, big))
        status = admin_client.get(url).status_code
        if status != 404:
            failures.append((url, status))
    assert not failures, failures
