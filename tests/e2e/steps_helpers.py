"""For journeys on a phone (≤ 600 px) since lessons and the children's quiz come in short steps
(static/js/steps.js): page to the last step before using what only the last step shows."""
from __future__ import annotations

from playwright.sync_api import Page


def to_last_step(page: Page) -> None:
    """Press つぎへ until the last step (the lesson's 完了 button, the quiz's 答えを送る) shows."""
    button = page.locator(".step-pager .step-next")
    while button.count() and button.is_visible():
        button.click()


def answer_in_steps(page: Page, answers: dict[str, list[str]]) -> None:
    """Answer a quiz whether its questions come one per screen or all at once."""
    fieldsets = page.locator("fieldset.question")
    for n in range(fieldsets.count()):
        fieldset = fieldsets.nth(n)
        if not fieldset.is_visible():
            page.locator(".step-pager .step-next").click()
        for value in answers[fieldset.get_attribute("id")[2:]]:
            fieldset.locator(f'input[value="{value}"]').check()
    to_last_step(page)


def to_step_with(page: Page, selector: str) -> None:
    """Press つぎへ until the step holding `selector` shows (nothing to do on a wide screen)."""
    target = page.locator(selector).first
    button = page.locator(".step-pager .step-next")
    while not target.is_visible() and button.count() and button.is_visible():
        button.click()
