"""Attacker's pass over the self-assessment (評価・検証) (H9): an answer outside the scale or in another
alphabet's digits is refused without storing anything, a second submit stores nothing twice, answering
writes nothing naming the person, reports and exports never name anyone, and hostile report filters or
another organisation's ids get 404, never a 500."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, EvaluationPair, OrganisationKind
from app.models.base import utcnow
from app.services.cohorts import cohorts
from app.services.evaluation import answers
from app.services.evaluation.answers import Phase
from app.services.platform import members
from tests.cohort_helpers import make_cohort
from tests.conftest import coordinator_client, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.security.helpers import text_of

ADULT = "/courses/tsunagari-adult"
BEFORE = f"{ADULT}/evaluation/before"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture()
def learner(app, course):
    make_trainee(email="t@example.jp", name="評価 花子")
    db.session.commit()
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    post_form(client, f"{ADULT}/enrol", {}, token_from=ADULT)
    return client


# --- answers outside the scale --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["0", "6", "-1", "1.0", "+2", "01", "²", "٣", "３", pytest.param("9" * 5000, id="5000-nines"), "🙂", "\u202e3",
                                   "3\u200b", "true"])
def test_an_answer_outside_the_scale_is_refused_and_nothing_stored(learner, value):
    """"²" and 5000 nines passed isdigit() and then broke int(): a 500 before the fix."""
    response = post_form(learner, BEFORE, {"e-notice": value}, token_from=BEFORE)
    assert response.status_code == 400
    assert _count(EvaluationPair) == 0


def test_an_answer_to_an_item_the_course_does_not_ask_is_refused(learner):
    response = post_form(learner, BEFORE, {"e-notice": "3", "e-someone-elses": "3"}, token_from=BEFORE)
    assert response.status_code == 400 and _count(EvaluationPair) == 0


def test_nul_in_an_answer_is_refused(learner):
    assert post_form(learner, BEFORE, {"e-notice": "3\x00"}, token_from=BEFORE).status_code == 400
    assert _count(EvaluationPair) == 0


def test_every_scale_value_is_accepted(app, learner):
    assert post_form(learner, BEFORE, {"e-notice": "1", "e-speak": "5"}, token_from=BEFORE).status_code == 302
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    assert (pair.b2, pair.b3) == (1, 5) or (pair.b1, pair.b2) == (1, 5)


# --- the same answer twice -----------------------------------------------------------------------------

def test_a_second_submit_changes_nothing(learner):
    token_page = BEFORE
    first = post_form(learner, BEFORE, {"e-notice": "2"}, token_from=token_page)
    assert first.status_code == 302
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    stored = [getattr(pair, f"b{slot}") for slot in range(1, 7)]
    again = learner.post(BEFORE, data={"csrf_token": "stale", "e-notice": "5"})
    assert again.status_code in (302, 400)
    db.session.expire_all()
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    assert [getattr(pair, f"b{slot}") for slot in range(1, 7)] == stored


def test_two_submits_at_once_make_one_pair_and_no_500(learner, monkeypatch):
    """The second request checked before the first stored its pair: the database keeps one pair per
    enrolment, and the loser is sent on like a repeated submit instead of a 500."""
    token = post_form(learner, BEFORE, {"e-notice": "2"}, token_from=BEFORE)
    assert token.status_code == 302 and _count(EvaluationPair) == 1
    monkeypatch.setattr(answers, "due", lambda session, enrolment: Phase.BEFORE)
    monkeypatch.setattr(answers, "pair_of", lambda session, enrolment: None)
    response = post_form(learner, BEFORE, {"e-notice": "5"}, token_from=ADULT)
    assert response.status_code == 302
    db.session.expire_all()
    assert _count(EvaluationPair) == 1
    assert 2 in [getattr(db.session.scalars(sa.select(EvaluationPair)).one(), f"b{s}") for s in range(1, 7)]


# --- no answer linked to a person ---------------------------------------------------------------------------

def test_answering_and_skipping_write_nothing_in_the_audit_log(app, learner):
    before = _count(AuditEvent)
    post_form(learner, BEFORE, {"e-notice": "4"}, token_from=BEFORE)
    assert _count(AuditEvent) == before


@pytest.fixture()
def answered_cohort(app, course):
    """Six participants of 生駒市's cohort answered before and after (above any threshold)."""
    ikoma = make_organisation(municipality="292095", name="生駒市")
    cohort = make_cohort(ikoma, course, title="評価の回")
    users = [make_trainee(email=f"p{i}@example.jp", name=f"参加者{i}号") for i in range(6)]
    db.session.commit()
    for i, user in enumerate(users):
        enrolment = cohorts.join(db.session, cohort, user).enrolment
        answers.answer(db.session, enrolment, Phase.BEFORE, {"notice": str(1 + i % 3)})
        enrolment.completed_at = utcnow()
        answers.answer(db.session, enrolment, Phase.AFTER, {"notice": str(3 + i % 3)})
    db.session.commit()
    return ikoma, cohort, users


def test_reports_and_exports_never_name_a_person_or_a_pair(app, answered_cohort):
    ikoma, cohort, users = answered_cohort
    client = coordinator_client(app, ikoma, "c@example.jp")
    keys = list(db.session.scalars(sa.select(EvaluationPair.key)))
    base = f"/coordinate/organisations/{ikoma.id}"
    for url in (f"{base}/evaluation", f"{base}/evaluation.csv", f"{base}/evaluation?scope=area",
                f"{base}/cohorts/{cohort.id}/evaluation", f"{base}/cohorts/{cohort.id}/evaluation.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = text_of(response)
        for user in users:
            assert user.email not in body and user.display_name not in body, url
        assert not any(key in body for key in keys), url
    for event in db.session.scalars(sa.select(AuditEvent)):
        flat = repr(event.detail) + str(event.target_id)
        assert not any(key in flat for key in keys) and event.target_type != "evaluation_pair", event.action
        assert not event.action.startswith("evaluation"), event.action


# --- another organisation's ids, hostile filters -------------------------------------------------------------

def test_another_organisations_evaluation_is_404(app, answered_cohort):
    ikoma, cohort, _users = answered_cohort
    zama = make_organisation(municipality="142166", name="座間市")
    platform = members.create_platform(db.session, ikoma, "いこま連携", actor=None)
    db.session.commit()
    outsider = coordinator_client(app, zama, "z@example.jp")
    for url in (f"/coordinate/organisations/{ikoma.id}/evaluation", f"/coordinate/organisations/{ikoma.id}/evaluation.csv",
                f"/coordinate/organisations/{zama.id}/cohorts/{cohort.id}/evaluation",
                f"/coordinate/organisations/{zama.id}/cohorts/{cohort.id}/evaluation.xlsx",
                f"/coordinate/organisations/{zama.id}/platforms/{platform.id}/evaluation",
                f"/coordinate/organisations/{ikoma.id}/platforms/{platform.id}/evaluation.csv",
                f"/coordinate/organisations/{zama.id}/cohorts/{2**63}/evaluation",
                f"/coordinate/organisations/{2**31}/evaluation"):
        assert outsider.get(url).status_code == 404, url


def test_an_invited_member_sees_nothing_of_the_platforms_evaluation(app, answered_cohort):
    ikoma, _cohort, _users = answered_cohort
    npo = make_organisation(municipality="292095", kind=OrganisationKind.NPO, name="NPO")
    platform = members.create_platform(db.session, ikoma, "いこま連携", actor=None)
    members.invite(db.session, platform, npo.id, actor=None)
    db.session.commit()
    client = coordinator_client(app, npo, "n@example.jp")
    assert client.get(f"/coordinate/organisations/{npo.id}/platforms/{platform.id}/evaluation").status_code == 404


@pytest.mark.parametrize("query", ["year=%C2%B2", "year=" + "9" * 30, "year=99999", "year=0000", "year=%D9%A2%D9%A0%D9%A2%D9%A6",
                                   "mode=%E2%80%AElive_online", "audience=%F0%9F%98%80", "compare=%C2%B2",
                                   "scope=%F0%9F%98%80"])
def test_hostile_report_filters_get_an_answer(app, answered_cohort, admin_client, query):
    """"²" passed isdigit() and broke int(); 30 nines overflowed the database: 500s before the fix."""
    ikoma, cohort, _users = answered_cohort
    client = coordinator_client(app, ikoma, "c@example.jp")
    for url in (f"/coordinate/organisations/{ikoma.id}/evaluation", f"/coordinate/organisations/{ikoma.id}/evaluation.csv",
                f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/evaluation"):
        assert client.get(f"{url}?{query}").status_code in (200, 404), url
    for url in ("/admin/evaluation", "/admin/evaluation.csv"):
        assert admin_client.get(f"{url}?{query}").status_code in (200, 404), url



# --- the follow-up, three months later -----------------------------------------------------------------

@pytest.fixture()
def followup_due(app, learner):
    post_form(learner, BEFORE, {"e-notice": "2"}, token_from=BEFORE)
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    pair.followup_sent_on = pair.before_on
    db.session.commit()
    return learner, f"{ADULT}/evaluation/followup"


@pytest.mark.parametrize("value", ["maybe", "", "はい", "yes\u202e", "🙂", "1"])
def test_a_followup_answer_outside_yes_and_no_is_refused(followup_due, value):
    client, url = followup_due
    response = post_form(client, url, {"noticed": value, "spoke": "no", "connected": "no"}, token_from=url)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalars(sa.select(EvaluationPair)).one().followup_on is None


def test_a_followup_sent_twice_keeps_the_first_answers(followup_due):
    client, url = followup_due
    first = post_form(client, url, {"noticed": "yes", "spoke": "yes", "connected": "no"}, token_from=url)
    assert first.status_code == 302
    again = post_form(client, url, {"noticed": "no", "spoke": "no", "connected": "yes"}, token_from=ADULT)
    assert again.status_code == 302
    db.session.expire_all()
    pair = db.session.scalars(sa.select(EvaluationPair)).one()
    assert (pair.noticed, pair.spoke, pair.connected) == (True, True, False)
