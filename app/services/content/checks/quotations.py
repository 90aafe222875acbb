"""Quotations: a 「…」 credited to a law or a ministry must be declared in quotes.md (warnings)."""

from __future__ import annotations

import re

from ..errors import ContentError
from .collector import extension

# The bundle's note of exact quotations: a top-level author note (never shown to trainees).
QUOTES_NOTE = "quotes.md"

# Words that credit a quotation to a law or a ministry or agency. Deliberately simple: 法 (also
# 法律, 推進法, 法務省) but not 方法/手法/文法; every 省 and 庁; the Cabinet Office by name.
_CREDIT_RE = re.compile(r"(?<![方手文])法|内閣府|省|庁")
_CREDIT_BEFORE = 50  # characters before 「 where a credit counts as "nearby"
_CREDIT_AFTER = 20  # characters after 」
_ELLIPSIS_RE = re.compile(r"[…‥]+|\.{3,}")
_SPACE_RE = re.compile(r"\s+")
_SOURCES_HEADING_RE = re.compile(r"^##\s*出典\s*$", re.MULTILINE)
_HEADING_RE = re.compile(r"^#{1,6}\s", re.MULTILINE)
_FURIGANA_SYNTAX_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")
_QUOTE_LINE_RE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
# "- 「…」": a bracketed word that is not a quotation (a name, this course's own words).
_NOT_QUOTE_LINE_RE = re.compile(r"^[ \t]*[-*][ \t]+「(.+)」[ \t]*$")


def _normalise_quote(text: str) -> str:
    """Quote text as compared: author furigana dropped, Markdown emphasis and all spacing removed."""
    text = _FURIGANA_SYNTAX_RE.sub(r"\1", text)
    text = text.replace("**", "").replace("\\", "")
    return _SPACE_RE.sub("", text)


def declared_quotes(note: str) -> tuple[list[str], set[str]]:
    """What a quotes.md declares: exact quotations (each run of '>' lines is one) and the
    bracketed words that are not quotations ("- 「…」" list items)."""
    quotes: list[str] = []
    not_quotes: set[str] = set()
    current: list[str] = []
    for line in note.splitlines():
        match = _QUOTE_LINE_RE.match(line)
        if match:
            current.append(match.group(1))
            continue
        if current:
            quotes.append(_normalise_quote("".join(current)))
            current = []
        listed = _NOT_QUOTE_LINE_RE.match(line)
        if listed:
            not_quotes.add(_normalise_quote(listed.group(1)))
    if current:
        quotes.append(_normalise_quote("".join(current)))
    return [quote for quote in quotes if quote], not_quotes


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """(start of 「, index of its matching 」) for every outermost 「…」; nested 「」 stay inside."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "「":
            if depth == 0:
                start = index
            depth += 1
        elif char == "」" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, index))
    return spans


def _is_declared(quoted: str, quotes: list[str]) -> bool:
    # "…" in a quotation marks words left out: every piece must be in one declared quotation,
    # in the order written.
    pieces = [piece for piece in (_normalise_quote(p) for p in _ELLIPSIS_RE.split(quoted)) if piece]
    if not pieces:
        return True
    for quote in quotes:
        pos = 0
        for piece in pieces:
            found = quote.find(piece, pos)
            if found < 0:
                break
            pos = found + len(piece)
        else:
            return True
    return False


def _credit_near(text: str, start: int, end: int) -> str | None:
    """The credit word (法, 内閣府, 省, 庁) next to the span text[start:end+1], if any."""
    before = text[max(0, start - _CREDIT_BEFORE) : start]
    after = text[end + 1 : end + 1 + _CREDIT_AFTER]
    # A heading starts a new subject: a credit on the other side of it is not "nearby".
    headings = list(_HEADING_RE.finditer(before))
    if headings:
        before = before[headings[-1].start() :]
    following = _HEADING_RE.search(after)
    if following:
        after = after[: following.start()]
    # A credit that opens the next paragraph belongs to that paragraph.
    after = re.split(r"\n[ \t]*\n", after, maxsplit=1)[0]
    match = _CREDIT_RE.search(before + "\n" + after)
    return match.group(0) if match else None


def _is_note(rel: str) -> bool:
    return "/" not in rel and extension(rel) in (".md", ".txt")


def check_quotations(texts: dict[str, str]) -> list[ContentError]:
    """Warn about 「…」 credited to a law or a ministry that quotes.md does not hold word for word.

    texts maps bundle paths to file contents. Lessons' 出典 (sources) sections are citations, not
    quotations, and top-level author notes are not course text; both are skipped.
    """
    note = texts.get(QUOTES_NOTE)
    quotes, not_quotes = declared_quotes(note) if note is not None else ([], set())
    warnings: list[ContentError] = []
    for rel in sorted(texts):
        if _is_note(rel) or extension(rel) == ".vtt":
            continue
        text = texts[rel]
        sources = _SOURCES_HEADING_RE.search(text) if rel.endswith(".md") else None
        if sources is not None:
            following = _HEADING_RE.search(text, sources.end())
            # Keep the length so positions (and line numbers) stay those of the file.
            stop = following.start() if following else len(text)
            text = text[: sources.start()] + " " * (stop - sources.start()) + text[stop:]
        for start, end in _bracket_spans(text):
            quoted = text[start + 1 : end]
            credit = _credit_near(text, start, end)
            if credit is None or _normalise_quote(quoted) in not_quotes or _is_declared(quoted, quotes):
                continue
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            shown = _SPACE_RE.sub(" ", quoted).strip()
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            warnings.append(
                ContentError(
                    rel,
                    line,
                    column,
                    "quote.not_declared",
                    f"「{shown}」は「{credit}」の近くにあり、その言葉の引用に読めますが、{QUOTES_NOTE} に"
                    f"原文どおりの引用として書かれていません。原文を確かめて {QUOTES_NOTE} に「> 原文」の形で"
                    "書くか、かぎかっこをはずして言いかえだとわかるように書いてください。",
                    f"「{shown}」 stands next to 「{credit}」 and reads as its words, but {QUOTES_NOTE} "
                    "does not hold it as an exact quotation. Check the source and add it to "
                    f'{QUOTES_NOTE} as a "> original text" line, or drop the brackets and say it is '
                    "a paraphrase.",
                )
            )
    warnings.sort(key=ContentError.sort_key)
    return warnings
