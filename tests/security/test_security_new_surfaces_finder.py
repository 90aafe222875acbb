"""Attacker's pass over the public session finder and its feeds (H9): the Host header never reaches a
link, hostile query values get an answer (never a 500), and no private, cancelled or invited-only
member's cohort shows in any public place (finder, .ics, .json, embed, open data CSV)."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import OrganisationKind
from app.services.cohorts import removal
from app.services.platform import members
from tests.cohort_helpers import default_course, make_cohort
from tests.factories import make_coordinator, make_organisation
from tests.security.helpers import text_of

IKOMA = "292095"


@pytest.fixture()
def world(app):
    course = default_course()
    city = make_organisation(municipality=IKOMA, name="生駒市")
    npo = make_organisation(municipality=IKOMA, kind=OrganisationKind.NPO, name="NPO法人いこま")
    invited = make_organisation(municipality="142166", kind=OrganisationKind.COMPANY, name="招待中の会社")
    left = make_organisation(municipality="142166", kind=OrganisationKind.COMPANY, name="脱退した会社")
    platform = members.create_platform(db.session, city, "いこま連携", actor=None)
    members.accept(db.session, members.invite(db.session, platform, npo.id, actor=None), actor=None)
    members.invite(db.session, platform, invited.id, actor=None)
    gone = members.invite(db.session, platform, left.id, actor=None)
    members.accept(db.session, gone, actor=None)
    members.leave(db.session, gone, actor=None)
    db.session.commit()
    made = {
        "public": make_cohort(city, course, title="公開の回", is_public=True),
        "private": make_cohort(city, course, title="非公開のひみつ回", days=5),
        "private_npo": make_cohort(npo, course, title="NPOの非公開回", days=6),
        "cancelled": make_cohort(city, course, title="中止した公開回", is_public=True, days=9),
        "invited_public": make_cohort(invited, course, title="招待中の会社の公開回", is_public=True, days=10),
        "left_public": make_cohort(left, course, title="脱退した会社の公開回", is_public=True, days=11),
    }
    removal.cancel_cohort(db.session, made["cancelled"], actor=make_coordinator(city, email="c@example.jp"))
    db.session.commit()
    return {"city": city, "platform": platform, **made}


def _public_urls(world) -> list[str]:
    pid = world["platform"].id
    urls = ["/sessions", "/sessions?municipality_code=292095", "/sessions?prefecture=29", "/opendata/sessions.csv"]
    for kind, code in (("municipality", IKOMA), ("prefecture", "29"), ("platform", pid)):
        urls += [f"/sessions/{kind}/{code}.ics", f"/sessions/{kind}/{code}.json", f"/sessions/{kind}/{code}/embed.html",
                 f"/sessions/{kind}/{code}/feeds"]
    return urls


# --- the Host header lies -----------------------------------------------------------------------------

def test_no_public_feed_builds_a_link_from_the_host_header(client, world):
    for url in _public_urls(world):
        response = client.get(url, headers={"Host": "evil.example"})
        assert response.status_code == 200, url
        assert "evil.example" not in text_of(response), url


def test_ics_uids_name_the_configured_host_not_the_requests(app, client, world):
    body = text_of(client.get("/sessions/municipality/292095.ics", headers={"Host": "evil.example"}))
    configured = app.config["BASE_URL"].split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    assert f"UID:cohort-{world['public'].id}@{configured}" in body


# --- private, cancelled, not-yet-member and former-member cohorts are nowhere public --------------------

def test_only_public_sessions_of_active_members_appear_anywhere_public(client, world):
    for url in _public_urls(world):
        body = text_of(client.get(url))
        for title in ("非公開のひみつ回", "NPOの非公開回", "中止した公開回"):
            assert title not in body, (url, title)
        if "/platform/" in url:
            assert "招待中の会社の公開回" not in body and "脱退した会社の公開回" not in body, url
    platform_json = client.get(f"/sessions/platform/{world['platform'].id}.json").get_json()
    assert [s["title"] for s in platform_json["sessions"]] == ["公開の回"]


def test_no_join_code_or_meeting_address_leaks_into_a_feed(client, world):
    code = world["public"].join_code
    for url in _public_urls(world):
        body = text_of(client.get(url))
        assert code not in body, url  # the link carries the formatted code with dashes, never the raw one
        assert "meet.example.jp" not in body, url


# --- hostile query values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "from=0001-01-01", "to=9999-12-31", "from=9999-12-31&to=9999-12-31", "to=0001-01-01", "from=99999-01-01",
    "from=2026-02-30", "page=2147483647", "page=-5", "page=%C2%B2", "municipality_code=%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2%C2%B2",
    "municipality_code=%E2%80%AE292095", "prefecture=%F0%9F%98%80", "mode=%E2%80%AEin_person", "audience=%F0%9F%98%80",
])
def test_hostile_finder_queries_get_a_page(client, world, query):
    response = client.get(f"/sessions?{query}")
    assert response.status_code == 200, query
    assert "非公開のひみつ回" not in text_of(response)


def test_the_last_calendar_day_is_ignored_not_a_crash(client, world):
    """Before the fix, to=9999-12-31 overflowed adding a day and from=0001-01-01 converting to UTC."""
    for query in ("to=9999-12-31", "from=0001-01-01"):
        assert "公開の回" in text_of(client.get(f"/sessions?{query}")), query


@pytest.mark.parametrize("query, status", [("page=" + str(10**30), 400), ("page=" + str(2**63), 400),
                                           ("page=%00", 400), ("municipality_code=292095%00", 400)])
def test_overflowing_numbers_and_nul_are_refused(client, world, query, status):
    assert client.get(f"/sessions?{query}").status_code == status


@pytest.mark.parametrize("code", ["%C2%B2", "%D9%A1", str(2**31), str(2**63), "9" * 40, "-1", "1e3", "%E2%80%AE1",
                                  "%F0%9F%98%80"])
@pytest.mark.parametrize("suffix", [".ics", ".json", "/embed.html", "/feeds"])
def test_a_hostile_platform_code_in_a_feed_is_404(client, code, suffix):
    """"²" (superscript two) passed isdigit() and then broke int(): a 500 before the fix."""
    assert client.get(f"/sessions/platform/{code}{suffix}").status_code == 404


@pytest.mark.parametrize("kind, code", [("municipality", "%C2%B2" * 6), ("municipality", "29209"),
                                        ("municipality", "2920950"), ("prefecture", "%C2%B2%C2%B2"),
                                        ("prefecture", "99"), ("municipality", "%F0%9F%98%80")])
def test_a_hostile_area_code_in_a_feed_is_404(client, kind, code):
    assert client.get(f"/sessions/{kind}/{code}.json").status_code == 404
