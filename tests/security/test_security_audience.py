"""Who may take which course is decided on the server (issue 13 item 12).

Pupils (accounts of a school class) take the children's course only: every page of the adult
course answers 404 to them, enrolling is refused by the service itself (views, cohort joining and
any later caller alike), and an enrolment made before this rule leads nowhere. Adults may open and
take the children's course: PRODUCT.md says anyone may take the programme, and teachers and
parents read what the pupils read."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment, OrganisationKind, SchoolClass
from app.services.cohorts import cohorts
from app.services.learning import enrolling
from app.services.learning.errors import LearningError
from tests.cohort_helpers import default_course, make_cohort
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.security.helpers import text_of


@pytest.fixture()
def courses(app):
    return default_course("tsunagari-adult"), default_course("tsunagari-children")


@pytest.fixture()
def pupil(app):
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="AUDI6A")
    db.session.add(school_class)
    db.session.flush()
    user = make_trainee(email=None, municipality=None, school_class_id=school_class.id, pupil_number=1)
    db.session.commit()
    return user


@pytest.fixture()
def pupil_client(app, pupil):
    client = app.test_client()
    response = post_form(client, "/pupil-login", {"class_code": "AUDI6A", "number": "1", "password": PASSWORD})
    assert response.status_code == 302
    return client


def _enrolments(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id))


def _pages(course) -> list[str]:
    version = enrolling.live_version(db.session, course)
    base = f"/courses/{course.slug}"
    return [base, f"{base}/lessons/{version.lessons[0].key}", f"{base}/quiz", f"{base}/survey"]


def test_a_pupil_cannot_open_or_enrol_in_the_adult_course(courses, pupil, pupil_client):
    adult, children = courses
    for url in _pages(adult):
        assert pupil_client.get(url).status_code == 404, url
    token = csrf_token(pupil_client, f"/courses/{children.slug}")
    assert pupil_client.post(f"/courses/{adult.slug}/enrol", data={"csrf_token": token}).status_code == 404
    assert _enrolments(pupil) == 0
    assert adult.slug not in text_of(pupil_client.get("/courses?audience=adult"))


def test_the_service_refuses_to_enrol_a_pupil_in_the_adult_course(courses, pupil):
    adult, _ = courses
    with pytest.raises(LearningError) as refused:
        enrolling.enrol(db.session, pupil, adult)
    assert refused.value.code == "wrong_audience"
    db.session.rollback()
    assert _enrolments(pupil) == 0


def test_an_enrolment_from_before_the_rule_leads_nowhere(courses, pupil, pupil_client):
    adult, children = courses
    version = enrolling.live_version(db.session, adult)
    db.session.add(Enrolment(user_id=pupil.id, course_id=adult.id, started_version_id=version.id,
                             lessons_required=len(version.required_lesson_keys)))
    db.session.commit()
    first = version.lessons[0].key
    token = csrf_token(pupil_client, f"/courses/{children.slug}")
    assert pupil_client.get(f"/courses/{adult.slug}/lessons/{first}").status_code == 404
    for action in (f"lessons/{first}/complete", f"lessons/{first}/reflection", "quiz/start"):
        response = pupil_client.post(f"/courses/{adult.slug}/{action}", data={"csrf_token": token, "text": "x"})
        assert response.status_code == 404, action


def test_a_pupil_cannot_join_a_cohort_of_the_adult_course(courses, pupil, pupil_client):
    adult, _ = courses
    cohort = make_cohort(make_organisation(name="生駒市"), adult)
    landing = f"/join/{cohorts.format_join_code(cohort.join_code)}"
    response = post_form(pupil_client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=landing)
    assert response.status_code == 302
    assert _enrolments(pupil) == 0
    assert "大人向け" in text_of(pupil_client.get(response.headers["Location"]))


def _leads_into_the_course(location: str, course) -> bool:
    """Enrolling opens the first lesson, or first offers the optional (skippable) self-assessment."""
    return f"/courses/{course.slug}/lessons/" in location or location.endswith(f"/courses/{course.slug}/evaluation/before")


def test_a_pupil_takes_the_childrens_course(courses, pupil, pupil_client):
    _, children = courses
    response = post_form(pupil_client, f"/courses/{children.slug}/enrol", {}, token_from=f"/courses/{children.slug}")
    assert response.status_code == 302 and _leads_into_the_course(response.headers["Location"], children)
    assert _enrolments(pupil) == 1


def test_an_adult_may_take_the_childrens_course(app, client, courses):
    _, children = courses
    adult = make_trainee(email="parent@example.jp")
    db.session.commit()
    login(client, "parent@example.jp", PASSWORD)
    for url in _pages(children)[:1]:
        assert client.get(url).status_code == 200
    response = post_form(client, f"/courses/{children.slug}/enrol", {}, token_from=f"/courses/{children.slug}")
    assert response.status_code == 302 and _leads_into_the_course(response.headers["Location"], children)
    assert _enrolments(adult) == 1
