"""Instructor mode (講師モード): the cohort's course on a projector, and printed handouts."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.coordinate import bp
from app.coordinate.loaders import load_cohort
from app.extensions import db
from app.models import Asset, Audience
from app.services.certificates import documents
from app.services.certificates.fonts import FontMissingError
from app.services.cohorts import slides
from app.services.learning import enrolling
from app.web.local_support import local_support
from app.web.pdf import font_missing_page, pdf_response


def _version_or_redirect(org, cohort):
    version = enrolling.live_version(db.session, cohort.course)
    if version is None or not version.lessons:
        flash(_("この講座は、いまは公開されていないため表示できません。"), "error")
        return None, redirect(url_for("coordinate.cohort_detail", org_id=org.id, cohort_id=cohort.id))
    return version, None


def _lesson_screens(org, lesson):
    note = Markup(render_template("coordinate/_present_reflection.html"))
    # The organiser's own municipality: the desks participants of this session can reach.
    return slides.screens(lesson, local_support(org.municipality), note)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/present")
def cohort_present(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    version, gone = _version_or_redirect(org, cohort)
    if gone:
        return gone
    contents = [(lesson, _lesson_screens(org, lesson)) for lesson in version.lessons]
    return render_template("coordinate/present_index.html", org=org, cohort=cohort, version=version,
                           contents=contents)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/present/<key>/<int:screen>")
def cohort_present_screen(org_id: int, cohort_id: int, key: str, screen: int):
    org, cohort = load_cohort(org_id, cohort_id)
    version, gone = _version_or_redirect(org, cohort)
    if gone:
        return gone
    lesson = slides.lesson_by_key(version, key)
    if lesson is None:
        abort(404)
    shown = _lesson_screens(org, lesson)
    if not 1 <= screen <= len(shown):
        abort(404)
    previous, following = slides.neighbours(version, lesson, screen, len(shown))
    return render_template(
        "coordinate/present.html", org=org, cohort=cohort, version=version, lesson=lesson, screen=shown[screen - 1],
        number=screen, count=len(shown), lesson_number=version.lessons.index(lesson) + 1,
        previous=previous, following=following, children=cohort.course.audience is Audience.CHILDREN)


@bp.route("/organisations/<int:org_id>/cohorts/<int:cohort_id>/handouts.pdf")
def cohort_handouts(org_id: int, cohort_id: int):
    org, cohort = load_cohort(org_id, cohort_id)
    version, gone = _version_or_redirect(org, cohort)
    if gone:
        return gone
    box = Markup(render_template("pdf/_reflection_box.html"))
    support = local_support(org.municipality, "pdf/_local_support.html")
    lessons = [(lesson, slides.fill_placeholders(lesson.html, support, box)) for lesson in version.lessons]
    # Lesson images come from the database, looked up by the /content/... address in the HTML.
    assets = {f"/content/{version.id}/{path}": (mime, data) for path, mime, data in db.session.execute(
        sa.select(Asset.path, Asset.mime, Asset.data).where(Asset.version_id == version.id,
                                                           Asset.mime.like("image/%")))}
    html = render_template("pdf/handouts.html", org=org, cohort=cohort, version=version, lessons=lessons,
                           children=cohort.course.audience is Audience.CHILDREN)
    try:
        data = documents.html_to_pdf(html, assets=assets)
    except FontMissingError as error:
        return font_missing_page(error)
    return pdf_response(data, f"cohort-{cohort.id}-handouts.pdf")
