"""After passing the quiz and after the survey (issue 20 item 5): the pass screen and the course page
offer the certificate (PDF, then the card) and then the survey, in that order."""
from __future__ import annotations

from app.extensions import db
from app.services.certificates import issuing
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle, right_answers, start_quiz, submit


def positions(page: str, *needles: str) -> list[int]:
    found = [page.find(n) for n in needles]
    assert all(i >= 0 for i in found), dict(zip(needles, found, strict=True))
    return found


def test_pass_screen_and_course_page_offer_certificate_then_survey(app, client):
    version = publish_bundle(FIXTURES / "valid-adult")
    slug = version.course.slug
    user = make_trainee(email="pass@example.jp")
    db.session.commit()
    login(client, "pass@example.jp", PASSWORD)
    post_form(client, f"/courses/{slug}/enrol", {}, token_from=f"/courses/{slug}")
    for lesson in version.lessons:
        post_form(client, f"/courses/{slug}/lessons/{lesson.key}/complete", {},
                  token_from=f"/courses/{slug}/lessons/{lesson.key}")
    url, token, csrf = start_quiz(client, slug)
    submit(client, url, token, csrf, right_answers(version))
    cert = issuing.certificates_of(db.session, user)[0]
    pdf, card, survey = (f"/my/certificates/{cert.id}.pdf", f"/my/certificates/{cert.id}/card.pdf",
                         f"/courses/{slug}/survey")
    result = client.get(url).get_data(as_text=True)
    assert "合格です" in result
    assert positions(result, pdf, card, survey) == sorted(positions(result, pdf, card, survey))
    course = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert positions(course, pdf, card, survey) == sorted(positions(course, pdf, card, survey))
    assert client.get(pdf).status_code == 200 and client.get(card).status_code == 200
    # After the survey, the course page still offers the certificate, and no longer the survey.
    post_form(client, survey, {"s-s1": "5", "s-s2": "2", "s-s3": "よかった"})
    course = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert pdf in course and card in course and f'href="{survey}"' not in course
