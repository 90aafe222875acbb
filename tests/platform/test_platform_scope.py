"""Scope of the platform pages: the running organisation's coordinators see active members' cohorts;
pending invitations, former members and outsiders stay invisible (404 like a missing object)."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, MemberState
from tests.cohort_helpers import default_course, make_cohort
from tests.conftest import coordinator_client, post_form
from tests.factories import make_organisation
from tests.platform.helpers import platform_world


def _world(app):
    w = platform_world()
    course = default_course()
    w["cohorts"] = {key: make_cohort(w[key], course, title=f"{w[key].name}の回")
                    for key in ("city", "npo", "council", "company", "school")}
    return w


def test_running_coordinator_sees_active_members_only(app):
    w = _world(app)
    client = coordinator_client(app, w["city"], "city@example.jp")
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    page = client.get(base + "/cohorts").get_data(as_text=True)
    assert "生駒市の回" in page and "NPO法人いこまの回" in page
    assert "生駒市社会福祉協議会の回" not in page  # invited, not accepted
    assert "生駒商事の回" not in page  # left
    assert "生駒小学校の回" not in page  # never asked
    assert client.get(f"{base}/cohorts/{w['cohorts']['npo'].id}").status_code == 200
    for key in ("council", "company", "school"):
        assert client.get(f"{base}/cohorts/{w['cohorts'][key].id}").status_code == 404, key
    # Read only: the member's own cohort pages stay closed to the platform.
    assert client.get(f"/coordinate/organisations/{w['npo'].id}/cohorts/{w['cohorts']['npo'].id}").status_code == 404


def test_members_and_outsiders_do_not_reach_the_platform(app):
    w = _world(app)
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    npo = coordinator_client(app, w["npo"], "npo@example.jp")
    assert npo.get(base).status_code == 404
    assert npo.get(base + "/dashboard").status_code == 404
    # Through its own organisation's id the platform is not its own either.
    assert npo.get(f"/coordinate/organisations/{w['npo'].id}/platforms/{w['platform'].id}").status_code == 404
    zama = coordinator_client(app, make_organisation(municipality="142166", name="座間市"), "zama@example.jp")
    for url in (base, base + "/cohorts", base + "/dashboard", base + "/dashboard.csv", base + "/report.xlsx"):
        assert zama.get(url).status_code == 404, url


def test_members_never_see_each_other(app):
    w = _world(app)
    npo = coordinator_client(app, w["npo"], "npo@example.jp")
    page = npo.get(f"/coordinate/organisations/{w['npo'].id}/platforms").get_data(as_text=True)
    assert "生駒市つながり連携プラットフォーム" in page
    assert "生駒市社会福祉協議会" not in page and "生駒商事" not in page
    assert npo.get(f"/coordinate/organisations/{w['council'].id}/cohorts").status_code == 404


def test_invitation_changes_nothing_until_accepted(app):
    w = _world(app)
    city = coordinator_client(app, w["city"], "city@example.jp")
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    council = coordinator_client(app, w["council"], "council@example.jp")
    page = council.get(f"/coordinate/organisations/{w['council'].id}/platforms").get_data(as_text=True)
    assert "受け入れる" in page
    assert "生駒市社会福祉協議会の回" not in city.get(base + "/cohorts").get_data(as_text=True)
    # Another organisation's coordinator cannot accept for the council.
    npo = coordinator_client(app, w["npo"], "npo@example.jp")
    url = f"/coordinate/organisations/{w['council'].id}/platform-memberships/{w['invited'].id}/accept"
    assert post_form(npo, url, {}, token_from="/coordinate/").status_code == 404
    assert post_form(npo, f"/coordinate/organisations/{w['npo'].id}/platform-memberships/{w['invited'].id}/accept",
                     {}, token_from="/coordinate/").status_code == 404
    response = post_form(council, url, {}, token_from="/coordinate/")
    assert response.status_code == 302
    db.session.refresh(w["invited"])
    assert w["invited"].state is MemberState.ACTIVE
    assert "生駒市社会福祉協議会の回" in city.get(base + "/cohorts").get_data(as_text=True)
    accepted = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "platform.accept")
                                 .order_by(AuditEvent.id.desc()))
    assert accepted.target_id == str(w["invited"].id)


def test_leaving_takes_the_cohorts_back(app):
    w = _world(app)
    city = coordinator_client(app, w["city"], "city@example.jp")
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    npo = coordinator_client(app, w["npo"], "npo@example.jp")
    url = f"/coordinate/organisations/{w['npo'].id}/platform-memberships/{w['active'].id}/leave"
    assert post_form(npo, url, {}, token_from="/coordinate/").status_code == 302
    assert city.get(f"{base}/cohorts/{w['cohorts']['npo'].id}").status_code == 404
    assert "NPO法人いこまの回" not in city.get(base + "/dashboard").get_data(as_text=True)


def test_invite_from_the_platform_page(app):
    w = _world(app)
    city = coordinator_client(app, w["city"], "city@example.jp")
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    page = city.get(base + "?q=小学校").get_data(as_text=True)
    assert "生駒小学校" in page
    response = post_form(city, base + "/invite", {"organisation_id": str(w["school"].id)}, token_from=base)
    assert response.status_code == 302
    school = coordinator_client(app, w["school"], "school@example.jp")
    assert "受け入れる" in school.get(f"/coordinate/organisations/{w['school'].id}/platforms").get_data(as_text=True)
    assert "生駒小学校の回" not in city.get(base + "/cohorts").get_data(as_text=True)


def test_platform_creation_from_the_page(app):
    city = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, city, "city@example.jp")
    url = f"/coordinate/organisations/{city.id}/platforms"
    response = post_form(client, url + "/new", {"name": "いこま連携"}, token_from=url)
    assert response.status_code == 302
    assert "いこま連携" in client.get(response.headers["Location"]).get_data(as_text=True)
