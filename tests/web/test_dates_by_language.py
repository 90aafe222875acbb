"""Issue 20 item 12 (a): one date style per language. Japanese pages show Western dates
「2026年12月4日」; English pages show "December 4, 2026", with no 和暦 and no full-width brackets."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Course
from app.services.certificates import issuing
from app.services.content import courses
from app.services.learning import progress
from tests.cohort_helpers import join_all, make_cohort
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee

JAPANESE_ONLY = re.compile(r"令和|平成|（|）")


@pytest.fixture()
def world(app):
    courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))
    org = make_organisation(municipality="292095", name="生駒市")
    make_coordinator(org, email="coord@example.jp")
    cohort = make_cohort(org, course, title="Evening session")
    trainee = make_trainee(email="me@example.jp", name="Hanako Yamada")
    (enrolment,) = join_all(cohort, [trainee])
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    certificate = issuing.current_certificate(db.session, enrolment.id)
    return {"org": org, "cohort": cohort, "certificate": certificate, "course": course}


def _english(app, email: str | None, first: str):
    client = app.test_client()
    if email:
        login(client, email, PASSWORD)
    post_form(client, "/language", {"lang": "en", "next": first}, token_from=first)
    return client


def _interface(page: str) -> str:
    """The page without what people wrote (course titles and texts come from the content, in Japanese)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"つながりサポーター養成講座[^<]*", "", page)


def test_english_pages_have_no_era_and_no_full_width_brackets(app, world):
    certificate, org, cohort = world["certificate"], world["org"], world["cohort"]
    trainee = _english(app, "me@example.jp", "/my")
    pages = {url: trainee.get(url) for url in ("/my", "/my/data", "/my/certificates")}
    visitor = _english(app, None, "/")
    # The dates show once the holder's name is checked (issue 13 item 10).
    pages["verify"] = post_form(visitor, f"/verify/{certificate.code_display}", {"name": "Hanako Yamada"})
    coordinator = _english(app, "coord@example.jp", f"/coordinate/organisations/{org.id}")
    report = f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/report"
    pages[report] = coordinator.get(report)
    shown = 0
    for url, response in pages.items():
        if response.status_code == 404:
            continue
        assert response.status_code == 200, url
        found = JAPANESE_ONLY.findall(_interface(response.get_data(as_text=True)))
        assert not found, (url, found)
        shown += 1
    assert shown >= 4
    day = certificate.completed_on
    assert f"{day:%B} {day.day}, {day.year}" in pages["/my"].get_data(as_text=True)


def test_japanese_pages_show_western_dates_not_the_era(app, world):
    certificate = world["certificate"]
    client = app.test_client()
    login(client, "me@example.jp", PASSWORD)
    page = client.get("/my").get_data(as_text=True)
    day = certificate.completed_on
    assert f"{day.year}年{day.month}月{day.day}日" in page
    assert "令和" not in page and day.isoformat() not in page


def test_english_open_data_and_home_pages_name_fiscal_years_without_the_era(app):
    from tests.statistics.test_opendata import LAST, seed_nara

    seed_nara()
    client = _english(app, None, "/opendata")
    for url in ("/opendata", "/"):
        page = _interface(client.get(url).get_data(as_text=True))
        assert "令和" not in page and "平成" not in page, url
    assert f"FY{LAST}" in _interface(client.get("/opendata").get_data(as_text=True))
    japanese = app.test_client().get("/opendata").get_data(as_text=True)
    assert "令和" in japanese  # Japanese names the fiscal year as municipalities do


def test_japanese_coordinator_pages_show_dates_as_words_not_iso(app, world):
    org, cohort = world["org"], world["cohort"]
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    for url in (f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}",
                f"/coordinate/organisations/{org.id}/certificates"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = _interface(response.get_data(as_text=True))
        assert not re.findall(r">[^<]*\b20\d\d-\d\d-\d\d\b", page), url
        day = world["certificate"].completed_on
        assert f"{day.year}年{day.month}月{day.day}日" in page, url
