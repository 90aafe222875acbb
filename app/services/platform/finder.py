"""The public session finder (開催予定の講座をさがす) and its feeds: iCalendar, JSON, CSV.

Only cohorts their organisers marked public (Cohort.is_public) are ever read here, and only
upcoming ones whose registration is still open. A search is one query whatever the size of the
database: the seat counts are correlated subqueries over the page's rows, the area and platform
filters are conditions on the organiser, never lists read first."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.models import (
    Audience,
    Cohort,
    CohortInvitation,
    CohortMode,
    ContentVersion,
    Course,
    Enrolment,
    InvitationStatus,
    MemberState,
    Municipality,
    Organisation,
    PlatformMember,
    Prefecture,
)
from app.models.base import utcnow
from app.services.infra.icalendar import escape_text, fold_line, utc_stamp

# Not imported from cohorts: the support directory (imported by learning) reads platform members,
# so this package stays below cohorts and learning in the domain graph.
JST = ZoneInfo("Asia/Tokyo")
PRODID = "-//Tsunagari LMS//つながりサポーター養成講座//JA"
DEFAULT_MINUTES = 90  # a session without an end time is shown as about 90 minutes, as in the mailed .ics
PAGE_SIZE = 30
FEED_LIMIT = 200  # a feed lists at most this many upcoming sessions, soonest first


@dataclass(frozen=True)
class Filters:
    prefecture_code: str | None = None
    municipality_code: str | None = None
    platform_id: int | None = None
    platform_organisation_id: int | None = None  # the platform's running organisation
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    mode: CohortMode | None = None
    audience: Audience | None = None


@dataclass(frozen=True)
class PublicSession:
    """One upcoming public session as the finder and the feeds show it."""

    id: int
    title: str
    course_title: str
    audience: Audience
    mode: CohortMode
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    venue: str | None
    organiser: str
    area_name: str
    municipality_code: str | None
    prefecture_code: str
    capacity: int | None
    taken: int
    registration_deadline: dt.datetime | None
    join_code: str

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)

    @property
    def is_online(self) -> bool:
        return self.mode is not CohortMode.IN_PERSON


def _upcoming(now: dt.datetime) -> sa.ColumnElement[bool]:
    """Public, not cancelled, not begun (on-demand: not ended), registration open."""
    on_demand_open = sa.and_(Cohort.mode == CohortMode.ON_DEMAND,
                             sa.or_(Cohort.ends_at.is_(None), Cohort.ends_at > now))
    # Cancelling also clears is_public; this second guard keeps a cancelled cohort out even if
    # a later edit or a bulk update set the flag again.
    return sa.and_(Cohort.is_public.is_(True), Cohort.cancelled_at.is_(None),
                   sa.or_(Cohort.starts_at >= now, on_demand_open),
                   sa.or_(Cohort.registration_deadline.is_(None), Cohort.registration_deadline > now))


def _conditions(filters: Filters, now: dt.datetime) -> list[sa.ColumnElement[bool]]:
    where = [_upcoming(now)]
    if filters.municipality_code:
        # Sessions of the town's organisations and of its prefecture's own (県全域).
        where.append(sa.or_(Organisation.municipality_code == filters.municipality_code,
                            Organisation.prefecture_code == filters.municipality_code[:2]))
    elif filters.prefecture_code:
        low, high = f"{filters.prefecture_code}0000", f"{filters.prefecture_code}9999"
        where.append(sa.or_(Organisation.municipality_code.between(low, high),
                            Organisation.prefecture_code == filters.prefecture_code))
    if filters.platform_id is not None:
        members = sa.select(PlatformMember.organisation_id).where(
            PlatformMember.platform_id == filters.platform_id, PlatformMember.state == MemberState.ACTIVE)
        where.append(sa.or_(Cohort.organisation_id == filters.platform_organisation_id,
                            Cohort.organisation_id.in_(members)))
    if filters.date_from:
        where.append(Cohort.starts_at >= from_jst(filters.date_from, dt.time(0, 0)))
    if filters.date_to:
        where.append(Cohort.starts_at < from_jst(filters.date_to + dt.timedelta(days=1), dt.time(0, 0)))
    if filters.mode:
        where.append(Cohort.mode == filters.mode)
    if filters.audience:
        where.append(Course.audience == filters.audience)
    return where


def _query(filters: Filters, now: dt.datetime) -> sa.Select:
    enrolled = (sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == Cohort.id)
                .correlate(Cohort).scalar_subquery())
    invited = (sa.select(sa.func.count()).select_from(CohortInvitation)
               .where(CohortInvitation.cohort_id == Cohort.id, CohortInvitation.status == InvitationStatus.PENDING)
               .correlate(Cohort).scalar_subquery())
    org_prefecture = aliased(Prefecture)
    town_prefecture = aliased(Prefecture)
    area = sa.case((Municipality.code.is_not(None), town_prefecture.name + Municipality.name),
                   else_=sa.func.coalesce(org_prefecture.name, ""))
    return (
        sa.select(Cohort.id, Cohort.title, sa.func.coalesce(ContentVersion.title, Course.slug), Course.audience,
                  Cohort.mode, Cohort.starts_at, Cohort.ends_at, Cohort.venue, Organisation.name, area,
                  Organisation.municipality_code,
                  sa.func.coalesce(Organisation.prefecture_code, Municipality.prefecture_code),
                  Cohort.capacity, enrolled + invited, Cohort.registration_deadline, Cohort.join_code)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(ContentVersion, ContentVersion.id == Course.live_version_id)
        .outerjoin(Municipality, Municipality.code == Organisation.municipality_code)
        .outerjoin(town_prefecture, town_prefecture.code == Municipality.prefecture_code)
        .outerjoin(org_prefecture, org_prefecture.code == Organisation.prefecture_code)
        .where(*_conditions(filters, now))
        .order_by(Cohort.starts_at.asc().nulls_last(), Cohort.id)
    )


def search(session: Session, filters: Filters, *, page: int = 1, per_page: int = PAGE_SIZE,
           now: dt.datetime | None = None) -> tuple[list[PublicSession], bool]:
    """One page of upcoming public sessions, soonest first, and whether there are more (one query)."""
    stmt = _query(filters, now or utcnow()).limit(per_page + 1).offset((max(page, 1) - 1) * per_page)
    rows = [PublicSession(*row) for row in session.execute(stmt)]
    return rows[:per_page], len(rows) > per_page


def upcoming(session: Session, filters: Filters, *, limit: int = FEED_LIMIT,
             now: dt.datetime | None = None) -> list[PublicSession]:
    """The sessions of a feed, soonest first (one query)."""
    return [PublicSession(*row) for row in session.execute(_query(filters, now or utcnow()).limit(limit))]


# --- feeds ----------------------------------------------------------------------------------------------

def from_jst(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=JST).astimezone(dt.UTC)


def jst(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(JST) if value is not None else None


@dataclass(frozen=True)
class FeedText:
    """The words of a feed, given by the caller (services hold no translations)."""

    calendar_name: str
    online: str
    description: str  # with %(organiser)s and %(url)s


def ics_bytes(sessions: list[PublicSession], text: FeedText, *, url_for_session: Callable[[PublicSession], str], host: str,
              now: dt.datetime | None = None) -> bytes:
    """A calendar (RFC 5545) of the sessions that have a start time; UIDs stay the same across fetches."""
    stamp = utc_stamp(now or utcnow())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(text.calendar_name)}", "X-WR-TIMEZONE:Asia/Tokyo"]
    for s in sessions:
        if s.starts_at is None:
            continue  # an on-demand course without a date is not an event
        url = url_for_session(s)
        ends_at = s.ends_at or s.starts_at + dt.timedelta(minutes=DEFAULT_MINUTES)
        lines += ["BEGIN:VEVENT", f"UID:cohort-{s.id}@{host}", f"DTSTAMP:{stamp}", f"DTSTART:{utc_stamp(s.starts_at)}",
                  f"DTEND:{utc_stamp(ends_at)}", f"SUMMARY:{escape_text(s.title)}",
                  f"DESCRIPTION:{escape_text(text.description % {'organiser': s.organiser, 'url': url})}",
                  f"LOCATION:{escape_text(text.online if s.is_online else (s.venue or ''))}", f"URL:{url}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold_line(line) for line in lines) + "\r\n").encode("utf-8")


def _iso(value: dt.datetime | None) -> str | None:
    local = jst(value)
    return local.isoformat() if local is not None else None


def as_json(s: PublicSession, url: str) -> dict[str, object]:
    """One session of the JSON feed; times in Japan time with their offset."""
    return {"id": s.id, "title": s.title, "course": s.course_title, "audience": s.audience.value,
            "mode": s.mode.value, "starts_at": _iso(s.starts_at), "ends_at": _iso(s.ends_at),
            "venue": None if s.is_online else s.venue, "online": s.is_online, "organiser": s.organiser,
            "area": s.area_name, "municipality_code": s.municipality_code, "prefecture_code": s.prefecture_code,
            "capacity": s.capacity, "seats_left": s.seats_left,
            "registration_deadline": _iso(s.registration_deadline), "url": url}


CSV_COLUMNS = ("id", "title", "course", "audience", "mode", "starts_at", "ends_at", "venue", "online",
               "organiser", "area", "municipality_code", "prefecture_code", "capacity", "seats_left",
               "registration_deadline", "url")


def csv_rows(sessions: list[PublicSession], url_for_session: Callable[[PublicSession], str]) -> list[list[object]]:
    """Rows of the open data CSV, in CSV_COLUMNS order (booleans as 0/1, times ISO in Japan time)."""
    rows = []
    for s in sessions:
        record = as_json(s, url_for_session(s))
        record["online"] = int(bool(record["online"]))
        rows.append([record[c] for c in CSV_COLUMNS])
    return rows
