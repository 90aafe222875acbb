"""Journey (evaluation): an adult answers the self-assessment before the first lesson, completes by
attendance and answers the after at the next visit; a pupil answers with the faces scale using the
keyboard only; the cohort's effect report shows the change. Screenshots in /tmp/artifacts/evaluation."""
from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.browser import ARTIFACTS, Journey

SHOTS = Path("/tmp/artifacts/evaluation")
PASSWORD = "tsunagari-e2e-eval-42"
COORDINATOR = ("coordinator@demo.tsunagari.example", "demo-coord-pass")
ADULT = "/courses/tsunagari-adult"


def _in_app(live, work):
    from app.extensions import db

    app = live.app()
    with app.app_context():
        try:
            return work(db)
        finally:
            db.session.remove()
            db.engine.dispose()


def _cohort_with_four_pairs(live) -> tuple[int, int]:
    """A cohort of the demo coordinator's organisation where four people already answered both."""
    from app.models import CohortMode, Course, Membership, Organisation, Role, User
    from app.services.cohorts import cohorts
    from app.services.evaluation import answers
    from app.services.learning import progress

    def work(db):
        coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR[0]))
        org_id = db.session.scalar(sa.select(Membership.organisation_id).where(Membership.user_id == coordinator.id))
        course = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))
        org = db.session.get(Organisation, org_id)
        cohort = cohorts.create_cohort(db.session, org, cohorts.CohortFields(
            course_id=course.id, title="効果を見る回(E2E)", mode=CohortMode.IN_PERSON, venue="生駒市役所"), actor=None)
        for n in range(4):
            user = User(email=f"pair{n}.e2e@example.jp", display_name=f"組{n}", role=Role.TRAINEE,
                        municipality_code="292095")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.flush()
            enrolment = cohorts.join(db.session, cohort, user).enrolment
            answers.answer(db.session, enrolment, answers.Phase.BEFORE,
                           {"explain": "2", "notice": "3", "speak": "2", "connect": "1", "ask": "3"})
            progress.record_attendance(db.session, enrolment)
            answers.answer(db.session, enrolment, answers.Phase.AFTER,
                           {"explain": "4", "notice": "4", "speak": "3", "connect": "4", "ask": "3"})
        adult = User(email="adult.e2e-eval@example.jp", display_name="評価 花子", role=Role.TRAINEE,
                     municipality_code="292095")
        adult.set_password(PASSWORD)
        db.session.add(adult)
        db.session.flush()
        cohorts.join(db.session, cohort, adult)
        db.session.commit()
        return org.id, cohort.id
    return _in_app(live, work)


def _record_attendance(live, email: str) -> None:
    from app.models import Enrolment, User
    from app.services.learning import progress

    def work(db):
        enrolment = db.session.scalar(sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
                                      .where(User.email == email))
        progress.record_attendance(db.session, enrolment)
        db.session.commit()
    _in_app(live, work)


def _complete_pupil(live, code: str, number: int) -> None:
    from app.models import Enrolment, SchoolClass, User
    from app.models.base import utcnow

    def work(db):
        enrolment = db.session.scalar(
            sa.select(Enrolment).join(User, User.id == Enrolment.user_id)
            .join(SchoolClass, SchoolClass.id == User.school_class_id)
            .where(SchoolClass.code == code, User.pupil_number == number))
        enrolment.completed_at = utcnow()  # the lessons themselves are the pupil journey's part
        db.session.commit()
    _in_app(live, work)


def keep(j: Journey, label: str, name: str) -> None:
    j.check(label)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTIFACTS / j.name / f"{j.step:02d}-{label}.png", SHOTS / f"{name}.png")


def login(j: Journey, email: str, password: str) -> None:
    page = j.page
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("load")


def answer(page, values: dict[str, str]) -> None:
    for item, value in values.items():
        page.locator(f'input[name="e-{item}"][value="{value}"]').check()


def test_adult_before_complete_after_and_the_cohort_report(new_journey, live):
    shutil.rmtree(SHOTS, ignore_errors=True)
    org_id, cohort_id = _cohort_with_four_pairs(live)
    j = new_journey("evaluation-adult")
    page = j.page
    login(j, "adult.e2e-eval@example.jp", PASSWORD)
    page.goto(ADULT)
    offer = page.get_by_role("link", name="はじめる前のふりかえり（任意・1分）")
    expect(offer).to_be_visible()
    keep(j, "course-offer-before", "adult-course-offer")
    offer.click()
    expect(page.get_by_role("button", name="答えずに進む")).to_be_visible()
    keep(j, "before", "adult-before")
    answer(page, {"explain": "2", "notice": "2", "speak": "2", "connect": "1", "ask": "3"})
    page.get_by_role("button", name="答えを送る").click()
    assert "/lessons/" in page.url, page.url
    expect(page.locator(".flash-success")).to_be_visible()
    j.check("first-lesson")

    # Completed by attending the session; the after is offered at the next visit.
    _record_attendance(live, "adult.e2e-eval@example.jp")
    page.goto(ADULT)
    expect(page.locator(".done-banner")).to_be_visible()
    page.get_by_role("link", name="講座のあとのふりかえり（任意・1分）").click()
    answer(page, {"explain": "4", "notice": "4", "speak": "4", "connect": "3", "ask": "3"})
    page.get_by_label("3か月後ごろに、メールで短い質問").check()
    keep(j, "after", "adult-after")
    page.get_by_role("button", name="答えを送る").click()
    expect(page.locator(".done-banner")).to_be_visible()
    expect(page.get_by_role("link", name="講座のあとのふりかえり（任意・1分）")).to_have_count(0)
    j.check("course-after-done")
    j.write_report()

    # The cohort's report: five pairs now, the change per item, a chart without JavaScript.
    c = new_journey("evaluation-coordinator")
    login(c, *COORDINATOR)
    c.page.goto(f"/coordinate/organisations/{org_id}/cohorts/{cohort_id}")
    c.page.get_by_role("link", name="講座の効果（受講前後のふりかえり）").click()
    expect(c.page.locator("h2", has_text="5組")).to_be_visible()
    expect(c.page.locator("svg.effect-chart")).to_be_visible()
    row = c.page.locator("tr", has_text="相談窓口")
    expect(row).to_contain_text("+2.80")  # connect: 1 -> 4 four times, 1 -> 3 once
    keep(c, "cohort-report", "cohort-report")
    c.page.get_by_role("link", name="対面・オンライン（ライブ）・オンデマンドを比べる").click()
    expect(c.page.locator("h2", has_text="対面")).to_be_visible()
    keep(c, "cohort-report-modes", "cohort-report-modes")
    c.write_report()


def test_pupil_answers_with_the_faces_scale_by_keyboard(new_journey, live):
    pupil = live.pupil
    j = new_journey("evaluation-pupil", viewport={"width": 375, "height": 740}, max_width=375)
    page = j.page
    page.goto("/pupil-login")
    page.fill("#class_code", pupil["code"])
    number = pupil["numbers"][1]  # not the pupil the directory journey enrols
    page.fill("#number", str(number))
    page.fill("#password", pupil["password"])
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("button", name="はじめる").click()
    assert "/evaluation/before" in page.url, page.url
    faces = page.locator(".evaluation-scale.faces").first
    expect(faces.locator("svg.face")).to_have_count(4)
    keep(j, "pupil-before", "pupil-before-faces")
    # Keyboard only: Tab into the first statement's group, arrows move along the faces.
    first = page.locator('input[name="e-notice"]').first
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator('input[name="e-notice"][value="3"]')).to_be_checked()
    for item in ("speak", "adult", "ask"):
        page.locator(f'input[name="e-{item}"]').first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
    keep(j, "pupil-before-answered", "pupil-before-answered")
    page.get_by_role("button", name="答えを送る").click()
    assert "/lessons/" in page.url, page.url

    _complete_pupil(live, pupil["code"], int(number))
    page.goto("/courses/tsunagari-children")
    page.locator(".evaluation-offer a").click()
    assert "/evaluation/after" in page.url
    answer(page, {"notice": "4", "speak": "3", "adult": "4", "ask": "3"})
    keep(j, "pupil-after", "pupil-after-faces")
    page.get_by_role("button", name="答えを送る").click()
    expect(page.locator(".flash-success")).to_be_visible()

    from app.models import EvaluationPair

    def work(db):
        return db.session.scalars(sa.select(EvaluationPair).where(EvaluationPair.audience == "children")).all()
    pairs = _in_app(live, work)
    # Another journey's pupil may have skipped the questions (a row without answers): only answered pairs.
    assert [(p.b1, p.a1, p.b2, p.a2) for p in pairs if p.b1 is not None] == [(3, 4, 2, 3)]
    j.write_report()
