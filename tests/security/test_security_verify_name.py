"""The public verification page tells anyone with the code whether the certificate is valid, and
nothing about its holder; the name check answers only "matches" or "does not match", a few times
per client and per certificate (issue 13 item 10)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Organisation
from app.services.certificates import issuing
from app.services.certificates.wareki import to_wareki
from app.services.learning import enrolling, progress
from tests.conftest import coordinator_client, csrf_token
from tests.factories import make_organisation, make_trainee
from tests.security.helpers import text_of


@pytest.fixture()
def cert(app, course):
    make_organisation(municipality="292095", name="つながり講座の実施団体")
    enrolment = enrolling.enrol(db.session, make_trainee(name="長谷川 美代子", municipality="292095"), course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return issuing.current_certificate(db.session, enrolment.id)


def _check(client, cert, name: str):
    url = f"/verify/{cert.code_display}"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "name": name})


def _facts_about_the_holder(cert) -> list[str]:
    """Part of the name, its length, where the holder lives and when they completed the course."""
    assert cert.municipality_name == "奈良県生駒市"
    day = cert.completed_on
    return ["長谷川", "○", "美代子", "生駒市", day.isoformat(), to_wareki(day), f"{day.year}年{day.month}月{day.day}日"]


def test_the_page_shows_the_certificate_and_nothing_about_its_holder(client, cert):
    page = text_of(client.get(f"/verify/{cert.code_display}"))
    assert "有効です" in page and cert.serial in page and cert.course_title in page
    shown = [fact for fact in _facts_about_the_holder(cert) if fact in page]
    assert not shown, shown


@pytest.mark.parametrize("typed, matches", [("長谷川　美代子", True), ("長谷川美代子", True), ("長谷川 花子", False),
                                            ("長谷川", False)])
def test_the_name_check_answers_only_yes_or_no(client, cert, typed, matches):
    page = text_of(_check(client, cert, typed))
    assert ("記録と一致します" in page) is matches and ("記録と一致しません" in page) is not matches
    # Nothing beyond the answer: not the family name when the given name was wrong, nor the rest.
    shown = [fact for fact in _facts_about_the_holder(cert) if fact in page.replace(f'value="{typed}"', "")]
    assert not shown, shown


def test_the_holder_details_stay_on_the_organisers_own_page(app, cert):
    client = coordinator_client(app, db.session.get(Organisation, cert.organisation_id), "c@example.jp")
    page = text_of(client.get(f"/coordinate/organisations/{cert.organisation_id}/certificates/{cert.id}"))
    day = cert.completed_on
    assert "長谷川 美代子" in page and f"{day.year}年{day.month}月{day.day}日" in page  # one date style (issue 20)


def test_the_name_check_is_limited_hard_per_client_by_default(app, cert):
    client = app.test_client()
    codes = [_check(client, cert, f"長谷川 {n}").status_code for n in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429, codes
    # Looking at the page is not a guess: it stays open.
    assert client.get(f"/verify/{cert.code_display}").status_code == 200


def test_the_name_check_is_limited_per_certificate_across_clients(app, make_app, cert, course):
    limited = make_app(VERIFY_NAME_CODE_RATE_LIMIT="3 per hour")
    answers = []
    for n in range(4):
        client = limited.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"  # four different addresses
        # However the code is written, it is the same certificate.
        code = cert.code_display if n % 2 else cert.code_display.lower().replace("-", "")
        url = f"/verify/{code}"
        answers.append(client.post(url, data={"csrf_token": csrf_token(client, url), "name": f"山田 {n}"}).status_code)
    assert answers == [200, 200, 200, 429], answers
    # Another certificate can still be checked.
    enrolment = enrolling.enrol(db.session, make_trainee(name="佐藤 一郎"), course)
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    other = issuing.current_certificate(db.session, enrolment.id)
    client = limited.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    assert _check(client, other, "佐藤 一郎").status_code == 200


def test_the_defaults_are_hard(app):
    from limits import parse_many

    per_client = {limit.GRANULARITY.name: limit.amount for limit in parse_many(app.config["VERIFY_NAME_RATE_LIMIT"])}
    per_code = {limit.GRANULARITY.name: limit.amount for limit in parse_many(app.config["VERIFY_NAME_CODE_RATE_LIMIT"])}
    assert per_client["minute"] <= 5 and per_client["day"] <= 20
    assert per_code["day"] <= 30
