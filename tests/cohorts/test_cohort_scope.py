"""Scope, the point of the coordinator pages: a coordinator of 生駒市 cannot see, count or export
anything of 座間市, and a 奈良県 coordinator nothing of 神奈川県. Out of scope answers 404."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, CohortInvitation, ParticipantImport, User
from app.services.cohorts import cohort_reports
from app.services.cohorts import cohorts as cohort_service
from app.services.learning import enrolling, progress
from tests.cohort_helpers import default_course, join_all, make_cohort
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee


@pytest.fixture()
def two_areas(app):
    course = default_course()
    ikoma = make_organisation(municipality="292095", name="生駒市")
    zama = make_organisation(municipality="142166", name="座間市")
    nara = make_organisation(prefecture="29", name="奈良県")
    kanagawa = make_organisation(prefecture="14", name="神奈川県")
    make_coordinator(ikoma, email="ikoma@example.jp")
    make_coordinator(nara, email="nara@example.jp")
    cohorts = {}
    for org in (ikoma, zama, nara, kanagawa):
        cohorts[org.name] = make_cohort(org, course, title=f"{org.name}の回")
    for org, code in ((ikoma, "292095"), (zama, "142166")):
        for enrolment in join_all(cohorts[org.name], [make_trainee(municipality=code, name=f"{org.name}の住民")]):
            progress.record_attendance(db.session, enrolment)
    imports = {name: ParticipantImport(cohort_id=c.id, filename="x.csv", rows=[
        {"line": 2, "name": "秘密 太郎", "email": f"secret-{c.id}@example.jp", "municipality_code": "142166",
         "age_band": "", "sex": ""}]) for name, c in cohorts.items()}
    db.session.add_all(imports.values())
    inviter = db.session.scalar(sa.select(User).where(User.email == "ikoma@example.jp"))
    invitations = {name: cohort_service.invite(db.session, c, email=f"invited-{c.id}@example.jp", name="秘密 花子",
                                               actor=inviter, lifetime=dt.timedelta(days=7))[0]
                   for name, c in cohorts.items()}
    db.session.commit()
    return {"course": course, "ikoma": ikoma, "zama": zama, "nara": nara, "kanagawa": kanagawa, "cohorts": cohorts,
            "imports": imports, "invitations": invitations}


def cohort_rules(app):
    # A platform's read-only view of its members' cohorts has its own scope tests (tests/platform).
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("coordinate.") and "cohort_id" in r.arguments
            and "platform_id" not in r.arguments]


def build(rule, org, cohort, imp, course, invitation=None):
    values = {"org_id": org.id, "cohort_id": cohort.id, "import_id": imp.id, "screen": 1, "fmt": "csv", "phase": "before", "kind": "municipality",
              "invitation_id": invitation.id if invitation else 0, "enrolment_id": 1,
              "key": enrolling.live_version(db.session, course).lessons[0].key}
    return rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]


def request(client, rule, url):
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/coordinate/"), "enrolment_id": "1",
                                  "everyone": "1", "only_valid": "y"})


@pytest.mark.parametrize("mix", ["other_org", "own_org_other_cohort"])
def test_every_cohort_route_and_export_of_zama_is_404_for_ikoma(app, two_areas, mix):
    client = app.test_client()
    login(client, "ikoma@example.jp", PASSWORD)
    zama_cohort, zama_import = two_areas["cohorts"]["座間市"], two_areas["imports"]["座間市"]
    # Either 座間市's own URLs, or 生駒市's organisation with 座間市's cohort id slipped in.
    org = two_areas["zama"] if mix == "other_org" else two_areas["ikoma"]
    rules = cohort_rules(app)
    assert len(rules) >= 17
    for rule in rules:
        url = build(rule, org, zama_cohort, zama_import, two_areas["course"], two_areas["invitations"]["座間市"])
        response = request(client, rule, url)
        assert response.status_code == 404, (url, response.status_code)
        assert "座間市の住民" not in response.get_data(as_text=True) and "秘密" not in response.get_data(as_text=True)
    # Nothing was recorded as exported, imported or attended.
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("export.%"))) == 0
    db.session.expire_all()
    assert db.session.get(ParticipantImport, zama_import.id).confirmed_at is None
    assert db.session.get(CohortInvitation, two_areas["invitations"]["座間市"].id) is not None


def test_own_cohort_urls_work_for_the_same_coordinator(app, two_areas):
    client = app.test_client()
    login(client, "ikoma@example.jp", PASSWORD)
    cohort, imp = two_areas["cohorts"]["生駒市"], two_areas["imports"]["生駒市"]
    for rule in cohort_rules(app):
        if "GET" in rule.methods:
            url = build(rule, two_areas["ikoma"], cohort, imp, two_areas["course"])
            # The undo confirm page needs the ticks to undo; without any it goes back to attendance.
            expected = 302 if rule.rule.endswith("/attendance/undo") else 200
            assert client.get(url).status_code == expected, url


def test_lists_counts_and_area_pages_leave_zama_out(app, two_areas):
    client = app.test_client()
    login(client, "ikoma@example.jp", PASSWORD)
    ikoma, zama = two_areas["ikoma"], two_areas["zama"]
    listing = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts").get_data(as_text=True)
    assert "生駒市の回" in listing and "座間市の回" not in listing
    area = client.get(f"/coordinate/organisations/{ikoma.id}/area").get_data(as_text=True)
    assert "座間市" not in area
    figures = cohort_reports.municipality_area(db.session, ikoma.municipality, [ikoma.id])
    assert figures.total.supporters == 1
    for suffix in ("/area", "/area.csv", "/area.xlsx", "/cohorts", "/cohorts/new"):
        assert client.get(f"/coordinate/organisations/{zama.id}{suffix}").status_code == 404, suffix


def test_nara_prefecture_cannot_see_kanagawa(app, two_areas):
    client = app.test_client()
    login(client, "nara@example.jp", PASSWORD)
    nara, kanagawa = two_areas["nara"], two_areas["kanagawa"]
    page = client.get(f"/coordinate/organisations/{nara.id}/area").get_data(as_text=True)
    # The page ends with the nation's open data (public, per prefecture, suppressed): the only
    # place 神奈川県 may appear. Nothing of its municipalities, and nothing above that section.
    own_part, _, national_part = page.partition('id="national"')
    assert "生駒市" in own_part and "座間市" not in page and "神奈川" not in own_part
    assert "142166" not in page and "座間" not in national_part
    csv_text = client.get(f"/coordinate/organisations/{nara.id}/area.csv").data.decode("utf-8-sig")
    assert "142166" not in csv_text and "座間市" not in csv_text
    for suffix in ("", "/area", "/area.csv", "/area.xlsx", "/cohorts",
                   f"/cohorts/{two_areas['cohorts']['神奈川県'].id}",
                   f"/cohorts/{two_areas['cohorts']['神奈川県'].id}/report.pdf",
                   f"/cohorts/{two_areas['cohorts']['神奈川県'].id}/participants.csv"):
        assert client.get(f"/coordinate/organisations/{kanagawa.id}{suffix}").status_code == 404, suffix
    # A prefecture coordinator sees municipalities only aggregated, never 生駒市's participant pages.
    ikoma_cohort = two_areas["cohorts"]["生駒市"]
    assert client.get(f"/coordinate/organisations/{two_areas['ikoma'].id}/cohorts/{ikoma_cohort.id}").status_code == 404
