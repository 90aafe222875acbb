"""The platform dashboard: per member and in total for a fiscal year, suppressed like the area dashboards;
its CSV/XLSX and the 活動報告 as PDF and Excel."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from app.extensions import db
from app.models import CohortMode
from app.services.cohorts import cohorts
from app.services.learning import progress
from app.services.platform import dashboard, members
from app.services.statistics.statistics import current_fiscal_year
from tests.cohort_helpers import default_course, make_cohort, pdf_text
from tests.conftest import coordinator_client, count_queries
from tests.factories import make_trainee
from tests.platform.helpers import platform_world

MARK = "＊"


def _held(org, course, joined: int, completed: int, *, days: int = -3, mode=CohortMode.IN_PERSON, title=None):
    cohort = make_cohort(org, course, days=days, mode=mode, title=title or f"{org.name}の回")
    for n in range(joined):
        enrolment = cohorts.join(db.session, cohort, make_trainee()).enrolment
        if n < completed:
            progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return cohort


def _world(app):
    w = platform_world()
    adult, children = default_course(), default_course("tsunagari-children")
    _held(w["city"], adult, 10, 5)
    _held(w["city"], children, 7, 0, mode=CohortMode.LIVE_ONLINE, title="子ども向けの回")
    _held(w["npo"], adult, 2, 1)  # small: hidden
    _held(w["npo"], adult, 0, 0, days=10, title="これからの回")  # counted, not held yet
    _held(w["council"], adult, 9, 9)  # invited only: not counted
    _held(w["company"], adult, 9, 9)  # left: not counted
    return w


def test_figures_per_member_and_total(app):
    w = _world(app)
    board = dashboard.dashboard(db.session, w["platform"], current_fiscal_year(), 5)
    city, npo = board.lines
    assert (city.name, city.is_runner, npo.name) == ("生駒市", True, "NPO法人いこま")
    assert city.sessions == 2 and city.by_mode[CohortMode.IN_PERSON] == 1 and city.by_mode[CohortMode.LIVE_ONLINE] == 1
    assert (npo.sessions, npo.held) == (2, 1) and (board.total.sessions, board.total.held) == (4, 3)
    assert city.children == 7 and city.child_supporters == 0
    # The NPO's 2 participants and 1 supporter are hidden, and so is what would give them back.
    assert npo.participants is None and npo.supporters is None
    assert board.total.participants is None or city.participants is None
    assert board.total.supporters is None or city.supporters is None
    assert board.is_suppressed
    titles = [c.title for c in board.cohorts]
    assert "これからの回" in titles and "生駒市社会福祉協議会の回" not in titles and "生駒商事の回" not in titles
    npo_cohort = next(c for c in board.cohorts if c.organiser == "NPO法人いこま")
    assert npo_cohort.participants is None and npo_cohort.supporters is None


def test_no_suppression_when_every_cell_is_large_or_zero(app):
    w = platform_world()
    adult = default_course()
    _held(w["city"], adult, 11, 6)
    board = dashboard.dashboard(db.session, w["platform"], current_fiscal_year(), 5)
    assert board.lines[0].participants == 11 and board.lines[0].supporters == 6 and board.lines[0].adults == 11
    assert board.lines[1].participants == 0 and board.total.participants == 11 and not board.is_suppressed


def test_queries_do_not_grow_with_members(app):
    w = platform_world()
    adult = default_course()
    with count_queries() as few:
        dashboard.dashboard(db.session, w["platform"], current_fiscal_year(), 5)
    members.accept(db.session, w["invited"], actor=None)
    members.accept(db.session, members.invite(db.session, w["platform"], w["school"].id, actor=None), actor=None)
    for org in (w["council"], w["school"]):
        _held(org, adult, 3, 1)
    db.session.commit()
    with count_queries() as many:
        dashboard.dashboard(db.session, w["platform"], current_fiscal_year(), 5)
    assert len(many) == len(few)


def test_dashboard_page_files_and_report(app):
    w = _world(app)
    client = coordinator_client(app, w["city"], "city@example.jp")
    base = f"/coordinate/organisations/{w['city'].id}/platforms/{w['platform'].id}"
    page = client.get(base + "/dashboard").get_data(as_text=True)
    assert "NPO法人いこま" in page and MARK in page and "生駒商事" not in page
    csv = client.get(base + "/dashboard.csv").get_data(as_text=True)
    assert csv.startswith("\ufeff") and "NPO法人いこま" in csv and MARK in csv and "秘匿" in csv
    book = load_workbook(io.BytesIO(client.get(base + "/dashboard.xlsx").data))
    assert book.worksheets[0]["A1"].value.startswith("生駒市つながり連携プラットフォーム")
    report = load_workbook(io.BytesIO(client.get(base + "/report.xlsx").data))
    assert [ws.title for ws in report.worksheets] == ["団体別", "開催回"]
    assert "活動報告" in report.worksheets[0]["A1"].value
    response = client.get(base + "/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "活動報告" in text and "NPO法人いこま" in text and "生駒商事" not in text
