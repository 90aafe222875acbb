"""The public session finder and its feeds: only public, upcoming, open cohorts; valid iCalendar;
a constant number of queries; private cohorts nowhere public."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from app.extensions import db
from app.models import CohortMode, OrganisationKind
from app.services.cohorts import cohorts
from app.services.platform import members
from tests.cohort_helpers import default_course, in_days, make_cohort
from tests.conftest import coordinator_client, count_queries, post_form
from tests.factories import make_organisation, make_trainee
from tests.platform.ics_reader import IcsError, parse

IKOMA, NARA, ZAMA = "292095", "29", "142166"


@pytest.fixture()
def world(app):
    course = default_course()
    city = make_organisation(municipality=IKOMA, name="生駒市")
    npo = make_organisation(municipality=IKOMA, kind=OrganisationKind.NPO, name="NPO法人いこま")
    pref = make_organisation(prefecture=NARA, kind=OrganisationKind.PREFECTURE, name="奈良県")
    zama = make_organisation(municipality=ZAMA, name="座間市")
    platform = members.create_platform(db.session, city, "いこま連携", actor=None)
    members.accept(db.session, members.invite(db.session, platform, npo.id, actor=None), actor=None)
    made = {
        "public": make_cohort(city, course, title="公開の回, 第1回; 市役所", is_public=True, capacity=30),
        "private": make_cohort(city, course, title="非公開の回", days=5),
        "npo_session": make_cohort(npo, course, title="NPOの公開回", is_public=True, mode=CohortMode.LIVE_ONLINE, days=20),
        "pref": make_cohort(pref, course, title="県の公開回", is_public=True, days=9),
        "zama": make_cohort(zama, course, title="座間の公開回", is_public=True, days=8),
        "past": make_cohort(city, course, title="終わった公開回", is_public=True, days=-2),
        "closed": make_cohort(city, course, title="締め切った公開回", is_public=True, days=12,
                              registration_deadline=in_days(-1)),
        "on_demand": make_cohort(npo, course, title="いつでも公開回", is_public=True, mode=CohortMode.ON_DEMAND),
    }
    cohorts.join(db.session, made["public"], make_trainee())
    db.session.commit()
    return {"city": city, "npo": npo, "platform": platform, **made}


def _titles_json(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [s["title"] for s in response.get_json()["sessions"]]


def test_the_finder_lists_upcoming_public_sessions(client, world):
    page = client.get("/sessions").get_data(as_text=True)
    for title in ("公開の回, 第1回; 市役所", "NPOの公開回", "県の公開回", "座間の公開回", "いつでも公開回"):
        assert title in page, title
    for title in ("非公開の回", "終わった公開回", "締め切った公開回"):
        assert title not in page, title
    assert "29席" in page  # 30 seats, one taken
    assert f"/join/{cohorts.format_join_code(world['public'].join_code)}" in page


def test_filters(client, world):
    town = client.get(f"/sessions?municipality_code={IKOMA}").get_data(as_text=True)
    assert "公開の回" in town and "県の公開回" in town and "座間の公開回" not in town
    pref = client.get(f"/sessions?prefecture={NARA}").get_data(as_text=True)
    assert "県の公開回" in pref and "座間の公開回" not in pref
    online = client.get("/sessions?mode=live_online").get_data(as_text=True)
    assert "NPOの公開回" in online and "公開の回, 第1回" not in online
    day = (dt.datetime.now(cohorts.JST).date() + dt.timedelta(days=7)).isoformat()
    dated = client.get(f"/sessions?from={day}&to={day}").get_data(as_text=True)
    assert "公開の回, 第1回" in dated and "座間の公開回" not in dated and "いつでも公開回" not in dated
    children = client.get("/sessions?audience=children").get_data(as_text=True)
    assert "公開の回, 第1回" not in children
    # Nonsense is ignored, never an error.
    assert client.get("/sessions?municipality_code=abc&from=x&mode=zzz&page=-3").status_code == 200


def test_without_javascript_the_prefecture_lists_its_towns(client, world):
    page = client.get(f"/sessions?prefecture={NARA}").get_data(as_text=True)
    assert f'<option value="{IKOMA}"' in page and "生駒市" in page


def test_private_cohorts_appear_nowhere_public(client, world):
    private = "非公開の回"
    platform = world["platform"].id
    urls = ["/sessions", f"/sessions?municipality_code={IKOMA}", "/opendata/sessions.csv"]
    for kind, code in (("municipality", IKOMA), ("prefecture", NARA), ("platform", platform)):
        urls += [f"/sessions/{kind}/{code}.ics", f"/sessions/{kind}/{code}.json", f"/sessions/{kind}/{code}/embed.html"]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        assert "公開の回" in body or "NPOの公開回" in body, url  # the feed works...
        assert private not in body, url  # ...and never lists the private cohort
    # Turning it public makes it appear; the coordinator decides.
    world["private"].is_public = True
    db.session.commit()
    assert private in client.get("/sessions").get_data(as_text=True)


def test_ics_feed_is_valid_and_parses_back(client, world):
    response = client.get(f"/sessions/municipality/{IKOMA}.ics")
    assert response.mimetype == "text/calendar"
    calendar, events = parse(response.data)
    assert "生駒市" in calendar["X-WR-CALNAME"]
    by_title = {e["SUMMARY"]: e for e in events}
    event = by_title["公開の回, 第1回; 市役所"]  # commas and semicolons escaped and read back
    assert event["DTSTART"] == world["public"].starts_at
    assert event["LOCATION"] == "生駒市役所 4階 大会議室"
    assert event["URL"].endswith(cohorts.format_join_code(world["public"].join_code))
    assert "いつでも公開回" not in by_title  # no date, no event
    assert "座間の公開回" not in by_title
    # UIDs are stable between fetches, so calendars update instead of duplicating.
    _, again = parse(client.get(f"/sessions/municipality/{IKOMA}.ics").data)
    assert {e["UID"] for e in again} == {e["UID"] for e in events}


def test_the_strict_reader_refuses_broken_calendars():
    good = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n"
    assert parse(good)[1] == []
    for bad in (good.replace(b"\r\n", b"\n"), good.replace(b"VERSION:2.0\r\n", b""),
                good.replace(b"END:VCALENDAR\r\n", b""),
                good.replace(b"PRODID:x", b"PRODID:x\r\nX-WR-CALNAME:a,b"),
                good.replace(b"PRODID:x", b"PRODID:" + b"x" * 80),
                good.replace(b"END:VCALENDAR", b"BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\nEND:VCALENDAR")):
        with pytest.raises(IcsError):
            parse(bad)


def test_platform_feeds_follow_membership(client, world):
    url = f"/sessions/platform/{world['platform'].id}.json"
    titles = _titles_json(client, url)
    assert "公開の回, 第1回; 市役所" in titles and "NPOの公開回" in titles and "県の公開回" not in titles
    member = members.memberships_of(db.session, world["npo"].id)[0]
    members.leave(db.session, member, actor=None)
    db.session.commit()
    assert "NPOの公開回" not in _titles_json(client, url)


def test_json_embed_and_csv(client, world):
    response = client.get(f"/sessions/prefecture/{NARA}.json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    first = response.get_json()["sessions"][0]
    assert first["title"] == "公開の回, 第1回; 市役所" and first["seats_left"] == 29
    assert first["starts_at"].endswith("+09:00") and first["online"] is False
    assert first["venue"] == "生駒市役所 4階 大会議室" and first["organiser"] == "生駒市"
    npo = next(s for s in response.get_json()["sessions"] if s["title"] == "NPOの公開回")
    assert npo["online"] is True and npo["venue"] is None and "meet.example.jp" not in json.dumps(npo)
    embed = client.get(f"/sessions/prefecture/{NARA}/embed.html")
    assert embed.headers["Access-Control-Allow-Origin"] == "*"
    body = embed.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and "<script" not in body and "公開の回" in body
    rows = list(csv.DictReader(io.StringIO(client.get("/opendata/sessions.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["title"] for r in rows} >= {"座間の公開回", "県の公開回"}
    assert all(r["title"] != "非公開の回" for r in rows)
    for url in ("/sessions/municipality/999999.ics", "/sessions/prefecture/99.json", "/sessions/platform/99999/embed.html",
                "/sessions/platform/abc.json", "/sessions/municipality/292095/feeds"):
        assert client.get(url).status_code == (200 if url.endswith("feeds") else 404), url


def _count(client, urls) -> list[int]:
    counts = []
    for url in urls:
        with count_queries() as statements:
            assert client.get(url).status_code == 200, url
        counts.append(len(statements))
    return counts


def test_queries_do_not_grow_with_the_cohorts(client, world):
    platform = world["platform"].id
    urls = ["/sessions", f"/sessions?municipality_code={IKOMA}&mode=in_person", f"/sessions/municipality/{IKOMA}.ics",
            f"/sessions/prefecture/{NARA}.json", f"/sessions/platform/{platform}/embed.html", "/opendata/sessions.csv"]
    course = default_course()
    for n in range(3):
        make_cohort(world["city"], course, title=f"追加{n}", is_public=True, days=3 + n)
    few = _count(client, urls)
    for n in range(27):
        cohort = make_cohort(world["npo"], course, title=f"追加NPO{n}", is_public=True, days=3 + n, capacity=40)
        cohorts.join(db.session, cohort, make_trainee())
    db.session.commit()
    many = _count(client, urls)
    assert many == few
    assert max(many) <= 4


def test_the_public_flag_is_off_by_default_on_the_cohort_form(app, world):
    client = coordinator_client(app, world["city"], "city@example.jp")
    url = f"/coordinate/organisations/{world['city'].id}/cohorts/new"
    assert 'name="is_public"' in client.get(url).get_data(as_text=True)
    data = {"course_id": str(default_course().id), "title": "フォームの回", "mode": "live_online",
            "day": (dt.date.today() + dt.timedelta(days=4)).isoformat(), "start_time": "14:00"}
    post_form(client, url, data)
    post_form(client, url, {**data, "title": "フォームの公開回", "is_public": "y"})
    page = client.get("/sessions").get_data(as_text=True)
    assert "フォームの公開回" in page and "フォームの回" not in page


def test_the_home_page_leads_to_the_finder(client, world):
    assert 'href="/sessions"' in client.get("/").get_data(as_text=True)


def test_a_cancelled_cohort_leaves_every_public_list_even_if_flagged_public(client, world):
    """Cancelling clears is_public; the finder also refuses cancelled cohorts on its own."""
    from app.models.base import utcnow

    title = "公開の回, 第1回; 市役所"
    assert title in client.get("/sessions").get_data(as_text=True)
    world["public"].cancelled_at = utcnow()  # the flag left on, as a later edit could leave it
    db.session.commit()
    for url in ("/sessions", f"/sessions/municipality/{IKOMA}.json", "/opendata/sessions.csv"):
        assert title not in client.get(url).get_data(as_text=True), url
