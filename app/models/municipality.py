"""Prefectures and municipalities (全国地方公共団体コード, JIS X 0402)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Prefecture(db.Model):
    __tablename__ = "prefecture"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)  # "29"
    lg_code: Mapped[str] = mapped_column(sa.String(6), unique=True)  # "290009"
    name: Mapped[str] = mapped_column(sa.String(10))
    kana: Mapped[str] = mapped_column(sa.String(20))
    name_en: Mapped[str] = mapped_column(sa.String(20))
    url: Mapped[str] = mapped_column(sa.String(200))

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="prefecture", order_by="Municipality.code"
    )


class Municipality(db.Model):
    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)  # "292095"
    prefecture_code: Mapped[str] = mapped_column(
        sa.ForeignKey("prefecture.code"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(40))
    kana: Mapped[str] = mapped_column(sa.String(80), index=True)
    url: Mapped[str] = mapped_column(sa.String(200))

    prefecture: Mapped[Prefecture] = relationship(back_populates="municipalities")

    @property
    def full_name(self) -> str:
        return f"{self.prefecture.name}{self.name}"
