"""Bar charts as SVG geometry computed on the server: readable without JavaScript, and styled by
attributes (fill, width), since the Content-Security-Policy allows no inline style.

Only geometry lives here; the figures come from the statistics service and the table under each
chart carries the same numbers for screen readers and for copying."""
from __future__ import annotations

from dataclasses import dataclass

ADULT, CHILDREN = "#1d6b4f", "#c77800"
SEX_COLOURS = ("#b03a6f", "#2f6db5", "#7a5bb5", "#8a939b", "#c9d1cc")
MODE_COLOURS = ("#1d6b4f", "#2f6db5", "#c77800")


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str  # shown as a tooltip and read by screen readers


@dataclass(frozen=True)
class Item:
    label: str
    total: int
    segments: list[Segment]
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    items: list[Item]
    ticks: list[tuple[float, float, float, float, int]]  # x1, y1, x2, y2, value


def nice_step(maximum: int, count: int = 4) -> int:
    """A round step (1, 2, 5 x 10^n) giving about `count` gridlines up to `maximum`."""
    raw = max(maximum / count, 1)
    power = 1
    while power * 10 <= raw:
        power *= 10
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _scale_top(values: list[int]) -> tuple[int, int]:
    top = max(values + [1])
    step = nice_step(top)
    return step * -(-top // step), step


def columns(labels: list[str], series: list[list[int]], fills: list[str], names: list[str],
            height: int = 230, column: int = 46, gap: int = 16) -> Chart:
    """Stacked columns, one per label (e.g. quarters), series stacked bottom to top."""
    left, top, bottom = 56, 16, 44
    if len(labels) <= 6:  # a single year: wider columns read better than thin ones
        column, gap = 90, 30
    totals = [sum(s[i] for s in series) for i in range(len(labels))]
    scale, step = _scale_top(totals)
    plot = height - top - bottom
    width = left + len(labels) * (column + gap) + gap
    items = []
    for i, label in enumerate(labels):
        x = left + gap + i * (column + gap)
        y = height - bottom
        segments = []
        for values, fill, name in zip(series, fills, names, strict=True):
            h = values[i] / scale * plot
            y -= h
            if values[i]:
                segments.append(Segment(x, round(y, 1), column, round(h, 1), fill, f"{label} {name}: {values[i]}"))
        items.append(Item(label, totals[i], segments, x + column / 2, height - bottom + 18, x + column / 2,
                          round(y - 4, 1)))
    ticks = [(left, round(height - bottom - v / scale * plot, 1), width, round(height - bottom - v / scale * plot, 1),
              v) for v in range(0, scale + 1, step)]
    return Chart(width, height, items, ticks)


def bars(labels: list[str], series: list[list[int]], fills: list[str], names: list[str],
         width: int = 760, row: int = 30, label_width: int = 150) -> Chart:
    """Stacked horizontal bars, one per label (e.g. age bands, prefectures)."""
    top, right = 8, 70
    totals = [sum(s[i] for s in series) for i in range(len(labels))]
    scale, step = _scale_top(totals)
    plot = width - label_width - right
    height = top + len(labels) * row + 8
    items = []
    for i, label in enumerate(labels):
        y = top + i * row
        x = label_width
        segments = []
        for values, fill, name in zip(series, fills, names, strict=True):
            w = values[i] / scale * plot
            if values[i]:
                segments.append(Segment(round(x, 1), y + 4, round(w, 1), row - 10, fill, f"{label} {name}: {values[i]}"))
            x += w
        items.append(Item(label, totals[i], segments, label_width - 8, y + row * 0.62, round(x + 6, 1), y + row * 0.62))
    ticks = [(round(label_width + v / scale * plot, 1), top, round(label_width + v / scale * plot, 1),
              height - 8, v) for v in range(0, scale + 1, step)]
    return Chart(width, height, items, ticks)
