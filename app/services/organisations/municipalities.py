"""Municipality codes: check digits, validation, reference-data loading and search."""
from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Municipality, Prefecture
from app.services.infra import cache

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def check_digit(first_five: str) -> int:
    """JIS X 0402 check digit of a 5-digit body code."""
    weights = (6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(first_five, weights, strict=True))
    return (11 - total % 11) % 10


def normalise_code(text: str) -> str:
    """Turn full-width digits and stray spaces/hyphens into a plain digit string."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if ch not in " -\u3000")


@dataclass(frozen=True)
class CodeProblem:
    """Why a code is not acceptable; `kind` is one of format, check_digit, unknown."""

    kind: str
    code: str


def code_problem(code: str, session: Session) -> CodeProblem | None:
    """Check format, check digit and existence of a municipality code; None when valid."""
    if len(code) != 6 or not code.isdigit():
        if len(code) == 5 and code.isdigit():
            return CodeProblem("missing_check_digit", code)
        return CodeProblem("format", code)
    if check_digit(code[:5]) != int(code[5]):
        return CodeProblem("check_digit", code)
    if session.get(Municipality, code) is None:
        return CodeProblem("unknown", code)
    return None


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        lines = (line for line in f if not line.startswith("#"))
        return list(csv.DictReader(lines))


def load_reference_data(session: Session) -> tuple[int, int]:
    """Insert or update every prefecture and municipality; safe to run again."""
    prefectures = _read("prefectures.csv")
    municipalities = _read("municipalities.csv")
    existing_p = {p.code: p for p in session.scalars(sa.select(Prefecture))}
    for row in prefectures:
        obj = existing_p.get(row["code"]) or Prefecture(code=row["code"])
        for key in ("lg_code", "name", "kana", "name_en", "url"):
            setattr(obj, key, row[key])
        session.add(obj)
    session.flush()
    existing_m = {m.code: m for m in session.scalars(sa.select(Municipality))}
    for row in municipalities:
        obj = existing_m.get(row["code"]) or Municipality(code=row["code"])
        for key in ("prefecture_code", "name", "kana", "url"):
            setattr(obj, key, row[key])
        session.add(obj)
    session.flush()
    cache.clear()
    return len(prefectures), len(municipalities)


def _to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def search(session: Session, query: str, limit: int = 20) -> list[Municipality]:
    """Municipalities whose name, reading or code starts with / contains the query."""
    q = unicodedata.normalize("NFKC", query or "").strip()
    if not q:
        return []
    stmt = sa.select(Municipality).join(Municipality.prefecture)
    if q.isdigit():
        stmt = stmt.where(Municipality.code.startswith(q))
    else:
        kana = _to_hiragana(q)
        pattern = f"%{q}%"
        stmt = stmt.where(
            sa.or_(
                Municipality.name.like(pattern),
                Municipality.kana.like(f"{kana}%"),
                (Prefecture.name + Municipality.name).like(pattern),
            )
        )
    # Reading-prefix matches first: typing いこま should put 生駒市 on top.
    rank = sa.case((Municipality.kana.like(f"{_to_hiragana(q)}%"), 0), else_=1)
    return list(session.scalars(stmt.order_by(rank, Municipality.code).limit(limit)))


def in_prefecture(session: Session, prefecture_code: str) -> list[Municipality]:
    return list(
        session.scalars(
            sa.select(Municipality)
            .where(Municipality.prefecture_code == prefecture_code)
            .order_by(Municipality.code)
        )
    )


def all_prefectures(session: Session) -> list[Prefecture]:
    return list(session.scalars(sa.select(Prefecture).order_by(Prefecture.code)))
