"""Short steps are an enhancement: the lesson and the quiz are whole in the HTML, steps.js only
pages through them; adults' quizzes stay one page."""
from __future__ import annotations

from app.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, start_quiz


def _enrolled(client, name: str, email: str):
    version = publish_bundle(FIXTURES / name)
    slug = version.course.slug
    make_trainee(email=email)
    db.session.commit()
    login(client, email, PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    return version, slug


def test_lesson_is_whole_and_names_its_step_words(app, client):
    version, slug = _enrolled(client, "valid-adult", "steps@example.jp")
    first = version.lessons[0]
    page = client.get(f"/courses/{slug}/lessons/{first.key}").get_data(as_text=True)
    assert "js/steps.js" in page and 'data-steps-next="つぎへ"' in page and 'data-steps-back="もどる"' in page
    assert "lesson-step" not in page  # split in the browser only: without JavaScript all of it shows
    assert "このレッスンを完了" in page


def test_childrens_quiz_gets_steps_and_adults_do_not(app, client):
    version, slug = _enrolled(client, "valid-children", "kid@example.jp")
    url, _, _ = start_quiz(client, slug)
    page = client.get(url).get_data(as_text=True)
    assert "js/steps.js" in page and "data-steps-next" in page
    assert page.count('<fieldset class="question') == len(version.quiz["questions"])
    assert "答えを送る" in page

    other = app.test_client()
    _, adult_slug = _enrolled(other, "valid-adult", "adult@example.jp")
    url, _, _ = start_quiz(other, adult_slug)
    assert "js/steps.js" not in other.get(url).get_data(as_text=True)
