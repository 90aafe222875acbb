"""Journey (c): a coordinator creates a cohort, invites participants from a CSV (one accepts in the
browser from the invitation's link, logged in as the invited address), records attendance,
downloads the certificates ZIP and the 実施報告 (PDF and Excel)."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.browser import ARTIFACTS
from tests.e2e.trainee import PASSWORD

COHORT_TITLE = "令和8年度 第1回 つながりサポーター養成講座(E2E)"  # as stored: names are NFKC-normalised
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


def _participants_register(live) -> dict[str, str]:
    """Each invited person has registered with the invited address (the registration journey is
    tested on its own); returns a fresh invitation link per address, as a resent mail would carry
    (the mailed tokens are stored only as hashes)."""
    from datetime import timedelta

    from app.extensions import db
    from app.models import CohortInvitation, Role, User
    from app.services.cohorts import cohorts

    app = live.app()
    links = {}
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@demo.tsunagari.example"))
        for name, email, *_ in PARTICIPANTS:
            user = User(email=email, display_name=name, role=Role.TRAINEE, municipality_code="292095")
            user.set_password(PASSWORD)
            db.session.add(user)
            invitation = db.session.scalar(sa.select(CohortInvitation).where(CohortInvitation.email == email))
            token = cohorts.resend_invitation(db.session, invitation, actor=coordinator, lifetime=timedelta(days=1))
            links[email] = f"/join/invitation/{token}"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return links


def _session_has_started(live, title: str) -> None:
    """A week passes: the session has begun, so its attendance can be recorded (refused before)."""
    from app.extensions import db
    from app.models import Cohort
    from app.models.base import utcnow

    app = live.app()
    with app.app_context():
        cohort = db.session.scalar(sa.select(Cohort).where(Cohort.title == title))
        cohort.starts_at = utcnow() - dt.timedelta(hours=1)
        cohort.ends_at = cohort.starts_at + dt.timedelta(minutes=90)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _accept(new_journey, link: str, email: str, tag: str) -> None:
    j = new_journey(f"invitee-{tag}", viewport={"width": 390, "height": 844})
    page = j.page
    page.goto(link)
    j.check("invitation")
    page.get_by_role("link", name="アカウントをお持ちの方: ログインして参加する").click()
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile("/join/invitation/"))
    j.check("invitation-logged-in")
    page.get_by_role("button", name="この講座に参加する").click()
    expect(page.locator(".flash-success").first).to_contain_text("参加を受け付けました")
    j.write_report()


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
    # The start and end times look like the other fields (issue 20 item 12: they were unstyled).
    styles = page.evaluate("""() => ['#title', '#day', '#start_time', '#end_time'].map(s => {
        const c = getComputedStyle(document.querySelector(s));
        return [c.borderTopWidth, c.borderTopColor, c.borderTopLeftRadius, c.paddingLeft, c.fontSize]; })""")
    assert all(style == styles[0] for style in styles), styles
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

    page.get_by_role("link", name="名簿の CSV ファイルから参加を招待する").click()
    j.check("import")
    page.set_input_files("input[type=file]", files=[{"name": "名簿.csv", "mimeType": "text/csv", "buffer": _csv()}])
    page.get_by_role("button", name="中身を確かめる").click()
    expect(page.locator("ul.summary")).to_contain_text("招待できる行: 3")
    j.check("import-preview")
    page.get_by_role("button", name="3人を招待する").click()
    expect(page.locator(".flash-success").first).to_contain_text("3人に招待のメールを送りました")
    expect(page.locator("table.invitations")).to_contain_text("招待中")
    j.check("cohort-with-invitations")

    for n, (email, link) in enumerate(_participants_register(live).items()):
        _accept(new_journey, link, email, str(n))
    page.goto(cohort_url)
    expect(page.locator("h2#participants")).to_contain_text("3人")
    j.check("cohort-with-participants")

    # Before the session, attendance is refused with its start time; once it has begun, it opens.
    page.get_by_role("link", name="出席を記録する（修了と証書の発行）").click()
    expect(page.locator("main")).to_contain_text("から記録できます")
    _session_has_started(live, COHORT_TITLE)
    page.reload()
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
