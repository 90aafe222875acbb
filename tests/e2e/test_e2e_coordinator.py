"""Journey (c): a coordinator creates a cohort, imports a CSV of participants, records attendance,
downloads the certificates ZIP and the 実施報告 (PDF and Excel)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.browser import ARTIFACTS

COHORT_TITLE = "令和8年度 第1回 つながりサポーター養成講座（E2E）"
PARTICIPANTS = [("山田 花子", "hanako.e2e@example.jp", "40代", "女性"),
                ("佐藤 一郎", "ichiro.e2e@example.jp", "70代以上", "男性"),
                ("鈴木 さくら", "sakura.e2e@example.jp", "20代", "")]


def _csv() -> bytes:
    lines = ["氏名,メールアドレス,市区町村コード,年代,性別"]
    lines += [f"{name},{email},292095,{age},{sex}" for name, email, age, sex in PARTICIPANTS]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")  # as Excel saves "CSV UTF-8"


def login(j, email: str, password: str) -> None:
    page = j.page
    page.goto("/login")
    j.check("login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()


def test_coordinator_runs_a_session(new_journey, live):
    j = new_journey("coordinator", viewport={"width": 1280, "height": 900})
    page = j.page
    login(j, "coordinator@demo.tsunagari.example", "demo-coord-pass")
    expect(page).to_have_url(re.compile("/coordinate/$"))
    j.check("coordinate-home")
    page.get_by_role("link", name="生駒市 つながりサポーター事務局（デモ）").click()
    j.check("organisation")
    page.get_by_role("link", name=re.compile("^開催回")).click()
    j.check("cohorts")
    page.get_by_role("link", name="開催回を作る").click()
    j.check("cohort-new")
    page.select_option("#course_id", label="つながりサポーター養成講座")
    page.fill("#title", COHORT_TITLE)
    page.get_by_role("radio", name="対面").check()
    day = dt.date.today() + dt.timedelta(days=7)
    page.fill("#day", day.isoformat())
    page.fill("#start_time", "14:00")
    page.fill("#end_time", "15:30")
    page.fill("#venue", "生駒市役所 4階 大会議室")
    page.fill("#capacity", "30")
    page.fill("#instructor_name", "講師 花子")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".flash-success")).to_contain_text(COHORT_TITLE)
    j.check("cohort-created")
    cohort_url = page.url

    page.get_by_role("link", name="参加者を CSV ファイルから取り込む").click()
    j.check("import")
    page.set_input_files("input[type=file]", files=[{"name": "名簿.csv", "mimeType": "text/csv", "buffer": _csv()}])
    page.get_by_role("button", name="中身を確かめる").click()
    expect(page.locator("ul.summary")).to_contain_text("取り込める行: 3")
    j.check("import-preview")
    page.get_by_role("button", name="3人を取り込む").click()
    expect(page.locator(".flash-success").first).to_contain_text("3人のアカウントを作り")
    j.check("cohort-with-participants")

    page.get_by_role("link", name="出席を記録する（修了と証書の発行）").click()
    j.check("attendance")
    for name, *_ in PARTICIPANTS:
        expect(page.get_by_role("row", name=re.compile(name))).to_be_visible()
    page.get_by_role("button", name="全員の出席を記録する").click()
    # The certificates' PDFs are prepared in the background; the page refreshes itself.
    link = page.get_by_role("link", name=re.compile("ZIP をダウンロード（3件）"))
    expect(link).to_be_visible(timeout=90_000)
    j.check("bulk-job-done")
    with page.expect_download() as info:
        link.click()
    archive = ARTIFACTS / j.name / "certificates.zip"
    info.value.save_as(archive)
    with zipfile.ZipFile(archive) as zf:
        names = sorted(zf.namelist())
        assert len(names) == 3, names
        for file in names:
            assert file.endswith(".pdf") and zf.read(file).startswith(b"%PDF")
        holders = " ".join(PdfReader(io.BytesIO(zf.read(f))).pages[0].extract_text() for f in names)
        for name, *_ in PARTICIPANTS:
            assert name.replace(" ", "") in holders.replace(" ", ""), name

    page.goto(cohort_url)
    page.get_by_role("link", name="実施報告（PDF・Excel）").click()
    j.check("report")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF をダウンロード").click()
    report_pdf = ARTIFACTS / j.name / "report.pdf"
    info.value.save_as(report_pdf)
    text = "".join(p.extract_text() for p in PdfReader(str(report_pdf)).pages)
    assert "実施報告" in text and COHORT_TITLE[:8] in text
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel をダウンロード").click()
    report_xlsx = ARTIFACTS / j.name / "report.xlsx"
    info.value.save_as(report_xlsx)
    cells = [str(c.value) for ws in load_workbook(report_xlsx).worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert any(COHORT_TITLE in c for c in cells)
    j.write_report()
