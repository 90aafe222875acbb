"""Evaluation (評価・検証): self-assessment before and after a course, in anonymous pairs."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import str_enum
from app.models.cohort import CohortMode
from app.models.course import Audience

MAX_ITEMS = 6  # statements per questionnaire: answers live in fixed slots 1..6


class EvaluationPair(db.Model):
    """One learner's before and after answers, and the optional follow-up, without their identity.

    The key is random (not derived from the user or the enrolment). `enrolment_id` is the only link
    to a person, needed to pair the after with the before and to send the follow-up; deleting the
    account cuts it (SET NULL) and the answers stay as an anonymous pair, as SupporterRecord does.
    Only days are stored, never times, so answers cannot be matched with the audit log's moments.
    The report dimensions (area, organisation, cohort, mode, fiscal year) are copied at each answer,
    so national reports read this one narrow table. Answers sit in slots b1..b6 / a1..a6 in the order
    of the items of `version_id`'s evaluation.yaml; the after uses the same version's items."""

    __tablename__ = "evaluation_pair"
    __table_args__ = (
        sa.Index("ix_evaluation_pair_fiscal_year_prefecture", "fiscal_year", "prefecture_code"),
        sa.Index("ix_evaluation_pair_followup_due", "followup_consent", "followup_sent_on"),
    )

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolment.id", ondelete="SET NULL"), unique=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("content_version.id", ondelete="CASCADE"))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    mode: Mapped[CohortMode] = mapped_column(str_enum(CohortMode))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    prefecture_code: Mapped[str | None] = mapped_column(sa.String(2))
    municipality_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    fiscal_year: Mapped[int]  # of the after answer once given, else of the before
    before_on: Mapped[dt.date | None]
    after_on: Mapped[dt.date | None]
    before_skipped: Mapped[bool] = mapped_column(default=False)
    after_skipped: Mapped[bool] = mapped_column(default=False)
    b1: Mapped[int | None] = mapped_column(sa.SmallInteger)
    b2: Mapped[int | None] = mapped_column(sa.SmallInteger)
    b3: Mapped[int | None] = mapped_column(sa.SmallInteger)
    b4: Mapped[int | None] = mapped_column(sa.SmallInteger)
    b5: Mapped[int | None] = mapped_column(sa.SmallInteger)
    b6: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a1: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a2: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a3: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a4: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a5: Mapped[int | None] = mapped_column(sa.SmallInteger)
    a6: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # About three months after the after answer, one e-mail to those who agreed (counts only).
    followup_consent: Mapped[bool] = mapped_column(default=False)
    followup_sent_on: Mapped[dt.date | None]
    followup_on: Mapped[dt.date | None]
    noticed: Mapped[bool | None]  # noticed someone who might be lonely or isolated
    spoke: Mapped[bool | None]  # spoke to someone
    connected: Mapped[bool | None]  # connected someone to help
