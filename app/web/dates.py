"""Dates as people read them: one style per language, the day in Japan.

Japanese shows Western dates 「2026年12月4日」 and English "December 4, 2026" (Babel's long date of
the locale), never the Japanese era in English. Stored values are UTC, and the JSON of わたしのデータ
keeps them as ISO text; these filters turn either into the day and time in Japan.

The 和暦 stays on the certificate paper itself (certificates/*/template.html, with the Western date
in brackets); the interface uses the one style above. Asides in brackets go through |paren:
full-width （） in Japanese, ASCII in English."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, get_locale
from markupsafe import Markup

from app.services.cohorts.cohorts import jst


def _moment(value: dt.datetime | dt.date | str | None) -> dt.datetime | dt.date | None:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return jst(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
    return value


def date_text(value: dt.datetime | dt.date | str | None) -> str:
    """2026年12月4日 (en: December 4, 2026), of the day in Japan; empty for nothing."""
    moment = _moment(value)
    if moment is None:
        return ""
    return format_date(moment.date() if isinstance(moment, dt.datetime) else moment, "long")


def datetime_text(value: dt.datetime | dt.date | str | None) -> str:
    """2026年12月4日 14:05 in Japan time; a date alone when there is no time."""
    moment = _moment(value)
    if not isinstance(moment, dt.datetime):
        return date_text(moment)
    return f"{date_text(moment)} {moment:%H:%M}"


def register(app: Flask) -> None:
    app.add_template_filter(date_text, "date_text")
    app.add_template_filter(datetime_text, "datetime_text")
    app.add_template_filter(paren, "paren")


def paren(value: object) -> Markup:
    """An aside in brackets of the language: 「（奈良県）」 in Japanese, " (Nara)" in English."""
    if str(get_locale()) == "ja":
        return Markup("（%s）") % value
    return Markup(" (%s)") % value


def fiscal_year_text(year: int) -> str:
    """令和6年度 in Japanese, as municipalities name their fiscal years; FY2024 in English (no era)."""
    from app.services.statistics.statistics import fiscal_year_label

    if str(get_locale()) == "ja":
        return fiscal_year_label(year)
    return f"FY{year}"
