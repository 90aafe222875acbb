"""The sentence above the quiz says how to send the answers as the page works: children see one
question per screen and the button after the last one, adults the whole form with the button at
the bottom; both name the button's own label."""
from __future__ import annotations

import re

from app.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, start_quiz


def _attempt_page(app, bundle: str, email: str) -> str:
    version = publish_bundle(FIXTURES / bundle)
    slug = version.course.slug
    make_trainee(email=email)
    db.session.commit()
    client = app.test_client()
    login(client, email, PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    url, _token, _csrf = start_quiz(client, slug)
    return client.get(url).get_data(as_text=True)


def _plain(html: str) -> str:
    """The text a reader sees: ruby readings dropped, tags removed."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>", "", html))


def test_childrens_quiz_says_to_send_after_the_last_question(app):
    page = _plain(_attempt_page(app, "valid-children", "kid@example.jp"))
    assert "ぜんぶの もんだいに こたえたら、さいごに「答えを送る」を おしてね。" in page
    assert "いちばん下" not in page
    assert "答えを送る" in page.split("おしてね。", 1)[1]  # the button the sentence names


def test_adults_quiz_keeps_its_sentence(app):
    page = _plain(_attempt_page(app, "valid-adult", "adult@example.jp"))
    assert "すべての問題に答えてから、いちばん下の「答えを送る」を押してください。" in page
    assert "おしてね" not in page
