"""One model of lesson progress (issue 20 item 3): reaching the end of a lesson and pressing 次へ
(a POST) completes it and the progress shown changes at once; opening pages (a GET, a prefetch)
never completes anything; つづきから学ぶ resumes at the first unfinished lesson."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, LessonProgress
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle


def start(client, email: str = "next@example.jp"):
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    make_trainee(email=email)
    db.session.commit()
    login(client, email, PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    return version, slug


def done() -> set[str]:
    return set(db.session.scalars(sa.select(LessonProgress.lesson_key)))


def test_opening_lessons_never_completes_them(app, client):
    version, slug = start(client)
    for lesson in version.lessons:
        assert client.get(f"/courses/{slug}/lessons/{lesson.key}").status_code == 200
        assert client.get(f"/courses/{slug}/lessons/{lesson.key}",
                          headers={"Sec-Purpose": "prefetch", "Purpose": "prefetch"}).status_code == 200
    assert done() == set()
    assert db.session.scalar(sa.select(Enrolment.lessons_done)) == 0


def test_next_card_is_a_form_that_completes_the_lesson_and_moves_on(app, client):
    version, slug = start(client)
    first, second = (lesson.key for lesson in version.lessons[:2])
    page = client.get(f"/courses/{slug}/lessons/{first}").get_data(as_text=True)
    pager = page[page.index('class="lesson-pager'):]
    # 次へ posts to the complete route (CSRF included); it is not a plain link to the next lesson.
    assert re.search(rf'<form class="pager-next" method="post" action="/courses/{slug}/lessons/{first}/complete">',
                     pager)
    assert 'name="then" value="next"' in pager and "次へ（このレッスンを完了）" in pager
    assert f'href="/courses/{slug}/lessons/{second}" rel="next"' not in pager
    response = post_form(client, f"/courses/{slug}/lessons/{first}/complete", {"then": "next"},
                         token_from=f"/courses/{slug}/lessons/{first}")
    assert response.headers["Location"].endswith(f"/courses/{slug}/lessons/{second}")
    assert done() == {first}
    # The progress shown changes at once, on the next page and on the course page.
    following = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "完了 1 / 2 レッスン" in following
    assert "完了 1 / 2 レッスン" in client.get(f"/courses/{slug}").get_data(as_text=True)
    # A lesson already done: 次へ is a plain link again, nothing to complete.
    page = client.get(f"/courses/{slug}/lessons/{first}").get_data(as_text=True)
    assert f'href="/courses/{slug}/lessons/{second}" rel="next"' in page


def test_next_on_the_last_lesson_completes_it_and_goes_to_the_quiz(app, client):
    version, slug = start(client)
    last = version.lessons[-1].key
    response = post_form(client, f"/courses/{slug}/lessons/{last}/complete", {"then": "next"},
                         token_from=f"/courses/{slug}/lessons/{last}")
    assert last in done()
    assert response.headers["Location"].endswith(f"/courses/{slug}/quiz")


def test_resume_goes_to_the_first_unfinished_lesson_not_the_last_visited(app, client):
    version, slug = start(client)
    first, second = (lesson.key for lesson in version.lessons[:2])
    client.get(f"/courses/{slug}/lessons/{second}")  # looked ahead, finished nothing
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    resume = re.search(r'<a class="button primary" href="([^"]+)">つづきから学ぶ</a>', page)
    assert resume and resume.group(1) == f"/courses/{slug}/lessons/{first}"
    # With the first done, resume moves on to the second.
    post_form(client, f"/courses/{slug}/lessons/{first}/complete", {}, token_from=f"/courses/{slug}/lessons/{first}")
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert f'href="/courses/{slug}/lessons/{second}">つづきから学ぶ' in page
