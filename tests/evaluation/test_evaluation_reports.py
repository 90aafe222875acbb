"""Effect report pages and files: scope, suppression, exports audited, and anonymity."""
from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import AuditEvent, CohortMode, EvaluationPair
from app.services.evaluation import answers
from app.services.evaluation.answers import Phase
from tests.cohort_helpers import join_all, make_cohort
from tests.conftest import coordinator_client, login
from tests.evaluation.test_evaluation_service import NOW, _answers, _complete
from tests.factories import PASSWORD, make_admin, make_organisation, make_trainee


def _cohort_with_pairs(org, course, n: int, mode=CohortMode.IN_PERSON, names: str = "受講者"):
    cohort = make_cohort(org, course, mode=mode)
    for i in range(n):
        trainee = make_trainee(name=f"{names}{i}", email=f"{names}{i}-{cohort.id}@example.jp",
                               municipality=org.municipality_code)
        enrolment = join_all(cohort, [trainee])[0]
        answers.answer(db.session, enrolment, Phase.BEFORE, _answers([2, 2, 3, 1, 4]), now=NOW)
        _complete(enrolment)
        answers.answer(db.session, enrolment, Phase.AFTER, _answers([4, 3, 3, 3, 4]), now=NOW)
    db.session.commit()
    return cohort


def test_cohort_report_shows_the_change_and_its_files_are_audited(app, ikoma, course):
    cohort = _cohort_with_pairs(ikoma, course, 5, names="山田")
    client = coordinator_client(app, ikoma, "c2@example.jp")
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/evaluation"
    page = client.get(url).get_data(as_text=True)
    assert "— 5組" in page and "<svg" in page and "+2.00" in page  # connect: 1 -> 3 for everyone
    assert "山田" not in page
    response = client.get(f"{url[:-len('/evaluation')]}/evaluation.csv")
    text = response.get_data().decode("utf-8-sig")
    assert response.status_code == 200 and "山田" not in text and "2.0" in text
    xlsx = client.get(f"{url}.xlsx")
    assert load_workbook(io.BytesIO(xlsx.get_data())).active.max_row > 5
    kinds = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("export.evaluation%"))).all()
    assert kinds == ["export.evaluation_cohort", "export.evaluation_cohort"]


def test_four_pairs_are_not_shown(app, ikoma, course):
    cohort = _cohort_with_pairs(ikoma, course, 4)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    page = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/evaluation").get_data(as_text=True)
    assert "— 4組" not in page and "表示していません" in page
    csv = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/evaluation.csv").get_data()
    assert "＊" in csv.decode("utf-8-sig") and ",4," not in csv.decode("utf-8-sig")


def test_mode_comparison_is_one_click(app, ikoma, course):
    _cohort_with_pairs(ikoma, course, 5, CohortMode.IN_PERSON)
    _cohort_with_pairs(ikoma, course, 6, CohortMode.LIVE_ONLINE)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    page = client.get(f"/coordinate/organisations/{ikoma.id}/evaluation").get_data(as_text=True)
    assert "— 11組" in page and "compare=1" in page
    compared = client.get(f"/coordinate/organisations/{ikoma.id}/evaluation?compare=1").get_data(as_text=True)
    assert "対面 — 5組" in compared and "オンライン（ライブ） — 6組" in compared
    assert "オンデマンド — 0組" in compared and "開催のしかたで比べる（変化の平均" in compared


def test_reports_are_scoped_to_the_viewers_organisation(app, ikoma, course):
    other = make_organisation(municipality="142166", name="座間市")
    theirs = _cohort_with_pairs(other, course, 5)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    for url in (f"/coordinate/organisations/{other.id}/evaluation",
                f"/coordinate/organisations/{other.id}/evaluation.csv",
                f"/coordinate/organisations/{other.id}/cohorts/{theirs.id}/evaluation",
                f"/coordinate/organisations/{ikoma.id}/cohorts/{theirs.id}/evaluation",
                f"/coordinate/organisations/{ikoma.id}/cohorts/{theirs.id}/evaluation.xlsx",
                f"/coordinate/organisations/{ikoma.id}/evaluation?scope=nation"):
        assert client.get(url).status_code == 404, url
    # The 生駒市 area has no pairs: 座間市's five never show there.
    assert "— 5組" not in client.get(f"/coordinate/organisations/{ikoma.id}/evaluation?scope=area").get_data(as_text=True)
    trainee = app.test_client()
    make_trainee(email="t@example.jp")
    db.session.commit()
    login(trainee, "t@example.jp", PASSWORD)
    assert trainee.get("/admin/evaluation").status_code == 404


def test_national_report_for_admins(app, ikoma, course):
    _cohort_with_pairs(ikoma, course, 5)
    make_admin(email="a@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "a@example.jp", PASSWORD)
    assert "— 5組" in client.get("/admin/evaluation?year=2026").get_data(as_text=True)
    assert "— 5組" in client.get("/admin/evaluation?prefecture=29").get_data(as_text=True)
    assert "— 5組" not in client.get("/admin/evaluation?prefecture=14").get_data(as_text=True)
    assert client.get("/admin/evaluation.xlsx").status_code == 200
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.evaluation_national"))


def test_no_route_file_or_log_links_answers_to_a_person(app, ikoma, course):
    """As with reflections: the answers' owner is named nowhere a coordinator or admin can look."""
    cohort = _cohort_with_pairs(ikoma, course, 5, names="識別子さん")
    keys = db.session.scalars(sa.select(EvaluationPair.key)).all()
    assert not [r.rule for r in app.url_map.iter_rules() if "key" in r.arguments and "evaluation" in r.rule]
    make_admin(email="a@example.jp")
    db.session.commit()
    admin = app.test_client()
    login(admin, "a@example.jp", PASSWORD)
    coordinator = coordinator_client(app, ikoma, "c2@example.jp")
    base = f"/coordinate/organisations/{ikoma.id}"
    seen = [coordinator.get(url).get_data() for url in (
        f"{base}/evaluation", f"{base}/evaluation.csv", f"{base}/evaluation?scope=area&compare=1",
        f"{base}/cohorts/{cohort.id}/evaluation", f"{base}/cohorts/{cohort.id}/evaluation.csv")]
    seen += [admin.get(url).get_data() for url in ("/admin/evaluation", "/admin/evaluation.csv",
                                                   "/admin/evaluation?compare=1")]
    log = " ".join(f"{e.action} {e.detail}" for e in db.session.scalars(sa.select(AuditEvent)))
    for blob in [*seen, log.encode()]:
        text = blob.decode("utf-8", errors="ignore")
        assert "識別子さん" not in text and "@example.jp" not in text.replace("c2@example.jp", "").replace(
            "a@example.jp", "")
        assert not any(key in text for key in keys)


def test_platform_report_covers_its_active_members_only(app, ikoma, course):
    from app.services.platform import members

    partner = make_organisation(municipality="292010", name="奈良市")
    outsider = make_organisation(municipality="142166", name="座間市")
    platform = members.create_platform(db.session, ikoma, "奈良の連携", actor=None)
    row = members.invite(db.session, platform, partner.id, actor=None)
    members.accept(db.session, row, actor=None)
    db.session.commit()
    _cohort_with_pairs(partner, course, 3)
    _cohort_with_pairs(ikoma, course, 2)
    _cohort_with_pairs(outsider, course, 5)
    client = coordinator_client(app, ikoma, "c2@example.jp")
    page = client.get(f"/coordinate/organisations/{ikoma.id}/platforms/{platform.id}/evaluation").get_data(
        as_text=True)
    assert "— 5組" in page and "— 10組" not in page  # 奈良市's 3 and 生駒市's 2; 座間市's 5 are not members
    other = make_organisation(name="他の団体")
    theirs = members.create_platform(db.session, other, "他の連携", actor=None)
    db.session.commit()
    assert client.get(f"/coordinate/organisations/{ikoma.id}/platforms/{theirs.id}/evaluation").status_code == 404
