"""Open data: the supporters CSV downloads without login, follows the local-government column
conventions, publishes only ended fiscal years, and cannot single out a lone trainee."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from app.extensions import db
from app.models import Audience, SupporterRecord
from app.services.statistics import opendata, statistics
from app.services.statistics.suppression import MARK, SuppressedTable
from tests.cohort_helpers import default_course
from tests.factories import make_trainee
from tests.stats_helpers import add_records, complete, jst
from tests.suppression_check import alternative_exists

NOSEGAWA = "294471"  # 奈良県野迫川村
IKOMA, NARA_CITY, TOTSUKAWA, ZAMA = "292095", "292010", "294497", "142166"
LAST = statistics.current_fiscal_year() - 1  # the last fiscal year that has ended
YEARS = opendata.published_years()


def rows_of(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def seed_nara():
    """A lone adult in 野迫川村 (through the real completion path) among larger towns."""
    complete(make_trainee(municipality=NOSEGAWA), default_course(), jst(LAST, 9, 1))
    add_records(20, municipality=IKOMA, year=LAST - 1)
    add_records(11, municipality=IKOMA, year=LAST)
    add_records(6, municipality=IKOMA, year=LAST, audience=Audience.CHILDREN)
    add_records(12, municipality=NARA_CITY, year=LAST)
    add_records(2, municipality=TOTSUKAWA, year=LAST - 1)
    add_records(9, municipality=NOSEGAWA, year=LAST + 1)  # this fiscal year: not published yet
    add_records(30, municipality=ZAMA, year=LAST)  # 神奈川県: nothing small, nothing hidden
    add_records(8, municipality=ZAMA, year=LAST - 1, audience=Audience.CHILDREN)
    db.session.commit()


def test_csv_downloads_without_login_with_the_open_data_columns(app):
    seed_nara()
    response = app.test_client().get("/opendata/supporters.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["全国地方公共団体コード", "都道府県名", "市区町村名", "年度", "養成数（年度内）",
                       "うち子ども向け（年度内）", "つながりサポーター数（累計）", "うち子ども向け（累計）"]
    body = rows[1:]
    # Every prefecture and every municipality, for every ended fiscal year and no other.
    assert len(body) == len(YEARS) * (47 + 1741)
    assert {r[3] for r in body} == {str(y) for y in YEARS}
    assert str(LAST + 1) not in {r[3] for r in body}
    nara = next(r for r in body if r[0] == "290009" and r[3] == str(LAST))
    assert nara[1:3] == ["奈良県", ""]
    zama = [r for r in body if r[0] == ZAMA]
    assert zama[-2][1:] == ["神奈川県", "座間市", str(LAST - 1), "8", "8", "8", "8"]
    assert zama[-1][1:] == ["神奈川県", "座間市", str(LAST), "30", "0", "38", "8"]
    kanagawa = next(r for r in body if r[0] == "140007" and r[3] == str(LAST))
    assert kanagawa[1:] == ["神奈川県", "", str(LAST), "30", "0", "38", "8"]
    assert next(r for r in body if r[0] == "011002")[2] == "札幌市"


def test_no_figure_below_the_threshold_and_the_village_cannot_be_singled_out(app):
    seed_nara()
    rows = rows_of(app.test_client().get("/opendata/supporters.csv"))[1:]
    for row in rows:
        for value in row[4:]:
            assert value == MARK or value == "0" or int(value) >= 5, row
    village = [r for r in rows if r[0] == NOSEGAWA]
    assert village and all(r[4:] == ["0", "0", "0", "0"] or MARK in r[4:] for r in village)
    assert all(MARK in r[4:] for r in village if int(r[3]) >= LAST)

    # The attacker's table: 奈良県's municipalities by (year, course), as the CSV gives them.
    nara = [r for r in rows if r[1] == "奈良県"]
    shown, true, names = _table_from_csv(nara)
    village_row = names.index(NOSEGAWA)
    last_adult = 2 * YEARS.index(LAST)
    assert shown.cells[village_row][last_adult] is None
    assert alternative_exists(true, shown, ("cell", village_row, last_adult))
    assert alternative_exists(true, shown, ("row", village_row))
    # 十津川村's 2 (an earlier year) is protected the same way.
    totsukawa = names.index(TOTSUKAWA)
    assert alternative_exists(true, shown, ("cell", totsukawa, 2 * YEARS.index(LAST - 1)))


def _number(text: str) -> int | None:
    return None if text == MARK else int(text)


def _table_from_csv(rows: list[list[str]]) -> tuple[SuppressedTable, list[list[int]], list[str]]:
    """Cells (municipality x (year, adult / children)) with their margins, as the CSV shows them,
    next to the true counts from the database."""
    names = [r[0] for r in rows if r[3] == str(YEARS[0]) and r[2]]
    cells = {name: [] for name in names}
    column_totals: list[int | None] = []
    total = row_totals = None
    for year in YEARS:
        for r in (r for r in rows if r[3] == str(year)):
            in_year, children = _number(r[4]), _number(r[5])
            adult = None if in_year is None or children is None else in_year - children
            if r[2]:
                cells[r[0]] += [adult, children]
            else:
                column_totals += [adult, children]
                total = _number(r[6])
    row_totals = [_number(r[6]) for r in rows if r[3] == str(YEARS[-1]) and r[2]]
    shown = SuppressedTable(cells=[cells[n] for n in names], row_totals=row_totals, column_totals=column_totals,
                            total=total)
    counts = {}
    for code, year, audience, n in db.session.execute(
            sa.select(SupporterRecord.municipality_code, SupporterRecord.fiscal_year, SupporterRecord.audience,
                      sa.func.count()).group_by(SupporterRecord.municipality_code, SupporterRecord.fiscal_year,
                                                SupporterRecord.audience)):
        counts[(code, year, audience)] = n
    true = [[counts.get((name, year, audience), 0) for year in YEARS for audience in (Audience.ADULT, Audience.CHILDREN)]
            for name in names]
    return shown, true, names


def test_the_threshold_is_configurable(app, make_app):
    seed_nara()
    open_app = make_app(SUPPRESSION_THRESHOLD=1)
    rows = rows_of(open_app.test_client().get("/opendata/supporters.csv"))[1:]
    village = next(r for r in rows if r[0] == NOSEGAWA and r[3] == str(LAST))
    assert village[4:] == ["1", "0", "1", "0"]


def test_pupils_of_prefectural_schools_have_their_own_row(app):
    add_records(8, municipality=None, prefecture="29", year=LAST, audience=Audience.CHILDREN)
    db.session.commit()
    rows = rows_of(app.test_client().get("/opendata/supporters.csv"))[1:]
    row = next(r for r in rows if r[2] == opendata.NO_MUNICIPALITY and r[3] == str(LAST))
    assert row[:2] == ["", "奈良県"] and row[4:] == ["8", "8", "8", "8"]


def test_the_page_explains_the_file_and_its_licence(app):
    page = app.test_client().get("/opendata").get_data(as_text=True)
    assert "/opendata/supporters.csv" in page and "CC BY 4.0" in page
    assert "全国地方公共団体コード" in page and "独自に集計" in page
    assert "1〜4人" in page


def test_each_server_keeps_the_file_for_a_while(app, make_app):
    from app.services.infra import cache

    cached_app = make_app(OPENDATA_CACHE_SECONDS=60)
    client = cached_app.test_client()
    try:
        first = client.get("/opendata/supporters.csv").get_data()
        add_records(30, municipality=ZAMA, year=LAST)
        db.session.commit()
        assert client.get("/opendata/supporters.csv").get_data() == first  # ended years change rarely
        assert app.test_client().get("/opendata/supporters.csv").get_data() != first  # tests: no cache
    finally:
        cache.clear()
