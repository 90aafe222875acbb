"""Verification codes and serial numbers printed on certificates."""

from __future__ import annotations

import re
import secrets
import unicodedata

__all__ = [
    "ALPHABET",
    "CODE_GROUPS",
    "GROUP_SIZE",
    "InvalidCodeError",
    "format_serial",
    "new_verification_code",
    "normalise_code",
]

# Crockford base32: no I, L, O or U, so a code read aloud or typed from paper
# survives the usual confusions (I/1, O/0) and spells no words.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP_SIZE = 4
# 4 groups x 4 characters x 5 bits = 80 bits of CSPRNG output.
CODE_GROUPS = 4

_DECODE_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Separators people type between groups: ASCII and typographic hyphens, the
# katakana long-vowel mark a Japanese IME produces for "-", dots and spaces.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー・.]+")


class InvalidCodeError(ValueError):
    """Text that cannot be a verification code, whatever the typing mistakes."""


def _group(chars: str) -> str:
    """Insert a hyphen after every GROUP_SIZE characters."""
    return "-".join(chars[i : i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE))


def new_verification_code(groups: int = CODE_GROUPS) -> str:
    """Return a fresh random code such as 7K3M-Q9ZD-2RVB-XW4H (80 bits by default)."""
    if groups < CODE_GROUPS:
        raise ValueError(f"a code needs at least {CODE_GROUPS} groups (80 bits)")
    chars = "".join(secrets.choice(ALPHABET) for _ in range(groups * GROUP_SIZE))
    return _group(chars)


def normalise_code(text: str, groups: int = CODE_GROUPS) -> str:
    """Return the canonical grouped form of a code typed by a person."""
    # NFKC turns full-width letters, digits and hyphens from a Japanese IME into ASCII.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    compact = compact.translate(_DECODE_CONFUSIONS)
    expected = groups * GROUP_SIZE
    if len(compact) != expected:
        raise InvalidCodeError(f"a verification code has {expected} characters, got {len(compact)}")
    bad = sorted({c for c in compact if c not in ALPHABET})
    if bad:
        raise InvalidCodeError(f"not allowed in a verification code: {''.join(bad)}")
    return _group(compact)


def format_serial(org_code: str, year: int, seq: int) -> str:
    """Return a certificate serial such as 292095-2026-000123."""
    if not re.fullmatch(r"[0-9A-Za-z]{1,16}", org_code or ""):
        raise ValueError(f"organisation code must be 1-16 ASCII letters or digits: {org_code!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits: {year}")
    # Six digits keep serials the same width so they sort as text; more than
    # 999,999 certificates from one organiser in one year is not plausible.
    if not 1 <= seq <= 999_999:
        raise ValueError(f"sequence must be between 1 and 999999: {seq}")
    return f"{org_code.upper()}-{year}-{seq:06d}"
