"""The lesson-page cache (app/web/pagecache.py): a kept page is sent again only while nothing it
shows has changed, for this user, on any server."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, TextSize, User
from tests.conftest import CSRF_RE, count_queries, login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, bundle_copy, publish_bundle

LESSON = "/courses/{slug}/lessons/hajimeni"


def settle(client) -> None:
    """Show any flashed message on another page, so the next lesson request may use the cache."""
    client.get("/my")


@pytest.fixture()
def enrolled(app, client):
    """A trainee logged in and enrolled in the fixture course; the lesson URL."""
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    make_trainee(email="cache@example.jp", name="キャッシュ太郎")
    db.session.commit()
    login(client, "cache@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    url = LESSON.format(slug=slug)
    client.get(url)  # the visit itself is a write (last lesson opened): this page is not kept
    return slug, url


def test_second_identical_request_is_one_query_and_same_bytes(app, client, enrolled):
    _, url = enrolled
    first = client.get(url)
    assert first.status_code == 200
    with count_queries() as seen:
        again = client.get(url)
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert len(seen) == 1, seen  # the fingerprint; no user load, no rendering queries
    assert again.headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in again.headers  # after_request hooks still run


def test_disabled_cache_renders_every_time(app, client, enrolled):
    _, url = enrolled
    app.config["PAGE_CACHE_SECONDS"] = 0
    from app.web import pagecache

    pagecache.init_app(app)
    client.get(url)
    with count_queries() as seen:
        client.get(url)
    assert len(seen) > 1


def test_completing_the_lesson_shows_at_once(app, client, enrolled):
    slug, url = enrolled
    before = client.get(url).get_data(as_text=True)
    client.get(url)  # kept
    post_form(client, f"{url}/complete", {}, token_from=url)
    settle(client)
    after = client.get(url).get_data(as_text=True)
    assert after != before
    enrolment = db.session.scalar(sa.select(Enrolment))
    assert enrolment.lessons_done == 1
    # The page now says the lesson is done (the completion form is gone from it).
    assert f'action="{url}/complete"' in before
    assert f'action="{url}/complete"' not in after


def test_saved_reflection_shows_and_is_never_shown_to_another_user(app, client, enrolled, make_app):
    slug, url = enrolled
    client.get(url)
    client.get(url)  # kept
    post_form(client, f"{url}/reflection", {"text": "となりの人に声をかけたい"}, token_from=url)
    settle(client)
    assert "となりの人に声をかけたい" in client.get(url).get_data(as_text=True)
    # Another trainee on the same lesson gets their own page, not the kept one.
    make_trainee(email="other@example.jp")
    db.session.commit()
    other = app.test_client()
    login(other, "other@example.jp", PASSWORD)
    post_form(other, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    settle(other)
    for _ in range(3):
        page = other.get(url).get_data(as_text=True)
        assert "となりの人に声をかけたい" not in page
        assert "キャッシュ太郎" not in page


def test_preferences_and_language_change_the_page(app, client, enrolled):
    _, url = enrolled
    client.get(url)
    assert "text-xlarge" not in client.get(url).get_data(as_text=True)
    post_form(client, "/my/preferences", {"text_size": "xlarge", "furigana": "y", "next": url}, token_from=url)
    settle(client)
    assert "text-xlarge" in client.get(url).get_data(as_text=True)
    post_form(client, "/language", {"lang": "en", "next": url}, token_from=url)
    assert '<html lang="en"' in client.get(url).get_data(as_text=True)


def test_flashed_message_is_shown_once_and_not_kept(app, client, enrolled):
    slug, url = enrolled
    client.get(url)
    client.get(url)  # kept, without a message
    post_form(client, "/my/preferences", {"text_size": "large", "furigana": "y", "next": url}, token_from=url)
    assert "表示を変えました。" in client.get(url).get_data(as_text=True)
    assert "表示を変えました。" not in client.get(url).get_data(as_text=True)


def test_change_on_another_server_is_seen(app, client, enrolled, make_app):
    """A write made by another app server (another process, same database) changes the key."""
    _, url = enrolled
    client.get(url)
    assert "text-xlarge" not in client.get(url).get_data(as_text=True)  # kept here
    second = make_app()
    with second.app_context():
        db.session.execute(sa.update(User).values(text_size=TextSize.XLARGE))
        db.session.commit()
    assert "text-xlarge" in client.get(url).get_data(as_text=True)


def test_deactivated_or_logged_out_elsewhere_gets_no_kept_page(app, client, enrolled):
    _, url = enrolled
    client.get(url)
    assert client.get(url).status_code == 200  # kept
    db.session.execute(sa.update(User).values(session_version=User.session_version + 1))
    db.session.commit()
    settle(client)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    login(client, "cache@example.jp", PASSWORD)
    settle(client)
    client.get(url)
    assert client.get(url).status_code == 200
    db.session.execute(sa.update(User).values(is_active_account=False))
    db.session.commit()
    assert client.get(url).status_code != 200


def test_publishing_a_new_version_shows_at_once(app, client, enrolled, tmp_path):
    slug, url = enrolled
    client.get(url)
    assert "新しい版の一文" not in client.get(url).get_data(as_text=True)
    text = (FIXTURES / "valid-adult" / "lessons" / "01-hajimeni.md").read_text(encoding="utf-8")
    last_line = [line for line in text.splitlines() if line.strip() and not line.startswith(("#", "`", "-", "id:"))][-1]
    publish_bundle(bundle_copy(tmp_path, replace={"lessons/01-hajimeni.md": (last_line, last_line + "新しい版の一文")}))
    assert "新しい版の一文" in client.get(url).get_data(as_text=True)


def test_csrf_token_of_a_kept_page_works_for_its_session(app, client, enrolled):
    _, url = enrolled
    client.get(url)
    page = client.get(url).get_data(as_text=True)  # kept copy
    token = CSRF_RE.search(page).group(1)
    response = client.post(f"{url}/complete", data={"csrf_token": token})
    assert response.status_code == 302
    settle(client)
    assert f'action="{url}/complete"' not in client.get(url).get_data(as_text=True)
    assert db.session.scalar(sa.select(Enrolment.lessons_done)) == 1
