"""Journey (d): an admin uploads a new version of the adult course, previews it, publishes it and
rolls it back."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.test_e2e_coordinator import login

BUNDLE = Path(__file__).resolve().parents[2] / "content" / "courses" / "tsunagari-adult"
OLD_TITLE = "孤独と孤立：だれにでも起こりうること"
# The label of the default bundle as it stands (content/courses/*/course.yaml), and the new one.
LIVE_LABEL = re.search(r'^version: "([^"]+)"$', (BUNDLE / "course.yaml").read_text(encoding="utf-8"), re.M).group(1)
NEW_LABEL = f"{LIVE_LABEL}-e2e"
NEW_TITLE = "孤独と孤立：だれにでも起こりうること（E2E改訂版）"


def _new_version_zip() -> bytes:
    """The default adult bundle, zipped inside its folder as people do, with a new label and a
    new title for lesson 1."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(BUNDLE.rglob("*")):
            if path.is_dir():
                continue
            data = path.read_text(encoding="utf-8")
            if path.name == "course.yaml":
                data = data.replace(f'version: "{LIVE_LABEL}"', f'version: "{NEW_LABEL}"')
            if path.name.startswith("01-"):
                data = data.replace(f"title: {OLD_TITLE}", f"title: {NEW_TITLE}")
            zf.writestr(f"tsunagari-adult/{path.relative_to(BUNDLE)}", data)
    return buf.getvalue()


def _live_number(live) -> int:
    from app.extensions import db
    from app.models import Course

    app = live.app()
    with app.app_context():
        number = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult")).live_version.number
        db.session.remove()
        db.engine.dispose()
    return number


def _publish(live, number: int) -> None:
    from app.extensions import db
    from app.models import ContentVersion, Course
    from app.services.content import courses

    app = live.app()
    with app.app_context():
        version = db.session.scalar(sa.select(ContentVersion).join(ContentVersion.course).where(
            Course.slug == "tsunagari-adult", ContentVersion.number == number))
        courses.publish(db.session, version, actor=None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_admin_uploads_previews_publishes_and_rolls_back(new_journey, live):
    before = _live_number(live)
    j = new_journey("admin", viewport={"width": 1280, "height": 900})
    page = j.page
    try:
        login(j, "admin@demo.tsunagari.example", "demo-admin-pass")
        expect(page).to_have_url(re.compile("/admin/$"))
        j.check("admin-home")
        page.get_by_role("link", name="講座の内容").click()
        j.check("content")
        page.set_input_files("#bundle", files=[{"name": "tsunagari-adult.zip", "mimeType": "application/zip",
                                                "buffer": _new_version_zip()}])
        page.get_by_role("button", name="取り込む").click()
        expect(page.locator(".flash-success")).to_contain_text("取り込みました")
        expect(page.locator(".facts")).to_contain_text(NEW_LABEL)
        expect(page.locator(".facts")).to_contain_text("未公開")
        j.check("version-imported")
        version_url = page.url

        # Preview: the new lesson title and the quiz with its answers, before anyone sees them.
        page.get_by_role("link", name=NEW_TITLE).click()
        expect(page.locator(".preview-banner")).to_contain_text(NEW_LABEL)
        expect(page.locator("h1")).to_have_text(NEW_TITLE)
        j.check("preview-lesson")
        page.get_by_role("link", name="版の画面へ戻る").click()
        page.get_by_role("link", name=re.compile("確認テスト")).click()
        j.check("preview-quiz")
        page.goto("/courses/tsunagari-adult")
        expect(page.locator(".lesson-list")).to_contain_text(OLD_TITLE)
        expect(page.locator(".lesson-list")).not_to_contain_text(NEW_TITLE)

        page.goto(version_url)
        # Publishing asks first and shows what changes against the live version (issue 20 item 11).
        page.get_by_role("link", name="公開する（変わる点を確かめる）").click()
        expect(page.locator(".content-diff-summary")).to_contain_text(NEW_TITLE)
        j.check("publish-confirm")
        page.get_by_role("button", name="公開する").click()
        expect(page.locator(".flash-success")).to_contain_text("公開しました")
        j.check("published")
        assert _live_number(live) == before + 1
        page.goto("/courses/tsunagari-adult")
        expect(page.locator(".lesson-list")).to_contain_text(NEW_TITLE)
        j.check("course-new-version")

        # Roll back: the previous version's page offers 「この版に戻す」.
        page.goto("/admin/content")
        page.get_by_role("row", name=re.compile(re.escape(LIVE_LABEL) + " ")).first.get_by_role("link").click()
        page.get_by_role("link", name="この版に戻す（変わる点を確かめる）").click()
        page.get_by_role("button", name="この版に戻す").click()
        expect(page.locator(".flash-success")).to_contain_text("戻しました")
        j.check("rolled-back")
        assert _live_number(live) == before
        page.goto("/courses/tsunagari-adult")
        expect(page.locator(".lesson-list")).to_contain_text(OLD_TITLE)
        expect(page.locator(".lesson-list")).not_to_contain_text(NEW_TITLE)
        j.check("course-old-version")
        j.write_report()
    finally:
        if _live_number(live) != before:  # leave the other journeys the course they expect
            _publish(live, before)
