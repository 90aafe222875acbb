"""The platform dashboard and its 活動報告: per member and in total, per fiscal year.

Counted: cohorts dated in the fiscal year (their start, or their creation when they have none),
held or still to come, with how many are held already, of the running organisation and the
members active today; a member that left is
not counted any more, and an invited one not yet. Participants are the cohorts' enrolments,
supporters those completed, split by the course's audience. Counts of people go through the
same small-cell suppression as the area dashboards; sessions are not people and stay shown.

Each member's line is a row of one table [adult supporters, adults still learning, child
supporters, children still learning]; participants are its row totals and every other figure
(supporters, adults, children) a visible_sum of its cells, hidden when one part is hidden.
A constant number of queries, whatever the number of members or cohorts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Audience, Cohort, CohortMode, Course, Enrolment, Organisation, Platform
from app.models.base import utcnow
from app.services.platform.members import active_member_org_ids
from app.services.statistics.statistics import fiscal_year_bounds
from app.services.statistics.suppression import suppress, visible_sum

MODES = list(CohortMode)


@dataclass
class Counts:
    """Exact counts of one organisation (or the total) in one fiscal year."""

    sessions: int = 0
    held: int = 0  # of the sessions, those whose date has passed
    by_mode: dict[CohortMode, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    # audience -> (participants, supporters)
    people: dict[Audience, list[int]] = field(default_factory=lambda: {a: [0, 0] for a in Audience})

    def cells(self) -> list[int]:
        adult, children = self.people[Audience.ADULT], self.people[Audience.CHILDREN]
        return [adult[1], adult[0] - adult[1], children[1], children[0] - children[1]]


@dataclass(frozen=True)
class ShownLine:
    """One line as it may be shown; None is a hidden count."""

    organisation_id: int | None
    name: str
    is_runner: bool
    sessions: int
    held: int
    by_mode: dict[CohortMode, int]
    participants: int | None
    adults: int | None
    children: int | None
    supporters: int | None
    adult_supporters: int | None
    child_supporters: int | None

    @property
    def is_suppressed(self) -> bool:
        return None in (self.participants, self.adults, self.children, self.supporters,
                        self.adult_supporters, self.child_supporters)


@dataclass(frozen=True)
class YearCohort:
    cohort_id: int
    title: str
    organiser: str
    mode: CohortMode
    starts_at: dt.datetime | None
    audience: Audience
    participants: int | None
    supporters: int | None


@dataclass(frozen=True)
class Dashboard:
    platform: Platform
    year: int
    lines: list[ShownLine]
    total: ShownLine
    cohorts: list[YearCohort]

    @property
    def is_suppressed(self) -> bool:
        return self.total.is_suppressed or any(line.is_suppressed for line in self.lines) or any(
            c.participants is None or c.supporters is None for c in self.cohorts)


def _when() -> sa.ColumnElement:
    return sa.func.coalesce(Cohort.starts_at, Cohort.created_at)


def _in_year(org_ids: list[int], year: int) -> sa.ColumnElement[bool]:
    start, end = fiscal_year_bounds(year)
    return sa.and_(Cohort.organisation_id.in_(org_ids), _when() >= start, _when() < end)


def _exact(session: Session, org_ids: list[int], year: int, now: dt.datetime) -> dict[int, Counts]:
    """Counts per organisation (two queries)."""
    counts = {org_id: Counts() for org_id in org_ids}
    in_year = _in_year(org_ids, year)
    for org_id, mode, n, held in session.execute(
            sa.select(Cohort.organisation_id, Cohort.mode, sa.func.count(), sa.func.count(sa.case((_when() < now, 1))))
            .where(in_year).group_by(Cohort.organisation_id, Cohort.mode)):
        counts[org_id].by_mode[mode] = n
        counts[org_id].sessions += n
        counts[org_id].held += held
    for org_id, audience, enrolled, completed in session.execute(
            sa.select(Cohort.organisation_id, Course.audience, sa.func.count(Enrolment.id),
                      sa.func.count(Enrolment.completed_at))
            .select_from(Enrolment).join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id).where(in_year)
            .group_by(Cohort.organisation_id, Course.audience)):
        counts[org_id].people[audience] = [enrolled, completed]
    return counts


def _line(org_id: int | None, name: str, is_runner: bool, exact: Counts, cells: list[int | None],
          participants: int | None) -> ShownLine:
    return ShownLine(org_id, name, is_runner, exact.sessions, exact.held, exact.by_mode, participants,
                     visible_sum(cells[0:2]), visible_sum(cells[2:4]), visible_sum([cells[0], cells[2]]),
                     cells[0], cells[2])


def _year_cohorts(session: Session, org_ids: list[int], year: int, threshold: int) -> list[YearCohort]:
    """The fiscal year's cohorts, each a one-row table of its own (one query)."""
    counts = (sa.select(Enrolment.cohort_id, sa.func.count().label("n"),
                        sa.func.count(Enrolment.completed_at).label("done"))
              .where(Enrolment.cohort_id.is_not(None)).group_by(Enrolment.cohort_id).subquery())
    rows = session.execute(
        sa.select(Cohort.id, Cohort.title, Organisation.name, Cohort.mode, Cohort.starts_at, Course.audience,
                  sa.func.coalesce(counts.c.n, 0), sa.func.coalesce(counts.c.done, 0))
        .join(Organisation, Organisation.id == Cohort.organisation_id).join(Course, Course.id == Cohort.course_id)
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .where(_in_year(org_ids, year))
        .order_by(_when(), Cohort.id))
    out = []
    for cohort_id, title, organiser, mode, starts_at, audience, enrolled, completed in rows:
        shown = suppress([[completed, enrolled - completed]], threshold)
        out.append(YearCohort(cohort_id, title, organiser, mode, starts_at, audience, shown.row_totals[0],
                              shown.cells[0][0]))
    return out


def dashboard(session: Session, platform: Platform, year: int, threshold: int,
              now: dt.datetime | None = None) -> Dashboard:
    """The platform's figures for one fiscal year, suppressed (a handful of queries)."""
    now = now or utcnow()
    member_ids = active_member_org_ids(session, platform.id) - {platform.organisation_id}
    names = {i: n for i, n in session.execute(sa.select(Organisation.id, Organisation.name)
                                              .where(Organisation.id.in_([platform.organisation_id, *member_ids])))}
    # The running organisation first, then the members by name.
    org_ids = [platform.organisation_id, *sorted(member_ids, key=lambda i: (names.get(i, ""), i))]
    exact = _exact(session, org_ids, year, now)
    table = suppress([exact[i].cells() for i in org_ids], threshold)
    lines = [_line(i, names.get(i, ""), i == platform.organisation_id, exact[i], table.cells[n],
                   table.row_totals[n]) for n, i in enumerate(org_ids)]
    total_counts = Counts(sessions=sum(exact[i].sessions for i in org_ids), held=sum(exact[i].held for i in org_ids),
                          by_mode={m: sum(exact[i].by_mode[m] for i in org_ids) for m in MODES})
    total = _line(None, "", False, total_counts, table.column_totals, table.total)
    return Dashboard(platform, year, lines, total, _year_cohorts(session, org_ids, year, threshold))
