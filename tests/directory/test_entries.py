"""Directory entries: what may be typed, the yearly review flag, proposals and their approval."""
from __future__ import annotations

import datetime as dt

import pytest

from app.extensions import db
from app.models import EntryStatus
from app.services.directory import entries
from tests.directory.helpers import IKOMA, fields, make_entry
from tests.factories import make_coordinator, make_organisation


@pytest.mark.parametrize("phone", ["0743-74-1111", "03-1234-5678", "0120-279-338", "09012345678", "0570-064-556",
                                   "#8000", "０７４３－７４－１１１１", "0743ー74ー1111"])
def test_japanese_phone_formats_are_accepted(phone):
    assert entries.phone_problem(entries.normalise_phone(phone)) is None


@pytest.mark.parametrize("phone", ["119", "110", "1234-5678", "0743-74-111", "0743-74-111111", "+81-743-74-1111",
                                   "0743--74-1111", "電話してね", "0743-74-1111 内線2", "#80001", "0120-279-338-"])
def test_other_phone_texts_are_refused(phone):
    assert entries.phone_problem(entries.normalise_phone(phone)) == "phone_format"


@pytest.mark.parametrize(("text", "problem"), [
    ("相談\x00室", "control_character"), ("相談\u202e室", "control_character"), ("相談\u200f室", "control_character"),
    ("相談室😊", "emoji"), ("相談室☎", "emoji"), ("相談室\ufe0f", "emoji"), ("生駒市 こころの相談室（平日）", None),
])
def test_text_with_control_characters_bidi_or_emoji_is_refused(text, problem):
    assert entries.text_problem(text) == problem


def test_the_service_refuses_what_the_form_would(app):
    with pytest.raises(entries.DirectoryError) as refused:
        entries.add_entry(db.session, IKOMA, fields(phone="0743-74"), actor=None)
    assert refused.value.field == "phone"
    with pytest.raises(entries.DirectoryError) as refused:
        entries.add_entry(db.session, IKOMA, fields(audiences=("children",)), actor=None)
    assert refused.value.code == "children_wording"
    with pytest.raises(entries.DirectoryError) as refused:
        entries.add_entry(db.session, IKOMA, fields(address="", is_remote_only=False), actor=None)
    assert refused.value.code == "address_or_remote"
    with pytest.raises(entries.DirectoryError):
        entries.add_entry(db.session, IKOMA, fields(name="相談室\u202e"), actor=None)
    with pytest.raises(entries.DirectoryError):
        entries.add_entry(db.session, "999999", fields(), actor=None)


def test_entries_older_than_a_year_are_flagged(app):
    today = entries.today_jst()
    fresh = make_entry(days_old=365, name="一年ちょうど")
    old = make_entry(days_old=366, name="一年と一日")
    make_entry(days_old=400, name="掲載終了", status=EntryStatus.RETIRED)
    assert not entries.needs_check(fresh, today)
    assert entries.needs_check(old, today)
    assert entries.stale(db.session, IKOMA, today) == [old]
    coordinator = make_coordinator(make_organisation(municipality=IKOMA))
    entries.mark_checked(db.session, old, actor=coordinator, today=today)
    assert old.checked_on == today and entries.stale(db.session, IKOMA, today) == []


def test_a_proposal_is_shown_only_after_approval(app):
    npo = make_organisation(municipality=IKOMA, name="NPO法人 例")
    keeper = make_coordinator(make_organisation(municipality=IKOMA))
    proposal = make_entry(proposed_by=npo, status=EntryStatus.PROPOSED)
    assert entries.published(db.session, IKOMA) == []
    entries.approve(db.session, proposal, actor=keeper)
    assert entries.published(db.session, IKOMA) == [proposal] and proposal.decided_by_id == keeper.id
    with pytest.raises(entries.DirectoryError):
        entries.approve(db.session, proposal, actor=keeper)
    entries.retire_entry(db.session, proposal, actor=keeper)
    assert entries.published(db.session, IKOMA) == []


def test_children_see_only_entries_for_children(app):
    make_entry(name="大人の窓口")
    kids = make_entry(name="子どもの窓口", audiences=("children", "families"), children_wording="こまったら話してね。")
    assert entries.published(db.session, IKOMA, children_only=True) == [kids]
    assert kids.audiences == "children families"
    with pytest.raises(entries.DirectoryError):
        entries.add_entry(db.session, IKOMA, fields(checked_on=entries.today_jst() + dt.timedelta(days=1)), actor=None)
