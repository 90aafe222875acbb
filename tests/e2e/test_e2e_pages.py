"""Journeys through the pages of issue 18 (home page, every lesson on a phone, the tile maps) and
issue 20 items 9, 10 and 12 (a coordinator's own counts, the teacher's class page and login cards,
English dates without the Reiwa era or full-width brackets)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Journey
from tests.e2e.test_e2e_flows import future_session_with_participant, login
from tests.e2e.test_e2e_pupil import demo_pupil

SHOTS = Path("/tmp/artifacts/pages")
PHONE = 375
WIDE = 1280
ENGLISH_DATE = re.compile(r"(January|February|March|April|May|June|July|August|September|October|November|"
                          r"December) \d{1,2}, \d{4}")


def keep(j: Journey, label: str) -> None:
    """j.check (axe, layout, console), and a copy of its screenshot under SHOTS."""
    j.check(label)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTIFACTS / j.name / f"{j.step:02d}-{label}.png", SHOTS / f"{j.name}-{label}.png")


def qr_codes(pdf: Path) -> list[str]:
    """Every QR code's text on the first page of a PDF (a page of cards holds several)."""
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    image = next(pdf.parent.glob(prefix.name + "*.png"))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    return out.stdout.split()


def demo_class_path(live, code: str) -> str:
    """The teacher's class page of the demo class with this code."""
    from app.extensions import db
    from app.models.pupil import SchoolClass

    app = live.app()
    with app.app_context():
        school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.code == code))
        path = f"/coordinate/organisations/{school_class.organisation_id}/classes/{school_class.id}"
        db.session.remove()
        db.engine.dispose()
    return path


def course_lessons(live) -> list[tuple[str, str, list[str]]]:
    """(slug, audience, lesson keys in order) of every course with a live version."""
    from app.extensions import db
    from app.models import Course

    app = live.app()
    with app.app_context():
        found = [(c.slug, c.audience.value, [lesson.key for lesson in sorted(c.live_version.lessons,
                                                                          key=lambda x: x.position)])
                 for c in db.session.scalars(sa.select(Course).order_by(Course.slug)) if c.live_version]
        db.session.remove()
        db.engine.dispose()
    return found


def pupil_login(j: Journey, live) -> None:
    j.page.goto("/pupil-login")
    j.page.fill("#class_code", live.pupil["code"])
    j.page.fill("#number", str(live.pupil["numbers"][-1]))
    j.page.fill("#password", live.pupil["password"])
    j.page.locator("main form button[type=submit]").click()
    j.page.wait_for_url(lambda url: "/pupil-login" not in url)


@pytest.mark.parametrize("width", [PHONE, WIDE])
def test_home_page(new_journey, width):
    j = new_journey(f"home-{width}", viewport={"width": width, "height": 800})
    j.page.goto("/")
    picture = j.page.locator("img.home-picture")
    expect(picture).to_be_visible()
    assert (picture.get_attribute("alt") or "").strip(), "the home picture has no text alternative"
    expect(j.page.locator("main")).to_contain_text("無料")
    assert j.page.locator("main details summary").count() == 5
    expect(j.page.locator('a[href="/sessions"]').first).to_be_visible()
    keep(j, "home")
    # A question opens with the keyboard and shows its answer.
    summary = j.page.locator("main details summary").first
    summary.focus()
    j.page.keyboard.press("Enter")
    expect(j.page.locator("main details").first).to_have_attribute("open", "")


def test_opendata_tile_map(new_journey):
    j = new_journey("opendata-map", viewport={"width": WIDE, "height": 900})
    j.page.goto("/opendata")
    svg = j.page.locator("svg.tilemap").first
    expect(svg).to_be_visible()
    assert svg.get_attribute("role") == "img"
    title_id = svg.get_attribute("aria-labelledby").split()[0]
    assert j.page.locator(f"#{title_id}").text_content().strip(), "the map's title is empty"
    expect(j.page.locator(".map-and-table table.figures")).to_be_visible()
    assert j.page.locator(".map-and-table table.figures tbody tr").count() >= 47
    keep(j, "opendata")  # axe included: the table's scrolling box is keyboard-reachable and named


def test_admin_statistics_map(new_journey):
    j = new_journey("admin-statistics-map", viewport={"width": WIDE, "height": 900})
    j.page.goto("/login")
    j.page.fill("#email", "admin@demo.tsunagari.example")
    j.page.fill("#password", "demo-admin-pass")
    j.page.get_by_role("button", name="ログイン").click()
    j.page.wait_for_url(re.compile(r"/admin/"))
    j.page.goto("/admin/statistics")
    svg = j.page.locator("svg.tilemap").first
    expect(svg).to_be_visible()
    assert svg.get_attribute("role") == "img"
    expect(j.page.locator("table").first).to_be_visible()
    keep(j, "admin-statistics")


def test_pupil_login_card_link_fills_in(new_journey, live):
    j = new_journey("pupil-login-card", viewport={"width": PHONE, "height": 800})
    code = live.pupil["code"]
    j.page.goto(f"/pupil-login?code={code}&n=1")
    expect(j.page.locator("#class_code")).to_have_value(code)
    expect(j.page.locator("#number")).to_have_value("1")
    expect(j.page.locator("#password")).to_have_value("")
    keep(j, "pupil-login-filled")
    # A link with a NUL byte is refused; a hostile one (bidi mark, huge number) fills in nothing.
    response = j.page.goto("/pupil-login?code=%00abc&n=1")
    assert response.status == 400
    j.page.goto("/pupil-login?code=%E2%80%AEabc&n=99999999999")
    expect(j.page.locator("#class_code")).to_have_value("")
    expect(j.page.locator("#number")).to_have_value("")


def read_lessons(j: Journey, slug: str, keys: list[str]) -> bool:
    """Page through every lesson of a course (screenshot of each first step); open one situation's
    choice with the keyboard when one shows. True when a situation was met."""
    page = j.page
    page.goto(f"/courses/{slug}")
    enrol = page.locator("form.enrol-form button[type=submit]")
    if enrol.count():
        enrol.first.click()
    met = False
    for n, key in enumerate(keys, 1):
        page.goto(f"/courses/{slug}/lessons/{key}")
        expect(page.locator(".lesson-body")).to_be_visible()
        keep(j, f"{slug}-{n:02d}")
        steps, button = 1, page.locator(".step-pager .step-next")
        while True:
            choice = page.locator(".situation-choices summary >> visible=true")
            if not met and choice.count():
                choice.first.focus()
                page.keyboard.press("Enter")
                feedback = page.locator(".situation-choices details[open] .situation-feedback")
                expect(feedback.first).to_be_visible()
                assert feedback.first.text_content().strip(), f"{key}: the situation's feedback is empty"
                keep(j, f"{slug}-situation")
                met = True
            if not (button.count() and button.is_visible()):
                break
            button.click()
            steps += 1
            assert steps < 60, f"{slug}/{key}: つぎへ never ends"
    return met


def test_lessons_on_a_phone(new_journey, live):
    courses = course_lessons(live)
    assert {audience for _, audience, _ in courses} == {"adult", "children"}, courses
    met = []
    for slug, audience, keys in courses:
        assert keys, f"{slug} has no lessons"
        j = new_journey(f"lessons-{slug}", viewport={"width": PHONE, "height": 760})
        if audience == "adult":
            login(j, "trainee@demo.tsunagari.example", "demo-trainee-pass")
        else:
            pupil_login(j, live)
        met.append(read_lessons(j, slug, keys))
    assert any(met), "no こんなとき、どうする？ situation met on the phone"


def test_english_my_pages(new_journey):
    j = new_journey("english-my", viewport={"width": WIDE, "height": 900})
    login(j, "trainee@demo.tsunagari.example", "demo-trainee-pass")
    j.page.goto("/my")
    j.page.locator('.menu-full button[name="lang"][value="en"]').click()
    expect(j.page.locator("html")).to_have_attribute("lang", "en")
    for path in ("/my", "/my/data"):
        j.page.goto(path)
        # The trainee's own name is data, written as they gave it.
        text = j.page.locator("main").inner_text().replace("山田 太郎（デモ受講者）", "")
        assert "令和" not in text, f"{path} shows the Reiwa era in English"
        assert "（" not in text and "）" not in text, f"{path} shows full-width brackets in English"
        keep(j, path.strip("/").replace("/", "-") + "-en")
    assert ENGLISH_DATE.search(j.page.locator("main").inner_text()), "/my/data shows no English date"


def test_teacher_class_page(new_journey, live):
    code = demo_pupil(live)["code"]
    j = new_journey("teacher-class", viewport={"width": WIDE, "height": 900})
    login(j, "teacher@demo.tsunagari.example", "demo-teacher-pass")
    page = j.page
    page.goto(demo_class_path(live, code))
    class_page = page.url
    expect(page.locator("main table").first).to_be_visible()
    keep(j, "class-page")
    # Names pasted in bulk: check (preview), then save; the table shows them.
    page.goto(class_page + "/names")
    page.fill("#names", "あおき はると\nいのうえ さくら")
    page.locator('input[name="preview"], button[name="preview"]').click()
    save = page.locator('input[name="save"], button[name="save"]')
    expect(save).to_be_visible()
    keep(j, "class-names-preview")
    save.click()
    page.wait_for_url(class_page)
    names = page.locator("main table input[type=text]").evaluate_all("els => els.map(e => e.value)")
    assert names[:2] == ["あおき はると", "いのうえ さくら"], names
    # Login cards: a PDF whose QR code opens the pupil login with class code and number filled in.
    page.locator("#include_logged_in").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="ログインカードを作る（PDF）").click()
    pdf = SHOTS / "login-cards.pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    info.value.save_as(pdf)
    links = qr_codes(pdf)
    link = next((x for x in links if x.endswith(f"/pupil-login?code={code}&n=1")), None)
    assert link, links
    parts = urlsplit(link)
    phone = new_journey("teacher-class-card-link", viewport={"width": PHONE, "height": 800})
    phone.page.goto(f"{parts.path}?{parts.query}")
    expect(phone.page.locator("#class_code")).to_have_value(code)
    expect(phone.page.locator("#number")).to_have_value("1")
    keep(phone, "card-link-filled")


def test_area_dashboard_shows_own_small_cohort_exactly(new_journey, live):
    _email, attendance = future_session_with_participant(live, "pages-area")
    org_path = attendance.split("/cohorts/")[0]
    j = new_journey("area-own-cohort", viewport={"width": WIDE, "height": 900})
    login(j, "coordinator@demo.tsunagari.example", "demo-coord-pass")
    j.page.goto(f"{org_path}/area")
    expect(j.page.locator("#own-figures")).to_contain_text("正確な数")
    row = j.page.locator("tr", has_text="フロー確認の回（pages-area）")
    expect(row).to_have_count(1)
    cells = row.locator("td.num").all_inner_texts()
    assert cells[0].strip() == "1", f"one participant shown as {cells}"
    assert "＊" not in row.inner_text(), "the coordinator's own cohort is hidden"
    keep(j, "area-own-cohort")
