"""Builders for the statistics tests: supporters through the real completion path, or as records."""
from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import AgeBand, Audience, CohortMode, Course, Sex, SupporterRecord, User
from app.services.cohorts import cohorts
from app.services.learning import enrolling, progress
from app.services.statistics import statistics

JST = statistics.JST


def jst(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=JST)


def complete(user: User, course: Course, when: dt.datetime, cohort=None):
    """Enrol `user` (in `cohort` if given) and complete by attendance at `when`."""
    if cohort is not None:
        enrolment = cohorts.join(db.session, cohort, user).enrolment
    else:
        enrolment = enrolling.enrol(db.session, user, course)
    assert progress.record_attendance(db.session, enrolment, now=when.astimezone(dt.UTC))
    return enrolment


def add_records(n: int, *, municipality: str | None = "292095", year: int = 2025, quarter: int = 1,
                audience: Audience = Audience.ADULT, mode: CohortMode = CohortMode.ON_DEMAND,
                age_band: AgeBand | None = AgeBand.AGE_50S, sex: Sex | None = Sex.FEMALE,
                prefecture: str | None = None) -> None:
    """n anonymous supporters, as the completion hook would have counted them."""
    for _ in range(n):
        db.session.add(SupporterRecord(
            fiscal_year=year, fiscal_quarter=quarter, municipality_code=municipality,
            prefecture_code=prefecture or (municipality[:2] if municipality else None),
            audience=audience, mode=mode, age_band=age_band, sex=sex))
    db.session.flush()
