"""Japanese era (和暦) dates for certificates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = [
    "ERAS",
    "Era",
    "WarekiDate",
    "format_both",
    "to_iso",
    "to_seireki",
    "to_wareki",
    "wareki_parts",
]


@dataclass(frozen=True, slots=True)
class Era:
    """One era: its kanji name, hiragana reading, romaji and first day."""

    name: str
    reading: str
    romaji: str
    start: dt.date


@dataclass(frozen=True, slots=True)
class WarekiDate:
    """A date split into era, era year, month and day."""

    era: Era
    year: int
    month: int
    day: int

    @property
    def year_label(self) -> str:
        """Return the era year as printed: 元 for the first year, else digits."""
        return "元" if self.year == 1 else str(self.year)

    def __str__(self) -> str:
        return f"{self.era.name}{self.year_label}年{self.month}月{self.day}日"


# Newest first so the lookup stops at the first era that has started.
ERAS: tuple[Era, ...] = (
    Era("令和", "れいわ", "Reiwa", dt.date(2019, 5, 1)),
    Era("平成", "へいせい", "Heisei", dt.date(1989, 1, 8)),
    Era("昭和", "しょうわ", "Showa", dt.date(1926, 12, 25)),
    Era("大正", "たいしょう", "Taisho", dt.date(1912, 7, 30)),
    Era("明治", "めいじ", "Meiji", dt.date(1868, 1, 25)),
)

# Japan switched to the Gregorian calendar on this day (明治6年1月1日); earlier
# Meiji dates were lunisolar, so a Gregorian month and day would be wrong.
FIRST_SUPPORTED_DATE = dt.date(1873, 1, 1)


def _as_date(value: dt.date) -> dt.date:
    """Return the calendar date of a date or datetime, rejecting anything else."""
    # datetime is a subclass of date; drop the time so it compares with era starts.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def wareki_parts(value: dt.date) -> WarekiDate:
    """Split a Gregorian date into era, era year, month and day."""
    day = _as_date(value)
    if day < FIRST_SUPPORTED_DATE:
        raise ValueError(f"{day.isoformat()} is before 1873-01-01, when Japan adopted the Gregorian calendar")
    era = next(era for era in ERAS if day >= era.start)
    return WarekiDate(era, day.year - era.start.year + 1, day.month, day.day)


def to_wareki(value: dt.date) -> str:
    """Format a date in the Japanese era, e.g. 令和8年11月27日."""
    return str(wareki_parts(value))


def to_seireki(value: dt.date) -> str:
    """Format a date in the Gregorian calendar the Japanese way, e.g. 2026年11月27日."""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def to_iso(value: dt.date) -> str:
    """Format a date as ISO 8601, e.g. 2026-11-27."""
    return _as_date(value).isoformat()


def format_both(value: dt.date) -> str:
    """Format a date in the era with the Gregorian date in brackets."""
    return f"{to_wareki(value)}（{to_seireki(value)}）"
