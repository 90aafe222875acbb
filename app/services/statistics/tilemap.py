"""Statistics as pictures, computed on the server and drawn as inline SVG by templates: the 47
prefectures as a tile-grid map, and an area's municipalities as sorted horizontal bars.

Pure functions over figures the caller has already suppressed (or not, on admin pages): a hidden
figure (None) gets its own style and the mark, never a colour class or a bar length, since either
would give the figure away. Geometry and codes only; the templates hold the words.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.services.statistics.suppression import MARK

# The tile-grid layout Japanese media use: one square per prefecture, (column, row) on a 12 x 13
# grid, north-east at the top right and south-west at the bottom left, neighbours kept next to
# each other where a square grid allows. 北海道 stands alone at the top right, a row above 青森;
# Tohoku runs down the two right-hand columns, Kanto fills the bottom right of the main island,
# Chubu and Kinki the middle, Chugoku and Shikoku the left, Kyushu the bottom left, and 沖縄 sits
# in the bottom-left corner, one row below 鹿児島. The empty top left holds the legend.
COLUMNS, ROWS = 12, 13
LAYOUT: dict[str, tuple[int, int]] = {
    "01": (11, 0),  # 北海道
    "02": (11, 2), "03": (11, 3), "05": (10, 3), "04": (11, 4), "06": (10, 4), "07": (10, 5),  # 東北
    "08": (11, 6), "09": (10, 6), "10": (9, 6), "11": (9, 7), "12": (11, 7), "13": (10, 7), "14": (9, 8),  # 関東
    "15": (9, 5), "16": (8, 5), "17": (7, 5), "18": (6, 6), "19": (8, 7), "20": (8, 6),  # 中部
    "21": (7, 6), "22": (8, 8), "23": (7, 7),
    "24": (7, 8), "25": (6, 7), "26": (5, 7), "27": (5, 8), "28": (4, 7), "29": (6, 8), "30": (5, 9),  # 近畿
    "31": (3, 7), "32": (2, 7), "33": (3, 8), "34": (2, 8), "35": (1, 8),  # 中国
    "36": (4, 10), "37": (4, 9), "38": (3, 9), "39": (3, 10),  # 四国
    "40": (1, 9), "41": (0, 9), "42": (0, 10), "43": (1, 10), "44": (2, 9), "45": (2, 10), "46": (1, 11),  # 九州
    "47": (0, 12),  # 沖縄
}
TILE, GAP = 56, 4  # SVG units; a tile and the space after it

# Five steps of ColorBrewer's YlGnBu (sequential, safe for colour-blind readers and in greyscale).
# Picked so each fill has 4.5:1 contrast with its text colour: the three light ones with dark
# text, the two dark ones with white text.
PALETTE = ("#ffffd9", "#c7e9b4", "#41b6c4", "#225ea8", "#081d58")
INK, WHITE = "#1f2328", "#ffffff"
ZERO_FILL, HIDDEN_FILL, EDGE = "#ffffff", "#eef0ee", "#6b747c"


@dataclass(frozen=True)
class Style:
    kind: str  # "class" (with `index`), "zero" or "hidden": also the CSS class suffix
    fill: str
    text: str
    index: int | None = None  # 0 (fewest) .. 4 (most), for "class"

    @property
    def css(self) -> str:
        return f"tile-c{self.index}" if self.kind == "class" else f"tile-{self.kind}"


@dataclass(frozen=True)
class LegendItem:
    style: Style
    low: int | None  # None for zero and hidden
    high: int | None  # None: and above (the last class)


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    short: str  # the name shown in the square: 奈良県 -> 奈良, 北海道 stays
    x: int
    y: int
    value: int | None  # None: hidden
    label: str  # "1,234" or the mark
    style: Style
    is_highlighted: bool = False


@dataclass(frozen=True)
class TileMap:
    width: int
    height: int
    tile: int
    tiles: list[Tile]
    legend: list[LegendItem]

    @property
    def has_hidden(self) -> bool:
        return any(t.value is None for t in self.tiles)


def short_name(name: str) -> str:
    """The name without 都・府・県 (北海道 keeps its 道: it is part of the name)."""
    return name[:-1] if name[-1:] in ("都", "府", "県") and len(name) > 2 else name


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _text_on(fill: str) -> str:
    return INK if contrast(fill, INK) >= contrast(fill, WHITE) else WHITE


def _round_down(value: int) -> int:
    """The largest 1, 2 or 5 x 10^n not above `value` (1,234 -> 1,000; 59 -> 50), so limits read easily."""
    power = 10 ** (len(str(value)) - 1)
    return max(step * power for step in (1, 2, 5) if step * power <= value)


def class_limits(values: Iterable[int | None], classes: int = len(PALETTE)) -> list[int]:
    """The lowest figure of each class (the first is 1), from the quantiles of the shown figures above 0.

    Fewer classes when the figures do not spread (all equal: one class)."""
    positive = sorted(v for v in values if v)
    lows = [1]
    for k in range(1, classes):
        if not positive:
            break
        low = _round_down(positive[len(positive) * k // classes])
        if low > lows[-1]:
            lows.append(low)
    while len(lows) > 1 and lows[1] <= positive[0]:  # a bottom class nobody is in
        lows.pop(0)
        lows[0] = 1
    return lows


def _class_styles(count: int) -> list[Style]:
    """`count` fills spread over the palette, lightest to darkest."""
    last = len(PALETTE) - 1
    indexes = [last // 2] if count == 1 else [round(i * last / (count - 1)) for i in range(count)]
    return [Style("class", PALETTE[i], _text_on(PALETTE[i]), i) for i in indexes]


ZERO = Style("zero", ZERO_FILL, INK)
HIDDEN = Style("hidden", HIDDEN_FILL, INK)


def classify(value: int | None, lows: Sequence[int], styles: Sequence[Style]) -> Style:
    if value is None:
        return HIDDEN
    if value == 0:
        return ZERO
    index = sum(1 for low in lows if value >= low) - 1
    return styles[index]


def legend(lows: Sequence[int], styles: Sequence[Style], has_hidden: bool) -> list[LegendItem]:
    """The classes with their limits, then 0, then the mark when some figure is hidden."""
    items = [LegendItem(style, low, lows[i + 1] - 1 if i + 1 < len(lows) else None)
             for i, (low, style) in enumerate(zip(lows, styles, strict=True))]
    return [*items, LegendItem(ZERO, None, None), *([LegendItem(HIDDEN, None, None)] if has_hidden else [])]


def figure_label(value: int | None) -> str:
    return MARK if value is None else f"{value:,}"


def tile_map(figures: Mapping[str, tuple[str, int | None]], highlight: str | None = None) -> TileMap:
    """The 47 prefectures' tiles: `figures` maps a prefecture code ("29") to (name, figure or None).

    A prefecture missing from `figures` is drawn as 0 with its code for a name (a new code would
    be a reference-data change, and the map should still draw)."""
    lows = class_limits(value for _, value in figures.values())
    styles = _class_styles(len(lows))
    pitch = TILE + GAP
    tiles = []
    for code, (column, row) in sorted(LAYOUT.items()):
        name, value = figures.get(code, (code, 0))
        tiles.append(Tile(code, name, short_name(name), column * pitch, row * pitch, value, figure_label(value),
                          classify(value, lows, styles), code == highlight))
    has_hidden = any(t.value is None for t in tiles)
    return TileMap(COLUMNS * pitch - GAP, ROWS * pitch - GAP, TILE, tiles, legend(lows, styles, has_hidden))


# --- an area's municipalities as sorted bars ---------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    code: str
    name: str
    value: int | None
    label: str
    y: int
    width: float  # 0 for a hidden figure: a length would tell it
    is_highlighted: bool = False


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    plot_width: int
    bars: list[Bar]
    zero_count: int  # areas with 0, listed in one line rather than drawn
    hidden_count: int


BAR, BAR_GAP = 20, 6


def ranked_bars(rows: Iterable[tuple[str, str, int | None]], highlight: str | None = None,
                label_width: int = 150, plot_width: int = 420) -> BarChart:
    """Bars for (code, name, figure) rows: largest first, then the hidden ones (the mark, no bar); zeros counted."""
    rows = list(rows)
    shown = sorted((r for r in rows if r[2]), key=lambda r: (-r[2], r[0]))
    hidden = sorted((r for r in rows if r[2] is None), key=lambda r: r[0])
    top = shown[0][2] if shown else 1
    bars = []
    for i, (code, name, value) in enumerate([*shown, *hidden]):
        width = round(value / top * plot_width, 1) if value else 0
        bars.append(Bar(code, name, value, figure_label(value), i * (BAR + BAR_GAP), width, code == highlight))
    height = max(len(bars) * (BAR + BAR_GAP) - BAR_GAP, 0)
    return BarChart(label_width + plot_width + 70, height, label_width, plot_width, bars,
                    zero_count=sum(1 for r in rows if r[2] == 0), hidden_count=len(hidden))
