"""Admin: course content versions (upload, preview, publish, roll back)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import UploadForm
from app.extensions import db
from app.forms import ConfirmForm
from app.models import ContentVersion, Course, Lesson
from app.services.content import courses


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
        result = courses.import_archive(db.session, form.bundle.data.stream, actor=current_user,
                                        asset_url_for=asset_url_for)
        if result.ok:
            db.session.commit()
            version = result.version
            if result.created:
                flash(_("版 %(n)d を取り込みました。内容を確かめてから公開してください。", n=version.number), "success")
            else:
                flash(_("同じ内容の版 %(n)d がすでにあります。新しい版は作っていません。", n=version.number), "info")
            return redirect(url_for("admin.content_version", version_id=version.id))
        db.session.rollback()
        errors, archive_error = result.errors, result.archive_error
    all_courses = list(db.session.scalars(sa.select(Course).order_by(Course.audience, Course.slug)))
    status = 400 if (errors or archive_error) else 200
    return render_template("admin/content.html", form=form, courses=all_courses, errors=errors,
                           archive_error=archive_error), status


@bp.route("/content/versions/<int:version_id>")
def content_version(version_id: int):
    version = load_version(version_id)
    return render_template("admin/content_version.html", version=version, course=version.course,
                           form=ConfirmForm())


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


@bp.route("/content/versions/<int:version_id>/publish", methods=["POST"])
def content_publish(version_id: int):
    version = load_version(version_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    course = version.course
    rollback = course.live_version is not None and course.live_version.number > version.number
    courses.publish(db.session, version, actor=current_user)
    db.session.commit()
    if rollback:
        flash(_("版 %(n)d に戻しました。受講者には今からこの版が表示されます。", n=version.number), "success")
    else:
        flash(_("版 %(n)d を公開しました。", n=version.number), "success")
    return redirect(url_for("admin.content_version", version_id=version.id))
