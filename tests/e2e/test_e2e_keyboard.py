"""Journey (a) with the keyboard alone: Tab / Shift+Tab to move, typing, Enter, Space and the arrow
keys; no clicks. The test reads the page (which element has focus, what it says) but acts on it
only through key presses. Every focused control must show a visible focus indicator."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.browser import ARTIFACTS, qr_from_pdf
from tests.e2e.trainee import (
    PASSWORD,
    REFLECTION,
    assert_recorded,
    confirmation_link,
    expect_registration_sent,
    new_email,
    quiz_answers,
)

FOCUS_VISIBLE = """() => { const e = document.activeElement; if (!e) return false;
    const s = getComputedStyle(e);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }"""


def tab_to(page: Page, selector: str, *, limit: int = 300) -> None:
    """Tab forward until `selector` has focus, wrapping around the page once if needed."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus indicator on {selector} at {page.url}"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab on {page.url}")


def activate(page: Page, selector: str) -> None:
    """Tab to a link or button and press Enter: it opens or submits, and the next page loads."""
    tab_to(page, selector)
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")


def choose_radio(page: Page, name: str, value: str) -> None:
    """Into the radio group with Tab, then the arrow keys to the wanted choice (arrows check)."""
    tab_to(page, f'input[type=radio][name="{name}"]')
    values = page.eval_on_selector_all(f'input[type=radio][name="{name}"]', "els => els.map(e => e.value)")
    current = page.evaluate("() => document.activeElement.value")
    steps = values.index(value) - values.index(current)
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked && document.activeElement.value") == value


def answer_quiz(page: Page, answers: dict[str, list[str]]) -> None:
    kinds = page.eval_on_selector_all(".quiz-form fieldset", "fs => fs.map(f => [f.id.slice(2), "
                                      "f.querySelector('input').type])")
    for qid, kind in kinds:
        if kind == "radio":
            choose_radio(page, f"q-{qid}", answers[qid][0])
        else:
            for value in answers[qid]:
                tab_to(page, f'input[name="q-{qid}"][value="{value}"]')
                page.keyboard.press("Space")
    activate(page, ".quiz-form button[type=submit]")


def test_adult_journey_with_the_keyboard_alone(new_journey, live):
    j = new_journey("adult-keyboard", viewport={"width": 1280, "height": 900})
    page = j.page
    right, wrong = quiz_answers(live)
    email = new_email("keyboard")
    page.goto("/")
    j.check("home")
    # The first Tab reaches the skip link, which moves to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert page.evaluate(FOCUS_VISIBLE)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    activate(page, 'a[href="/register"].button')
    j.check("register")

    tab_to(page, "#display_name")
    page.keyboard.type("生駒 キーボード")
    for selector, text in (("#email", email), ("#password", PASSWORD), ("#password_confirm", PASSWORD)):
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#municipality-search")
    page.keyboard.type("いこま")
    expect(page.get_by_role("option", name=re.compile("奈良県 生駒市"))).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#municipality_code")).to_have_value("292095")
    activate(page, "form button.primary[type=submit]")
    expect_registration_sent(j)
    # The mailed link is opened as from a mail program (the address bar); its page's button
    # completes the registration.
    page.goto(confirmation_link(live, email))
    j.check("register-confirm")
    activate(page, "#main form button.primary[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("登録が完了しました")
    j.check("my-page")

    activate(page, '#main a[href="/courses"]')
    activate(page, 'a.card-title[href$="/tsunagari-adult"]')
    j.check("course")
    activate(page, "form.enrol-form button")
    if "/evaluation/before" in page.url:
        # The optional self-assessment before the first lesson: skipped, from the keyboard.
        j.check("evaluation-before")
        activate(page, '#main [name="skip"]')
    lessons = 0
    while "/lessons/" in page.url:
        lessons += 1
        j.check(f"lesson-{lessons}")
        if page.locator("form.reflection-editor").count() and lessons == 3:
            tab_to(page, "form.reflection-editor textarea")
            page.keyboard.type(REFLECTION)
            activate(page, "form.reflection-editor button[type=submit]")
            expect(page.locator("form.reflection-editor textarea")).to_have_value(REFLECTION)
            j.check("reflection-saved")
        activate(page, ".lesson-complete button[type=submit]")
    assert lessons == 6 and "/quiz" in page.url, (lessons, page.url)

    j.check("quiz")
    activate(page, 'form[action$="/quiz/start"] button')
    j.check("attempt-1")
    answer_quiz(page, wrong)
    expect(page.locator(".result-banner.failed")).to_be_visible()
    j.check("attempt-1-failed")
    activate(page, '.result-banner a[href$="/quiz"]')
    activate(page, 'form[action$="/quiz/start"] button')
    answer_quiz(page, right)
    expect(page.locator(".result-banner.passed")).to_be_visible()
    j.check("attempt-2-passed")
    activate(page, '.result-banner a[href$="/courses/tsunagari-adult"]')
    expect(page.locator(".done-banner")).to_be_visible()
    activate(page, 'a[href$="/survey"]')
    j.check("survey")
    choose_radio(page, "s-s1", "5")
    choose_radio(page, "s-s2", "4")
    choose_radio(page, "s-s3", "2")
    tab_to(page, 'textarea[name="s-s4"]')
    page.keyboard.type("キーボードだけで受講できました。")
    activate(page, "#main form button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("アンケートにご協力いただき")
    j.check("survey-done")

    activate(page, 'nav a[href="/my"]')
    j.check("my-page-completed")
    tab_to(page, '#certificates a.button.primary[href$=".pdf"]')
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    pdf = ARTIFACTS / j.name / "certificate.pdf"
    info.value.save_as(pdf)
    url = qr_from_pdf(pdf)
    activate(page, '#certificates a[href^="/verify/"]')
    assert page.url == url, (page.url, url)
    expect(page.locator(".verify-status")).to_contain_text("有効です")
    j.check("verify")
    j.write_report()
    assert_recorded(live, email)
