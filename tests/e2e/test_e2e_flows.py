"""Browser steps for the flows issue (issue 20 items 2, 3, 5, 8): a future session refuses attendance
(the page says from when), resume goes to the first unfinished lesson and 次へ completes a lesson,
the pass screen offers the certificate before the survey, マイページ lists the joined session, the
trainee leaves it and corrects their own name (until the certificate is printed).
At 375 and 1280 px; screenshots also kept in /tmp/artifacts/flows/."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.browser import Journey
from tests.e2e.steps_helpers import to_last_step
from tests.e2e.trainee import ADULT, PASSWORD, quiz_answers

FLOWS = Path("/tmp/artifacts/flows")
COORDINATOR = ("coordinator@demo.tsunagari.example", "demo-coord-pass")
SIZES = {"phone": {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True,
                   "has_touch": True, "max_width": 375},
         "desktop": {"viewport": {"width": 1280, "height": 900}}}


CORRECTED = "流れ 確代"


def display_name(live, email: str) -> str:
    from app.extensions import db
    from app.models import User

    app = live.app()
    with app.app_context():
        name = db.session.scalar(sa.select(User.display_name).where(User.email == email))
        db.session.remove()
        db.engine.dispose()
    return name


def shot(j: Journey, label: str, size: str) -> None:
    j.check(label)
    FLOWS.mkdir(parents=True, exist_ok=True)
    j.page.screenshot(path=str(FLOWS / f"{label}-{size}.png"), full_page=True)


def login(j: Journey, email: str, password: str) -> None:
    j.page.goto("/login")
    j.page.fill("#email", email)
    j.page.fill("#password", password)
    j.page.get_by_role("button", name="ログイン").click()
    j.page.wait_for_url(re.compile(r"/(my|coordinate/)$"))


def future_session_with_participant(live, size: str) -> tuple[str, str]:
    """A session of the demo organisation a fortnight ahead, one trainee joined: (trainee email,
    the attendance page's path)."""
    from app.extensions import db
    from app.models import Course, Membership, Role, User
    from app.services.cohorts import cohorts

    email = f"flows-{size}@example.jp"
    app = live.app()
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR[0]))
        org = db.session.scalar(sa.select(Membership).where(Membership.user_id == coordinator.id)).organisation
        course = db.session.scalar(sa.select(Course).where(Course.slug == ADULT))
        day = dt.datetime.now(cohorts.JST).date() + dt.timedelta(days=14)
        cohort = cohorts.create_cohort(db.session, org, cohorts.CohortFields(
            course_id=course.id, title=f"フロー確認の回（{size}）", mode=cohorts.CohortMode.IN_PERSON,
            starts_at=cohorts.from_jst(day, dt.time(13, 30)), ends_at=cohorts.from_jst(day, dt.time(15, 0)),
            venue="生駒市役所 4階 大会議室"), actor=coordinator)
        user = User(email=email, display_name="流れ 確子", role=Role.TRAINEE, municipality_code="292095")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        cohorts.join(db.session, cohort, user)
        db.session.commit()
        path = f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/attendance"
        db.session.remove()
        db.engine.dispose()
    return email, path


def past_session_attended(live, size: str) -> str:
    """A session of the demo organisation held yesterday, one trainee joined and recorded present
    (so completed, with a certificate): the attendance page's path."""
    from app.extensions import db
    from app.models import Course, Membership, Role, User
    from app.services.cohorts import cohorts

    app = live.app()
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR[0]))
        org = db.session.scalar(sa.select(Membership).where(Membership.user_id == coordinator.id)).organisation
        course = db.session.scalar(sa.select(Course).where(Course.slug == ADULT))
        day = dt.datetime.now(cohorts.JST).date() - dt.timedelta(days=1)
        cohort = cohorts.create_cohort(db.session, org, cohorts.CohortFields(
            course_id=course.id, title=f"昨日の回（{size}）", mode=cohorts.CohortMode.IN_PERSON,
            starts_at=cohorts.from_jst(day, dt.time(10, 0)), venue="生駒市コミュニティセンター"), actor=coordinator)
        user = User(email=f"flows-past-{size}@example.jp", display_name="誤り 記録", role=Role.TRAINEE,
                    municipality_code="292095")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        enrolment = cohorts.join(db.session, cohort, user).enrolment
        cohorts.record_attendance(db.session, cohort, [enrolment.id], actor=coordinator)
        db.session.commit()
        path = f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/attendance"
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_flows(new_journey, live, size):
    email, attendance = future_session_with_participant(live, size)

    # Item 2: the coordinator's page says from when; there is nothing to tick before the start.
    c = new_journey(f"flows-coordinator-{size}", **SIZES[size])
    login(c, *COORDINATOR)
    c.page.goto(attendance)
    expect(c.page.locator("#main")).to_contain_text("から記録できます")
    assert c.page.locator('input[name="enrolment_id"]').count() == 0
    assert c.page.get_by_role("button", name="選んだ人の出席を記録する").count() == 0
    shot(c, "attendance-future-refused", size)
    # A mistaken tick on a past session: un-ticking asks first and says what happens.
    c.page.goto(past_session_attended(live, size))
    shot(c, "attendance-past", size)
    c.page.locator('input[name="enrolment_id"]').first.uncheck()
    c.page.get_by_role("button", name="選んだ人の出席を記録する").click()
    c.page.wait_for_url(re.compile(r"/attendance/undo"))
    expect(c.page.locator("#main")).to_contain_text("修了を取り消します")
    expect(c.page.locator("#main")).to_contain_text("「取り消されています」と表示され")
    shot(c, "attendance-undo-confirm", size)
    c.page.get_by_role("button", name="取り消す").click()
    expect(c.page.locator(".flash-success").first).to_contain_text("出席の記録を取り消しました")
    shot(c, "attendance-undone", size)

    j = new_journey(f"flows-trainee-{size}", **SIZES[size])
    page = j.page
    login(j, email, PASSWORD)
    # Item 8: マイページ lists the joined session with its day, place and organiser.
    sessions = page.locator("#sessions")
    expect(sessions).to_contain_text(f"フロー確認の回（{size}）")
    expect(sessions).to_contain_text("13:30")
    expect(sessions).to_contain_text("生駒市役所 4階 大会議室")
    expect(sessions.get_by_role("link", name=re.compile("参加をやめる"))).to_be_visible()
    shot(j, "my-page-sessions", size)
    # Item 8: the trainee leaves the session; the page says first what stays (the learning).
    sessions.get_by_role("link", name=re.compile("参加をやめる")).click()
    expect(page.locator("h1")).to_have_text("開催回への参加をやめる")
    expect(page.locator("#main")).to_contain_text("講座の学習（おわったレッスン、確認テスト）は、そのまま残ります")
    shot(j, "leave-session-confirm", size)
    page.locator("#main").get_by_role("button", name="参加をやめる").click()
    expect(page.locator(".flash-success")).to_contain_text(f"「フロー確認の回（{size}）」への参加をやめました")
    expect(page.locator("#sessions")).not_to_contain_text(f"フロー確認の回（{size}）")
    expect(page.locator("#sessions")).to_contain_text("参加している開催回はありません")
    shot(j, "left-session", size)
    # Item 8: the trainee corrects the spelling of their own name before any certificate is printed.
    page.get_by_role("link", name="お名前の訂正").click()
    expect(page.locator("h1")).to_have_text("お名前の訂正")
    page.locator("#display_name").fill(CORRECTED)
    shot(j, "own-name", size)
    page.get_by_role("button", name="名前を直す").click()
    expect(page.locator(".flash-success")).to_contain_text("お名前を直しました。")
    expect(page).to_have_url(re.compile(r"/my$"))
    assert display_name(live, email) == CORRECTED

    # Item 3: looking ahead completes nothing; resume goes to the first unfinished lesson.
    # Joining the session enrolled the trainee in its course already.
    page.goto(f"/courses/{ADULT}")
    hrefs = page.locator(".lesson-list a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len(hrefs) == 6, hrefs
    first = hrefs[0]
    page.goto(hrefs[2])
    j.check("lesson-3-looked-ahead")
    page.goto(f"/courses/{ADULT}")
    expect(page.locator("#main")).to_contain_text("完了 0 / 6")
    page.get_by_role("link", name="つづきから学ぶ").click()
    assert j.path == first, f"resume went to {j.path}, not the first unfinished lesson {first}"
    shot(j, "resume-first-unfinished", size)
    # 次へ at the end of the lesson completes it, and the progress shown changes at once.
    to_last_step(page)  # on a phone the lesson comes in steps; 次へ is on the last
    page.locator("form.pager-next button").click()
    page.wait_for_url(re.compile(r"/lessons/[^/]+$"))
    assert j.path == hrefs[1], j.path
    expect(page.locator("#main")).to_contain_text("完了 1 / 6")
    shot(j, "next-completed-lesson-1", size)
    # On through every lesson with 次へ, to the quiz.
    for _ in range(10):
        if "/quiz" in page.url:
            break
        to_last_step(page)
        page.locator("form.pager-next button").click()
        page.wait_for_load_state("load")
    assert "/quiz" in page.url, page.url

    # Item 5: the pass screen offers the certificate (PDF, card) before the survey.
    right, _wrong = quiz_answers(live)
    page.get_by_role("button", name="テストをはじめる").click()
    for qid, values in right.items():
        for value in values:
            page.locator(f'input[name="q-{qid}"][value="{value}"]').check()
    page.get_by_role("button", name="答えを送る").click()
    banner = page.locator(".result-banner.passed")
    expect(banner).to_contain_text("合格です")
    pdf = banner.get_by_role("link", name="修了証をダウンロード（PDF）")
    expect(pdf).to_be_visible()
    links = banner.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    cert = next(i for i, h in enumerate(links) if h.endswith(".pdf") and "/card" not in h)
    card = next(i for i, h in enumerate(links) if h.endswith("/card.pdf"))
    survey = next(i for i, h in enumerate(links) if h.endswith("/survey"))
    assert cert < card < survey, links
    shot(j, "pass-screen-certificate", size)
    page.goto(f"/courses/{ADULT}")
    expect(page.locator(".done-banner").get_by_role("link", name="修了証をダウンロード（PDF）")).to_be_visible()
    shot(j, "course-completed-certificate", size)
    # Once the certificate is printed (its PDF made), the name is corrected by a reissue instead.
    with page.expect_download() as download:
        page.locator(".done-banner").get_by_role("link", name="修了証をダウンロード（PDF）").click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    page.goto("/my/name")
    expect(page.locator("#main")).to_contain_text("修了証がすでに印刷（PDF に）されているため")
    assert page.locator("#display_name").count() == 0
    shot(j, "own-name-after-printing", size)
    c.write_report()
    j.write_report()
