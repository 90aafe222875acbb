"""Open data: every municipality's published directory as one CSV."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import DirectoryEntry, EntryStatus, Municipality
from app.services.infra import exports

COLUMNS = (
    "全国地方公共団体コード",
    "都道府県名",
    "市区町村名",
    "名称",
    "相談できること",
    "対象",
    "電話番号",
    "受付時間",
    "住所",
    "オンライン・電話のみ",
    "ウェブページ",
    "運営",
    "最終確認日",
)
# The CSV keeps the codes (stable, machine-readable); the page describing it explains them.
AUDIENCE_LABELS = {"children": "子ども", "young": "若者", "families": "家族", "older": "高齢者", "anyone": "だれでも"}


def rows(session: Session) -> list[tuple]:
    stmt = (sa.select(DirectoryEntry).where(DirectoryEntry.status == EntryStatus.PUBLISHED)
            .options(selectinload(DirectoryEntry.municipality).selectinload(Municipality.prefecture))
            .order_by(DirectoryEntry.municipality_code, DirectoryEntry.name, DirectoryEntry.id))
    out = []
    for e in session.scalars(stmt):
        audiences = "・".join(AUDIENCE_LABELS[a] for a in e.audiences.split() if a in AUDIENCE_LABELS)
        out.append((e.municipality_code, e.municipality.prefecture.name, e.municipality.name, e.name, e.helps_with,
                    audiences, e.phone or "", e.hours or "", e.address or "", "はい" if e.is_remote_only else "",
                    e.url or "", e.run_by or "", e.checked_on.isoformat()))
    return out


def directory_csv(session: Session) -> bytes:
    """UTF-8 with a byte-order mark and CRLF, as the other open data."""
    return exports.csv_bytes(COLUMNS, rows(session))
