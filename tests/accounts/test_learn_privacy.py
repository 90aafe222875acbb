"""Privacy: nobody but the author reads a reflection or an attempt; my data; account deletion."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditEvent,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    Reflection,
    Role,
    SurveyResponse,
    User,
)
from app.services.learning import enrolling, progress, quizzes, reflections, surveys
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_coordinator, make_organisation, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, right_answers, wrong_answers
from tests.security.helpers import fill_any_converters

SECRET = "だれにも言えない気持ち"


def _world():
    version = publish_bundle(FIXTURES / "valid-adult")
    org = make_organisation(municipality="292095")
    author = make_trainee(email="author@example.jp", name="作者 花子")
    others = {
        "trainee": make_trainee(email="neighbour@example.jp"),
        "coordinator": make_coordinator(org, email="coord@example.jp"),
        "admin": make_admin(email="admin@example.jp"),
    }
    enrolment = enrolling.enrol(db.session, author, version.course)
    reflections.save_reflection(db.session, enrolment, version, "hajimeni", SECRET)
    for lesson in version.lessons:
        progress.complete_lesson(db.session, enrolment, version, lesson.key)
    first = quizzes.start_attempt(db.session, enrolment, version)
    quizzes.submit_attempt(db.session, enrolment, first.id, first.token, wrong_answers(version))
    for user in others.values():
        enrolling.enrol(db.session, user, version.course)
    db.session.commit()
    return version, author, others, enrolment, first


def _get_urls(app, version, attempt_id: int):
    """Every GET route of the app, parameters filled with the author's objects."""
    values = {"slug": version.course.slug, "key": "hajimeni", "attempt_id": attempt_id, "version_id": version.id,
              "path": "images/sign.png"}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = fill_any_converters(rule, {a: values.get(a, 1) for a in rule.arguments})
        yield rule.build(args)[1]


def test_reflections_and_attempts_are_visible_to_their_author_only(app):
    version, author, others, enrolment, attempt = _world()
    mine = app.test_client()
    login(mine, "author@example.jp", PASSWORD)
    assert SECRET in mine.get(f"/courses/{version.course.slug}/lessons/hajimeni").get_data(as_text=True)
    assert mine.get(f"/courses/{version.course.slug}/quiz/{attempt.id}").status_code == 200
    for role, user in others.items():
        client = app.test_client()
        login(client, user.email, PASSWORD)
        # The author's attempt: 404 for everyone else, admins included.
        assert client.get(f"/courses/{version.course.slug}/quiz/{attempt.id}").status_code == 404, role
        for url in _get_urls(app, version, attempt.id):
            body = client.get(url).get_data()
            assert SECRET.encode() not in body, (role, url)


def test_my_data_contains_mine_and_not_others(app):
    version, author, others, enrolment, attempt = _world()
    neighbour = others["trainee"]
    other_enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == neighbour.id))
    reflections.save_reflection(db.session, other_enrolment, version, "hajimeni", "隣の人の答え")
    db.session.commit()
    client = app.test_client()
    login(client, "author@example.jp", PASSWORD)
    page = client.get("/my/data").get_data(as_text=True)
    assert SECRET in page and "隣の人の答え" not in page and "author@example.jp" in page
    response = client.get("/my/data.json")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "author@example.jp"
    (course,) = data["enrolments"]
    assert course["reflections"][0]["text"] == SECRET
    assert [a["score"] for a in course["quiz_attempts"]] == [0]
    assert "隣の人の答え" not in response.get_data(as_text=True)
    assert "neighbour@example.jp" not in response.get_data(as_text=True)
    raw = client.get("/my/data.csv").get_data(as_text=True)
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert rows[0] == ["区分", "講座", "項目", "内容", "日時"]
    assert ["reflection", version.course.slug, "hajimeni"] == rows[[r[3] for r in rows].index(SECRET)][:3]
    assert "隣の人の答え" not in raw


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_each_my_data_download_is_one_audit_event_without_the_data(app, fmt):
    version, author, others, enrolment, attempt = _world()
    client = app.test_client()
    login(client, "author@example.jp", PASSWORD)
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    client.get("/my/data")  # looking at the page is not a download
    assert client.get(f"/my/data.{fmt}").status_code == 200
    db.session.expire_all()
    (event,) = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before))
    assert (event.action, event.actor_id, event.target_type, event.target_id) == (
        "export.my_data", author.id, "user", str(author.id))
    assert event.detail == {"format": fmt}
    stored = json.dumps([event.action, event.target_id, event.ip, event.detail], ensure_ascii=False)
    assert SECRET not in stored and "author@example.jp" not in stored and "作者" not in stored
    # A second download is a second event.
    client.get(f"/my/data.{fmt}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "export.my_data", AuditEvent.actor_id == author.id)) == 2
    # Admins find it among the exports, with its label.
    admin = app.test_client()
    login(admin, "admin@example.jp", PASSWORD)
    row = '<td>書き出し：わたしのデータ（本人）<span class="meta">export.my_data</span></td>'
    assert admin.get("/admin/audit?action=export.*").get_data(as_text=True).count(row) == 2
    assert admin.get("/admin/audit?action=export.my_data").get_data(as_text=True).count(row) == 2


def test_account_deletion(app):
    version, author, others, enrolment, attempt = _world()
    second = quizzes.start_attempt(db.session, enrolment, version)
    quizzes.submit_attempt(db.session, enrolment, second.id, second.token, right_answers(version))
    surveys.submit_survey(db.session, enrolment, version, {"s1": "4", "s2": "1"})
    db.session.commit()
    assert enrolment.is_completed
    author_id = author.id
    client = app.test_client()
    login(client, "author@example.jp", PASSWORD)
    page = client.get("/my/delete").get_data(as_text=True)
    assert "印刷されたお名前のまま" in page and "主催者" in page
    # Without the check box, or with a wrong password: nothing happens.
    response = post_form(client, "/my/delete", {"password": PASSWORD})
    assert response.status_code == 200 and "チェックを入れてください" in response.get_data(as_text=True)
    response = post_form(client, "/my/delete", {"password": "wrong-password", "confirm": "y"})
    assert "パスワードが正しくありません" in response.get_data(as_text=True)
    assert db.session.get(User, author.id) is not None
    response = post_form(client, "/my/delete", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, author_id) is None
    for model in (Reflection, LessonProgress, QuizAttempt):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                             .where(Enrolment.user_id == author_id)) == 0
    # Other people's enrolments stay; the anonymous survey answer stays in the totals.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "user.delete_self")) \
        == author_id
    # Logged out, and the account cannot log in again.
    assert client.get("/my").status_code == 302
    response = login(app.test_client(), "author@example.jp", PASSWORD)
    assert "正しくありません" in response.get_data(as_text=True)


def test_staff_cannot_delete_themselves_here(app):
    _world()
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    response = post_form(client, "/my/delete", {"password": PASSWORD, "confirm": "y"}, token_from="/my")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User).where(User.email == "coord@example.jp")).role is Role.COORDINATOR
