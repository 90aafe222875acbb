"""Importing course bundles as immutable versions, publishing and rolling back."""
from __future__ import annotations

import hashlib
import mimetypes
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Asset, Audience, ContentVersion, Course, Lesson, User
from app.models.base import utcnow
from app.services.content.archive import Limits, extract_zip_safely
from app.services.content.bundle import Bundle, check_bundle
from app.services.content.errors import ArchiveError, ContentError
from app.services.content.render import plain_title, render_bundle, render_inline
from app.services.infra import audit, cache
from app.services.learning import progress

# Maps (version id, bundle path) to the URL that serves the file.
AssetUrlFor = Callable[[int, str], str]
DEFAULT_BUNDLES = Path(__file__).resolve().parents[3] / "content" / "courses"


@dataclass
class ImportResult:
    version: ContentVersion | None = None
    created: bool = False  # False when an identical bundle was already imported
    errors: list[ContentError] = field(default_factory=list)
    archive_error: ArchiveError | None = None

    @property
    def ok(self) -> bool:
        return self.version is not None


def import_path(session: Session, path: Path, *, actor: User | None, asset_url_for: AssetUrlFor,
                limits: Limits | None = None) -> ImportResult:
    """Import a bundle folder or .zip; a bundle with any error changes nothing."""
    if path.is_dir():
        return _import_folder(session, path, actor=actor, asset_url_for=asset_url_for)
    with open(path, "rb") as f:
        return import_archive(session, f, actor=actor, asset_url_for=asset_url_for, limits=limits)


def import_archive(session: Session, fileobj: BinaryIO, *, actor: User | None, asset_url_for: AssetUrlFor,
                   limits: Limits | None = None,
                   after_import: Callable[[ImportResult, Path], None] | None = None) -> ImportResult:
    """Import an uploaded .zip; the extracted files are removed whatever happens. `after_import`
    sees a successful result and the extracted folder before it goes (editable.keep_sources)."""
    workdir = Path(tempfile.mkdtemp(prefix="bundle-"))
    try:
        try:
            root = extract_zip_safely(fileobj, workdir / "bundle", limits or Limits())
        except ArchiveError as error:
            return ImportResult(archive_error=error)
        result = _import_folder(session, root, actor=actor, asset_url_for=asset_url_for)
        if result.ok and after_import is not None:
            after_import(result, root)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _import_folder(session: Session, root: Path, *, actor: User | None, asset_url_for: AssetUrlFor) -> ImportResult:
    checked = check_bundle(root)
    if checked.errors or checked.bundle is None:
        return ImportResult(errors=checked.errors)
    bundle = checked.bundle
    course = session.scalar(sa.select(Course).where(Course.slug == bundle.course.slug))
    if course is not None:
        if course.audience.value != bundle.course.audience:
            return ImportResult(errors=[ContentError(
                "course.yaml", None, None, "audience_changed",
                f"コース「{course.slug}」の対象（audience）は変えられません。別の slug にしてください。",
                f"The audience of course '{course.slug}' cannot change; use another slug.")])
        same = session.scalar(sa.select(ContentVersion).where(ContentVersion.course_id == course.id,
                                                              ContentVersion.digest == bundle.digest))
        if same is not None:
            return ImportResult(version=same, created=False)
    else:
        course = Course(slug=bundle.course.slug, audience=Audience(bundle.course.audience))
        session.add(course)
        session.flush()
    version = _store_version(session, course, bundle, actor, asset_url_for)
    audit.record(session, "content.import", actor_id=actor.id if actor else None, target_type="content_version",
                 target_id=version.id, course=course.slug, number=version.number, label=version.label)
    return ImportResult(version=version, created=True)


def _store_version(session: Session, course: Course, bundle: Bundle, actor: User | None,
                   asset_url_for: AssetUrlFor) -> ContentVersion:
    meta = bundle.course
    number = (session.scalar(sa.select(sa.func.max(ContentVersion.number))
                             .where(ContentVersion.course_id == course.id)) or 0) + 1
    # The title column is plain text for lists, files and e-mails; meta["title"] keeps the author's
    # furigana for the learner's pages and the certificate.
    version = ContentVersion(course_id=course.id, number=number, label=meta.version, title=plain_title(meta.title),
                             digest=bundle.digest, meta={}, imported_by_id=actor.id if actor else None)
    session.add(version)
    session.flush()  # the id is part of every asset URL

    rendered = render_bundle(bundle, asset_url=lambda path: asset_url_for(version.id, path))
    version.meta = {
        "slug": meta.slug,
        "title": meta.title,
        "audience": meta.audience,
        "target_readers": list(meta.target_readers),
        "estimated_minutes": meta.estimated_minutes,
        "description_html": rendered.description_html,
        "version": meta.version,
        "completion": {
            "lessons": list(meta.completion.lessons),
            "quiz_pass_mark": meta.completion.quiz_pass_mark,
            "quiz": meta.completion.quiz_mode,  # required | self_check; versions before it: required
            "attendance_replaces_lessons": meta.completion.attendance_replaces_lessons,
        },
        "certificate_template": meta.certificate_template,
        "survey": meta.survey,
        "furigana_grade": meta.furigana_grade,
    }
    if bundle.evaluation is not None:  # the self-assessment (evaluation.yaml), asked before and after
        e = bundle.evaluation
        version.meta["evaluation"] = {
            "scale": e.scale, "faces": e.faces, "followup": e.followup,
            "labels_html": [render_inline(label, meta) for label in e.labels],
            "items": [{"id": item.id, "text_html": render_inline(item.text, meta)} for item in e.items]}
    if bundle.quiz is not None:
        questions = []
        for q in bundle.quiz.questions:
            texts = rendered.quiz[q.id]
            if q.kind == "truefalse":
                choices = [{"id": "true", "html": "○"}, {"id": "false", "html": "×"}]
                answer = ["true" if q.answer else "false"]
            else:
                choices = [{"id": c.id, "html": texts.choices_html[c.id]} for c in q.choices]
                answer = [q.answer] if isinstance(q.answer, str) else list(q.answer)
            questions.append({"id": q.id, "kind": q.kind, "text_html": texts.text_html, "choices": choices,
                              "answer": answer, "explanation_html": texts.explanation_html})
        version.quiz = {"shuffle": bundle.quiz.shuffle, "attempts_allowed": bundle.quiz.attempts_allowed,
                        "pass_mark": bundle.quiz.pass_mark, "show_explanations": bundle.quiz.show_explanations,
                        "feedback": bundle.quiz.feedback, "questions": questions}
    if bundle.survey is not None:
        version.survey = {"questions": [
            {"id": q.id, "kind": q.kind, "text_html": rendered.survey[q.id].text_html,
             "labels_html": rendered.survey[q.id].labels_html, "choices": list(q.choices),
             "choices_html": rendered.survey[q.id].choices_html, "required": q.required}
            for q in bundle.survey.questions]}
    for position, lesson in enumerate(bundle.lessons, start=1):
        out = rendered.lessons[lesson.id]
        video = None
        if lesson.video is not None:
            def url(src: str | None) -> str | None:
                if not src:
                    return None
                return src if src.startswith("https://") else asset_url_for(version.id, src)
            video = {"src": url(lesson.video.src), "captions": url(lesson.video.captions),
                     "transcript_html": out.transcript_html}
        session.add(Lesson(version_id=version.id, key=lesson.id, position=position, title=lesson.title,
                           minutes=lesson.minutes, html=out.html, reflection_prompt_html=out.reflection_prompt_html,
                           has_local_support=out.has_local_support, video=video))
    for path, data in sorted(bundle.files.items()):
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if path.endswith(".vtt"):
            mime = "text/vtt"
        session.add(Asset(version_id=version.id, path=path, mime=mime, sha256=hashlib.sha256(data).hexdigest(),
                          data=data))
    session.flush()
    cache.clear()  # a database emptied and filled again (tests) may reuse version ids
    return version


def publish(session: Session, version: ContentVersion, *, actor: User | None) -> None:
    """Make `version` the live one (also used to roll back to an earlier version)."""
    course = version.course
    previous = course.live_version_id
    course.live_version_id = version.id
    if version.published_at is None:
        version.published_at = utcnow()
    audit.record(session, "content.publish", actor_id=actor.id if actor else None, target_type="content_version",
                 target_id=version.id, course=course.slug, number=version.number, previous_version_id=previous)
    session.flush()
    # Stored progress figures follow the live version at once, so reports never lag behind it.
    progress.refresh_course_progress(session, course)


def import_defaults(session: Session, *, asset_url_for: AssetUrlFor, root: Path = DEFAULT_BUNDLES) -> list[ImportResult]:
    """Import and publish the default bundles; a course already live with the same files is left alone."""
    results = []
    for folder in sorted(p for p in root.iterdir() if (p / "course.yaml").exists()):
        result = _import_folder(session, folder, actor=None, asset_url_for=asset_url_for)
        if result.ok and (result.created or result.version.course.live_version_id is None):
            publish(session, result.version, actor=None)
        results.append(result)
    return results


def published_courses(session: Session, audience: Audience | None = None) -> list[Course]:
    stmt = sa.select(Course).where(Course.live_version_id.is_not(None)).order_by(Course.audience, Course.slug)
    if audience is not None:
        stmt = stmt.where(Course.audience == audience)
    return list(session.scalars(stmt))
