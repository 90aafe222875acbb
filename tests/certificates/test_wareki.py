"""Japanese era dates (和暦) printed on certificates."""

import datetime as dt

import pytest

from app.services.certificates.wareki import (
    format_both,
    to_iso,
    to_seireki,
    to_wareki,
    wareki_parts,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 27), "令和8年11月27日"),
        # Reiwa / Heisei: the emperor's abdication on 2019-04-30.
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 12, 31), "令和元年12月31日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        # Heisei / Showa.
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        # Showa / Taisho.
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        # Taisho / Meiji.
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
        # The first Gregorian day in Japan.
        (dt.date(1873, 1, 1), "明治6年1月1日"),
    ],
)
def test_to_wareki_at_era_boundaries(day, expected):
    assert to_wareki(day) == expected


def test_dates_before_the_gregorian_calendar_are_refused():
    with pytest.raises(ValueError, match="1873"):
        to_wareki(dt.date(1872, 12, 31))


def test_datetime_is_read_as_its_date():
    assert to_wareki(dt.datetime(2019, 4, 30, 23, 59)) == "平成31年4月30日"


def test_non_dates_are_refused():
    with pytest.raises(TypeError):
        to_wareki("2026-11-27")


def test_format_both_gives_era_and_gregorian():
    assert format_both(dt.date(2026, 11, 27)) == "令和8年11月27日（2026年11月27日）"
    assert format_both(dt.date(2019, 5, 1)) == "令和元年5月1日（2019年5月1日）"


def test_seireki_and_iso():
    assert to_seireki(dt.date(2026, 1, 5)) == "2026年1月5日"
    assert to_iso(dt.date(2026, 1, 5)) == "2026-01-05"


def test_parts_carry_the_reading_for_furigana():
    parts = wareki_parts(dt.date(2019, 5, 1))
    assert (parts.era.name, parts.era.reading, parts.year, parts.year_label) == ("令和", "れいわ", 1, "元")
    assert wareki_parts(dt.date(1989, 1, 7)).era.reading == "しょうわ"
