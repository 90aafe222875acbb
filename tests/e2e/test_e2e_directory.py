"""Journey: つなぐ先. The 生駒市 coordinator adds a place to the town's directory; a trainee of 生駒市
sees it in the つなぐ lesson and on the card PDF (looked at as PNG); a trainee of 座間市 sees
neither, only the kind message with the national lines and the town's site."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.steps_helpers import to_step_with
from tests.e2e.trainee import ADULT, PASSWORD

LESSON = f"/courses/{ADULT}/lessons/tsunagu"
PLACE = "【例】E2E こころの相談室"
PHONE = "0743-00-0000"  # a test entry; the demo data holds no numbers
SHOTS = Path("/tmp/artifacts/directory")
TRAINEES = {"ikoma": ("ikoma.directory.e2e@example.jp", "292095"), "zama": ("zama.directory.e2e@example.jp", "142166")}


def _trainees(live) -> None:
    """Two enrolled trainees, one per town (registration is a journey of its own)."""
    from app.extensions import db
    from app.models import Course, Role, User
    from app.services.learning import enrolling

    app = live.app()
    with app.app_context():
        course = db.session.scalar(sa.select(Course).where(Course.slug == ADULT))
        for email, code in TRAINEES.values():
            user = User(email=email, display_name="受講 太郎", role=Role.TRAINEE, municipality_code=code)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            enrolling.enrol(db.session, user, course)
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


def _card(j, name: str) -> str:
    """Download the card from the lesson, keep it and its PNGs, return its text."""
    with j.page.expect_download() as info:
        j.page.locator(".local-support-box a[href*='support-card.pdf']").click()
    pdf = SHOTS / f"{name}.pdf"
    info.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(pdf), str(SHOTS / name)], check=True)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_coordinator_adds_a_place_and_only_that_towns_trainee_sees_it(live, new_journey):
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    _trainees(live)

    coordinator = new_journey("directory-coordinator")
    _login(coordinator, "coordinator@demo.tsunagari.example", "demo-coord-pass")
    page = coordinator.page
    page.goto("/coordinate/")
    page.get_by_role("link", name="生駒市 つながりサポーター事務局（デモ）").click()
    page.get_by_role("link", name="つなぐ先（地域の相談先）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("奈良県生駒市のつなぐ先")
    coordinator.check("directory")
    page.get_by_role("link", name="相談先を加える").click()
    coordinator.check("new-entry")
    page.get_by_label("名前（例: 生駒市 地域包括支援センター）").fill(PLACE)
    page.get_by_label("どんなことを相談できるか（やさしいことばで）").fill("【例】気持ちのこと、暮らしのことを相談できます。")
    page.get_by_label("だれでも").check()
    page.get_by_label("電話番号").fill("０７４３－００－００００")  # typed in full width, stored in ASCII
    page.get_by_label("受付時間（例: 平日 8時30分〜17時15分）").fill("【例】平日 9時〜17時")
    page.get_by_label("住所・場所").fill("【例】生駒市役所 1階")
    page.get_by_role("button", name="掲載する").click()
    expect(page.locator(".flash-success").first).to_contain_text("相談先を掲載しました")
    expect(page.locator(".directory-table")).to_contain_text(PHONE)
    coordinator.check("entry-added")
    _shot(coordinator, "01-coordinator-added")
    page.get_by_role("link", name="公開ページを見る").click()
    expect(page.locator(".directory-entries")).to_contain_text(PLACE)
    coordinator.check("public-page")
    _shot(coordinator, "01b-public-page")
    coordinator.write_report()

    ikoma = new_journey("directory-ikoma-trainee", viewport={"width": 375, "height": 812}, max_width=375)
    _login(ikoma, TRAINEES["ikoma"][0], PASSWORD)
    ikoma.page.goto(LESSON)
    to_step_with(ikoma.page, ".local-support-box")  # on a phone the lesson comes in steps
    box = ikoma.page.locator(".local-support-box")
    expect(box).to_contain_text(PLACE)
    expect(box).to_contain_text(PHONE)
    ikoma.check("lesson-with-directory")
    box.screenshot(path=str(SHOTS / "02-ikoma-lesson-box.png"))
    text = _card(ikoma, "03-ikoma-card")
    assert PLACE in text and PHONE in text and "0120-279-338" in text
    ikoma.write_report()

    zama = new_journey("directory-zama-trainee")
    _login(zama, TRAINEES["zama"][0], PASSWORD)
    zama.page.goto(LESSON)
    box = zama.page.locator(".local-support-box")
    expect(box).to_contain_text("まだここにまとめられていません")
    expect(box).to_contain_text("0120-279-338")
    expect(box).not_to_contain_text(PLACE)
    zama.check("lesson-without-directory")
    box.screenshot(path=str(SHOTS / "04-zama-lesson-box.png"))
    text = _card(zama, "05-zama-card")
    assert PLACE not in text and PHONE not in text and "0120-279-338" in text
    zama.write_report()


def test_a_pupil_sees_the_places_for_children_in_their_words(live, new_journey):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pupil = live.pupil
    j = new_journey("directory-pupil", viewport={"width": 390, "height": 844}, max_width=390)
    page = j.page
    page.goto("/pupil-login")
    page.fill("#class_code", pupil["code"])
    page.fill("#number", str(pupil["number"]))
    page.fill("#password", pupil["password"])
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("load")
    if page.get_by_role("button", name="はじめる").count():
        page.get_by_role("button", name="はじめる").click()
    page.goto("/courses/tsunagari-children/lessons/soudan")
    to_step_with(page, ".local-support-box")
    box = page.locator(".local-support-box")
    # The demo town's example for children, in its children's wording; the adults' example is left out.
    expect(box).to_contain_text("れんしゅう用の見本です")
    expect(box).not_to_contain_text("くらしとこころの相談窓口")
    expect(box.locator("ruby").first).to_be_visible()
    j.check("pupil-lesson-box")
    box.screenshot(path=str(SHOTS / "06-pupil-lesson-box.png"))
    text = _card(j, "07-pupil-card")
    assert "れんしゅう用の見本です" in text and "0120-99-7777" in text and "くらしとこころ" not in text
    j.write_report()
