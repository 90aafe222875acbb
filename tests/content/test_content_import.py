"""Importing bundles as versions, publishing, rolling back, admin upload, CLI."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, AuditEvent, ContentVersion, Course, Lesson
from app.services.content import courses
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_trainee

DEFAULTS = Path(__file__).resolve().parents[2] / "content" / "courses"


def asset_url(version_id: int, path: str) -> str:
    return f"/content/{version_id}/{path}"


def zip_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{folder.name}/{p.relative_to(folder)}")
    return buf.getvalue()


@pytest.fixture()
def adult_copy(tmp_path) -> Path:
    target = tmp_path / "tsunagari-adult"
    shutil.copytree(DEFAULTS / "tsunagari-adult", target)
    return target


def versions_of(slug: str) -> list[ContentVersion]:
    return list(
        db.session.scalars(
            sa.select(ContentVersion).join(ContentVersion.course).where(Course.slug == slug).order_by(ContentVersion.number)
        )
    )


def test_default_courses_import_and_publish(app):
    results = courses.import_defaults(db.session, asset_url_for=asset_url)
    db.session.commit()
    assert sorted(r.version.course.slug for r in results) == ["tsunagari-adult", "tsunagari-children"]
    adult = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))
    children = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-children"))
    assert adult.live_version.number == 1 and len(adult.live_version.lessons) >= 5
    assert len(adult.live_version.quiz["questions"]) >= 8 and adult.live_version.quiz["pass_mark"] == 80
    assert any(lesson.reflection_prompt_html for lesson in adult.live_version.lessons)
    assert any(lesson.has_local_support for lesson in adult.live_version.lessons)
    assert len(children.live_version.lessons) >= 3
    assert all("<ruby>" in lesson.html for lesson in children.live_version.lessons)
    assert all(q["kind"] == "truefalse" for q in children.live_version.quiz["questions"])
    assert len(children.live_version.quiz["questions"]) >= 5
    # Importing the same files again creates nothing.
    again = courses.import_defaults(db.session, asset_url_for=asset_url)
    db.session.commit()
    assert [r.created for r in again] == [False, False]
    assert len(versions_of("tsunagari-adult")) == 1


def test_new_version_publish_and_roll_back(app, adult_copy):
    first = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url).version
    courses.publish(db.session, first, actor=None)
    lesson_file = sorted((adult_copy / "lessons").glob("*.md"))[0]
    lesson_file.write_text(
        lesson_file.read_text(encoding="utf-8") + "\n\n追記した一文です。\n", encoding="utf-8"
    )
    second = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url)
    assert second.created and second.version.number == 2
    course = first.course
    assert course.live_version_id == first.id  # importing does not publish
    courses.publish(db.session, second.version, actor=None)
    assert course.live_version_id == second.version.id
    courses.publish(db.session, first, actor=None)  # roll back
    db.session.commit()
    assert course.live_version_id == first.id
    # Both versions keep their own lesson rows, matched by stable keys.
    keys = lambda v: [lesson.key for lesson in v.lessons]  # noqa: E731
    assert keys(first) == keys(second.version)
    assert "追記した一文" in second.version.lessons[0].html and "追記した一文" not in first.lessons[0].html
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "content.import",
        "content.publish",
        "content.import",
        "content.publish",
        "content.publish",
    ]


def test_invalid_bundle_changes_nothing(app, adult_copy):
    live = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url).version
    courses.publish(db.session, live, actor=None)
    db.session.commit()
    quiz = adult_copy / "quiz.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace("pass_mark: 80", "pass_mark: 180"), encoding="utf-8"
    )
    result = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url)
    assert not result.ok and any(e.file == "quiz.yaml" and e.line for e in result.errors)
    db.session.rollback()
    assert len(versions_of("tsunagari-adult")) == 1 and live.course.live_version_id == live.id


def _admin_client(app):
    make_admin(email="admin@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "admin@example.jp", PASSWORD)
    return client


def _upload(client, data: bytes, name: str = "bundle.zip"):
    return post_form(
        client, "/admin/content", {"bundle": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_admin_uploads_previews_publishes_and_rolls_back(app, adult_copy):
    client = _admin_client(app)
    response = _upload(client, zip_folder(adult_copy))
    assert response.status_code == 302
    v1 = versions_of("tsunagari-adult")[0]
    assert v1.published_at is None
    first_lesson = v1.lessons[0]
    page = client.get(f"/admin/content/versions/{v1.id}/lessons/{first_lesson.key}")
    assert page.status_code == 200 and first_lesson.title in page.get_data(as_text=True)
    assert client.get(f"/admin/content/versions/{v1.id}/quiz").status_code == 200
    post_form(
        client, f"/admin/content/versions/{v1.id}/publish", {}, token_from=f"/admin/content/versions/{v1.id}"
    )
    lesson_file = sorted((adult_copy / "lessons").glob("*.md"))[1]
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + "\n\n第二版の追記。\n", encoding="utf-8")
    assert _upload(client, zip_folder(adult_copy)).status_code == 302
    v2 = versions_of("tsunagari-adult")[1]
    post_form(
        client, f"/admin/content/versions/{v2.id}/publish", {}, token_from=f"/admin/content/versions/{v2.id}"
    )
    response = post_form(
        client,
        f"/admin/content/versions/{v1.id}/publish",
        {},
        token_from=f"/admin/content/versions/{v1.id}",
        follow_redirects=True,
    )
    assert f"「{v1.label}」に戻しました" in response.get_data(as_text=True)  # versions are named by their label
    db.session.expire_all()
    assert db.session.scalar(sa.select(Course)).live_version_id == v1.id


def test_upload_with_errors_names_file_and_line_and_keeps_live_version(app, adult_copy):
    client = _admin_client(app)
    _upload(client, zip_folder(adult_copy))
    course_yaml = adult_copy / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text(encoding="utf-8").replace("audience: adult", "audience: elders"),
        encoding="utf-8",
    )
    response = _upload(client, zip_folder(adult_copy))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    line = next(
        i
        for i, text in enumerate(course_yaml.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("audience:")
    )
    assert f"course.yaml:{line}" in page and "公開中の内容は変わっていません" in page
    assert len(versions_of("tsunagari-adult")) == 1


@pytest.mark.parametrize(
    "name, members",
    [
        ("traversal", {"../evil/course.yaml": b"slug: x"}),
        ("html", {"b/course.yaml": b"slug: x", "b/index.html": b"<script>alert(1)</script>"}),
    ],
)
def test_hostile_upload_is_refused_and_leaves_no_files(app, name, members):
    client = _admin_client(app)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    before = set(Path(tempfile.gettempdir()).glob("bundle-*"))
    response = _upload(client, buf.getvalue())
    assert response.status_code == 400
    assert set(Path(tempfile.gettempdir()).glob("bundle-*")) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentVersion)) == 0


def test_not_a_zip_gets_a_clear_message(app):
    client = _admin_client(app)
    response = _upload(client, b"not a zip at all", name="course.pdf")
    assert ".zip ファイルを選んでください" in response.get_data(as_text=True)


def test_unpublished_assets_are_for_admins_only(app, tmp_path):
    fixture = Path(__file__).parents[1] / "content_fixtures" / "valid-adult"
    version = courses.import_path(db.session, fixture, actor=None, asset_url_for=asset_url).version
    db.session.commit()
    asset = db.session.scalar(sa.select(Asset).where(Asset.version_id == version.id))
    assert asset is not None
    make_trainee(email="t@example.jp")
    db.session.commit()
    trainee = app.test_client()
    login(trainee, "t@example.jp", PASSWORD)
    assert trainee.get(f"/content/{version.id}/{asset.path}").status_code == 404
    courses.publish(db.session, version, actor=None)
    db.session.commit()
    response = trainee.get(f"/content/{version.id}/{asset.path}")
    assert response.status_code == 200 and response.data == asset.data


def test_cli_check_reports_every_error_with_file_and_line(app, adult_copy):
    quiz = adult_copy / "quiz.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace("pass_mark: 80", "pass_mark: 180"), encoding="utf-8"
    )
    first = sorted((adult_copy / "lessons").glob("*.md"))[0]
    first.write_text("---\nid: x\ntitle: t\nminutes: 3\n---\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", str(adult_copy)])
    assert result.exit_code != 0
    assert "quiz.yaml:" in result.output and f"lessons/{first.name}" in result.output
    ok = app.test_cli_runner().invoke(args=["content", "check", str(DEFAULTS / "tsunagari-children")])
    assert ok.exit_code == 0 and "OK: tsunagari-children" in ok.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 0


def test_publishing_a_new_version_updates_stored_progress(app, adult_copy):
    from app.services.learning import enrolling, progress
    from tests.factories import make_trainee

    first = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url).version
    courses.publish(db.session, first, actor=None)
    user = make_trainee()
    enrolment = enrolling.enrol(db.session, user, first.course)
    progress.complete_lesson(db.session, enrolment, first, first.lessons[0].key)
    db.session.commit()
    assert (enrolment.lessons_done, enrolment.lessons_required) == (1, len(first.lessons))
    lessons = sorted((adult_copy / "lessons").glob("*.md"))
    extra = lessons[-1].read_text(encoding="utf-8").replace(f"id: {first.lessons[-1].key}", "id: extra-lesson", 1)
    (adult_copy / "lessons" / "99-extra.md").write_text(extra, encoding="utf-8")
    second = courses.import_path(db.session, adult_copy, actor=None, asset_url_for=asset_url)
    assert second.ok, second.errors
    courses.publish(db.session, second.version, actor=None)
    db.session.commit()
    db.session.refresh(enrolment)
    assert (enrolment.lessons_done, enrolment.lessons_required) == (1, len(first.lessons) + 1)
