"""The open-data page shows the 47 prefectures as a tile map beside a table, with the very figures of
the CSV's prefecture rows (suppressed where the CSV is), never the unpublished current year."""
from __future__ import annotations

import re

from tests.statistics.test_opendata import LAST, rows_of, seed_nara


def _table(page: str) -> dict[str, str]:
    section = page.split('id="prefectures"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', section))


def test_the_page_shows_the_map_and_the_csv_figures(app):
    seed_nara()
    client = app.test_client()
    page = client.get("/opendata").get_data(as_text=True)
    assert '<svg viewBox=' in page and 'class="tilemap"' in page and "css/tilemap.css" in page
    table = _table(page)
    assert len(table) == 47
    csv_rows = rows_of(client.get("/opendata/supporters.csv"))[1:]
    cumulative = {r[1]: r[6] for r in csv_rows if r[3] == str(LAST) and not r[2]}
    for name, shown in table.items():
        expected = cumulative[name]
        assert shown == (expected if expected == "＊" else f"{int(expected):,}"), name
    assert table["神奈川県"] == "38"
    # Each tile's text alternative carries the same figure as the table.
    svg = page.split('class="tilemap"', 1)[1].split("</svg>", 1)[0]
    assert "<title>神奈川県：38人</title>" in svg
    for name, shown in table.items():
        assert (f"<title>{name}：＊（秘匿）</title>" if shown == "＊" else f"<title>{name}：{shown}人</title>") in svg


def test_no_map_before_any_year_is_published(app, monkeypatch):
    from app.services.statistics import opendata

    monkeypatch.setattr(opendata, "published_years", lambda now=None: [])
    page = app.test_client().get("/opendata").get_data(as_text=True)
    assert 'class="tilemap"' not in page and 'id="prefectures"' not in page
    assert "まだありません" in page
