"""Statistics: one anonymous row per つながりサポーター (a completed enrolment)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import str_enum
from app.models.cohort import CohortMode
from app.models.course import Audience
from app.models.user import AgeBand, Sex


class SupporterRecord(db.Model):
    """A supporter as the statistics count them: area, age band, sex, course, mode, quarter.

    Written in the transaction that completes the enrolment, with the values of that moment, and
    kept when the account is deleted (the link becomes NULL): totals already published never
    change. No name, no account and no exact date, so the row identifies nobody on its own."""

    __tablename__ = "supporter_record"
    __table_args__ = (
        sa.CheckConstraint("fiscal_quarter BETWEEN 1 AND 4", name="fiscal_quarter"),
        # National figures filter by year; prefecture figures by prefecture, then year.
        sa.Index("ix_supporter_record_fiscal_year_prefecture", "fiscal_year", "prefecture_code"),
        sa.Index("ix_supporter_record_prefecture_fiscal_year", "prefecture_code", "fiscal_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="SET NULL"), unique=True
    )
    fiscal_year: Mapped[int]  # 年度: April to March, 2024 = 令和6年度
    fiscal_quarter: Mapped[int]  # 1 = April-June ... 4 = January-March
    # Where the supporter lives (pupils: where their school is); plain codes, not foreign keys,
    # so a municipal merger in the reference data never blocks or rewrites past figures.
    prefecture_code: Mapped[str | None] = mapped_column(sa.String(2))
    municipality_code: Mapped[str | None] = mapped_column(sa.String(6))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    mode: Mapped[CohortMode] = mapped_column(str_enum(CohortMode))
    age_band: Mapped[AgeBand | None] = mapped_column(str_enum(AgeBand))
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex))
