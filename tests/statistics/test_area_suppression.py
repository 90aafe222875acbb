"""Small-cell suppression on the coordinators' area dashboards and their CSV/XLSX files: a lone
trainee in a small village cannot be singled out, and large figures stay exact."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from app.coordinate import area_suppression
from app.extensions import db
from app.models import Audience
from app.services.cohorts import cohort_reports
from app.services.learning import enrolling, progress
from app.services.statistics.suppression import MARK, SuppressedTable
from tests.cohort_helpers import default_course, join_all, make_cohort
from tests.conftest import coordinator_client
from tests.factories import make_organisation, make_trainee
from tests.suppression_check import alternative_exists

NOSEGAWA, IKOMA, NARA_CITY = "294471", "292095", "292010"  # 野迫川村, 生駒市, 奈良市
NOTE = "1〜4人の欄は、だれのことか分かってしまわないよう「＊」にしています"
FILE_NOTE = "「＊」は秘匿した欄です（1〜4人の欄と、合計などから計算できてしまう欄）。"


@pytest.fixture()
def course(app):
    app.config["SUPPRESSION_THRESHOLD"] = 5
    return default_course()


def residents(course, municipality: str, started: int, completed: int) -> None:
    """`started` residents of `municipality` enrolled, the first `completed` of them completed."""
    for i in range(started):
        enrolment = enrolling.enrol(db.session, make_trainee(municipality=municipality), course)
        if i < completed:
            progress.record_attendance(db.session, enrolment)
    db.session.commit()


def nara_client(app):
    org = make_organisation(prefecture="29", name="奈良県")
    return coordinator_client(app, org, "nara@example.jp"), org


def page_rows(page: str) -> dict[str, list[str]]:
    """Table rows of a page by the text of their header cell: the figures of their cells."""
    rows = {}
    for head, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page, re.S):
        name = re.sub(r"<[^>]+>.*", "", head, flags=re.S).strip()
        rows[name] = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return [[cell for cell in row] for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


# --- the prefecture table ---------------------------------------------------------------------------------

def test_a_lone_supporter_in_a_village_is_hidden_on_the_page_and_in_both_files(app, course):
    residents(course, NOSEGAWA, 1, 1)  # the only trainee of 野迫川村, who completed
    residents(course, IKOMA, 20, 10)
    residents(course, NARA_CITY, 15, 9)
    client, org = nara_client(app)
    base = f"/coordinate/organisations/{org.id}/area"

    page = client.get(base).get_data(as_text=True)
    rows = page_rows(page)
    assert rows["野迫川村"][:3] == [MARK, MARK, MARK]  # supporters, residents who started, rate
    assert NOTE in page

    table = csv_rows(client.get(f"{base}.csv"))
    by_code = municipality_rows(table)
    assert by_code[NOSEGAWA][2:5] == [MARK, MARK, MARK]
    assert FILE_NOTE in table[-1]

    sheet = xlsx_rows(client.get(f"{base}.xlsx"))
    village = next(r for r in sheet if r[0] == NOSEGAWA)
    assert list(village[2:5]) == [MARK, MARK, MARK]
    assert any(r[0] == FILE_NOTE for r in sheet)

    # The prefecture total minus the rows shown does not give the village back: another figure
    # in the same column is hidden, or the total is.
    total = next(r for r in table if r[1:2] == ["合計"])
    others = [r for code, r in by_code.items() if code != NOSEGAWA]
    for column in (2, 3):  # residents who started, supporters
        assert total[column] == MARK or any(r[column] == MARK for r in others), column
    # ...and no other combination of what the file shows does either (an exhaustive attacker).
    true, shown = attacker_view(table)
    village = list(by_code).index(NOSEGAWA)
    assert alternative_exists(true, shown, ("cell", village, 0))
    assert alternative_exists(true, shown, ("row", village))

    # Every figure of people in the file is 0, at least the threshold, or hidden.
    for r in [*by_code.values(), total]:
        assert all(v == MARK or v == "0" or int(v) >= 5 for v in r[2:4]), r

    # The same data with a threshold of 1 hides nothing: the mark above came from the rule.
    app.config["SUPPRESSION_THRESHOLD"] = 1
    by_code = municipality_rows(csv_rows(client.get(f"{base}.csv")))
    assert by_code[NOSEGAWA][2:5] == ["1", "1", "100%"]


def municipality_rows(table: list[list[str]]) -> dict[str, list[str]]:
    """The rows of the prefecture file that are municipalities, by code, in file order."""
    return {r[0]: r for r in table if r and re.fullmatch(r"\d{6}", r[0])}


def attacker_view(table: list[list[str]]):
    """The file as an attacker reads it: a table of (supporters, still learning) per municipality,
    with the totals; a figure is known only when the file shows it or it follows from two shown ones.
    Returns the true table (from the exact figures) and the attacker's."""
    rows = list(municipality_rows(table).values())
    total = next(r for r in table if r[1:2] == ["合計"])

    def split(started: str, supporters: str):
        s = None if supporters == MARK else int(supporters)
        e = None if started == MARK else int(started)
        return s, (e - s if e is not None and s is not None else None), e

    cells, row_totals = [], []
    for r in rows:
        s, rest, e = split(r[2], r[3])
        cells.append([s, rest])
        row_totals.append(e)
    s, rest, e = split(total[2], total[3])
    shown = SuppressedTable(cells=cells, row_totals=row_totals, column_totals=[s, rest], total=e)

    area = cohort_reports.prefecture_area(db.session, "29", "奈良県")
    assert [a.code for a in area.rows] == [r[0] for r in rows]
    return [[a.supporters, a.enrolled - a.supporters] for a in area.rows], shown


def test_large_figures_are_shown_exactly(app, course):
    residents(course, IKOMA, 10, 5)
    residents(course, NARA_CITY, 12, 6)
    client, org = nara_client(app)
    base = f"/coordinate/organisations/{org.id}/area"
    page = client.get(base).get_data(as_text=True)
    assert page_rows(page)["生駒市"][:3] == ["5", "10", "50%"]
    assert page_rows(page)["合計"][:3] == ["11", "22", "50%"]
    assert MARK not in page and NOTE not in page
    table = csv_rows(client.get(f"{base}.csv"))
    assert next(r for r in table if r[1:2] == ["合計"])[1:5] == ["合計", "22", "11", "50%"]
    assert MARK not in "".join(",".join(r) for r in table)
    sheet = xlsx_rows(client.get(f"{base}.xlsx"))
    assert list(next(r for r in sheet if r[0] == NARA_CITY)[2:5]) == [12, 6, "50%"]


def test_cohorts_held_are_not_people_and_stay_shown(app, course):
    residents(course, NOSEGAWA, 1, 1)
    make_cohort(make_organisation(municipality=NOSEGAWA, name="野迫川村"), course)
    client, org = nara_client(app)
    rows = page_rows(client.get(f"/coordinate/organisations/{org.id}/area").get_data(as_text=True))
    assert rows["野迫川村"] == [MARK, MARK, MARK, "1"]


def test_residents_who_have_not_finished_count_as_people_too(app, course):
    # 生駒市: 20 started and 18 completed would tell that 2 residents have not finished.
    shown = area_suppression.prefecture(
        cohort_reports.PrefectureArea("29", "奈良県", [
            cohort_reports.AreaRow(IKOMA, "生駒市", enrolled=20, supporters=18),
            cohort_reports.AreaRow(NARA_CITY, "奈良市", enrolled=30, supporters=10),
            cohort_reports.AreaRow(NOSEGAWA, "野迫川村", enrolled=0, supporters=0)], 0,
            cohort_reports.AreaRow("29", "奈良県", enrolled=50, supporters=28)), 5)
    ikoma = shown.rows[0]
    assert ikoma.supporters is None or ikoma.enrolled is None
    assert ikoma.completion_rate is None and ikoma.is_rate_hidden
    assert (shown.rows[2].enrolled, shown.rows[2].supporters, shown.rows[2].completion_rate) == (0, 0, None)
    assert area_suppression.rate(shown.rows[2]) == "" and area_suppression.rate(ikoma) == MARK


# --- the municipality dashboard ---------------------------------------------------------------------------

def municipality_client(app):
    org = make_organisation(municipality=IKOMA, name="生駒市")
    return coordinator_client(app, org, "ikoma@example.jp"), org


def test_a_cohort_of_two_is_exact_while_its_residents_stay_hidden(app, course):
    # The cohort is the coordinator's own (as in the 実施報告); the residents are not (issue 20 item 9).
    client, org = municipality_client(app)
    small = make_cohort(org, course, title="少人数の回")
    enrolments = join_all(small, [make_trainee(municipality=IKOMA), make_trainee(municipality=IKOMA)])
    progress.record_attendance(db.session, enrolments[0])
    db.session.commit()
    base = f"/coordinate/organisations/{org.id}/area"

    page = client.get(base).get_data(as_text=True)
    cohort_row = re.search(r"少人数の回</a></td>.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">(.*?)</td>', cohort_row) == ["2", "1"]
    rows = page_rows(page)
    assert rows["一般向け"] == [MARK, MARK, MARK]
    assert rows["合計（同じ人は1人と数えます）"] == [MARK, MARK, MARK]
    assert NOTE in page

    table = csv_rows(client.get(f"{base}.csv"))
    assert table[0] == ["項目", "人数"]
    assert [r[1] for r in table[1:3]] == [MARK, MARK]  # residents who started, supporters
    assert next(r for r in table if r[:1] == ["少人数の回"])[4:6] == ["2", "1"]
    assert FILE_NOTE in table[-1]
    sheet = xlsx_rows(client.get(f"{base}.xlsx"))
    assert list(next(r for r in sheet if r[0] == "少人数の回")[4:6]) == [2, 1]
    assert any(r[0] == FILE_NOTE for r in sheet)


def test_a_large_cohort_and_its_residents_are_shown_exactly(app, course):
    client, org = municipality_client(app)
    cohort = make_cohort(org, course, title="大きな回")
    for enrolment in join_all(cohort, [make_trainee(municipality=IKOMA) for _ in range(6)]):
        progress.record_attendance(db.session, enrolment)
    db.session.commit()
    base = f"/coordinate/organisations/{org.id}/area"
    page = client.get(base).get_data(as_text=True)
    assert MARK not in page and NOTE not in page
    cohort_row = re.search(r"大きな回</a></td>.*?</tr>", page, re.S).group(0)
    assert re.findall(r'<td class="num">(.*?)</td>', cohort_row) == ["6", "6"]
    assert page_rows(page)["合計（同じ人は1人と数えます）"] == ["6", "6", "100%"]
    table = csv_rows(client.get(f"{base}.csv"))
    assert [r[1] for r in table[1:3]] == ["6", "6"]
    assert next(r for r in table if r[:1] == ["大きな回"])[4:6] == ["6", "6"]


def test_own_cohort_lines_are_exact_while_residents_hide_who_did_not_finish(app):
    # 20 residents and 18 completed would say that 2 did not finish: the residents' figures are hidden;
    # the coordinator's own cohorts are shown exactly, as in their 実施報告.
    area = cohort_reports.MunicipalityArea(
        IKOMA, "奈良県生駒市",
        {Audience.ADULT: cohort_reports.AreaRow("adult", "", 20, 18), Audience.CHILDREN: cohort_reports.AreaRow(
            "children", "", 0, 0)},
        cohort_reports.AreaRow(IKOMA, "奈良県生駒市", 20, 18, 1),
        [cohort_reports.CohortFigures(None, "生駒市", 20, 18), cohort_reports.CohortFigures(None, "生駒市", 12, 6)])
    shown = area_suppression.municipality(area, 5)
    assert (shown.cohorts[0].enrolled, shown.cohorts[0].completed) == (20, 18)
    assert (shown.cohorts[1].enrolled, shown.cohorts[1].completed) == (12, 6)
    assert shown.total.is_rate_hidden and shown.by_audience[Audience.ADULT].is_rate_hidden
    assert (shown.by_audience[Audience.CHILDREN].enrolled, shown.by_audience[Audience.CHILDREN].supporters) == (0, 0)
