"""Text helpers for certificate templates: furigana markup, glyph coverage and fitting."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from markupsafe import Markup, escape

__all__ = [
    "fit_pt",
    "furigana",
    "missing_glyphs",
    "plain",
    "text_width_em",
]

# The course bundle syntax for author furigana: {漢字|かんじ}.
_RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")
PT_PER_MM = 72 / 25.4


def _overhang_em(base: str, reading: str) -> float:
    """Return how far a long reading may reach over each neighbour, in em of the base text."""
    # Readings are set at half size. Letting them overhang the neighbours by a
    # quarter em (JIS X 4051 allows up to one reading character over kana)
    # avoids the gaps an over-wide reading would open in the line.
    excess = len(reading) * 0.5 - len(base)
    return min(max(excess / 2, 0.0), 0.25)


def furigana(text: str) -> Markup:
    """Escape text and turn {漢字|かんじ} into <ruby> markup."""
    out: list[str] = []
    pos = 0
    for match in _RUBY.finditer(text):
        out.append(escape(text[pos : match.start()]))
        base, reading = match.group(1), match.group(2)
        overhang = _overhang_em(base, reading)
        if overhang:
            tag = Markup('<ruby style="margin: 0 -{}em">').format(f"{overhang:.2f}")
        else:
            tag = Markup("<ruby>")
        out.append(tag + Markup("{}<rt>{}</rt></ruby>").format(base, reading))
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def plain(text: str) -> str:
    """Drop {漢字|かんじ} furigana markup, keeping the base text."""
    return _RUBY.sub(r"\1", text)


def _ignorable(char: str) -> bool:
    """Say whether a character draws nothing and so needs no glyph."""
    code = ord(char)
    # Variation selectors pick a glyph variant; without one the base glyph shows.
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or char in "\t\n\r"


def missing_glyphs(text: str, codepoints: frozenset[int]) -> list[str]:
    """Return the distinct characters of text that the font cannot draw, in order."""
    missing = dict.fromkeys(char for char in text if ord(char) not in codepoints and not _ignorable(char))
    return list(missing)


@functools.lru_cache(maxsize=8)
def _advances(path: Path) -> tuple[dict[int, float], float]:
    """Return advance widths in em per code point, and the width of an unknown glyph."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        units = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        widths = {code: metrics[name][0] / units for code, name in font.getBestCmap().items()}
    return widths, 1.0


def text_width_em(text: str, font_path: Path) -> float:
    """Return the natural width of one line of text in em, from the font's metrics."""
    widths, default = _advances(Path(font_path))
    return sum(widths.get(ord(c), default) for c in text if not _ignorable(c))


def fit_pt(
    text: str,
    width_mm: float,
    max_pt: float,
    min_pt: float,
    font_path: Path,
    tracking_em: float = 0.0,
) -> float:
    """Return the largest font size up to max_pt at which text fits on one line of width_mm."""
    em = text_width_em(text, font_path) + tracking_em * len(text)
    if em <= 0:
        return max_pt
    size = width_mm * PT_PER_MM / em
    # Round down to a tenth of a point so the estimate never overshoots the box.
    return max(min_pt, min(max_pt, int(size * 10) / 10))
