"""Soft line breaks between Japanese characters: dropped, so a browser does not show a space."""

from __future__ import annotations

import unicodedata

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Tokens that only wrap text (emphasis, links): the characters on either side of them count.
_WRAPPERS = ("_open", "_close")


def is_wide(char: str) -> bool:
    """True for a full-width or wide character other than Hangul: kana, kanji, 、。「」 and the like.

    This is the rule CSS Text 3 gives for removing a segment break between two such characters;
    Korean is left out because it separates words with spaces.
    """
    if unicodedata.east_asian_width(char) not in ("F", "W", "H"):
        return False
    return not unicodedata.name(char, "").startswith("HANGUL")


def _visible_text(token: Token) -> str | None:
    """What a token shows as text; None when it is not text (an image, another line break)."""
    if token.type in ("text", "text_special", "code_inline"):
        return token.content
    if token.type == "furigana":
        return str(token.meta["base"])
    return None


def _char_beside(children: list[Token], index: int, step: int) -> str | None:
    """The visible character next to children[index], looking back (step -1) or ahead (+1)."""
    index += step
    while 0 <= index < len(children):
        token = children[index]
        if token.type.endswith(_WRAPPERS):
            index += step
            continue
        text = _visible_text(token)
        if text is None:
            return None
        if text:
            return text[-1] if step < 0 else text[0]
        index += step
    return None


def join_soft_breaks(state: StateCore) -> None:
    """Core rule: remove soft breaks with a wide character on both sides; keep the rest.

    Text on the two lines becomes one text token, so automatic furigana reads a word that an
    author wrapped across lines as one word.
    """
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children = block.children
        kept: list[Token] = []
        joined = False
        for index, token in enumerate(children):
            if token.type == "softbreak" and _joins(children, index):
                joined = True
                continue
            if joined and token.type == "text" and kept and kept[-1].type == "text":
                kept[-1].content += token.content
            else:
                kept.append(token)
            joined = False
        block.children = kept


def _joins(children: list[Token], index: int) -> bool:
    before = _char_beside(children, index, -1)
    after = _char_beside(children, index, 1)
    return before is not None and after is not None and is_wide(before) and is_wide(after)
