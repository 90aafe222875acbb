"""Short steps in a real browser: a lesson on a 375 px phone one section at a time, the children's
quiz one question at a time with answers kept when going back, and print showing everything."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.steps_helpers import to_last_step
from tests.e2e.test_e2e_pupil import children_answers

PHONE = 375


def _log_in_pupil(j, pupil) -> None:
    page = j.page
    page.goto("/pupil-login")
    page.fill("#class_code", pupil["code"])
    page.fill("#number", pupil["number"])
    page.fill("#password", pupil["password"])
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state("load")
    start = page.get_by_role("button", name="はじめる")
    if start.count():  # not enrolled yet (another journey may have enrolled this pupil already)
        start.click()
        if "/evaluation/before" in page.url:
            page.locator('input[name="skip"]').click()
    else:
        page.locator(".lesson-list a").first.click()
    assert "/lessons/" in page.url, page.url


def test_lesson_and_childrens_quiz_in_steps(new_journey, live):
    # A pupil no other journey has enrolled (the demo pupil has finished the course by now).
    pupil = {**live.pupil, "number": str(live.pupil["numbers"][2])}
    j = new_journey("steps", viewport={"width": PHONE, "height": 740}, max_width=PHONE)
    page = j.page
    _log_in_pupil(j, pupil)

    expect(page.locator(".step-pager")).to_be_visible()  # steps.js has run
    steps = page.locator(".lesson-step")
    total = steps.count()
    assert total >= 2, f"{total} steps"
    where = page.locator(".step-pager .step-where")
    expect(where).to_have_text(f"1 / {total}")
    assert where.get_attribute("aria-live") == "polite"
    expect(steps.nth(1)).to_be_hidden()
    expect(page.locator(".lesson-complete")).to_be_hidden()
    j.check("lesson-step-1")
    page.get_by_role("button", name="つぎへ").click()
    expect(where).to_have_text(f"2 / {total}")
    expect(steps.nth(0)).to_be_hidden()
    assert page.evaluate("document.activeElement.tagName") == "H2"
    page.get_by_role("button", name="もどる").click()
    expect(where).to_have_text(f"1 / {total}")
    # Print shows the whole lesson, without the pager.
    page.emulate_media(media="print")
    for n in range(total):
        expect(steps.nth(n)).to_be_visible()
    expect(page.locator(".step-pager")).to_be_hidden()
    page.emulate_media(media="screen")
    to_last_step(page)
    expect(where).to_have_text(f"{total} / {total}")
    expect(page.get_by_role("button", name="つぎへ")).to_be_hidden()
    expect(page.locator(".lesson-complete")).to_be_visible()
    j.check("lesson-step-last")
    # A wide screen shows the whole lesson again.
    page.set_viewport_size({"width": 1024, "height": 740})
    expect(page.locator(".step-pager")).to_have_count(0)
    expect(steps.nth(0)).to_be_visible()
    page.set_viewport_size({"width": PHONE, "height": 740})

    # The quiz: one question per screen, big ○×, answers kept when going back.
    slug = page.url.split("/courses/")[1].split("/")[0]
    page.goto(f"/courses/{slug}/quiz")
    page.get_by_role("button", name="テストをはじめる").click()
    expect(page.locator(".quiz-form .step-pager")).to_be_visible()
    questions = page.locator("fieldset.question")
    count = questions.count()
    answers = children_answers(live)
    submit = page.get_by_role("button", name="答えを送る")
    expect(submit).to_be_hidden()
    for n in range(count):
        expect(questions.nth(n)).to_be_visible()
        if n + 1 < count:
            expect(questions.nth(n + 1)).to_be_hidden()
        qid = questions.nth(n).get_attribute("id")[2:]
        for value in answers[qid]:
            label = questions.nth(n).locator(f'label.choice:has(input[value="{value}"])')
            box = label.bounding_box()
            assert box["height"] >= 48 and box["width"] >= 48, box
            label.click()
        if n == 0:
            j.check("quiz-step-1")
        if n + 1 < count:
            page.get_by_role("button", name="つぎへ").click()
    page.get_by_role("button", name="もどる").click()
    first_back = questions.nth(count - 2)
    expect(first_back).to_be_visible()
    assert first_back.locator("input:checked").count() >= 1, "the answer was lost going back"
    page.get_by_role("button", name="つぎへ").click()
    expect(submit).to_be_visible()
    submit.click()
    expect(page.locator(".result-banner.passed")).to_be_visible()
    j.write_report()
