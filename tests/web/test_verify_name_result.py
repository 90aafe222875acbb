"""The verification page's name check answers at the top of the page, focused for screen readers
(issue 20 item 7: the answer was two screens below where the page reloads)."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.services.certificates import issuing
from app.services.learning import enrolling, progress
from tests.conftest import csrf_token
from tests.factories import make_organisation, make_trainee

RESULT_TAG = re.compile(r'<div id="name-result"[^>]*>')


@pytest.fixture()
def cert(app, course):
    make_organisation(municipality="292095", name="つながり講座の実施団体")
    enrolment = enrolling.enrol(db.session, make_trainee(name="長谷川 美代子", municipality="292095"), course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return issuing.current_certificate(db.session, enrolment.id)


def _check(client, cert, name: str) -> str:
    url = f"/verify/{cert.code_display}"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "name": name})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _result(page: str) -> tuple[str, str]:
    """The answer's opening tag and its text."""
    tag = RESULT_TAG.search(page)
    assert tag, "no name-check answer on the page"
    return tag.group(0), page[tag.end():page.index("</div>", tag.end())]


@pytest.mark.parametrize(("typed", "answer"), [("長谷川　美代子", "お名前は記録と一致します。"),
                                               ("長谷川 花子", "お名前は記録と一致しません。"),
                                               ("", "お名前を入力してください。")])
def test_the_answer_comes_first_and_takes_the_focus(client, cert, typed, answer):
    page = _check(client, cert, typed)
    tag, text = _result(page)
    assert answer in text
    assert 'tabindex="-1"' in tag and "autofocus" in tag and 'role="status"' in tag
    # Above the certificate's facts and the form, right under the page's heading.
    assert page.index("<h1>") < page.index('id="name-result"') < page.index('class="verify-status')
    assert page.index('id="name-result"') < page.index('<form method="post" novalidate>')
    assert page.count("autofocus") == 1


def test_no_answer_before_a_name_is_sent(client, cert):
    page = client.get(f"/verify/{cert.code_display}").get_data(as_text=True)
    assert 'id="name-result"' not in page and "autofocus" not in page
