"""Command-line commands (kebab-case), each a thin wrapper around a service."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app, url_for
from flask.cli import AppGroup

from app.extensions import db
from app.models import ContentVersion, Course
from app.services import accounts, courses, demo, municipalities
from app.services.content.archive import check_archive
from app.services.content.bundle import check_bundle

municipalities_cli = AppGroup("municipalities", help="Municipality reference data.")
users_cli = AppGroup("users", help="User accounts.")
content_cli = AppGroup("content", help="Course bundles: check, import, publish.")
jobs_cli = AppGroup("jobs", help="Background jobs (JOB_QUEUE=rq).")


def asset_url_for(version_id: int, path: str) -> str:
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
    result = courses.import_path(db.session, path, actor=None, asset_url_for=asset_url_for)
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


@municipalities_cli.command("load")
def municipalities_load() -> None:
    """Load or refresh the 47 prefectures and 1,741 municipalities (idempotent)."""
    prefs, munis = municipalities.load_reference_data(db.session)
    db.session.commit()
    click.echo(f"Loaded {prefs} prefectures and {munis} municipalities.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "display_name", prompt=True)
@click.password_option()
def users_create_admin(email: str, display_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        accounts.create_admin(db.session, email, display_name, password)
    except accounts.AccountError as error:
        raise click.ClickException(f"Refused: {error.code}") from error
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@click.command("demo")
def demo_command() -> None:
    """Create the demo organisation (生駒市) and demo accounts, and print their credentials."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Demo accounts are refused in production (APP_ENV=production).")
    org, created = demo.ensure_demo(db.session)
    db.session.commit()
    click.echo(f"Demo organisation: {org.name}")
    for account in created:
        click.echo(f"  {account.role:<12} {account.email:<38} password: {account.password}")


@click.command("doctor")
def doctor_command() -> None:
    """Report whether the database, the Japanese fonts and the PDF stack are ready."""
    from sqlalchemy import text

    from app.services.certificates.fonts import doctor

    checks = []
    try:
        db.session.execute(text("SELECT 1"))
        checks.append(("database", True, current_app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]))
    except Exception as error:  # report, do not crash: this command is for diagnosis
        checks.append(("database", False, str(error).splitlines()[0]))
    checks.extend(doctor())
    for name, ok, detail in checks:
        click.echo(f"[{'OK' if ok else 'NG'}] {name}: {detail}")
    if not all(ok for _, ok, _ in checks):
        raise click.ClickException("Some checks failed (see above).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst: bool) -> None:
    """Run the background jobs queued in Redis (bulk certificates); one or more per deployment."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException("REDIS_URL is not set: the worker takes its jobs from Redis.")
    connection = Redis.from_url(url)
    # SimpleWorker runs each job in this process, inside this command's app context; the queue
    # name is the one app.jobs.dispatch_bulk puts jobs on.
    worker = SimpleWorker([Queue("certificates", connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=False)


def register(app: Flask) -> None:
    from app import ops_cli
    from app.cohort_cli import cohorts_cli

    app.cli.add_command(cohorts_cli)
    ops_cli.register(app.cli)
    app.cli.add_command(municipalities_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(doctor_command)
