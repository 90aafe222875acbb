"""Names and other typed text that end up printed: cleaned when typed, refused when unprintable.

One place decides what a name may contain, so that a name accepted by any form can be printed on
every certificate template, and the name a verifier sees is the one that is printed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from .fonts import FontMissingError, find_japanese_fonts, supported_codepoints
from .text import missing_glyphs

__all__ = [
    "CERTIFICATE_FIELDS",
    "PLAIN_TEXT",
    "clean_name",
    "printable_problem",
    "unprintable_characters",
]

# A name-like text printed on certificates (checked against every template's box for that field);
# PLAIN_TEXT is text printed where lines wrap (posters, reports): only its characters are checked.
CERTIFICATE_FIELDS = ("holder_name", "organiser_name", "signatory_name", "signatory_title")
PLAIN_TEXT = "text"

# Characters that draw nothing or reorder what is drawn: C0/C1 controls (Cc), format characters
# (Cf: the bidi embeddings/overrides U+202A-202E and isolates U+2066-2069, LRM/RLM/ALM, zero-width
# space/joiners U+200B-200D, the BOM U+FEFF, soft hyphen, tag characters), surrogates and
# unassigned code points. A right-to-left override makes a certificate *show* a different name
# from the one stored and verified, so these are removed before a name is stored.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn"})
_SPACE = re.compile(r"\s+")


def clean_name(text: str | None) -> str:
    """Return text in NFKC, without invisible/bidi control characters, white space collapsed."""
    if not text:
        return ""
    # NFKC turns full-width Latin and digits into ASCII and half-width katakana into full-width,
    # so that 'ＹＡＭＡＤＡ' and 'YAMADA' are the same printed and verified name.
    text = unicodedata.normalize("NFKC", text)
    # Line and paragraph separators (Zl, Zp) and tabs count as white space and are collapsed below.
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES)
    return _SPACE.sub(" ", text).strip()


def _codepoints() -> frozenset[int]:
    """The code points both embedded fonts can draw (the renderer's own rule)."""
    fonts = find_japanese_fonts()
    return supported_codepoints(fonts.gothic) & supported_codepoints(fonts.mincho)


def unprintable_characters(text: str) -> list[str]:
    """The distinct characters of text that would not print as typed: no glyph, or invisible."""
    invisible = [ch for ch in text if not ch.isspace() and unicodedata.category(ch) in _INVISIBLE_CATEGORIES]
    try:
        missing = missing_glyphs(text, _codepoints())
    except FontMissingError:
        # Without the fonts no certificate renders at all; that is the server's problem (the
        # renderer says so loudly), not a reason to refuse what someone types.
        missing = []
    return list(dict.fromkeys(invisible + missing))


def printable_problem(text: str, kind: str = PLAIN_TEXT, *, together: Mapping[str, str] | None = None) -> str | None:
    """Say why text cannot be printed as the given kind of field: 'characters', 'too_long' or None.

    `kind` is a CertificateData field (CERTIFICATE_FIELDS) or PLAIN_TEXT; `together` gives the
    other fields printed on the same line (the signatory's title with their name)."""
    if unprintable_characters(text):
        return "characters"
    if kind == PLAIN_TEXT or not text:
        return None
    if kind not in CERTIFICATE_FIELDS:
        raise ValueError(f"not a printed certificate field: {kind!r}")
    # Imported here: render imports Jinja and the template machinery, which forms need only now.
    from .render import overfull_fields

    try:
        return "too_long" if overfull_fields({**(together or {}), kind: text}) else None
    except FontMissingError:
        return None
