"""`flask content ...`: check, import, publish and list course bundles."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app, url_for
from flask.cli import AppGroup

from app.extensions import db
from app.models import ContentVersion, Course
from app.services.content import courses, editable
from app.services.content.archive import check_archive
from app.services.content.bundle import check_bundle

content_cli = AppGroup("content", help="Course bundles: check, import, publish.")


def asset_url_for(version_id: int, path: str) -> str:
    # Commands run outside a request; the lesson HTML keeps the path a request would build.
    with current_app.test_request_context():
        return url_for("public.content_asset", version_id=version_id, path=path)


def _print_errors(errors) -> None:
    for error in errors:
        click.echo(str(error), err=True)


@content_cli.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def content_check(path: Path) -> None:
    """Validate a bundle folder or .zip without importing anything."""
    result = check_bundle(path) if path.is_dir() else check_archive(path)
    for warning in result.warnings:  # advisory: they never stop a check or an import
        click.echo(f"warning: {warning}", err=True)
    if result.errors:
        _print_errors(result.errors)
        raise click.ClickException(f"{len(result.errors)} error(s) in {path} / {len(result.errors)}件のエラー")
    click.echo(f"OK: {result.bundle.course.slug} {result.bundle.course.version} "
               f"({len(result.bundle.lessons)} lessons"
               f"{f', {len(result.warnings)} warning(s)' if result.warnings else ''})")


@content_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--publish", is_flag=True, help="Make the imported version live.")
def content_import(path: Path, publish: bool) -> None:
    """Import a bundle folder or .zip as a new content version."""
    # Its source files are kept, as for an upload: the admin page can hand the bundle back as .zip.
    result = editable.import_path(db.session, path, actor=None, asset_url_for=asset_url_for)
    if not result.ok:
        db.session.rollback()
        if result.archive_error:
            raise click.ClickException(str(result.archive_error))
        _print_errors(result.errors)
        raise click.ClickException(f"Nothing imported: {len(result.errors)} error(s).")
    version = result.version
    if publish:
        courses.publish(db.session, version, actor=None)
    db.session.commit()
    state = "imported" if result.created else "already imported (identical files)"
    click.echo(f"{version.course.slug} v{version.number} ({version.label}) {state}"
               f"{'; published' if publish else ''}.")


@content_cli.command("import-defaults")
def content_import_defaults() -> None:
    """Import and publish the default courses in content/courses (idempotent)."""
    results = courses.import_defaults(db.session, asset_url_for=asset_url_for)
    failed = [r for r in results if not r.ok]
    if failed:
        db.session.rollback()
        for r in failed:
            _print_errors(r.errors)
        raise click.ClickException("A default course bundle is invalid; nothing imported.")
    db.session.commit()
    for r in results:
        click.echo(f"{r.version.course.slug} v{r.version.number} ({r.version.label})"
                   f"{' imported and published' if r.created else ' up to date'}.")


@content_cli.command("publish")
@click.argument("slug")
@click.argument("number", type=int)
def content_publish(slug: str, number: int) -> None:
    """Make version NUMBER of course SLUG live (also rolls back)."""
    version = db.session.scalar(sa.select(ContentVersion).join(ContentVersion.course)
                                .where(Course.slug == slug, ContentVersion.number == number))
    if version is None:
        raise click.ClickException(f"No version {number} of course {slug}.")
    courses.publish(db.session, version, actor=None)
    db.session.commit()
    click.echo(f"{slug} v{number} is live.")


@content_cli.command("list")
def content_list() -> None:
    """List courses and their versions."""
    for course in db.session.scalars(sa.select(Course).order_by(Course.slug)):
        for v in course.versions:
            live = "LIVE" if v.id == course.live_version_id else "    "
            click.echo(f"{live} {course.slug} v{v.number} {v.label} imported {v.imported_at:%Y-%m-%d %H:%M}")
