"""Admin pages for accounts and organisations: role changes, deactivation with a confirmation
step, organisation edits and search; every change in the audit log."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Membership, OrganisationKind, Role, SchoolClass, User
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_coordinator, make_organisation, make_trainee


@pytest.fixture()
def admin(app):
    user = make_admin(email="admin@example.jp")
    db.session.commit()
    return user


@pytest.fixture()
def admin_client(app, admin):
    client = app.test_client()
    login(client, "admin@example.jp", PASSWORD)
    return client


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_user_page_shows_the_account_and_its_recent_events(admin_client):
    hanako = make_trainee(email="hanako@example.jp", name="山田 花子")
    db.session.commit()
    login(admin_client.application.test_client(), "hanako@example.jp", PASSWORD)
    listing = admin_client.get("/admin/users?q=hanako").get_data(as_text=True)
    assert f'href="/admin/users/{hanako.id}"' in listing
    page = admin_client.get(f"/admin/users/{hanako.id}").get_data(as_text=True)
    assert "山田 花子" in page and "hanako@example.jp" in page and "auth.login" in page
    assert admin_client.get("/admin/users/999999").status_code == 404


def test_role_change_is_audited_and_demotion_removes_memberships(admin_client, admin):
    org = make_organisation()
    coordinator = make_coordinator(org, email="coord@example.jp")
    db.session.commit()
    response = post_form(admin_client, f"/admin/users/{coordinator.id}/role", {"role": "trainee"},
                         token_from=f"/admin/users/{coordinator.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, coordinator.id).role is Role.TRAINEE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                             .where(Membership.user_id == coordinator.id)) == 0
    [event] = events("user.role_change")
    assert event.actor_id == admin.id and event.detail == {"old": "coordinator", "new": "trainee",
                                                           "removed_organisations": [org.id]}
    # The demoted coordinator's open session loses the coordinator pages at once.
    client = admin_client.application.test_client()
    login(client, "coord@example.jp", PASSWORD)
    assert client.get("/coordinate/").status_code == 404
    # Choosing the same role again changes nothing and records nothing.
    post_form(admin_client, f"/admin/users/{coordinator.id}/role", {"role": "trainee"},
              token_from=f"/admin/users/{coordinator.id}")
    assert len(events("user.role_change")) == 1


def test_admins_cannot_change_themselves_and_pupils_stay_trainees(admin_client, admin):
    response = post_form(admin_client, f"/admin/users/{admin.id}/role", {"role": "trainee"},
                         token_from=f"/admin/users/{admin.id}", follow_redirects=True)
    assert "自分自身" in response.get_data(as_text=True)
    org = make_organisation(kind=OrganisationKind.SCHOOL)
    school_class = SchoolClass(organisation_id=org.id, name="6年1組", code="ADMPUPIL")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, school_class_id=school_class.id, pupil_number=3)
    db.session.commit()
    response = post_form(admin_client, f"/admin/users/{pupil.id}/role", {"role": "admin"},
                         token_from=f"/admin/users/{pupil.id}", follow_redirects=True)
    assert "児童生徒" in response.get_data(as_text=True)
    post_form(admin_client, f"/admin/users/{admin.id}/deactivate", {})
    db.session.expire_all()
    assert db.session.get(User, admin.id).role is Role.ADMIN and db.session.get(User, admin.id).is_active_account
    assert db.session.get(User, pupil.id).role is Role.TRAINEE
    assert events("user.role_change") == [] and events("user.deactivate") == []
    # A forged role value is refused by the form.
    response = post_form(admin_client, f"/admin/users/{pupil.id}/role", {"role": "root"},
                         token_from=f"/admin/users/{pupil.id}", follow_redirects=True)
    assert "役割を選んでください" in response.get_data(as_text=True)


def test_deactivation_asks_first_ends_sessions_and_can_be_undone(admin_client, admin):
    hanako = make_trainee(email="hanako@example.jp")
    db.session.commit()
    her = admin_client.application.test_client()
    login(her, "hanako@example.jp", PASSWORD)
    assert her.get("/my").status_code == 200
    # The link leads to a confirmation page; only its POST changes anything.
    confirm = admin_client.get(f"/admin/users/{hanako.id}/deactivate")
    assert confirm.status_code == 200 and "ログインできなくなり" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, hanako.id).is_active_account
    post_form(admin_client, f"/admin/users/{hanako.id}/deactivate", {})
    db.session.expire_all()
    assert not db.session.get(User, hanako.id).is_active_account
    assert her.get("/my").status_code == 302  # logged out
    assert "正しくありません" in login(her, "hanako@example.jp", PASSWORD).get_data(as_text=True)
    post_form(admin_client, f"/admin/users/{hanako.id}/reactivate", {})
    db.session.expire_all()
    assert db.session.get(User, hanako.id).is_active_account
    login(her, "hanako@example.jp", PASSWORD)
    assert her.get("/my").status_code == 200
    assert [e.target_id for e in events("user.deactivate")] == [str(hanako.id)]
    assert [e.actor_id for e in events("user.reactivate")] == [admin.id]


def test_organisation_edit_is_audited_and_the_list_searchable(admin_client, admin):
    org = make_organisation(municipality="292095", name="生駒市")
    make_organisation(municipality="142166", name="座間市")
    db.session.commit()
    response = post_form(admin_client, f"/admin/organisations/{org.id}",
                         {"name": "生駒市社会福祉協議会", "kind": "welfare_council", "area_code": "29"})
    assert response.status_code == 302
    [event] = events("organisation.update")
    assert event.actor_id == admin.id
    assert event.detail == {"name": ["生駒市", "生駒市社会福祉協議会"], "kind": ["municipality", "welfare_council"],
                            "area": ["292095", "29"]}
    page = admin_client.get("/admin/organisations?q=社会福祉").get_data(as_text=True)
    assert "生駒市社会福祉協議会" in page and "座間市" not in page
    assert "座間市" in admin_client.get("/admin/organisations?q=14").get_data(as_text=True)


def test_admin_deletes_a_pupil_account_on_request(admin_client, admin):
    org = make_organisation(kind=OrganisationKind.SCHOOL)
    school_class = SchoolClass(organisation_id=org.id, name="6年1組", code="DELPUPIL")
    db.session.add(school_class)
    db.session.flush()
    pupil_id = make_trainee(email=None, school_class_id=school_class.id, pupil_number=4).id
    db.session.commit()
    page = admin_client.get(f"/admin/users/{pupil_id}/delete").get_data(as_text=True)
    assert "元に戻せません" in page
    assert db.session.get(User, pupil_id) is not None
    response = post_form(admin_client, f"/admin/users/{pupil_id}/delete", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, pupil_id) is None
    [event] = events("user.delete_by_admin")
    assert event.actor_id == admin.id and event.target_id == str(pupil_id)
    # Another admin's account is refused: demote first.
    other_admin = make_admin(email="admin2@example.jp")
    db.session.commit()
    response = post_form(admin_client, f"/admin/users/{other_admin.id}/delete", {}, follow_redirects=True)
    assert "先に役割を変えてください" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, other_admin.id) is not None
