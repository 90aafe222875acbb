"""The home page: why, how long (from the live course), how many (the open data's suppressed
figures, national and for a town picked without JavaScript), the children's entrance, five answers,
and a fixed number of queries that the cache removes altogether."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Audience, Course, Lesson
from app.services.infra import cache
from app.services.statistics import statistics
from tests.cohort_helpers import default_course
from tests.conftest import count_queries
from tests.stats_helpers import add_records

LAST = statistics.current_fiscal_year() - 1  # the last fiscal year that has ended: what is published
IKOMA, NOSEGAWA, ZAMA, NAHA = "292095", "294471", "142166", "472018"


def page(client, query: str = "") -> str:
    response = client.get("/" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def seed():
    add_records(20, municipality=IKOMA, year=LAST - 1)
    add_records(11, municipality=IKOMA, year=LAST)
    add_records(30, municipality=ZAMA, year=LAST)
    add_records(9, municipality=ZAMA, year=LAST + 1)  # this fiscal year: not published yet
    db.session.commit()


def test_the_page_says_why_how_long_free_and_where_pupils_log_in(app):
    default_course()
    html = page(app.test_client())
    minutes = db.session.scalar(sa.select(sa.func.sum(Lesson.minutes)).join(
        Course, Course.live_version_id == Lesson.version_id).where(Course.audience == Audience.ADULT))
    assert f"約{minutes}分" in html
    assert "無料" in html and "資格は不要" in html
    assert 'src="/static/img/home-three-steps.svg' in html and 'alt="三つの場面の絵。' in html
    assert 'href="/pupil-login"' in html
    assert len(re.findall(r"<details>", html)) == 5
    for question in ("本当に無料ですか？", "どのくらい時間がかかりますか？", "スマートフォンで受けられますか？",
                     "受講したあと、何かしなければなりませんか？", "個人情報は大丈夫ですか？"):
        assert f"<summary>{question}</summary>" in html


def test_the_length_is_read_from_the_live_course_not_written_in_the_page(app):
    course = default_course()
    lessons = course.live_version.lessons
    lessons[0].minutes += 100
    db.session.commit()
    total = sum(lesson.minutes for lesson in lessons)
    assert f"約{total}分" in page(app.test_client())


def test_without_a_live_course_no_length_is_claimed(app):
    assert "約0分" not in page(app.test_client()) and "分</strong>" not in page(app.test_client())


def test_national_count_is_the_published_figure_of_ended_years(app):
    seed()
    html = page(app.test_client())
    assert "61<small>人</small>" in html  # 20 + 11 in 奈良県, 30 in 神奈川県; this year's 9 not yet
    assert f"全国（{statistics.fiscal_year_label(LAST)}末まで）" in html


def test_a_hidden_prefecture_makes_the_national_figure_a_lower_bound(app):
    seed()
    add_records(2, municipality=NAHA, year=LAST)  # 沖縄県 has 2: its total is hidden
    db.session.commit()
    html = page(app.test_client())
    assert "61<small>人以上</small>" in html and "全国の数に入れていません" in html
    assert "63" not in html  # the exact total would give 沖縄県's 2 away


def test_a_town_is_picked_in_two_get_steps_without_javascript(app):
    seed()
    client = app.test_client()
    html = page(client, "?pref=29")
    assert '<input type="hidden" name="pref" value="29">' in html
    assert f'<option value="{IKOMA}">生駒市</option>' in html
    assert f'<option value="{ZAMA}"' not in html  # only 奈良県's towns
    html = page(client, f"?pref=29&town={IKOMA}")
    assert "奈良県生駒市（" in html and "31<small>人</small>" in html
    assert f'href="/sessions?municipality_code={IKOMA}"' in html  # the session finder, for that town
    assert f'<option value="{IKOMA}" selected>' in html


def test_a_small_town_shows_the_mark_never_its_number(app):
    seed()
    add_records(1, municipality=NOSEGAWA, year=LAST)
    db.session.commit()
    html = page(app.test_client(), f"?town={NOSEGAWA}")
    town = html.split("home-count-town", 1)[1].split("</p>", 1)[0]
    assert "＊" in town and not re.search(r"\d+<small>", town)


def test_a_town_with_nobody_yet_invites_the_first(app):
    seed()
    html = page(app.test_client(), "?town=292010")  # 奈良市
    assert "0<small>人</small>" in html and "最初の一人" in html


def test_unknown_codes_give_a_clear_message_not_an_error(app):
    client = app.test_client()
    for query in ("?town=999999", "?town=abc", "?town=29209", "?pref=99", "?pref=x",
                  "?pref=" + "9" * 500):
        html = page(client, query)
        assert 'role="alert"' in html and "見つかりませんでした" in html, query
    assert 'role="alert"' not in page(client, "?pref=29")
    assert client.get("/?town=%00").status_code == 400  # refused by the app before the page, not a 500


def test_queries_are_few_and_fixed_and_none_once_cached(app):
    default_course()
    client = app.test_client()
    with count_queries() as small:
        page(client, f"?town={IKOMA}")
    seed()
    add_records(3, municipality=NOSEGAWA, year=LAST - 1)
    add_records(40, municipality=NAHA, year=LAST)
    db.session.commit()
    with count_queries() as large:
        page(client, f"?town={IKOMA}")
    assert len(small) == len(large) <= 8

    app.config.update(OPENDATA_CACHE_SECONDS=3600, AREA_CACHE_SECONDS=60)
    cache.clear()
    page(client, f"?town={IKOMA}")
    with count_queries() as cached:
        html = page(client, f"?town={NAHA}")
    assert cached == [] and "40<small>人</small>" in html
