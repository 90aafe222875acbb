"""Attacker's pass (H9): what organisers type reaches the public finder, its embeddable fragment, the
calendar feed and the open data CSVs as text only: no markup, no calendar line of its own, no formula."""
from __future__ import annotations

import csv
import io

import pytest

from app.extensions import db
from app.models import EntryStatus
from tests.cohort_helpers import default_course, make_cohort
from tests.directory.helpers import IKOMA, make_entry
from tests.factories import make_organisation
from tests.security.helpers import text_of

SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture()
def hostile(app):
    course = default_course()
    city = make_organisation(municipality=IKOMA, name="生駒市")
    cohort = make_cohort(city, course, title=f"回{SCRIPT}", is_public=True, venue="=HYPERLINK(\"https://evil.example\")")
    injected = make_cohort(city, course, title="第2回\r\nBEGIN:VEVENT\r\nSUMMARY:偽の回", is_public=True, days=9)
    make_entry(IKOMA, name=f"【例】相談{SCRIPT}", run_by="=cmd|' /C calc'!A0", status=EntryStatus.PUBLISHED)
    db.session.commit()
    return {"cohort": cohort, "injected": injected}


@pytest.mark.parametrize("url", ["/sessions", f"/sessions?municipality_code={IKOMA}",
                                 f"/sessions/municipality/{IKOMA}/embed.html", f"/sessions/municipality/{IKOMA}/feeds",
                                 f"/directory/{IKOMA}", "/directory"])
def test_typed_markup_is_shown_as_text(client, hostile, url):
    body = text_of(client.get(url))
    assert "<script>alert(1)" not in body and "<img src=x" not in body, url


def test_a_title_cannot_add_a_calendar_event(client, hostile):
    body = text_of(client.get(f"/sessions/municipality/{IKOMA}.ics"))
    lines = body.replace("\r\n ", "").split("\r\n")  # unfolded
    assert lines.count("BEGIN:VEVENT") == 2
    assert not any(line.startswith("SUMMARY:偽の回") for line in lines)


@pytest.mark.parametrize("url", ["/opendata/sessions.csv", "/opendata/directory.csv"])
def test_no_open_data_cell_starts_a_formula(client, hostile, url):
    text = client.get(url).get_data().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any("HYPERLINK" in c or "cmd|" in c for c in cells), url
    assert not any(cell[:1] in ("=", "+", "-", "@") and not cell[1:2].isdigit() for cell in cells if cell), url
