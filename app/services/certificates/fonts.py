"""Locate the Japanese fonts that every certificate embeds."""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_FONT_DIRS",
    "FontMissingError",
    "JapaneseFonts",
    "doctor",
    "find_japanese_fonts",
    "supported_codepoints",
]

DEBIAN_PACKAGE = "fonts-ipaexfont"
GOTHIC_FILE = "ipaexg.ttf"
MINCHO_FILE = "ipaexm.ttf"

# Where Debian/Ubuntu (fonts-ipaexfont-gothic/-mincho), older packages and
# manual installs put the IPAex files.
DEFAULT_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic"),
    Path("/usr/share/fonts/opentype/ipaexfont-mincho"),
    Path("/usr/share/fonts/opentype/ipaexfont"),
    Path("/usr/share/fonts/truetype/ipaexfont"),
    Path("/usr/local/share/fonts"),
)


class FontMissingError(RuntimeError):
    """No IPAex Japanese font is installed, so a certificate would show empty boxes."""

    def __init__(self, searched: Iterable[Path | str] = ()) -> None:
        self.searched = [str(p) for p in searched]
        where = ", ".join(self.searched) or "(nothing)"
        super().__init__(
            "日本語フォント（IPAexゴシック／IPAex明朝）が見つかりません。証書を作成できません。"
            f"サーバーで `apt-get install {DEBIAN_PACKAGE}` を実行してください。 / "
            "No Japanese font (IPAexGothic / IPAexMincho) was found, so no certificate can be "
            f"rendered. Install the Debian package {DEBIAN_PACKAGE} "
            f"(apt-get install {DEBIAN_PACKAGE}). Searched: {where}"
        )


@dataclass(frozen=True, slots=True)
class JapaneseFonts:
    """Paths of the two IPAex font files, one per CSS family."""

    gothic: Path
    mincho: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        """Return the distinct font files."""
        return tuple(dict.fromkeys((self.gothic, self.mincho)))

    def families(self) -> dict[str, Path]:
        """Return the CSS font-family names that templates use, mapped to files."""
        return {"IPAexGothic": self.gothic, "IPAexMincho": self.mincho}


def _search_dirs(dirs: Iterable[Path]) -> dict[str, Path]:
    """Return the IPAex files found directly in or below the given folders."""
    found: dict[str, Path] = {}
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for name in (GOTHIC_FILE, MINCHO_FILE):
            if name in found:
                continue
            hits = sorted(folder.rglob(name))
            if hits:
                found[name] = hits[0].resolve()
    return found


def _search_fontconfig() -> dict[str, Path]:
    """Ask fontconfig for IPAex files installed somewhere we did not look."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return {}
    try:
        out = subprocess.run(
            [fc_list, ":lang=ja", "file"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return {}
    found: dict[str, Path] = {}
    for line in out.splitlines():
        path = Path(line.split(":", 1)[0].strip())
        # Resolve symlinks such as fonts-japanese-gothic.ttf -> ipaexg.ttf.
        real = path.resolve()
        if real.name in (GOTHIC_FILE, MINCHO_FILE) and real.is_file():
            found.setdefault(real.name, real)
    return found


def find_japanese_fonts(dirs: Iterable[Path | str] | None = None) -> JapaneseFonts:
    """Return the installed IPAex fonts, or raise FontMissingError."""
    use_fontconfig = dirs is None
    search = [Path(d) for d in (DEFAULT_FONT_DIRS if dirs is None else dirs)]
    found = _search_dirs(search)
    if use_fontconfig and len(found) < 2:
        found = {**_search_fontconfig(), **found}
        search.append(Path("fc-list :lang=ja"))
    gothic = found.get(GOTHIC_FILE)
    mincho = found.get(MINCHO_FILE)
    if gothic is None and mincho is None:
        raise FontMissingError(search)
    # fonts-ipaexfont installs both; if only one is there, using it for both
    # families is better than refusing: the text is still Japanese and complete.
    return JapaneseFonts(gothic=gothic or mincho, mincho=mincho or gothic)


@functools.lru_cache(maxsize=8)
def supported_codepoints(path: Path) -> frozenset[int]:
    """Return the code points that the font file has glyphs for."""
    # fontTools comes with WeasyPrint, which uses it to subset fonts.
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def doctor(dirs: Iterable[Path | str] | None = None) -> list[tuple[str, bool, str]]:
    """Check that this machine can render certificates; return (check, ok, detail) rows."""
    rows: list[tuple[str, bool, str]] = []
    try:
        fonts = find_japanese_fonts(dirs)
    except FontMissingError as exc:
        rows.append(("japanese fonts", False, str(exc)))
    else:
        for family, path in fonts.families().items():
            substituted = path.name != (GOTHIC_FILE if family == "IPAexGothic" else MINCHO_FILE)
            detail = f"{path} (substitute)" if substituted else str(path)
            rows.append((f"font {family}", True, detail))
    try:
        import weasyprint
    except Exception as exc:  # noqa: BLE001 - a missing system library raises OSError, not ImportError
        rows.append(("weasyprint", False, f"{type(exc).__name__}: {exc}"))
        rows.append(("pango", False, "not checked: WeasyPrint did not import"))
        return rows
    rows.append(("weasyprint", True, f"WeasyPrint {weasyprint.__version__}"))
    try:
        from weasyprint.text.ffi import pango

        version = pango.pango_version()
        text = f"{version // 10000}.{version // 100 % 100}.{version % 100}"
        # WeasyPrint 66 needs Pango 1.44 or newer.
        rows.append(("pango", version >= 14400, f"Pango {text}"))
    except Exception as exc:  # noqa: BLE001 - report whatever the C binding raises
        rows.append(("pango", False, f"{type(exc).__name__}: {exc}"))
    return rows
