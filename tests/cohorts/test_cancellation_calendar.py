"""A cancellation mail carries a calendar file that cancels the session the joined mail put in the
participant's calendar: the same UID, METHOD:CANCEL, STATUS:CANCELLED, a higher SEQUENCE."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.jobs import run_cancellation_mail
from app.models import CohortMode, User
from app.services.cohorts import calendar, removal
from app.web import cohort_mail
from tests.cohort_helpers import join_all, make_cohort
from tests.factories import make_trainee


def _unfolded(ics: bytes) -> str:
    return ics.decode("utf-8").replace("\r\n ", "")


def _calendar_part(message) -> bytes:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "CANCEL"
    return part.get_payload(decode=True)


def test_the_cancellation_mail_cancels_the_joined_event(app, ikoma, course, outbox):
    cohort = make_cohort(ikoma, course, days=3)
    join_all(cohort, [make_trainee(email="p@example.jp")])
    joined = _unfolded(cohort_mail.ics_for(app.config, cohort, cohort.organisation))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coord@example.jp"))
    user_ids = removal.cancel_cohort(db.session, cohort, actor=coordinator)
    db.session.commit()
    with app.app_context():
        run_cancellation_mail(cohort.id, user_ids)
    (message,) = [m for m in outbox if m["To"] == "p@example.jp"]
    cancel = _unfolded(_calendar_part(message))
    uid = re.search(r"^UID:(.+)$", joined, re.M).group(1)
    assert f"UID:{uid}" in cancel and "METHOD:CANCEL" in cancel and "STATUS:CANCELLED" in cancel
    assert "SEQUENCE:1" in cancel and "SEQUENCE:0" in joined and "METHOD:PUBLISH" in joined
    assert "ATTENDEE:mailto:p@example.jp" in cancel and "ORGANIZER;CN=" in cancel
    assert "BEGIN:VALARM" not in cancel and "BEGIN:VALARM" in joined


def test_an_on_demand_cohort_has_no_calendar_file(app, ikoma, course):
    cohort = make_cohort(ikoma, course, mode=CohortMode.ON_DEMAND)
    assert cohort_mail.cancellation_ics(app.config, cohort, cohort.organisation, "p@example.jp") is None


def test_an_organiser_name_cannot_break_out_of_its_parameter(app):
    import datetime as dt

    event = calendar.Event(uid="u@x", title="t", starts_at=dt.datetime(2027, 1, 5, 1, tzinfo=dt.UTC), ends_at=None,
                           location=None, url=None, description="", cancelled=True,
                           organizer=('生駒市"; X-EVIL=1\r\nATTENDEE:mailto:all', "a@b.jp"), attendee="p@example.jp")
    text = _unfolded(calendar.ics_bytes(event))
    assert [line for line in text.split("\r\n") if line.startswith("ATTENDEE")] == ["ATTENDEE:mailto:p@example.jp"]
    assert not any(line.startswith("X-EVIL") for line in text.split("\r\n"))
    (organizer,) = [line for line in text.split("\r\n") if line.startswith("ORGANIZER")]
    assert re.fullmatch(r'ORGANIZER;CN="[^"]*":mailto:a@b\.jp', organizer)
