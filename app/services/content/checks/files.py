"""Files: allowed names, types and places, real content behind each extension, UTF-8 text."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from ..errors import ContentError
from ..svg import check_svg
from .collector import Collector, extension

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp"})
# Allowed in images/ only, and only after svg.check_svg passes (an SVG can carry scripts).
SVG_EXTENSIONS = frozenset({".svg"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".webm"})
TEXT_EXTENSIONS = frozenset({".yaml", ".yml", ".md", ".txt", ".vtt"})
ALLOWED_EXTENSIONS = IMAGE_EXTENSIONS | SVG_EXTENSIONS | VIDEO_EXTENSIONS | TEXT_EXTENSIONS

# Operating-system litter that file managers and zip tools add; never part of a course.
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"})


def is_allowed_name(name: str) -> bool:
    """True when a file name has an extension a bundle may contain."""
    return extension(name) in ALLOWED_EXTENSIONS


def _location_ok(rel: str) -> bool:
    parts = rel.split("/")
    ext = extension(rel)
    if len(parts) == 1:
        # Top level: the three YAML files, plus README-style notes for authors (ignored).
        stem = os.path.splitext(parts[0])[0]
        return (stem in ("course", "quiz", "survey", "evaluation") and ext in (".yaml", ".yml")) or ext in (
            ".md",
            ".txt",
        )
    if parts[0] == "lessons":
        return len(parts) == 2 and ext == ".md"
    if parts[0] == "images":
        return ext in IMAGE_EXTENSIONS | SVG_EXTENSIONS
    if parts[0] == "media":
        return ext in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | {".vtt", ".md", ".txt"}
    return False


def _magic_matches(ext: str, data: bytes) -> bool:
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".webp":
        return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if ext == ".mp4":
        return len(data) >= 8 and data[4:8] == b"ftyp"
    if ext == ".webm":
        return data.startswith(b"\x1a\x45\xdf\xa3")
    return True


def _decode(rel: str, data: bytes, errors: list[ContentError]) -> str | None:
    """Decode UTF-8 (a BOM is tolerated); report the line and column of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        errors.append(
            ContentError(
                rel,
                before.count(b"\n") + 1,
                column,
                "file.not_utf8",
                "ファイルが UTF-8 ではありません（Shift_JIS などで保存されている可能性があります）。"
                "エディタで文字コードを UTF-8 にして保存し直してください。",
                "The file is not UTF-8 (it may be saved as Shift_JIS). Save it again with the "
                "UTF-8 encoding.",
            )
        )
        return None
    return text.removeprefix("\ufeff")


def collect_files(c: Collector) -> None:
    """Read every file of the bundle into the collector, checking names, types and places."""
    for dirpath, dirnames, filenames in os.walk(c.root):
        base = Path(dirpath)
        rel_dir = base.relative_to(c.root).as_posix()
        for name in sorted(dirnames):
            rel = unicodedata.normalize("NFC", f"{rel_dir}/{name}".removeprefix("./"))
            if name.startswith(".") or name in IGNORED_NAMES:
                dirnames.remove(name)
            elif (base / name).is_symlink():
                dirnames.remove(name)
                _symlink_error(c, rel)
        dirnames.sort()
        for name in sorted(filenames):
            rel = unicodedata.normalize("NFC", f"{rel_dir}/{name}".removeprefix("./"))
            if name.startswith(".") or name in IGNORED_NAMES:
                continue
            if (base / name).is_symlink():
                _symlink_error(c, rel)
                continue
            _check_file(c, rel, (base / name).read_bytes())


def _symlink_error(c: Collector, rel: str) -> None:
    c.error(
        rel,
        None,
        "file.symlink",
        "シンボリックリンクは使えません。実際のファイルを置いてください。",
        "Symbolic links are not allowed. Put the real file in the bundle.",
    )


def _check_file(c: Collector, rel: str, data: bytes) -> None:
    ext = extension(rel)
    if ext not in ALLOWED_EXTENSIONS:
        c.error(
            rel,
            None,
            "file.type_disallowed",
            "この種類のファイルは講座に入れられません（HTML・スクリプト・実行ファイルは不可）。"
            "使えるのは .yaml .yml .md .txt .png .jpg .jpeg .webp .svg（images/ のみ）.vtt .mp4 .webm です。"
            "削除するか、使える形式に変換してください。",
            "This file type is not allowed in a bundle (no HTML, scripts or executables). "
            "Allowed: .yaml .yml .md .txt .png .jpg .jpeg .webp .svg (images/ only) .vtt .mp4 "
            ".webm. Delete it or convert it.",
        )
        return
    if not _location_ok(rel):
        c.error(
            rel,
            None,
            "file.unexpected_location",
            "このファイルはこの場所に置けません。レッスンは lessons/、画像は images/、"
            "動画・字幕・文字起こしは media/ に置いてください。",
            "This file is not allowed here. Put lessons in lessons/, images in images/ and "
            "videos, captions and transcripts in media/.",
        )
        return
    c.raw[rel] = data
    if ext in TEXT_EXTENSIONS:
        text = _decode(rel, data, c.errors)
        if text is not None:
            c.texts[rel] = text
            if ext == ".vtt" and not text.startswith("WEBVTT"):
                c.error(
                    rel,
                    1,
                    "media.vtt_invalid",
                    "字幕ファイルが WebVTT 形式ではありません（1行目は WEBVTT で始まります）。"
                    "WebVTT 形式で書き出し直してください。",
                    'The captions file is not WebVTT (its first line must start with "WEBVTT"). '
                    "Export it as WebVTT.",
                    column=1,
                )
    elif ext in SVG_EXTENSIONS:
        c.errors.extend(check_svg(rel, data))
    elif not _magic_matches(ext, data):
        c.error(
            rel,
            None,
            "file.content_mismatch",
            f"ファイルの中身が拡張子 {ext} と合いません（名前だけ変えたファイルでは？）。"
            "画像・動画ソフトで正しい形式に書き出し直してください。",
            f"The file content does not match its {ext} extension (was it only renamed?). "
            "Export it again in the right format.",
        )
