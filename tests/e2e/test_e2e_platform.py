"""Journey: a local platform and the public session finder. The 生駒市 coordinator creates a platform
and invites an NPO; the NPO's coordinator accepts and creates a public cohort; an anonymous resident
finds it by typing the town in the finder; the platform dashboard counts it."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.trainee import PASSWORD

NPO = "NPO法人つなぐ生駒（E2E）"
NPO_COORDINATOR = "npo.platform.e2e@example.jp"
CITY = "生駒市 つながりサポーター事務局（デモ）"
PLATFORM = "生駒市つながり連携プラットフォーム (E2E)"
TITLE = "NPO主催 つながりサポーター養成講座 (E2E)"
SHOTS = Path("/tmp/artifacts/platform")


def _npo(live) -> None:
    """An NPO in 生駒市 with its own coordinator (organisations are made by admins, a journey of its own)."""
    from app.extensions import db
    from app.models import Membership, Organisation, OrganisationKind, Role, User

    app = live.app()
    with app.app_context():
        if db.session.scalar(sa.select(Organisation).where(Organisation.name == NPO)) is None:
            org = Organisation(kind=OrganisationKind.NPO, name=NPO, municipality_code="292095")
            user = User(email=NPO_COORDINATOR, display_name="NPO 担当", role=Role.COORDINATOR,
                        municipality_code="292095")
            user.set_password(PASSWORD)
            db.session.add_all([org, user])
            db.session.flush()
            db.session.add(Membership(user_id=user.id, organisation_id=org.id))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _login(j, email: str, password: str) -> None:
    page = j.page
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("load")


def _shot(j, name: str) -> None:
    j.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_platform_invites_npo_whose_public_cohort_a_resident_finds(live, new_journey):
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    _npo(live)

    # 1. The municipality creates its platform and invites the NPO.
    city = new_journey("platform-city", viewport={"width": 1280, "height": 900})
    _login(city, "coordinator@demo.tsunagari.example", "demo-coord-pass")
    page = city.page
    page.get_by_role("link", name=CITY).click()
    page.get_by_role("link", name="プラットフォーム（官民連携）").click()
    city.check("platforms")
    page.get_by_label(re.compile("^プラットフォームの名前")).fill(PLATFORM)
    page.get_by_role("button", name="作る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PLATFORM)
    page.get_by_label("団体の名前でさがす（2文字以上）").fill("つなぐ生駒")
    page.get_by_role("button", name="さがす").click()
    page.locator("li", has_text=NPO).get_by_role("button", name="招待する").click()
    expect(page.locator(".flash-success")).to_contain_text(NPO)
    expect(page.locator("table.platform-members")).to_contain_text("招待中")
    city.check("invited")
    _shot(city, "1-city-invited")
    platform_url = page.url

    # 2. The NPO's coordinator accepts and creates a public cohort.
    npo = new_journey("platform-npo", viewport={"width": 1280, "height": 900})
    _login(npo, NPO_COORDINATOR, PASSWORD)
    page = npo.page
    page.goto("/coordinate/")
    page.get_by_role("link", name=NPO).click()
    page.get_by_role("link", name="プラットフォーム（官民連携）").click()
    expect(page.locator("table.platform-memberships")).to_contain_text(PLATFORM)
    npo.check("invitation")
    _shot(npo, "2-npo-invitation")
    page.get_by_role("button", name="受け入れる").click()
    expect(page.locator(".flash-success")).to_contain_text(PLATFORM)
    expect(page.locator("table.platform-memberships")).to_contain_text("参加中")
    npo.check("accepted")
    page.goto("/coordinate/")
    page.get_by_role("link", name=NPO).click()
    page.get_by_role("link", name=re.compile("^開催回")).click()
    page.get_by_role("link", name="開催回を作る").click()
    page.select_option("#course_id", label="つながりサポーター養成講座")
    page.fill("#title", TITLE)
    page.get_by_role("radio", name="対面").check()
    page.fill("#day", (dt.date.today() + dt.timedelta(days=10)).isoformat())
    page.fill("#start_time", "10:00")
    page.fill("#end_time", "11:30")
    page.fill("#venue", "生駒市コミュニティセンター 201会議室")
    page.fill("#capacity", "20")
    public = page.get_by_label(re.compile("開催予定の講座をさがす"))
    expect(public).not_to_be_checked()  # not public unless the coordinator says so
    public.check()
    npo.check("cohort-form")
    _shot(npo, "3-npo-cohort-form")
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".flash-success")).to_contain_text(TITLE)

    # 3. A resident, not logged in, types the town and finds it.
    resident = new_journey("platform-resident", viewport={"width": 390, "height": 844}, max_width=390)
    page = resident.page
    page.goto("/sessions")
    resident.check("finder")
    page.locator("#municipality-search").fill("いこま")
    page.get_by_role("option", name=re.compile("生駒市")).first.click()
    expect(page.locator("#municipality_code")).to_have_value("292095")
    page.get_by_role("button", name="さがす").click()
    result = page.locator("li.session-result", has_text=TITLE)
    expect(result).to_contain_text("生駒市コミュニティセンター 201会議室")
    expect(result).to_contain_text(NPO)
    expect(result).to_contain_text("20席")
    resident.check("found")
    _shot(resident, "4-resident-found")
    result.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    resident.check("session-page")
    _shot(resident, "5-resident-session-page")

    # 4. The platform's dashboard counts it, in the NPO's line.
    page = city.page
    page.goto(platform_url)
    page.get_by_role("link", name=re.compile("^実績")).click()
    row = page.locator("table.platform-figures tbody tr", has_text=NPO)
    expect(row.locator("td").first).to_have_text("1")
    city.check("dashboard")
    _shot(city, "6-city-dashboard")
    page.goto(platform_url)
    page.get_by_role("link", name=re.compile("^参加団体の開催回")).click()
    expect(page.locator("table")).to_contain_text(TITLE)
    city.check("member-cohorts")
    page.goto(platform_url + "/dashboard")
    with page.expect_download() as info:
        page.get_by_role("link", name="活動報告（PDF）").click()
    info.value.save_as(SHOTS / "7-report.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(SHOTS / "7-report.pdf"), str(SHOTS / "7-report")], check=True)
    report = subprocess.run(["pdftotext", "-layout", str(SHOTS / "7-report.pdf"), "-"], capture_output=True, text=True,
                            check=True).stdout
    assert "活動報告" in report and "NPO主催" in report and "NPO法人つなぐ生" in report
