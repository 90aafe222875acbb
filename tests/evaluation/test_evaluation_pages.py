"""The learner's self-assessment pages: offered, optional, skippable in one click, faces for pupils."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, EvaluationPair
from app.services.evaluation import answers
from app.services.learning import enrolling, progress
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee

ADULT = "/courses/tsunagari-adult"


def _logged_in(app, email="t@example.jp"):
    make_trainee(email=email)
    db.session.commit()
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def _enrolment() -> Enrolment:
    return db.session.scalars(sa.select(Enrolment)).one()


def _complete(enrolment: Enrolment) -> None:
    version = enrolling.live_version(db.session, enrolment.course)
    for lesson in version.lessons:
        progress.complete_lesson(db.session, enrolment, version, lesson.key)
    if enrolment.completed_at is None:
        progress.record_attendance(db.session, enrolment)
    db.session.commit()


def test_enrolling_offers_the_before_questionnaire_and_answers_pair_with_the_after(app, course):
    client = _logged_in(app)
    response = post_form(client, f"{ADULT}/enrol", {}, token_from=ADULT)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{ADULT}/evaluation/before")
    page = client.get(f"{ADULT}/evaluation/before").get_data(as_text=True)
    assert 'type="radio" name="e-notice"' in page and "答えずに進む" in page and "class=\"face\"" not in page
    response = post_form(client, f"{ADULT}/evaluation/before", {"e-notice": "2", "e-speak": "3"},
                         token_from=f"{ADULT}/evaluation/before")
    assert response.status_code == 302 and "/lessons/" in response.headers["Location"]
    _complete(_enrolment())
    course_page = client.get(ADULT).get_data(as_text=True)
    assert f"{ADULT}/evaluation/after" in course_page
    page = client.get(f"{ADULT}/evaluation/after").get_data(as_text=True)
    assert 'name="followup"' in page
    post_form(client, f"{ADULT}/evaluation/after", {"e-notice": "4", "e-speak": "3", "followup": "y"},
              token_from=f"{ADULT}/evaluation/after")
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    assert (pair.b2, pair.a2, pair.b3, pair.a3, pair.b1, pair.followup_consent) == (2, 4, 3, 3, None, True)
    assert f"{ADULT}/evaluation/after" not in client.get(ADULT).get_data(as_text=True)


def test_skipping_is_one_click_and_the_certificate_comes_anyway(app, course):
    client = _logged_in(app)
    post_form(client, f"{ADULT}/enrol", {}, token_from=ADULT)
    response = post_form(client, f"{ADULT}/evaluation/before", {"skip": "1"}, token_from=f"{ADULT}/evaluation/before")
    assert response.status_code == 302 and "/lessons/" in response.headers["Location"]
    assert f"{ADULT}/evaluation/before" not in client.get(ADULT).get_data(as_text=True)
    enrolment = _enrolment()
    _complete(enrolment)
    assert enrolment.completed_at is not None
    from app.models import Certificate
    assert db.session.scalar(sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id)) is not None
    post_form(client, f"{ADULT}/evaluation/after", {"skip": "1"}, token_from=f"{ADULT}/evaluation/after")
    assert answers.due(db.session, enrolment) is None


def test_nothing_answered_is_refused_with_the_way_out_named(app, course):
    client = _logged_in(app)
    post_form(client, f"{ADULT}/enrol", {}, token_from=ADULT)
    response = post_form(client, f"{ADULT}/evaluation/before", {}, token_from=f"{ADULT}/evaluation/before")
    assert response.status_code == 400 and "答えずに進む" in response.get_data(as_text=True)


def test_pupils_get_a_faces_scale_with_radio_inputs_and_text_labels(app):
    from tests.cohort_helpers import default_course
    default_course("tsunagari-children")
    client = _logged_in(app, "kid@example.jp")
    slug = "/courses/tsunagari-children"
    post_form(client, f"{slug}/enrol", {}, token_from=slug)
    page = client.get(f"{slug}/evaluation/before").get_data(as_text=True)
    points = re.findall(r'<label class="scale-point">\s*<input type="radio" name="e-notice" value="(\d)">', page)
    assert points == ["1", "2", "3", "4"]
    assert page.count('class="face"') == 16 and 'aria-hidden="true"' in page
    assert "すこしそう" in page  # a text label beside every face


def test_followup_page_opens_only_once_sent(app, course):
    client = _logged_in(app)
    post_form(client, f"{ADULT}/enrol", {}, token_from=ADULT)
    post_form(client, f"{ADULT}/evaluation/before", {"e-notice": "2"}, token_from=f"{ADULT}/evaluation/before")
    _complete(_enrolment())
    post_form(client, f"{ADULT}/evaluation/after", {"e-notice": "4", "followup": "y"},
              token_from=f"{ADULT}/evaluation/after")
    assert client.get(f"{ADULT}/evaluation/followup").status_code == 302
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    pair.followup_sent_on = dt.date.today()
    db.session.commit()
    url = f"{ADULT}/evaluation/followup"
    assert client.get(url).status_code == 200
    post_form(client, url, {"noticed": "yes", "spoke": "no", "connected": "no"}, token_from=url)
    db.session.refresh(pair)
    assert (pair.noticed, pair.spoke, pair.connected) == (True, False, False)
