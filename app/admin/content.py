"""Admin: course content versions (upload, preview, compare and publish, roll back, download, help)."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.admin import bp
from app.admin.forms import UploadForm
from app.extensions import db
from app.forms import ConfirmForm
from app.models import ContentVersion, Course, Lesson
from app.services.content import courses, editable, render_markdown
from app.services.content.diff import diff_versions

CONTENT_README = Path(__file__).resolve().parents[2] / "content" / "README.md"
ERRORS_AT_TOP = 5  # the first problems in the summary at the top; all of them below


def asset_url_for(version_id: int, path: str) -> str:
    return url_for("public.content_asset", version_id=version_id, path=path)


def load_version(version_id: int) -> ContentVersion:
    version = db.session.get(ContentVersion, version_id)
    if version is None:
        abort(404)
    return version


@bp.route("/content", methods=["GET", "POST"])
def content_index():
    form = UploadForm()
    errors, archive_error = [], None
    if form.validate_on_submit():
        result = editable.import_upload(db.session, form.bundle.data.stream, actor=current_user,
                                        asset_url_for=asset_url_for)
        if result.ok:
            db.session.commit()
            version = result.version
            if result.created:
                flash(_("「%(label)s」を取り込みました。内容を確かめてから公開してください。", label=version.label),
                      "success")
            else:
                flash(_("同じ内容の「%(label)s」がすでにあります。新しい版は作っていません。", label=version.label),
                      "info")
            return redirect(url_for("admin.content_version", version_id=version.id))
        db.session.rollback()
        errors, archive_error = result.errors, result.archive_error
    all_courses = list(db.session.scalars(sa.select(Course).order_by(Course.audience, Course.slug)))
    status = 400 if (errors or archive_error) else 200
    return render_template("admin/content.html", form=form, courses=all_courses, errors=errors,
                           first_errors=errors[:ERRORS_AT_TOP], archive_error=archive_error), status


@bp.route("/content/help")
def content_help():
    # The format is specified in content/README.md; shown through the content pipeline's sanitiser.
    html = render_markdown(CONTENT_README.read_text(encoding="utf-8"))
    return render_template("admin/content_help.html", html=Markup(html))


@bp.route("/content/versions/<int:version_id>")
def content_version(version_id: int):
    version = load_version(version_id)
    return render_template("admin/content_version.html", version=version, course=version.course)


@bp.route("/content/versions/<int:version_id>/bundle.zip")
def content_download(version_id: int):
    version = load_version(version_id)
    data = editable.version_archive(db.session, version)
    if data is None:
        flash(_("この版は元のファイルが残っていないため、ダウンロードできません。"
                "手元の講座フォルダーを使うか、一度アップロードし直してください。"), "error")
        return redirect(url_for("admin.content_version", version_id=version.id))
    filename = f"{version.course.slug}-{version.number}.zip"
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


@bp.route("/content/versions/<int:version_id>/lessons/<key>")
def content_preview_lesson(version_id: int, key: str):
    version = load_version(version_id)
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.version_id == version.id, Lesson.key == key))
    if lesson is None:
        abort(404)
    lessons = version.lessons
    index = lessons.index(lesson)
    return render_template("admin/content_preview_lesson.html", version=version, lesson=lesson,
                           previous=lessons[index - 1] if index > 0 else None,
                           next=lessons[index + 1] if index + 1 < len(lessons) else None)


@bp.route("/content/versions/<int:version_id>/quiz")
def content_preview_quiz(version_id: int):
    version = load_version(version_id)
    return render_template("admin/content_preview_quiz.html", version=version)


@bp.route("/content/versions/<int:version_id>/publish", methods=["GET", "POST"])
def content_publish(version_id: int):
    version = load_version(version_id)
    course = version.course
    live = course.live_version
    form = ConfirmForm()
    if version.id == course.live_version_id:
        flash(_("「%(label)s」はもう公開中です。", label=version.label), "info")
        return redirect(url_for("admin.content_version", version_id=version.id))
    rollback = live is not None and live.number > version.number
    if not form.validate_on_submit():
        return render_template("admin/content_publish.html", version=version, course=course, live=live,
                               diff=diff_versions(live, version, asset_url_for), rollback=rollback,
                               form=form), 400 if request.method == "POST" else 200
    courses.publish(db.session, version, actor=current_user)
    db.session.commit()
    if rollback:
        flash(_("「%(label)s」に戻しました。受講者には今からこの版が表示されます。", label=version.label), "success")
    else:
        flash(_("「%(label)s」を公開しました。", label=version.label), "success")
    return redirect(url_for("admin.content_version", version_id=version.id))
