"""`flask evaluation send-followups` and the completion e-mail's link to the after questionnaire."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.models import EvaluationPair
from app.services.evaluation import answers
from app.services.evaluation.answers import Phase
from app.services.learning import enrolling, progress
from tests.evaluation.test_evaluation_service import _answers, _complete
from tests.factories import make_trainee


def test_followups_are_sent_once_to_those_who_agreed(app, course, outbox):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=95)
    for email, consent in (("yes@example.jp", True), ("no@example.jp", False)):
        enrolment = enrolling.enrol(db.session, make_trainee(email=email), course)
        answers.answer(db.session, enrolment, Phase.BEFORE, _answers([2] * 5), now=long_ago)
        _complete(enrolment)
        answers.answer(db.session, enrolment, Phase.AFTER, _answers([3] * 5), now=long_ago, followup_consent=consent)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evaluation", "send-followups"])
    assert result.exit_code == 0 and "1 follow-up(s) due, 1 sent" in result.output, result.output
    mails = [m for m in outbox if "3か月" in m["Subject"]]
    assert [m["To"] for m in mails] == ["yes@example.jp"]
    assert "/courses/tsunagari-adult/evaluation/followup" in mails[0].get_content()
    result = runner.invoke(args=["evaluation", "send-followups"])
    assert "0 follow-up(s) due" in result.output and len([m for m in outbox if "3か月" in m["Subject"]]) == 1


def test_completion_mail_links_the_after_questionnaire_while_it_is_open(app, course, outbox):
    enrolment = enrolling.enrol(db.session, make_trainee(email="done@example.jp"), course)
    db.session.commit()
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    body = next(m for m in outbox if "修了証" in m["Subject"]).get_content()
    assert "/courses/tsunagari-adult/evaluation/after" in body
    assert db.session.scalars(sa.select(EvaluationPair)).all() == []  # a link only: nothing stored
