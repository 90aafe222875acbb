"""The tile-grid map of the 47 prefectures and the sorted municipality bars: layout, colour classes,
suppressed figures that show the mark and nothing else, and the pages that draw them."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import render_template_string

from app.extensions import db
from app.services.statistics import statistics, tilemap
from app.services.statistics.suppression import MARK
from tests.conftest import coordinator_client
from tests.factories import make_organisation
from tests.stats_helpers import add_records

SVG = "{http://www.w3.org/2000/svg}"
ALL_CODES = {f"{n:02d}" for n in range(1, 48)}
NAMES = {"01": "北海道", "13": "東京都", "26": "京都府", "29": "奈良県", "47": "沖縄県"}


def figures(values: dict[str, int | None]) -> dict[str, tuple[str, int | None]]:
    return {code: (NAMES.get(code, f"県{code}"), values.get(code, 0)) for code in sorted(ALL_CODES)}


def render(macro: str, *args) -> ET.Element:
    html = render_template_string('{% import "_tilemap.html" as p %}{{ p.' + macro + "(*args) }}", args=args)
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    return ET.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def shown_text(element: ET.Element) -> str:
    """What a reader sees or hears in an element: its <text> and <title> contents, not its coordinates."""
    return " ".join("".join(e.itertext()) for e in element.iter() if e.tag in (f"{SVG}text", f"{SVG}title"))


# --- layout ----------------------------------------------------------------------------------------

def test_every_prefecture_has_exactly_one_tile_on_the_grid():
    assert set(tilemap.LAYOUT) == ALL_CODES
    positions = list(tilemap.LAYOUT.values())
    assert len(set(positions)) == 47
    assert all(0 <= c < tilemap.COLUMNS and 0 <= r < tilemap.ROWS for c, r in positions)
    tiles = tilemap.tile_map(figures({})).tiles
    assert sorted(t.code for t in tiles) == sorted(ALL_CODES)


def test_hokkaido_is_top_right_and_okinawa_bottom_left():
    assert tilemap.LAYOUT["01"] == (tilemap.COLUMNS - 1, 0)
    assert tilemap.LAYOUT["47"] == (0, tilemap.ROWS - 1)


def test_no_two_tiles_overlap_and_all_fit_in_the_picture():
    m = tilemap.tile_map(figures({}))
    boxes = [(t.x, t.y, t.x + m.tile, t.y + m.tile) for t in m.tiles]
    for i, a in enumerate(boxes):
        assert a[2] <= m.width and a[3] <= m.height
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_the_legend_has_room_in_the_empty_top_left():
    m = tilemap.tile_map(figures({}))
    legend_bottom = len(m.legend) * 30
    legend_right = 34 + 15 * 20  # the longest label: about 20 characters of 15 units
    assert not [t.code for t in m.tiles if t.x < legend_right and t.y < legend_bottom]


# --- colour classes --------------------------------------------------------------------------------

def test_colour_classes_follow_the_figures():
    values = {f"{n:02d}": int(1.3 ** n) for n in range(1, 48)}  # spread like real figures
    values["05"], values["06"] = 0, None
    m = tilemap.tile_map(figures(values))
    by_code = {t.code: t for t in m.tiles}
    assert by_code["05"].style.kind == "zero" and by_code["06"].style.kind == "hidden"
    ranked = sorted((t for t in m.tiles if t.style.kind == "class"), key=lambda t: t.value)
    indexes = [t.style.index for t in ranked]
    assert indexes == sorted(indexes) and indexes[0] == 0 and indexes[-1] == 4
    assert len({t.style.fill for t in ranked}) == 5
    # Each tile's class is the one whose limits hold its figure, as the legend says.
    for t in ranked:
        item = next(i for i in m.legend if i.style == t.style)
        assert item.low <= t.value and (item.high is None or t.value <= item.high)


def test_limits_are_round_and_classes_collapse_when_figures_do_not_spread():
    assert tilemap.class_limits([16, 59, 170, 670, 2800, 5800]) == [1, 50, 100, 500, 2000]
    assert tilemap.class_limits([1234, 5678, 91011, 121314, 151617, 181920]) == [1, 5000, 50000, 100000]
    same = tilemap.tile_map(figures({code: 30 for code in ALL_CODES}))
    assert len({t.style for t in same.tiles}) == 1 and len(same.legend) == 1 + 1  # the class and 0
    assert tilemap.class_limits([0, None]) == [1]


def test_every_fill_is_readable_with_its_text_colour():
    for fill in (*tilemap.PALETTE, tilemap.ZERO_FILL, tilemap.HIDDEN_FILL):
        text = tilemap._text_on(fill)
        assert tilemap.contrast(fill, text) >= 4.5, fill


# --- suppressed figures ----------------------------------------------------------------------------

def test_a_hidden_tile_shows_the_mark_its_own_style_and_never_a_number(app):
    with app.test_request_context():
        svg = render("tile_map", tilemap.tile_map(figures({"29": None, "13": 1234})), "m", "title")
    tiles = {g.get("data-code"): g for g in svg.iter(f"{SVG}g") if g.get("data-code")}
    assert len(tiles) == 47
    nara = tiles["29"]
    assert "tile-hidden" in nara.get("class")
    assert MARK in shown_text(nara) and not re.search(r"\d", shown_text(nara))
    assert nara.find(f"{SVG}rect").get("stroke-dasharray")
    legend = shown_text(svg.find(f"{SVG}g"))
    assert "秘匿" in legend  # the legend explains the mark when it is used...
    with app.test_request_context():
        clear = render("tile_map", tilemap.tile_map(figures({"13": 1234})), "m", "title")
    assert MARK not in shown_text(clear) and MARK not in "".join(clear.itertext())  # ...and only then
    assert "1,234" in shown_text(tiles["13"])
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "title"
    assert "色" in "".join(svg.find(f"{SVG}desc").itertext())


def test_bars_are_sorted_and_a_hidden_one_has_no_length_and_no_number(app):
    chart = tilemap.ranked_bars([("1", "甲町", 12), ("2", "乙村", None), ("3", "丙市", 40), ("4", "丁町", 0)],
                                highlight="3")
    assert [b.name for b in chart.bars] == ["丙市", "甲町", "乙村"]
    assert chart.zero_count == 1 and chart.bars[2].width == 0 and chart.bars[0].is_highlighted
    with app.test_request_context():
        svg = render("bar_chart", chart, "b", "title")
    hidden = next(g for g in svg.iter(f"{SVG}g") if g.get("data-code") == "2")
    assert MARK in shown_text(hidden) and not re.search(r"\d", shown_text(hidden))


# --- pages -----------------------------------------------------------------------------------------

def test_the_admin_national_page_draws_the_map_beside_the_table(admin_client):
    add_records(23, municipality="292095", year=statistics.current_fiscal_year())
    db.session.commit()
    html = admin_client.get("/admin/statistics").get_data(as_text=True)
    assert html.count('class="tile ') == 47
    assert '<g class="tile tile-c' in html and "<title>奈良県：23人</title>" in html
    assert "css/tilemap.css" in html and 'role="img"' in html
    assert html.index('class="tilemap"') < html.index('<table class="figures">')


def test_the_admin_prefecture_page_draws_its_municipalities_as_bars(admin_client):
    add_records(23, municipality="292095", year=statistics.current_fiscal_year())
    add_records(2, municipality="294471", year=statistics.current_fiscal_year())
    db.session.commit()
    html = admin_client.get("/admin/statistics?pref=29").get_data(as_text=True)
    assert 'class="rankbars"' in html and "<title>生駒市：23人</title>" in html
    assert "<title>野迫川村：2人</title>" in html  # admins see exact figures
    assert 'class="tilemap"' not in html


def test_the_prefecture_dashboard_draws_bars_that_keep_the_suppression(app):
    from app.services.learning import enrolling, progress
    from tests.cohort_helpers import default_course
    from tests.factories import make_trainee

    app.config["SUPPRESSION_THRESHOLD"] = 5
    course = default_course()
    for municipality, n in (("294471", 1), ("292095", 12), ("292010", 9)):  # 野迫川村 has a lone supporter
        for _ in range(n):
            progress.record_attendance(db.session, enrolling.enrol(db.session, make_trainee(municipality=municipality),
                                                                  course))
    add_records(40, municipality="292095", year=statistics.current_fiscal_year() - 1)  # published
    add_records(2, municipality="472018", year=statistics.current_fiscal_year() - 1)  # 沖縄県: hidden
    db.session.commit()
    org = make_organisation(prefecture="29", name="奈良県")
    html = coordinator_client(app, org, "nara@example.jp").get(f"/coordinate/organisations/{org.id}/area") \
        .get_data(as_text=True)
    bars = ET.fromstring(html[html.index('<svg'):html.index("</svg>") + 6]
                         .replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))
    rows = {g.get("data-code"): g for g in bars.iter(f"{SVG}g") if g.get("data-code")}
    assert bars.get("class") == "rankbars"
    assert "<title>生駒市：12人</title>" in html
    village = rows["294471"]
    assert MARK in shown_text(village) and not re.search(r"\d", shown_text(village))
    # The national map: the open data's figures, 奈良県 outlined, 沖縄県's 2 never shown.
    assert 'class="tilemap"' in html and "tile-highlight" in html
    assert '<g class="tile tile-hidden" data-code="47">' in html
    okinawa = html.split('data-code="47">', 1)[1].split("</g>", 1)[0]
    assert MARK in okinawa and not re.search(r">[^<]*\d[^<]*<", okinawa)


def test_the_prefecture_pdf_prints_the_bars_and_the_map_with_the_suppression(app):
    import io

    from pypdf import PdfReader

    from app.models import AuditEvent
    from app.services.learning import enrolling, progress
    from tests.cohort_helpers import default_course
    from tests.factories import make_trainee

    app.config["SUPPRESSION_THRESHOLD"] = 5
    course = default_course()
    for municipality, n in (("294471", 1), ("292095", 12), ("292010", 9)):
        for _ in range(n):
            progress.record_attendance(db.session, enrolling.enrol(db.session, make_trainee(municipality=municipality),
                                                                  course))
    add_records(40, municipality="292095", year=statistics.current_fiscal_year() - 1)
    db.session.commit()
    org = make_organisation(prefecture="29", name="奈良県")
    client = coordinator_client(app, org, "nara@example.jp")
    assert f"/coordinate/organisations/{org.id}/area.pdf" in client.get(
        f"/coordinate/organisations/{org.id}/area").get_data(as_text=True)
    response = client.get(f"/coordinate/organisations/{org.id}/area.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace(" ", "")
    assert "生駒市" in text and "全国の中の奈良県" in text and "東京" in text
    assert f"野迫川村{MARK}{MARK}0" in text  # supporters and residents hidden; 0 cohorts held
    assert not re.search(r"野迫川村\d", text)
    assert db.session.query(AuditEvent).filter_by(action="export.area_dashboard").count() == 1



def test_a_municipality_sees_its_place_among_the_prefectures_towns_on_page_and_paper(app):
    import io

    from pypdf import PdfReader

    last = statistics.current_fiscal_year() - 1
    add_records(40, municipality="292095", year=last)  # 生駒市, published
    add_records(12, municipality="292010", year=last)  # 奈良市
    add_records(2, municipality="294471", year=last)  # 野迫川村: hidden in the open data
    db.session.commit()
    town = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, town, "ikoma@example.jp")
    html = client.get(f"/coordinate/organisations/{town.id}/area").get_data(as_text=True)
    assert "奈良県の市区町村の中の生駒市" in html
    assert '<g class="rankbar rankbar-highlight" data-code="292095">' in html
    village = html.split('data-code="294471">', 1)[1].split("</g>", 1)[0]
    assert MARK in village and not re.search(r">[^<]*\d[^<]*<", village)
    response = client.get(f"/coordinate/organisations/{town.id}/area.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace(" ", "")
    assert "生駒市の状況" in text and "奈良県の市区町村の中の生駒市" in text
