"""National statistics: fiscal periods, the completion hook, backfill, figures by area, age, sex,
audience and mode, sessions per area, account deletion, and a constant number of queries."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AgeBand,
    Audience,
    CohortMode,
    Enrolment,
    OrganisationKind,
    SchoolClass,
    Sex,
    SupporterRecord,
    User,
)
from app.services.accounts import privacy
from app.services.statistics import statistics
from app.services.statistics.statistics import Filters, fiscal_period
from tests.cohort_helpers import default_course, make_cohort
from tests.conftest import count_queries
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.stats_helpers import add_records, complete, jst

NOSEGAWA = "294471"  # 奈良県野迫川村, one of Japan's smallest villages
IKOMA = "292095"
NARA = "292010"


def test_fiscal_periods_follow_japan_time_and_april():
    utc = dt.UTC
    assert fiscal_period(dt.datetime(2024, 3, 31, 14, 59, tzinfo=utc)) == (2023, 4)  # 23:59 JST
    assert fiscal_period(dt.datetime(2024, 3, 31, 15, 0, tzinfo=utc)) == (2024, 1)  # 1 April 00:00 JST
    assert fiscal_period(jst(2024, 6, 30)) == (2024, 1)
    assert fiscal_period(jst(2024, 7, 31, 23)) == (2024, 2)
    assert fiscal_period(jst(2024, 12, 31, 23)) == (2024, 3)
    assert fiscal_period(jst(2025, 1, 1, 0)) == (2024, 4)
    assert statistics.fiscal_year_label(2024) == "令和6年度"
    assert statistics.fiscal_year_label(2019) == "令和元年度"
    assert statistics.quarter_months(1) == "4〜6月" and statistics.quarter_months(4) == "1〜3月"
    start, end = statistics.fiscal_year_bounds(2025)
    assert start == dt.datetime(2025, 3, 31, 15, tzinfo=utc) and end == dt.datetime(2026, 3, 31, 15, tzinfo=utc)
    assert statistics.fiscal_years(jst(2026, 11, 27)) == [2026, 2025, 2024, 2023]


def test_completion_writes_one_record_with_area_age_sex_audience_and_mode(app):
    adult, children = default_course(), default_course("tsunagari-children")
    village = make_organisation(municipality=NOSEGAWA, name="野迫川村")
    in_person = make_cohort(village, adult, mode=CohortMode.IN_PERSON)
    trainee = make_trainee(municipality=NOSEGAWA, age_band=AgeBand.OVER_70, sex=Sex.MALE)
    complete(trainee, adult, jst(2025, 7, 1), cohort=in_person)
    # Self-study without a cohort is オンデマンド.
    self_study = make_trainee(municipality=NARA, age_band=AgeBand.AGE_30S, sex=Sex.FEMALE)
    complete(self_study, adult, jst(2026, 1, 10))
    # A pupil is counted where the school is, even with no municipality of their own.
    school = make_organisation(municipality=IKOMA, kind=OrganisationKind.SCHOOL, name="生駒市立第一小学校")
    school_class = SchoolClass(organisation_id=school.id, name="6年1組", code="STAT6A")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, municipality=None, school_class_id=school_class.id, pupil_number=1)
    complete(pupil, children, jst(2026, 2, 3), cohort=make_cohort(school, children, mode=CohortMode.IN_PERSON))
    db.session.commit()

    records = {r.municipality_code: r for r in db.session.scalars(sa.select(SupporterRecord))}
    assert len(records) == 3
    village_record = records[NOSEGAWA]
    assert (village_record.prefecture_code, village_record.fiscal_year, village_record.fiscal_quarter) == ("29", 2025, 2)
    assert (village_record.age_band, village_record.sex, village_record.audience, village_record.mode) == (
        AgeBand.OVER_70, Sex.MALE, Audience.ADULT, CohortMode.IN_PERSON)
    assert records[NARA].mode is CohortMode.ON_DEMAND and records[NARA].fiscal_quarter == 4
    assert records[IKOMA].audience is Audience.CHILDREN and records[IKOMA].prefecture_code == "29"
    # Completing again (a second attendance) never counts twice.
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == trainee.id))
    assert statistics.record_completion(db.session, enrolment) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupporterRecord)) == 3


def test_a_prefectural_school_counts_in_the_prefecture_without_a_municipality(app):
    children = default_course("tsunagari-children")
    school = make_organisation(prefecture="29", kind=OrganisationKind.SCHOOL, name="奈良県立中学校")
    school_class = SchoolClass(organisation_id=school.id, name="1年A組", code="STATPREF")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, municipality=None, school_class_id=school_class.id, pupil_number=1)
    complete(pupil, children, jst(2025, 10, 1))
    record = db.session.scalar(sa.select(SupporterRecord))
    assert (record.prefecture_code, record.municipality_code) == ("29", None)


@pytest.mark.parametrize("moment", [
    dt.datetime(2024, 3, 31, 14, 59, tzinfo=dt.UTC), dt.datetime(2024, 3, 31, 15, 0, tzinfo=dt.UTC),
    jst(2024, 7, 31, 23), jst(2024, 10, 1, 0), jst(2025, 1, 1, 0), jst(2025, 5, 31, 20),
])
def test_backfill_counts_as_the_hook_does(app, moment):
    adult = default_course()
    org = make_organisation(municipality=IKOMA)
    cohort = make_cohort(org, adult, mode=CohortMode.LIVE_ONLINE)
    complete(make_trainee(municipality=NOSEGAWA, age_band=AgeBand.AGE_60S, sex=Sex.OTHER), adult, moment,
             cohort=cohort)
    complete(make_trainee(municipality=NARA), adult, moment)
    db.session.commit()
    by_hook = sorted(_as_tuples())
    db.session.execute(sa.delete(SupporterRecord))
    assert statistics.backfill(db.session) == 2
    assert statistics.backfill(db.session) == 0  # idempotent
    assert sorted(_as_tuples()) == by_hook
    assert {(r[1], r[2]) for r in by_hook} == {fiscal_period(moment)}


def _as_tuples():
    return [(r.enrolment_id, r.fiscal_year, r.fiscal_quarter, r.prefecture_code, r.municipality_code, r.audience,
             r.mode, r.age_band, r.sex) for r in db.session.scalars(sa.select(SupporterRecord))]


def test_account_deletion_keeps_published_totals(app):
    adult = default_course()
    trainee = make_trainee(municipality=NOSEGAWA, email="leaving@example.jp")
    complete(trainee, adult, jst(2025, 6, 1))
    add_records(7, municipality=IKOMA, year=2025)
    db.session.commit()
    before = statistics.national_report(db.session, Filters(2025, "29"), now=jst(2026, 11, 27))
    privacy.delete_account(db.session, trainee, PASSWORD)
    db.session.commit()
    assert db.session.get(User, trainee.id) is None
    after = statistics.national_report(db.session, Filters(2025, "29"), now=jst(2026, 11, 27))
    assert after.cumulative == before.cumulative == 8
    assert [(a.code, a.total) for a in after.areas] == [(a.code, a.total) for a in before.areas]
    # The record stays, anonymous: nothing links it to anyone any more.
    record = db.session.scalar(sa.select(SupporterRecord).where(SupporterRecord.municipality_code == NOSEGAWA))
    assert record.enrolment_id is None


def _seed_nara():
    add_records(20, municipality=IKOMA, year=2024, quarter=3, mode=CohortMode.IN_PERSON)
    add_records(6, municipality=IKOMA, year=2025, quarter=1, audience=Audience.CHILDREN,
                age_band=AgeBand.UNDER_20, sex=Sex.MALE, mode=CohortMode.IN_PERSON)
    add_records(9, municipality=NARA, year=2025, quarter=2, mode=CohortMode.LIVE_ONLINE, sex=Sex.MALE,
                age_band=AgeBand.AGE_40S)
    add_records(1, municipality=NOSEGAWA, year=2025, quarter=4, age_band=AgeBand.OVER_70, sex=Sex.FEMALE)
    add_records(3, municipality=None, prefecture="29", year=2025, quarter=2, audience=Audience.CHILDREN,
                age_band=None, sex=None)
    add_records(12, municipality="142166", year=2025, quarter=1)  # 神奈川県座間市
    add_records(2, municipality=None, year=2023, quarter=4, age_band=None, sex=None)  # area not known


def test_prefecture_report_by_municipality_age_sex_audience_mode(app):
    _seed_nara()
    report = statistics.national_report(db.session, Filters(2025, "29"), now=jst(2026, 11, 27))
    assert report.area_level == "municipality"
    rows = {r.code: r for r in report.areas}
    assert len([r for r in report.areas if r.code]) == 39  # every 奈良県 municipality, zeros included
    assert (rows[IKOMA].adult, rows[IKOMA].children, rows[IKOMA].cumulative) == (0, 6, 26)
    assert rows[IKOMA].cumulative_children == 6
    assert (rows[NARA].total, rows[NOSEGAWA].total, rows[NOSEGAWA].name) == (9, 1, "野迫川村")
    assert rows[None].children == 3  # a prefectural school: no municipality
    assert report.in_period == 19 and report.cumulative == 39
    assert report.audiences == {Audience.ADULT: 10, Audience.CHILDREN: 9}
    assert report.modes == {CohortMode.IN_PERSON: 6, CohortMode.LIVE_ONLINE: 9, CohortMode.ON_DEMAND: 4}
    assert report.age_sex[(AgeBand.AGE_40S, Sex.MALE)] == 9
    assert report.age_sex[(AgeBand.OVER_70, Sex.FEMALE)] == 1
    assert report.age_sex[(None, None)] == 3
    assert sum(report.age_sex.values()) == 19
    assert [(q.quarter, q.total, q.cumulative) for q in report.quarters] == [(1, 6, 26), (2, 12, 38), (3, 0, 38),
                                                                            (4, 1, 39)]
    years = {y.fiscal_year: y for y in report.years}
    assert (years[2024].total, years[2025].total, years[2025].cumulative, years[2026].cumulative) == (20, 19, 39, 39)


def test_national_report_by_prefecture_and_all_years(app):
    _seed_nara()
    report = statistics.national_report(db.session, Filters(), now=jst(2026, 11, 27))
    assert report.area_level == "prefecture"
    rows = {r.code: r for r in report.areas}
    assert len([r for r in report.areas if r.code]) == 47
    assert (rows["29"].name, rows["29"].total, rows["14"].total, rows[None].total) == ("奈良県", 39, 12, 2)
    assert report.in_period == report.cumulative == 53
    # Quarters from the course's first year up to the current quarter (令和8年度 第3四半期).
    assert (report.quarters[0].fiscal_year, report.quarters[0].quarter) == (2023, 1)
    assert (report.quarters[-1].fiscal_year, report.quarters[-1].quarter) == (2026, 3)
    assert report.quarters[-1].cumulative == 53


def test_sessions_held_per_area(app):
    adult = default_course()
    ikoma, zama = make_organisation(municipality=IKOMA), make_organisation(municipality="142166")
    nara_pref = make_organisation(prefecture="29", kind=OrganisationKind.PREFECTURE)
    past = make_cohort(ikoma, adult, days=-30)
    make_cohort(ikoma, adult, days=-3, mode=CohortMode.LIVE_ONLINE)
    make_cohort(ikoma, adult, days=30)  # not held yet
    make_cohort(zama, adult, days=-10)
    make_cohort(nara_pref, adult, days=-5)
    make_cohort(ikoma, adult, mode=CohortMode.ON_DEMAND)  # on demand: counted from its creation
    now = statistics.utcnow()
    year = statistics.current_fiscal_year(now)
    national = statistics.national_report(db.session, Filters(), now=now)
    assert {r.code: r.sessions for r in national.areas if r.sessions} == {"29": 4, "14": 1}
    nara = statistics.national_report(db.session, Filters(None, "29"), now=now)
    assert {r.code: r.sessions for r in nara.areas if r.sessions} == {IKOMA: 3, None: 1}
    assert nara.sessions_by_mode == {CohortMode.IN_PERSON: 2, CohortMode.LIVE_ONLINE: 1, CohortMode.ON_DEMAND: 1}
    if statistics.fiscal_period(past.starts_at)[0] == year:
        assert statistics.national_report(db.session, Filters(year - 1), now=now).sessions == 0


def test_national_report_runs_a_constant_number_of_queries(app):
    def queries_for(n: int) -> int:
        db.session.execute(sa.delete(SupporterRecord))
        codes = [IKOMA, NARA, NOSEGAWA, "142166", "011002", None]
        for i in range(n):
            add_records(1, municipality=codes[i % len(codes)], year=2023 + i % 4, quarter=1 + i % 4,
                        audience=list(Audience)[i % 2], mode=list(CohortMode)[i % 3], age_band=list(AgeBand)[i % 7],
                        sex=list(Sex)[i % 4])
        db.session.commit()
        counts = []
        for filters in (Filters(), Filters(2025), Filters(2025, "29"), Filters(None, "14")):
            with count_queries() as statements:
                statistics.national_report(db.session, filters, now=jst(2026, 11, 27))
            counts.append(len(statements))
        return counts

    small, large = queries_for(10), queries_for(100)
    assert small == large
    assert max(large) <= 6
