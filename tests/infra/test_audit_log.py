"""The audit log: every sensitive action is recorded; admins filter and export it; nothing in the
app can change or delete an event (and on PostgreSQL the database refuses it too)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import AuditEvent, Role, User
from app.services.certificates import issuing
from app.services.content import courses
from app.services.infra import audit
from app.services.learning import enrolling, progress
from tests import test_access
from tests.conftest import count_queries, csrf_token, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.test_access import FIXTURE_BUNDLE, _urls, routes

world = test_access.world  # the access matrix's objects, inside and outside each scope

MUTATING = re.compile(r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE)\s+\"?audit_event", re.I)


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sensitive_actions_are_all_recorded(app, admin_client):
    # Failed and successful logins.
    trainee = make_trainee(email="hanako@example.jp")
    db.session.commit()
    other = app.test_client()
    login(other, "hanako@example.jp", "wrong-password")
    login(other, "hanako@example.jp", PASSWORD)
    # Content published through the admin page.
    version = courses.import_path(db.session, FIXTURE_BUNDLE, actor=None,
                                  asset_url_for=lambda v, p: f"/content/{v}/{p}").version
    db.session.commit()
    post_form(admin_client, f"/admin/content/versions/{version.id}/publish", {},
              token_from=f"/admin/content/versions/{version.id}")
    # A certificate issued on completion, then revoked by the admin.
    db.session.expire_all()
    enrolment = enrolling.enrol(db.session, db.session.get(User, trainee.id), version.course)
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    cert = issuing.current_certificate(db.session, enrolment.id)
    post_form(admin_client, f"/admin/certificates/{cert.id}", {"reason": "誤って発行したため"})
    # Exports, a role change, and an account deletion.
    admin_client.get("/admin/statistics/export.xlsx")
    admin_client.get("/admin/audit.csv")
    colleague = make_trainee(email="colleague@example.jp")
    db.session.commit()
    post_form(admin_client, f"/admin/users/{colleague.id}/role", {"role": "coordinator"},
              token_from=f"/admin/users/{colleague.id}")
    post_form(other, "/my/delete", {"password": PASSWORD, "confirm": "y"})

    recorded = actions()
    for action in ("auth.login_failed", "auth.login", "content.publish", "certificate.issue", "certificate.revoke",
                   "export.statistics", "export.audit_log", "user.role_change", "user.delete_self"):
        assert action in recorded, action
    change = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role_change"))
    assert change.detail == {"old": "trainee", "new": "coordinator"} and change.target_id == str(colleague.id)


def test_filters_by_action_group_actor_and_dates(app, admin_client):
    hanako = make_trainee(email="hanako@example.jp")
    old = audit.record(db.session, "auth.login", actor_id=hanako.id)
    old.at = dt.datetime(2025, 4, 1, 1, tzinfo=dt.UTC)  # 10:00 in Japan
    audit.record(db.session, "export.participants", actor_id=hanako.id)
    audit.record(db.session, "certificate.revoke", actor_id=None, target_type="certificate", target_id=9)
    db.session.commit()

    def listed(query: str) -> str:
        page = admin_client.get(f"/admin/audit?{query}").get_data(as_text=True)
        return page[page.index("<tbody>"):page.index("</tbody>")]

    assert "export.participants" in listed("action=export.*") and "certificate.revoke" not in listed("action=export.*")
    by_email = listed("actor=hanako@example.jp")
    assert "export.participants" in by_email and "certificate.revoke" not in by_email
    until = listed(f"actor={hanako.id}&until=2025-04-01")
    assert "2025-04-01 10:00" in until and "export.participants" not in until
    since = listed("since=2025-04-02")
    assert "2025-04-01 10:00" not in since and "certificate.revoke" in since
    assert "export.participants" not in listed("actor=nobody@example.jp")
    assert "見つかりません" in admin_client.get("/admin/audit?actor=nobody@example.jp").get_data(as_text=True)
    assert admin_client.get("/admin/audit?since=not-a-date").status_code == 200


def test_pages_of_a_long_log(app, admin_client):
    for i in range(130):
        audit.record(db.session, "auth.login_failed", detail_number=i)
    db.session.commit()
    first = admin_client.get("/admin/audit?action=auth.login_failed").get_data(as_text=True)
    assert first.count("detail_number=") == 100
    more = re.search(r'href="(/admin/audit\?[^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = admin_client.get(more).get_data(as_text=True)
    assert second.count("detail_number=") == 30 and "detail_number=0<" in second


def test_csv_export_with_the_filters_and_recorded(app, admin_client):
    hanako = make_trainee(email="hanako@example.jp")
    audit.record(db.session, "export.participants", actor_id=hanako.id, rows=12)
    audit.record(db.session, "auth.login", actor_id=hanako.id, ip="=cmd|' /C calc'!A0")
    db.session.commit()
    response = admin_client.get("/admin/audit.csv?action=export.*")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "日時", "操作"]
    # The export is itself recorded before the file is written, so it lists itself too.
    assert [r[2] for r in rows[1:]] == ["export.participants", "export.audit_log"]
    assert rows[1][4] == "hanako@example.jp" and '"rows": 12' in rows[1][7]
    # A cell that Excel would run as a formula is written as text.
    everything = admin_client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=cmd|" in everything
    export = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export.audit_log")).all()
    assert len(export) == 2 and export[0].detail == {"format": "csv", "filter_action": "export.*"}


def test_no_route_changes_or_deletes_audit_events(app, world):
    """Every route, with every method it accepts, as an admin: the events before stay as they were."""
    db.session.commit()
    before = {e.id: (e.action, e.actor_id, e.target_id, e.detail, e.at)
              for e in db.session.scalars(sa.select(AuditEvent))}
    assert before
    client = app.test_client()
    login(client, world["users"][Role.ADMIN].email, PASSWORD)
    token = csrf_token(client, "/")
    with count_queries() as statements:
        for rule, _blueprint in routes(app):
            if rule.endpoint in ("auth.logout", "static"):
                continue
            url = _urls(rule, world, True, Role.ADMIN)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)
    assert not [s for s in statements if MUTATING.match(s)]
    db.session.expire_all()
    after = {e.id: (e.action, e.actor_id, e.target_id, e.detail, e.at)
             for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id.in_(before)))}
    assert after == before
    # And the admin blueprint has no route that could: only the page and the CSV, both GET.
    audit_rules = [r for r, _ in routes(app) if r.endpoint.startswith("admin.audit")]
    assert {r.rule for r in audit_rules} == {"/admin/audit", "/admin/audit.csv"}
    assert all(r.methods - {"HEAD", "OPTIONS"} == {"GET"} for r in audit_rules)


def test_postgresql_refuses_changes_to_the_audit_log(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (SQLite tests empty tables with DELETE)")
    make_organisation()
    event = audit.record(db.session, "auth.login", actor_id=1)
    db.session.commit()
    for statement in (sa.update(AuditEvent).where(AuditEvent.id == event.id).values(action="forged"),
                      sa.delete(AuditEvent).where(AuditEvent.id == event.id)):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "auth.login"


def test_long_csv_export_is_streamed_in_pieces(app, admin_client):
    """A long log is sent as it is read (batches of 1,000 events, pieces of 500 lines), not built in
    memory first; every event arrives once, in order."""
    hanako = make_trainee(email="hanako@example.jp")
    db.session.add_all([AuditEvent(action="auth.login", actor_id=hanako.id, detail={"n": n}) for n in range(2345)])
    db.session.commit()
    response = admin_client.get("/admin/audit.csv?action=auth.login")
    assert "Content-Length" not in response.headers  # sent as it was read, length unknown ahead
    pieces = list(response.response)
    assert len(pieces) > 4  # BOM, then one piece per 500 lines
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 1 + 2345 + 1  # header, the logins, the admin's own login
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
