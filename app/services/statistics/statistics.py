"""National statistics of つながりサポーター: how many, where, who, how, and when.

A supporter is a completed enrolment. Each completion writes one anonymous SupporterRecord in the
same transaction (`record_completion`, called by learning.progress.completion_effects) with the
values of that moment: the area the trainee lives in (pupils: their school's area), age band, sex,
the course's audience, the mode of the cohort they completed in (no cohort: オンデマンド self-study)
and the fiscal quarter. Reading one narrow table keeps national figures a few GROUP BY queries over
indexed columns whatever the number of trainees, and deleting an account
(accounts.privacy.erase_account: by its owner, an admin or the retention job) only cuts the
record's link to the enrolment: the counts already published stay.
A trainee who moves later is still counted where they lived when they completed, as the
認知症サポーター figures are counted where the course was taken.

Data loaded in bulk without going through learning's completion (a migration, a benchmark seed, a
restore of old data) gets its records from `backfill()`, one INSERT ... SELECT (`flask statistics backfill`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.models import (
    AgeBand,
    Audience,
    Cohort,
    CohortMode,
    Course,
    Enrolment,
    Municipality,
    Organisation,
    Prefecture,
    SchoolClass,
    Sex,
    SupporterRecord,
    User,
)
from app.models.base import utcnow
from app.services.certificates.wareki import wareki_parts
from app.services.infra.upsert import insert_ignore

JST = ZoneInfo("Asia/Tokyo")
FIRST_FISCAL_YEAR = 2023  # the course started in 令和5年度
AUDIENCES = (Audience.ADULT, Audience.CHILDREN)
MODES = (CohortMode.IN_PERSON, CohortMode.LIVE_ONLINE, CohortMode.ON_DEMAND)
# Rows and columns of the age-and-sex table; None is "not answered".
AGE_BANDS: tuple[AgeBand | None, ...] = (*AgeBand, None)
SEXES: tuple[Sex | None, ...] = (*Sex, None)


# --- fiscal years (年度: April to March, in Japan time) -------------------------------------------------

def fiscal_period(moment: dt.datetime) -> tuple[int, int]:
    """(fiscal year, quarter) of an aware moment; quarter 1 is April-June."""
    local = moment.astimezone(JST)
    year = local.year if local.month >= 4 else local.year - 1
    return year, (local.month - 4) % 12 // 3 + 1


def fiscal_year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the fiscal year and of the next one, in UTC."""
    start = dt.datetime(year, 4, 1, tzinfo=JST).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 4, 1, tzinfo=JST).astimezone(dt.UTC)
    return start, end


def current_fiscal_year(now: dt.datetime | None = None) -> int:
    return fiscal_period(now or utcnow())[0]


def fiscal_year_label(year: int) -> str:
    """令和6年度 for 2024: the era of May, so 2019 is 令和元年度 as the government names it."""
    parts = wareki_parts(dt.date(year, 5, 1))
    return f"{parts.era.name}{parts.year_label}年度"


def quarter_months(quarter: int) -> str:
    """The months of a fiscal quarter, e.g. 4〜6月 for the first."""
    first = (quarter - 1) * 3 + 4
    first = first - 12 if first > 12 else first
    return f"{first}〜{first + 2}月"


# --- recording ----------------------------------------------------------------------------------------

def _area_of(session: Session, user: User) -> tuple[str | None, str | None]:
    """(prefecture code, municipality code) a supporter is counted in."""
    if user.school_class_id is not None:
        # Pupils are counted where their school is; a prefectural school has no municipality.
        org = session.scalar(sa.select(Organisation).join(SchoolClass, SchoolClass.organisation_id == Organisation.id)
                             .where(SchoolClass.id == user.school_class_id))
        if org is not None:
            return org.area_prefecture_code or None, org.municipality_code
    if user.municipality_code:
        return user.municipality_code[:2], user.municipality_code
    return None, None


def record_completion(session: Session, enrolment: Enrolment) -> bool:
    """Count the new supporter once (learning's completion calls this); False if already counted.

    One INSERT that leaves an existing record alone (the unique enrolment_id): no look-up first; the
    user and course come from the session's identity map, the cohort's mode from inside the INSERT."""
    if enrolment.completed_at is None:
        return False
    user = session.get(User, enrolment.user_id)
    course = session.get(Course, enrolment.course_id)
    # The cohort's mode read inside the INSERT; a completion outside any cohort is on demand.
    mode = (sa.func.coalesce(sa.select(Cohort.mode).where(Cohort.id == enrolment.cohort_id).scalar_subquery(),
                             CohortMode.ON_DEMAND.value)
            if enrolment.cohort_id is not None else CohortMode.ON_DEMAND)
    prefecture_code, municipality_code = _area_of(session, user)
    year, quarter = fiscal_period(enrolment.completed_at)
    return insert_ignore(session, SupporterRecord, {
        "enrolment_id": enrolment.id, "fiscal_year": year, "fiscal_quarter": quarter,
        "prefecture_code": prefecture_code, "municipality_code": municipality_code, "audience": course.audience,
        "mode": mode,
        "age_band": user.age_band, "sex": user.sex,
    }, ["enrolment_id"])


def forget_completion(session: Session, enrolment: Enrolment) -> int:
    """Remove the record of a completion withdrawn (attendance recorded by mistake, then undone):
    it never was a supporter. Returns how many rows went (0 or 1)."""
    result = session.execute(sa.delete(SupporterRecord).where(SupporterRecord.enrolment_id == enrolment.id)
                             .execution_options(synchronize_session=False))
    return result.rowcount


def _fiscal_parts_sql(column: sa.ColumnElement, dialect: str) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """SQL for (fiscal year, quarter) of a UTC timestamp column, as fiscal_period() computes them."""
    if dialect == "postgresql":
        shifted = sa.func.timezone("Asia/Tokyo", column) - sa.literal_column("interval '3 months'")
        return (sa.cast(sa.extract("year", shifted), sa.Integer),
                sa.cast(sa.extract("quarter", shifted), sa.Integer))
    # SQLite keeps UTC text; 'start of month' first, or 31 July minus 3 months overflows into May.
    def part(fmt: str) -> sa.ColumnElement:
        return sa.cast(sa.func.strftime(fmt, column, "+9 hours", "start of month", "-3 months"), sa.Integer)
    return part("%Y"), (part("%m") + 2) // 3


def backfill(session: Session) -> int:
    """Add the records missing for completed enrolments in one INSERT ... SELECT; returns how many."""
    year, quarter = _fiscal_parts_sql(Enrolment.completed_at, session.get_bind().dialect.name)
    school = aliased(Organisation)
    is_pupil = User.school_class_id.is_not(None)
    municipality = sa.case((is_pupil, school.municipality_code), else_=User.municipality_code)
    prefecture = sa.case(
        (is_pupil, sa.func.coalesce(school.prefecture_code, sa.func.substr(school.municipality_code, 1, 2))),
        else_=sa.func.substr(User.municipality_code, 1, 2))
    missing = (
        sa.select(Enrolment.id, year, quarter, prefecture, municipality, Course.audience,
                  sa.func.coalesce(Cohort.mode, sa.literal(CohortMode.ON_DEMAND.value, sa.String)), User.age_band, User.sex)
        .join(User, User.id == Enrolment.user_id)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(SchoolClass, SchoolClass.id == User.school_class_id)
        .outerjoin(school, school.id == SchoolClass.organisation_id)
        .where(Enrolment.completed_at.is_not(None),
               ~sa.exists().where(SupporterRecord.enrolment_id == Enrolment.id))
    )
    columns = ["enrolment_id", "fiscal_year", "fiscal_quarter", "prefecture_code", "municipality_code", "audience",
               "mode", "age_band", "sex"]
    # SQLAlchemy keeps an INSERT's row count only when asked to.
    result = session.execute(sa.insert(SupporterRecord).from_select(columns, missing)
                             .execution_options(preserve_rowcount=True))
    session.flush()
    return result.rowcount


# --- reading ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    fiscal_year: int | None = None  # None: every year
    prefecture_code: str | None = None  # None: the whole country


@dataclass
class PeriodRow:
    fiscal_year: int
    quarter: int | None  # None for a whole year
    adult: int = 0
    children: int = 0
    cumulative: int = 0  # supporters from the start up to the end of this period

    @property
    def total(self) -> int:
        return self.adult + self.children


@dataclass
class AreaRow:
    code: str | None  # prefecture "29" or municipality "292095"; None: not known
    name: str
    adult: int = 0  # in the selected fiscal year (or ever, without one)
    children: int = 0
    cumulative: int = 0  # up to the end of the selected fiscal year
    cumulative_children: int = 0
    sessions: int = 0  # cohorts held by organisations of this area in the period

    @property
    def total(self) -> int:
        return self.adult + self.children


@dataclass
class Report:
    filters: Filters
    current_fiscal_year: int
    area_level: str  # "prefecture" (national view) or "municipality" (one prefecture)
    years: list[PeriodRow]
    quarters: list[PeriodRow]  # those of the selected fiscal year, or all
    all_quarters: list[PeriodRow]  # from the first fiscal year to the current quarter
    areas: list[AreaRow]
    age_sex: dict[tuple[AgeBand | None, Sex | None], int]
    audiences: dict[Audience, int]
    modes: dict[CohortMode, int]
    mode_audience: dict[tuple[CohortMode, Audience], int]
    sessions_by_mode: dict[CohortMode, int] = field(default_factory=dict)

    @property
    def in_period(self) -> int:
        return sum(self.audiences.values())

    @property
    def cumulative(self) -> int:
        """Supporters up to the end of the selected fiscal year (or today)."""
        return sum(row.cumulative for row in self.areas)

    @property
    def sessions(self) -> int:
        return sum(self.sessions_by_mode.values())


def fiscal_years(now: dt.datetime | None = None) -> list[int]:
    """Every fiscal year since the course started, newest first (for the filter)."""
    return list(range(current_fiscal_year(now), FIRST_FISCAL_YEAR - 1, -1))


def _where(filters: Filters) -> list[sa.ColumnElement[bool]]:
    if filters.prefecture_code:
        return [SupporterRecord.prefecture_code == filters.prefecture_code]
    return []


def _period_rows(session: Session, filters: Filters, now: dt.datetime) -> tuple[list[PeriodRow], list[PeriodRow]]:
    """Per fiscal year and per quarter, with running totals: one GROUP BY."""
    counts: dict[tuple[int, int], PeriodRow] = {}
    stmt = (sa.select(SupporterRecord.fiscal_year, SupporterRecord.fiscal_quarter, SupporterRecord.audience,
                      sa.func.count())
            .where(*_where(filters))
            .group_by(SupporterRecord.fiscal_year, SupporterRecord.fiscal_quarter, SupporterRecord.audience))
    for year, quarter, audience, n in session.execute(stmt):
        row = counts.setdefault((year, quarter), PeriodRow(year, quarter))
        if audience is Audience.CHILDREN:
            row.children += n
        else:
            row.adult += n
    this_year, this_quarter = fiscal_period(now)
    first = min([FIRST_FISCAL_YEAR, *(y for y, _ in counts)])
    last = max([this_year, *(y for y, _ in counts)])
    quarters, years, running = [], [], 0
    for year in range(first, last + 1):
        year_row = PeriodRow(year, None)
        for quarter in range(1, 5):
            row = counts.get((year, quarter), PeriodRow(year, quarter))
            if (year, quarter) > (this_year, this_quarter) and (year, quarter) not in counts:
                continue  # a quarter that has not started yet
            running += row.total
            row.cumulative = running
            quarters.append(row)
            year_row.adult += row.adult
            year_row.children += row.children
        year_row.cumulative = running
        years.append(year_row)
    return years, quarters


def _area_rows(session: Session, filters: Filters) -> tuple[str, list[AreaRow]]:
    """Supporters per prefecture (national view) or per municipality of one prefecture."""
    by_municipality = filters.prefecture_code is not None
    key = SupporterRecord.municipality_code if by_municipality else SupporterRecord.prefecture_code
    where = _where(filters)
    if filters.fiscal_year is not None:
        where.append(SupporterRecord.fiscal_year <= filters.fiscal_year)
        in_year = sa.func.sum(sa.case((SupporterRecord.fiscal_year == filters.fiscal_year, 1), else_=0))
    else:
        in_year = sa.func.count()
    stmt = (sa.select(key, SupporterRecord.audience, in_year, sa.func.count())
            .where(*where).group_by(key, SupporterRecord.audience))
    counted: dict[str | None, AreaRow] = {}
    for code, audience, in_period, cumulative in session.execute(stmt):
        row = counted.setdefault(code, AreaRow(code, ""))
        if audience is Audience.CHILDREN:
            row.children += in_period or 0
            row.cumulative_children += cumulative
        else:
            row.adult += in_period or 0
        row.cumulative += cumulative
    if by_municipality:
        names = session.execute(sa.select(Municipality.code, Municipality.name)
                                .where(Municipality.prefecture_code == filters.prefecture_code)
                                .order_by(Municipality.code)).all()
    else:
        names = session.execute(sa.select(Prefecture.code, Prefecture.name).order_by(Prefecture.code)).all()
    rows = []
    for code, name in names:
        row = counted.pop(code, AreaRow(code, ""))
        row.name = name
        rows.append(row)
    # Codes no longer in the reference data (a merger), then "not known", at the end.
    for code in sorted(c for c in counted if c is not None):
        rows.append(counted.pop(code))
        rows[-1].name = code
    if None in counted:
        rows.append(counted.pop(None))
    return ("municipality" if by_municipality else "prefecture"), rows


def _breakdown(session: Session, filters: Filters) -> tuple[dict, dict, dict, dict]:
    """Age band x sex, audience, mode (and mode x audience), from one GROUP BY over four columns."""
    where = _where(filters)
    if filters.fiscal_year is not None:
        where.append(SupporterRecord.fiscal_year == filters.fiscal_year)
    columns = (SupporterRecord.age_band, SupporterRecord.sex, SupporterRecord.audience, SupporterRecord.mode)
    age_sex = {(a, s): 0 for a in AGE_BANDS for s in SEXES}
    audiences = dict.fromkeys(AUDIENCES, 0)
    modes = dict.fromkeys(MODES, 0)
    mode_audience = {(m, a): 0 for m in MODES for a in AUDIENCES}
    for age_band, sex, audience, mode, n in session.execute(
            sa.select(*columns, sa.func.count()).where(*where).group_by(*columns)):
        age_sex[(age_band, sex)] += n
        audiences[audience] += n
        modes[mode] += n
        mode_audience[(mode, audience)] += n
    return age_sex, audiences, modes, mode_audience


def _sessions(session: Session, filters: Filters, now: dt.datetime) -> tuple[dict[str | None, int], dict]:
    """Cohorts held (started by now) per area of their organisation, and per mode."""
    prefecture = sa.func.coalesce(Organisation.prefecture_code, sa.func.substr(Organisation.municipality_code, 1, 2))
    area = Organisation.municipality_code if filters.prefecture_code else prefecture
    held_at = sa.func.coalesce(Cohort.starts_at, Cohort.created_at)
    where = [held_at <= now]
    if filters.fiscal_year is not None:
        start, end = fiscal_year_bounds(filters.fiscal_year)
        where += [held_at >= start, held_at < end]
    if filters.prefecture_code:
        where.append(prefecture == filters.prefecture_code)
    stmt = (sa.select(area, Cohort.mode, sa.func.count()).join(Organisation, Organisation.id == Cohort.organisation_id)
            .where(*where).group_by(area, Cohort.mode))
    by_area: dict[str | None, int] = {}
    by_mode = dict.fromkeys(MODES, 0)
    for code, mode, n in session.execute(stmt):
        by_area[code] = by_area.get(code, 0) + n
        by_mode[mode] += n
    return by_area, by_mode


def national_report(session: Session, filters: Filters, now: dt.datetime | None = None) -> Report:
    """Every figure of the statistics page in a fixed number of queries (five or six)."""
    now = now or utcnow()
    years, all_quarters = _period_rows(session, filters, now)
    quarters = [q for q in all_quarters if filters.fiscal_year in (None, q.fiscal_year)]
    level, areas = _area_rows(session, filters)
    age_sex, audiences, modes, mode_audience = _breakdown(session, filters)
    sessions_by_area, sessions_by_mode = _sessions(session, filters, now)
    for row in areas:
        row.sessions = sessions_by_area.pop(row.code, 0)
    if sessions_by_area:  # organisations of the whole prefecture, in the municipality view
        unknown = next((r for r in areas if r.code is None), None)
        if unknown is None:
            unknown = AreaRow(None, "")
            areas.append(unknown)
        unknown.sessions += sum(sessions_by_area.values())
    return Report(filters=filters, current_fiscal_year=current_fiscal_year(now), area_level=level, years=years,
                  quarters=quarters, all_quarters=all_quarters, areas=areas, age_sex=age_sex, audiences=audiences,
                  modes=modes, mode_audience=mode_audience, sessions_by_mode=sessions_by_mode)
