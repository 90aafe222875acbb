"""Attacker's pass over platforms and つなぐ先 (H9): the same button twice (also at once) changes and
audits once; hostile names, ids and dates get an answer, never a 500; entries not published never
show in public (page, index, open data CSV); public pages never link to the Host header."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEvent, DirectoryEntry, EntryStatus, MemberState, PlatformMember
from app.services.directory import entries
from app.services.platform import members
from tests.cohort_helpers import default_course, make_cohort
from tests.conftest import coordinator_client, csrf_token, post_form
from tests.directory.helpers import IKOMA, make_entry
from tests.factories import make_coordinator
from tests.platform.helpers import platform_world
from tests.security.helpers import text_of


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.fixture()
def world(app):
    return platform_world()


# --- the same button twice -----------------------------------------------------------------------------

@pytest.mark.parametrize("action, state, audit_action", [("accept", MemberState.ACTIVE, "platform.accept"),
                                                         ("decline", MemberState.LEFT, "platform.decline")])
def test_answering_an_invitation_twice_changes_it_once(app, world, action, state, audit_action):
    council, invited = world["council"], world["invited"]
    client = coordinator_client(app, council, "wc@example.jp")
    page = f"/coordinate/organisations/{council.id}/platforms"
    url = f"/coordinate/organisations/{council.id}/platform-memberships/{invited.id}/{action}"
    before = _audits(audit_action)
    assert post_form(client, url, {}, token_from=page).status_code == 302
    assert post_form(client, url, {}, token_from=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(PlatformMember, invited.id).state is state
    assert _audits(audit_action) == before + 1


def test_withdrawing_an_invitation_twice_audits_once(app, world):
    city, platform, invited = world["city"], world["platform"], world["invited"]
    client = coordinator_client(app, city, "city@example.jp")
    page = f"/coordinate/organisations/{city.id}/platforms/{platform.id}"
    for _ in range(2):
        assert post_form(client, f"{page}/members/{invited.id}/withdraw", {}, token_from=page).status_code == 302
    assert _audits("platform.withdraw") == 1


def test_two_accepts_at_once_make_one_change(app, world):
    """Both requests read the invitation before either wrote: the second must be refused, not
    accepted (and audited) a second time."""
    invited_id = world["invited"].id
    stale = db.session.get(PlatformMember, invited_id)
    assert stale.state is MemberState.INVITED
    with Session(db.engine) as other:
        members.accept(other, other.get(PlatformMember, invited_id), actor=None)
        other.commit()
    with pytest.raises(members.PlatformError):
        members.accept(db.session, stale, actor=None)
    db.session.commit()
    assert _audits("platform.accept") == 3  # the world's active and former members, and this one once


def test_two_leaves_at_once_make_one_change(app, world):
    active_id = world["active"].id
    stale = db.session.get(PlatformMember, active_id)
    with Session(db.engine) as other:
        members.leave(other, other.get(PlatformMember, active_id), actor=None)
        other.commit()
    with pytest.raises(members.PlatformError):
        members.leave(db.session, stale, actor=None)
    db.session.commit()
    assert _audits("platform.leave") == 2  # the world's former member, and this one once


def test_two_approvals_at_once_make_one_decision(app, world):
    keeper = make_coordinator(world["city"], email="keeper@example.jp")
    proposal = make_entry(IKOMA, name="【例】提案", status=EntryStatus.PROPOSED, proposed_by=world["npo"])
    db.session.commit()
    with Session(db.engine) as other:
        entries.approve(other, other.get(DirectoryEntry, proposal.id), actor=other.get(type(keeper), keeper.id))
        other.commit()
    with pytest.raises(entries.DirectoryError):
        entries.reject(db.session, proposal, actor=keeper)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(DirectoryEntry, proposal.id).status is EntryStatus.PUBLISHED
    assert _audits("directory.approve") == 1 and _audits("directory.reject") == 0


def test_approving_a_proposal_twice_through_the_page_audits_once(app, world):
    city = world["city"]
    proposal = make_entry(IKOMA, name="【例】二度押し", status=EntryStatus.PROPOSED, proposed_by=world["npo"])
    db.session.commit()
    client = coordinator_client(app, city, "k@example.jp")
    base = f"/coordinate/organisations/{city.id}/directory/{IKOMA}"
    for _ in range(2):
        assert post_form(client, f"{base}/{proposal.id}/approve", {}, token_from=base).status_code == 302
    assert _audits("directory.approve") == 1


# --- hostile names and ids --------------------------------------------------------------------------------

def test_bidi_controls_never_reach_a_platforms_name(app, world):
    city = world["city"]
    client = coordinator_client(app, city, "city@example.jp")
    page = f"/coordinate/organisations/{city.id}/platforms"
    post_form(client, f"{page}/new", {"name": "連携\u202eムーォフトッラプ\u2066"}, token_from=page)
    names = db.session.scalars(sa.select(members.Platform.name)).all()
    assert not any(ch in name for name in names for ch in "\u202e\u2066")


@pytest.mark.parametrize("name", ["連携\x00", "連携🙂", "\u200b", " " * 5, "名" * 101])
def test_a_hostile_platform_name_is_refused(app, world, name):
    city = world["city"]
    client = coordinator_client(app, city, "city@example.jp")
    page = f"/coordinate/organisations/{city.id}/platforms"
    before = db.session.scalar(sa.select(sa.func.count()).select_from(members.Platform))
    response = post_form(client, f"{page}/new", {"name": name}, token_from=page)
    assert response.status_code in (200, 302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(members.Platform)) == before


@pytest.mark.parametrize("organisation_id", [str(2**63), str(2**31), "²", "-1", "1e3", "\u202e1", "", "0"])
def test_a_hostile_invitation_id_invites_nobody(app, world, organisation_id):
    city, platform = world["city"], world["platform"]
    client = coordinator_client(app, city, "city@example.jp")
    page = f"/coordinate/organisations/{city.id}/platforms/{platform.id}"
    before = db.session.scalar(sa.select(sa.func.count()).select_from(PlatformMember))
    response = post_form(client, f"{page}/invite", {"organisation_id": organisation_id}, token_from=page)
    assert response.status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlatformMember)) == before


@pytest.mark.parametrize("query", ["%00", "%E2%80%AE", "%F0%9F%98%80%F0%9F%98%80", "%25%25", "_%25", "x" * 500])
def test_a_hostile_organisation_search_gets_a_page(app, world, query):
    city, platform = world["city"], world["platform"]
    client = coordinator_client(app, city, "city@example.jp")
    status = client.get(f"/coordinate/organisations/{city.id}/platforms/{platform.id}?q={query}").status_code
    assert status == (400 if query == "%00" else 200)


def test_a_wildcard_search_lists_nobody(app, world):
    city, platform = world["city"], world["platform"]
    client = coordinator_client(app, city, "city@example.jp")
    page = text_of(client.get(f"/coordinate/organisations/{city.id}/platforms/{platform.id}?q=%25%25"))
    assert "生駒小学校" not in page


@pytest.mark.parametrize("suffix", ["", "/cohorts", "/dashboard", "/dashboard.csv", "/report.xlsx", "/evaluation"])
def test_another_organisations_platform_is_404_even_with_year_tricks(app, world, suffix):
    school, platform = world["school"], world["platform"]
    client = coordinator_client(app, school, "s@example.jp")
    for org_id, platform_id in ((school.id, platform.id), (world["city"].id, platform.id), (school.id, 2**31)):
        url = f"/coordinate/organisations/{org_id}/platforms/{platform_id}{suffix}?year=%C2%B2"
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("year", ["%C2%B2", "9" * 30, str(2**63), "99999", "-1"])
def test_hostile_years_on_the_platform_dashboard_get_an_answer(app, world, year):
    city, platform = world["city"], world["platform"]
    client = coordinator_client(app, city, "city@example.jp")
    for suffix in ("/dashboard", "/dashboard.csv"):
        status = client.get(f"/coordinate/organisations/{city.id}/platforms/{platform.id}{suffix}?year={year}").status_code
        assert status in (200, 400), (suffix, year)


# --- つなぐ先: hostile entries, nothing unpublished in public ----------------------------------------------

def _entry_form(**overrides) -> dict:
    values = {"name": "【例】相談室", "helps_with": "【例】なんでも", "audiences": ["anyone"], "address": "【例】市役所",
              "checked_on": entries.today_jst().isoformat()}
    values.update(overrides)
    return values


@pytest.mark.parametrize("overrides", [
    {"checked_on": "99999-01-01"}, {"checked_on": "9999-12-31"}, {"checked_on": "0001-01-01T00:00"},
    {"name": "相談\x00室"}, {"helps_with": "相談\u2066室"}, {"run_by": "🙂"}, {"hours": "\u200f9時"},
    {"phone": "０７４３－００－１２３４５６７８９"}, {"url": "javascript:alert(1)"}, {"url": "https://x.example/" + "a" * 400},
    {"audiences": ["everyone-else"]}, {"audiences": ["children"]},
])
def test_a_hostile_entry_is_refused(app, world, overrides):
    city = world["city"]
    client = coordinator_client(app, city, "k@example.jp")
    base = f"/coordinate/organisations/{city.id}/directory/{IKOMA}"
    response = post_form(client, f"{base}/new", _entry_form(**overrides), token_from=f"{base}/new")
    assert response.status_code in (200, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DirectoryEntry)) == 0


def test_an_entry_checked_long_ago_is_kept_and_flagged(app, world):
    city = world["city"]
    client = coordinator_client(app, city, "k@example.jp")
    base = f"/coordinate/organisations/{city.id}/directory/{IKOMA}"
    response = post_form(client, f"{base}/new", _entry_form(checked_on="0001-01-01"), token_from=f"{base}/new")
    assert response.status_code == 302
    assert "もう一度確かめてください" in text_of(client.get(base))
    assert client.get(f"/directory/{IKOMA}").status_code == 200


def test_only_published_entries_are_public(app, world):
    for status in (EntryStatus.PROPOSED, EntryStatus.REJECTED, EntryStatus.RETIRED):
        make_entry(IKOMA, name=f"【例】見えない{status.value}", status=status, proposed_by=world["npo"])
    make_entry(IKOMA, name="【例】見える相談室")
    db.session.commit()
    client = app.test_client()
    for url in ("/directory", f"/directory/{IKOMA}", "/opendata/directory.csv"):
        body = text_of(client.get(url, headers={"Host": "evil.example"}))
        assert "見えない" not in body and "evil.example" not in body, url
    assert "【例】見える相談室" in text_of(client.get(f"/directory/{IKOMA}"))
    assert "1" in text_of(client.get("/directory"))


@pytest.mark.parametrize("code", ["%C2%B2" * 6, "29209%00", "2920950", "%E2%80%AE29209", "-29209", "%D9%A1" * 6])
def test_a_hostile_town_code_is_404_or_400(app, world, code):
    client = coordinator_client(app, world["city"], "k@example.jp")
    for url in (f"/directory/{code}", f"/coordinate/organisations/{world['city'].id}/directory/{code}",
                f"/coordinate/organisations/{world['city'].id}/directory/{code}/cards.pdf"):
        assert client.get(url).status_code in (400, 404), url


def test_a_platform_member_cannot_approve_through_a_forged_form(app, world):
    npo = world["npo"]
    proposal = make_entry(IKOMA, name="【例】自分で承認", status=EntryStatus.PROPOSED, proposed_by=npo)
    db.session.commit()
    client = coordinator_client(app, npo, "n@example.jp")
    base = f"/coordinate/organisations/{npo.id}/directory/{IKOMA}"
    response = client.post(f"{base}/{proposal.id}/approve", data={"csrf_token": csrf_token(client, base)})
    assert response.status_code == 404
    assert db.session.get(DirectoryEntry, proposal.id).status is EntryStatus.PROPOSED


# --- the platform sees active members only; ids from elsewhere are 404 ------------------------------------

def test_the_platform_never_opens_an_invited_or_former_members_cohort(app, world):
    course = default_course()
    city, platform = world["city"], world["platform"]
    seen = make_cohort(world["npo"], course, title="参加中の回")
    hidden = [make_cohort(world[name], course, title=f"{name}の回") for name in ("council", "company", "school")]
    client = coordinator_client(app, city, "city@example.jp")
    base = f"/coordinate/organisations/{city.id}/platforms/{platform.id}/cohorts"
    assert client.get(f"{base}/{seen.id}").status_code == 200
    listing = text_of(client.get(base))
    for cohort in hidden:
        assert client.get(f"{base}/{cohort.id}").status_code == 404, cohort.title
        assert cohort.title not in listing


def test_a_membership_or_member_id_of_someone_else_is_404(app, world):
    school, platform = world["school"], world["platform"]
    client = coordinator_client(app, school, "s@example.jp")
    page = f"/coordinate/organisations/{school.id}/platforms"
    for action in ("accept", "decline", "leave"):
        url = f"/coordinate/organisations/{school.id}/platform-memberships/{world['invited'].id}/{action}"
        assert post_form(client, url, {}, token_from=page).status_code == 404, action
    city_page = f"/coordinate/organisations/{world['city'].id}/platforms/{platform.id}"
    url = f"{city_page}/members/{world['invited'].id}/withdraw"
    assert post_form(client, url, {}, token_from=page).status_code == 404
    db.session.expire_all()
    assert db.session.get(PlatformMember, world["invited"].id).state is MemberState.INVITED
