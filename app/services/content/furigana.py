"""Automatic furigana: kanji above a school grade get their reading, aligned to the kanji only."""

from __future__ import annotations

import threading
from functools import lru_cache
from html import escape
from typing import Any

from kanji_lists import KYOIKU

# Characters that belong to a kanji run although they are not ideographs: the repeat mark
# (人々), the shime mark and the small ke used as a counter (一ヶ月).
_RUN_MARKS = frozenset("々〆ヶヵ")

_tagger: Any = None
_tagger_lock = threading.RLock()


def is_kanji(char: str) -> bool:
    """True for CJK ideographs (the unified blocks and the compatibility block)."""
    code = ord(char)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


def _in_run(char: str) -> bool:
    return is_kanji(char) or char in _RUN_MARKS


@lru_cache(maxsize=8)
def known_kanji(grade: int) -> frozenset[str]:
    """Kanji taught by the end of the given school grade (学年別漢字配当表, 2020 revision)."""
    known: set[str] = set()
    for year in range(1, min(grade, 6) + 1):
        known |= getattr(KYOIKU, f"GRADE{year}")
    return frozenset(known)


def needs_furigana(text: str, grade: int) -> bool:
    """True when text holds a kanji a pupil at the end of grade has not been taught."""
    if grade <= 0:
        return False
    known = known_kanji(grade)
    return any(is_kanji(char) and char not in known for char in text)


def to_hiragana(text: str) -> str:
    """Convert katakana to hiragana; the long vowel mark and other characters stay."""
    return "".join(
        chr(ord(char) - 0x60) if "ァ" <= char <= "ヶ" and char not in "ヵヶ" else char for char in text
    )


def _get_tagger() -> Any:
    # MeCab start-up loads the dictionary (a few hundred ms): do it once, on first use.
    global _tagger
    if _tagger is None:
        with _tagger_lock:
            if _tagger is None:
                import fugashi

                _tagger = fugashi.Tagger()
    return _tagger


def _reading(word: Any) -> str | None:
    """The word's reading in hiragana, or None when the dictionary has none."""
    try:
        kana = word.feature.kana
    except (AttributeError, IndexError):
        return None
    if not kana or kana == "*":
        return None
    reading = to_hiragana(kana)
    if not all("ぁ" <= char <= "ゖ" or char == "ー" for char in reading):
        return None
    return reading


def _segments(surface: str) -> list[tuple[str, bool]]:
    """Split a word into alternating kanji runs (True) and other text (False)."""
    segments: list[tuple[str, bool]] = []
    for char in surface:
        run = _in_run(char)
        if segments and segments[-1][1] == run:
            segments[-1] = (segments[-1][0] + char, run)
        else:
            segments.append((char, run))
    return segments


def align(surface: str, reading: str) -> list[tuple[str, str | None]] | None:
    """Pair each kanji run of surface with its part of reading.

    Returns None when no alignment exists or more than one does (the caller then puts the
    ruby over the whole word).
    """
    segments = _segments(surface)
    solutions: list[list[str]] = []

    def solve(index: int, pos: int, taken: list[str]) -> None:
        if len(solutions) > 1:
            return
        if index == len(segments):
            if pos == len(reading):
                solutions.append(list(taken))
            return
        text, is_run = segments[index]
        if not is_run:
            kana = to_hiragana(text)
            if reading.startswith(kana, pos):
                solve(index + 1, pos + len(kana), taken)
            return
        # Leave at least one kana for every later kanji run.
        later_runs = sum(1 for _, run in segments[index + 1 :] if run)
        for end in range(pos + 1, len(reading) - later_runs + 1):
            taken.append(reading[pos:end])
            solve(index + 1, end, taken)
            taken.pop()

    solve(0, 0, [])
    if len(solutions) != 1:
        return None
    readings = iter(solutions[0])
    return [(text, next(readings) if is_run else None) for text, is_run in segments]


def ruby(base: str, reading: str) -> str:
    """Ruby markup with parentheses for browsers that do not support ruby."""
    return f"<ruby>{escape(base)}<rp>(</rp><rt>{escape(reading)}</rt><rp>)</rp></ruby>"


def annotate_word(surface: str, reading: str | None) -> str:
    """Ruby for one analysed word: per kanji run when aligned, else over the whole word."""
    if reading is None:
        return escape(surface)
    pairs = align(surface, reading)
    if pairs is not None:
        return "".join(ruby(text, part) if part else escape(text) for text, part in pairs)
    # Only a word made of kanji and kana can take a whole-word reading safely: with digits or
    # Latin letters inside, the reading would cover characters it does not spell.
    if all(_in_run(char) or "ぁ" <= char <= "ヿ" for char in surface):
        return ruby(surface, reading)
    return escape(surface)


def annotate(text: str, grade: int) -> str:
    """Escape text for HTML, adding ruby to every word with a kanji above grade."""
    if not needs_furigana(text, grade):
        return escape(text)
    known = known_kanji(grade)
    out: list[str] = []
    cursor = 0
    tagger = _get_tagger()
    # One MeCab tagger is not safe to use from two threads at once; analysis is fast.
    with _tagger_lock:
        words = [(word.surface, _reading(word)) for word in tagger(text)]
    for surface, reading in words:
        start = text.find(surface, cursor)
        if not surface or start < 0:
            continue
        # Whatever MeCab skipped (spaces, newlines) is copied through unchanged.
        out.append(escape(text[cursor:start]))
        cursor = start + len(surface)
        if any(is_kanji(char) and char not in known for char in surface):
            out.append(annotate_word(surface, reading))
        else:
            out.append(escape(surface))
    out.append(escape(text[cursor:]))
    return "".join(out)
