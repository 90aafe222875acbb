"""Issue 20 item 12 (b): わたしのデータ reads as words and dates in Japan, not stored codes and UTC
timestamps; the JSON download keeps the machine values."""
from __future__ import annotations

import datetime as dt
import json

from app.extensions import db
from app.models import AgeBand, Sex
from app.services.learning import enrolling, reflections
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle

# 20:30 UTC on 3 December is 05:30 on 4 December in Japan.
LATE_EVENING_UTC = dt.datetime(2026, 12, 3, 20, 30, tzinfo=dt.UTC)


def _author():
    version = publish_bundle(FIXTURES / "valid-adult")
    user = make_trainee(email="me@example.jp", age_band=AgeBand.AGE_40S, sex=Sex.FEMALE)
    user.created_at = LATE_EVENING_UTC
    enrolment = enrolling.enrol(db.session, user, version.course)
    enrolment.created_at = LATE_EVENING_UTC
    reflections.save_reflection(db.session, enrolment, version, "hajimeni", "わたしの答え")
    db.session.commit()
    return version


def _page(app, lang: str | None = None) -> tuple[str, object]:
    version = _author()
    client = app.test_client()
    login(client, "me@example.jp", PASSWORD)
    if lang:
        post_form(client, "/language", {"lang": lang, "next": "/my/data"}, token_from="/my/data")
    return client.get("/my/data").get_data(as_text=True), version, client


def test_my_data_page_shows_dates_in_japan_and_words_not_codes(app):
    page, version, client = _page(app)
    assert "2026年12月4日" in page  # the day in Japan, not 3 December in UTC
    assert "2026-12-03" not in page and "T20:30" not in page and "+00:00" not in page
    assert "40代" in page and "女性" in page
    assert ">40s<" not in page and ">female<" not in page
    assert f"<h3>{version.title}</h3>" in page and f"<h3>{version.course.slug}</h3>" not in page
    lesson = next(lesson for lesson in version.lessons if lesson.key == "hajimeni")
    assert f'<p class="meta">{lesson.title}</p>' in page
    assert "（292095）" not in page  # the municipality's code is not for people
    # The download keeps the machine values.
    data = json.loads(client.get("/my/data.json").get_data(as_text=True))
    assert data["account"]["age_band"] == "40s" and data["account"]["sex"] == "female"
    assert data["account"]["created_at"].startswith("2026-12-03T20:30")


def test_my_data_page_in_english_has_english_dates(app):
    page, _version, _client = _page(app, "en")
    assert "December 4, 2026" in page
    assert "令和" not in page and "2026年12月4日" not in page
