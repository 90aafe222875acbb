"""The admin statistics page (filters, tables, SVG charts without style attributes) and its
CSV and XLSX exports (suppressed, formula-safe, audited), with a constant number of queries."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.models import AgeBand, Audience, AuditEvent, CohortMode, Role, Sex, SupporterRecord, User
from app.services.statistics import statistics
from app.services.statistics.suppression import MARK
from tests.conftest import count_queries
from tests.stats_helpers import add_records

YEAR = statistics.current_fiscal_year()
NOSEGAWA, IKOMA, NARA_CITY = "294471", "292095", "292010"


def seed():
    add_records(23, municipality=IKOMA, year=YEAR, age_band=AgeBand.AGE_60S, sex=Sex.FEMALE,
                mode=CohortMode.IN_PERSON)
    add_records(7, municipality=IKOMA, year=YEAR, audience=Audience.CHILDREN, age_band=None, sex=None)
    add_records(11, municipality=NARA_CITY, year=YEAR, age_band=AgeBand.AGE_40S, sex=Sex.MALE,
                mode=CohortMode.LIVE_ONLINE)
    add_records(1, municipality=NOSEGAWA, year=YEAR, age_band=AgeBand.OVER_70, sex=Sex.MALE)
    add_records(40, municipality=IKOMA, year=YEAR - 1)
    add_records(15, municipality="142166", year=YEAR)
    db.session.commit()


def test_an_admin_answers_how_many_in_nara_this_year_by_municipality_and_age(admin_client):
    seed()
    page = admin_client.get(f"/admin/statistics?year={YEAR}&pref=29").get_data(as_text=True)
    label = statistics.fiscal_year_label(YEAR)
    assert f"奈良県・{label}" in page
    assert f"{label}に修了した人" in page
    headline = re.search(r'class="figure-value">([\d,]+)<small>', page).group(1)
    assert headline == "42"
    # By municipality: 生駒市 23 + 7 this year, 70 to date; 野迫川村 shown exactly (admins see all).
    row = re.search(r"<th scope=\"row\">生駒市</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">\s*([\d,]+)(?:</span>)?</td>", row) == ["23", "7", "30", "70", "0"]
    assert re.search(r"<th scope=\"row\">野迫川村</th>", page)
    # By age band: the 70s row holds the villager, the unanswered row the pupils.
    assert re.search(r"70代以上</th>(.*?)</tr>", page, re.S)
    # Charts are SVG drawn on the server, with no style attribute (the CSP forbids inline styles).
    assert page.count("<svg") >= 4 and 'role="img"' in page
    assert "style=" not in page and "<script" not in page


def test_national_view_links_each_prefecture(admin_client):
    seed()
    page = admin_client.get("/admin/statistics").get_data(as_text=True)
    assert "全国・すべての年度" in page
    assert 'href="/admin/statistics?pref=29"' in page and ">奈良県</a>" in page
    assert admin_client.get("/admin/statistics?year=1999&pref=99").status_code == 200  # ignored, not an error


def test_csv_export_is_suppressed_formula_safe_and_audited(admin_client):
    seed()
    response = admin_client.get(f"/admin/statistics/export.csv?table=areas&year={YEAR}&pref=29")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "都道府県・市区町村"
    village = next(r for r in rows if r[0] == "野迫川村")
    assert MARK in village
    for row in rows[1:]:
        for value in row[1:]:
            assert value == MARK or int(value) == 0 or int(value) >= 5, row
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.statistics"))
    assert event.detail["format"] == "csv" and event.detail["table"] == "areas"
    assert event.detail["prefecture"] == "29" and event.detail["fiscal_year"] == YEAR


def test_xlsx_export_has_every_table_suppressed(admin_client):
    seed()
    response = admin_client.get(f"/admin/statistics/export.xlsx?year={YEAR}&pref=29")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["四半期・年度ごと", "地域ごと", "年代・性別", "実施形態", "開催回数"]
    for sheet in book.worksheets[:4]:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, int):
                    assert value == 0 or value >= 5, (sheet.title, row)
    age = book["年代・性別"]
    seventies = next(r for r in age.iter_rows(values_only=True) if r[0] == "70代以上")
    assert MARK in seventies
    assert db.session.scalar(sa.select(AuditEvent.detail).where(AuditEvent.action == "export.statistics"))[
        "format"] == "xlsx"


def test_formula_like_names_are_neutralised(admin_client):
    # A municipality code no longer in the reference data is shown by its code; make it look like
    # a formula to be sure such text can never run in Excel.
    add_records(9, municipality="=1+1", prefecture="29", year=YEAR)
    db.session.commit()
    text = admin_client.get(f"/admin/statistics/export.csv?table=areas&year={YEAR}&pref=29").get_data(as_text=True)
    assert "\n'=1+1," in text.replace("\r\n", "\n")


def test_statistics_page_queries_do_not_grow_with_trainees(admin_client):
    def queries(n: int) -> int:
        db.session.execute(sa.delete(SupporterRecord))
        # Trainees without a password hash: hashing a hundred would only slow the test down.
        db.session.add_all(User(email=f"t{n}-{i}@example.jp", display_name=f"受講者{i}", role=Role.TRAINEE,
                                municipality_code=[IKOMA, NARA_CITY, NOSEGAWA][i % 3]) for i in range(n))
        add_records(n, municipality=IKOMA, year=YEAR)
        db.session.commit()
        with count_queries() as statements:
            assert admin_client.get(f"/admin/statistics?year={YEAR}&pref=29").status_code == 200
        return len(statements)

    assert queries(10) == queries(100)
