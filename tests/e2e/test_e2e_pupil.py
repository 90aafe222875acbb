"""Journey (b): a pupil logs in with class code, number and password and reads the children's
course with furigana, in the children's theme."""
from __future__ import annotations

from playwright.sync_api import expect


def test_pupil_reads_the_childrens_course_with_furigana(new_journey, live):
    j = new_journey("pupil", viewport={"width": 1024, "height": 768})
    page = j.page
    page.goto("/pupil-login")
    expect(page.locator("body")).to_contain_class("theme-children")
    expect(page.locator("h1 ruby rt").first).to_be_visible()
    j.check("pupil-login")
    # As a child types from the card: lower case, with a space.
    code = live.pupil["code"]
    page.fill("#class_code", f"{code[:3].lower()} {code[3:].lower()}")
    page.fill("#number", str(live.pupil["number"]))
    page.fill("#password", live.pupil["password"])
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_contain_text("つながり")
    assert "/courses/" in page.url, page.url
    # The course title carries its own furigana (講座 is above grade 4), as on the certificate.
    expect(page.locator("h1 ruby rt")).to_have_text("こうざ")
    # What to do in immediate danger is on the course page before any lesson.
    expect(page.locator(".description")).to_contain_text("119")
    expect(page.locator("body")).to_contain_class("theme-children")
    j.check("children-course")
    page.get_by_role("button", name="受講をはじめる").click()
    lessons = 0
    while "/lessons/" in page.url:
        lessons += 1
        expect(page.locator("body")).to_contain_class("theme-children")
        # Furigana is on for pupils: <ruby> in the lesson text, its reading shown above the kanji.
        ruby = page.locator(".lesson-body ruby")
        assert ruby.count() > 0, f"no furigana in {page.url}"
        expect(ruby.first.locator("rt")).to_be_visible()
        box_base, box_rt = ruby.first.bounding_box(), ruby.first.locator("rt").bounding_box()
        assert box_rt["y"] < box_base["y"] + box_base["height"] / 2, "the reading is not above the kanji"
        j.check(f"lesson-{lessons}")
        if lessons in (1, 3):
            # Immediate danger, in the pupils' words: 119 / 110, even with no adult nearby.
            section = page.locator(".lesson-body h2", has_text="いま、あぶないとき")
            expect(section).to_be_visible()
            body = page.locator(".lesson-body")
            expect(body).to_contain_text("119")
            expect(body).to_contain_text("110")
            expect(body).to_contain_text("近くに大人がいなくても")
        if lessons == 3:
            # The human-rights line is named with "110番" but said plainly not to be the police.
            expect(page.locator(".lesson-body li", has_text="0120-007-110").locator("xpath=..")).to_contain_text(
                "ではありません")
            expect(page.locator(".lesson-body")).to_contain_text("大人にもかならず知らせて")
        if lessons == 1:
            # The reading preferences: furigana off hides the readings, on shows them again.
            page.locator(".reading-prefs summary").click()
            page.get_by_label("ふりがなを表示する").uncheck()
            page.get_by_role("button", name="表示を変える").click()
            expect(page.locator(".lesson-body ruby rt").first).to_be_hidden()
            j.check("lesson-1-furigana-off")
            page.locator(".reading-prefs summary").click()
            page.get_by_label("ふりがなを表示する").check()
            page.get_by_role("button", name="表示を変える").click()
            expect(page.locator(".lesson-body ruby rt").first).to_be_visible()
        page.get_by_role("button", name="このレッスンを完了").click()
        expect(page.locator(".flash-success")).to_be_visible()
    assert lessons == 4, f"read {lessons} lessons"
    assert "/quiz" in page.url, page.url
    j.check("children-quiz")
    j.write_report()
