"""Admin content pages: confirm before publishing, upload problems at the top, download to edit, help, names."""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ContentVersion, Course
from app.services.content import check_archive, courses
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee

FIXTURE = Path(__file__).resolve().parents[1] / "content_fixtures" / "valid-adult"


def zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{folder.name}/{p.relative_to(folder)}")
    return buf.getvalue()


def upload(client, data: bytes, **kwargs):
    return post_form(client, "/admin/content", {"bundle": (io.BytesIO(data), "bundle.zip")},
                     content_type="multipart/form-data", **kwargs)


def versions() -> list[ContentVersion]:
    return list(db.session.scalars(sa.select(ContentVersion).order_by(ContentVersion.id)))


@pytest.fixture()
def bundle(tmp_path) -> Path:
    folder = tmp_path / "test-adult"
    shutil.copytree(FIXTURE, folder)
    return folder


@pytest.fixture()
def live_and_new(admin_client, bundle):
    """Version 2026.1 live, and 2026.2 (lesson retitled) uploaded but not published."""
    assert upload(admin_client, zip_folder(bundle)).status_code == 302
    first = versions()[0]
    courses.publish(db.session, first, actor=None)
    db.session.commit()
    lesson = bundle / "lessons" / "02-kizuku.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("title: 気づく", "title: 気づきのサイン"),
                      encoding="utf-8")
    course_yaml = bundle / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace('"2026.1"', '"2026.2"'), encoding="utf-8")
    assert upload(admin_client, zip_folder(bundle)).status_code == 302
    return first, versions()[1]


def test_publish_asks_first_and_shows_the_change(admin_client, live_and_new):
    live, new = live_and_new
    url = f"/admin/content/versions/{new.id}/publish"

    page = admin_client.get(url)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "気づく → 気づきのサイン" in text and "「2026.1」" in text
    assert "中身が変更" not in text  # the first lesson's image is the same file under another version's URL
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course)).live_version_id == live.id  # looking publishes nothing
    response = post_form(admin_client, url, {}, follow_redirects=True)
    assert "「2026.2」を公開しました" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course)).live_version_id == new.id


def test_publish_without_csrf_changes_nothing_and_double_submit_is_harmless(admin_client, live_and_new):
    live, new = live_and_new
    url = f"/admin/content/versions/{new.id}/publish"

    assert admin_client.post(url, data={}).status_code == 400
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course)).live_version_id == live.id
    token = csrf_token(admin_client, url)
    admin_client.post(url, data={"csrf_token": token})
    again = admin_client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "もう公開中" in again.get_data(as_text=True)
    assert sum(1 for v in versions() if v.published_at is not None) == 2


def test_version_is_named_once_by_its_label(admin_client, live_and_new):
    live, new = live_and_new
    for url in (f"/admin/content/versions/{new.id}", f"/admin/content/versions/{new.id}/quiz",
                "/admin/content", f"/admin/content/versions/{new.id}/publish"):
        text = admin_client.get(url).get_data(as_text=True)
        assert "2026.2" in text, url
        assert not re.search(r"版\s*\d+\s*（", text), url


def test_upload_problems_are_summarised_at_the_top(admin_client, bundle):
    quiz = bundle / "quiz.yaml"
    # Seven questions whose answers are not among their choices: seven problems, with lines.
    broken = quiz.read_text(encoding="utf-8").replace("answer: a", "answer: z")
    extra = "".join(f"  - id: x{n}\n    kind: single\n    text: 問{n}\n    choices:\n      - {{id: a, text: はい}}\n"
                    f"      - {{id: b, text: いいえ}}\n    answer: z\n" for n in range(7))
    quiz.write_text(broken.rstrip("\n") + "\n" + extra, encoding="utf-8")

    response = upload(admin_client, zip_folder(bundle))

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = text[text.index('id="upload-problems"'):text.index("</div>", text.index('id="upload-problems"'))]
    count = int(re.search(r"(\d+)件の問題があります", summary).group(1))
    assert count > 5
    assert summary.count("<li>") == 5 and "quiz.yaml:" in summary
    assert f"残りの{count - 5}件を見る" in summary
    assert text.index('id="upload-problems"') < text.index("<h2")  # above everything else
    full = text[text.index('id="all-problems"'):]
    assert full.count("<li>") == count


def test_downloaded_bundle_uploads_again_as_the_same_version(admin_client, bundle):
    upload(admin_client, zip_folder(bundle))
    version = versions()[0]

    response = admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.get_data()
    checked = check_archive(io.BytesIO(data))
    assert checked.errors == [] and checked.bundle.digest == version.digest
    assert admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip").get_data() == data
    again = upload(admin_client, data, follow_redirects=True)
    assert "同じ内容の「2026.1」がすでにあります" in again.get_data(as_text=True)
    assert len(versions()) == 1


def test_default_course_imported_from_the_folder_can_be_downloaded(app, admin_client):
    results = courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    version = results[0].version

    response = admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip")

    assert response.status_code == 200
    assert check_archive(io.BytesIO(response.get_data())).bundle.digest == version.digest


def test_a_version_without_its_files_cannot_be_downloaded(admin_client, bundle):
    upload(admin_client, zip_folder(bundle))
    version = versions()[0]
    db.session.execute(sa.text("DELETE FROM content_source_file"))
    db.session.commit()

    response = admin_client.get(f"/admin/content/versions/{version.id}/bundle.zip")

    assert response.status_code == 302 and response.location.endswith(f"/admin/content/versions/{version.id}")


def test_help_is_a_page_of_the_app(admin_client):
    index = admin_client.get("/admin/content").get_data(as_text=True)
    assert 'href="/admin/content/help"' in index and "content/README.md" not in index

    page = admin_client.get("/admin/content/help")

    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Course bundles" in text and "course.yaml" in text
    assert "<script>" not in text.split("</nav>")[-1].split("<footer")[0]


@pytest.mark.parametrize("url", ["/admin/content/help", "/admin/content/versions/{id}/publish",
                                 "/admin/content/versions/{id}/bundle.zip"])
def test_only_admins(app, admin_client, bundle, url):
    upload(admin_client, zip_folder(bundle))
    url = url.format(id=versions()[0].id)
    make_trainee(email="t@example.jp")
    make_coordinator(make_organisation(municipality="292095", name="生駒市"), email="c@example.jp")
    db.session.commit()
    assert app.test_client().get(url).status_code in (302, 401, 403, 404)
    for email in ("t@example.jp", "c@example.jp"):
        client = app.test_client()
        login(client, email, PASSWORD)
        assert client.get(url).status_code in (403, 404), email
        assert client.post(url, data={}).status_code in (400, 403, 404, 405), email
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course)).live_version_id is None


@pytest.mark.parametrize("version_id", ["999999", "99999999999999999999999"])
def test_unknown_versions_are_not_found(admin_client, version_id):
    assert admin_client.get(f"/admin/content/versions/{version_id}/publish").status_code == 404
    assert admin_client.get(f"/admin/content/versions/{version_id}/bundle.zip").status_code == 404
