"""Issue 20 item 9: a coordinator sees their own organisation's cohorts exactly on the area dashboard,
as in the 実施報告; residents and other organisations' figures stay suppressed or out of sight."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.services.cohorts import cohort_reports
from app.services.learning import progress
from app.services.statistics.suppression import MARK
from tests.cohort_helpers import default_course, join_all, make_cohort
from tests.conftest import coordinator_client
from tests.factories import make_organisation, make_trainee

IKOMA = "292095"
OWN_SENTENCE = "担当している団体の開催回の人数は実施報告と同じ正確な数で、人数を隠すのは住民の数など団体の外の数だけです。"


@pytest.fixture()
def course(app):
    app.config["SUPPRESSION_THRESHOLD"] = 5
    return default_course()


def cohort_cells(page: str, title: str) -> list[str]:
    row = re.search(rf"{title}</a></td>.*?</tr>", page, re.S).group(0)
    return re.findall(r'<td class="num">(.*?)</td>', row)


def small_cohort(org, course, title: str, people: int, completed: int):
    cohort = make_cohort(org, course, title=title)
    enrolments = join_all(cohort, [make_trainee(municipality=IKOMA) for _ in range(people)])
    for enrolment in enrolments[:completed]:
        progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return cohort


def test_own_small_cohort_agrees_with_its_report_and_residents_stay_hidden(app, course):
    org = make_organisation(municipality=IKOMA, name="生駒市")
    client = coordinator_client(app, org, "ikoma@example.jp")
    cohort = small_cohort(org, course, "三人の回", 3, 1)
    report = cohort_reports.implementation_report(db.session, cohort)

    page = client.get(f"/coordinate/organisations/{org.id}/area").get_data(as_text=True)
    assert cohort_cells(page, "三人の回") == [str(report.participants), str(report.completed)] == ["3", "1"]
    assert OWN_SENTENCE in page
    # The residents' table is beyond the organisation: 3 and 1 people stay hidden there.
    residents = re.search(r'<table class="figures area-residents">.*?</table>', page, re.S).group(0)
    assert MARK in residents and ">3<" not in residents

    csv_text = client.get(f"/coordinate/organisations/{org.id}/area.csv").data.decode("utf-8-sig")
    assert "三人の回" in csv_text and re.search(r"三人の回,.*,3,1\r?\n", csv_text)


def test_another_organisations_cohort_in_the_same_town_is_not_shown(app, course):
    org = make_organisation(municipality=IKOMA, name="生駒市")
    other = make_organisation(municipality=IKOMA, name="生駒市社会福祉協議会")
    client = coordinator_client(app, org, "ikoma@example.jp")
    small_cohort(other, course, "よその回", 2, 1)

    page = client.get(f"/coordinate/organisations/{org.id}/area").get_data(as_text=True)
    assert "よその回" not in page
    assert "よその回" not in client.get(f"/coordinate/organisations/{org.id}/area.csv").data.decode("utf-8-sig")


def test_a_prefecture_still_hides_a_small_town(app, course):
    # The prefecture's table is other organisations' areas: suppression stays.
    town = make_organisation(municipality=IKOMA, name="生駒市")
    small_cohort(town, course, "町の回", 2, 1)
    nara = make_organisation(prefecture="29", name="奈良県")
    client = coordinator_client(app, nara, "nara@example.jp")
    page = client.get(f"/coordinate/organisations/{nara.id}/area").get_data(as_text=True)
    row = re.search(r"生駒市.*?</tr>", page, re.S).group(0)
    assert MARK in row
