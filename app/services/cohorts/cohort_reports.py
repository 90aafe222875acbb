"""Figures for coordinators: the cohort funnel and participant table, the area dashboards and the
実施報告. Everything is read from the stored progress figures and aggregated in SQL, so the number
of queries never depends on the number of participants (Moodle's 332 s report is the warning)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    AgeBand,
    Attendance,
    Audience,
    Certificate,
    Cohort,
    CompletedVia,
    ContentVersion,
    Course,
    Enrolment,
    Municipality,
    Organisation,
    Sex,
    SurveyResponse,
    User,
)

PAGE_SIZE = 50
# Below this many answers a survey summary could point at one person, so it is not shown.
MIN_SURVEY_RESPONSES = 3


def _started() -> sa.ColumnElement[bool]:
    return sa.or_(Enrolment.lessons_done > 0, Enrolment.last_lesson_key.is_not(None),
                  Enrolment.latest_score.is_not(None), Enrolment.completed_at.is_not(None))


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.count(sa.case((condition, 1)))


def _current_certificate() -> sa.ColumnElement[bool]:
    return sa.and_(Certificate.current_for_enrolment_id == Enrolment.id, Certificate.revoked_at.is_(None))


# --- the cohort dashboard -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Funnel:
    enrolled: int
    started: int
    attended: int
    quiz_passed: int
    completed: int
    certificates: int

    def steps(self) -> list[tuple[str, int]]:
        """The funnel, each step a subset of the one before, as (code, count).

        The quiz is not a step: people who complete by attending an in-person session never
        take it, so it sits beside the funnel with attendance (see rows())."""
        return [("enrolled", self.enrolled), ("started", self.started), ("completed", self.completed),
                ("certificates", self.certificates)]

    def rows(self) -> list[tuple[str, int]]:
        """Every figure, for the table beside the chart and for exports."""
        return [("enrolled", self.enrolled), ("started", self.started), ("attended", self.attended),
                ("quiz_passed", self.quiz_passed), ("completed", self.completed), ("certificates", self.certificates)]


def funnel(session: Session, cohort: Cohort) -> Funnel:
    """The cohort's figures in one query."""
    row = session.execute(
        sa.select(sa.func.count(Enrolment.id), _count_if(_started()), sa.func.count(Attendance.enrolment_id),
                  sa.func.count(Enrolment.quiz_passed_at), sa.func.count(Enrolment.completed_at),
                  sa.func.count(Certificate.id))
        .select_from(Enrolment)
        .outerjoin(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.cohort_id == cohort.id))
        .outerjoin(Certificate, _current_certificate())
        .where(Enrolment.cohort_id == cohort.id)).one()
    return Funnel(*row)


@dataclass(frozen=True)
class ParticipantRow:
    enrolment_id: int
    name: str
    email: str | None
    municipality: str | None
    joined_at: dt.datetime
    lessons_done: int
    lessons_required: int
    best_score: int | None
    quiz_passed_at: dt.datetime | None
    completed_at: dt.datetime | None
    completed_via: CompletedVia | None
    attended_at: dt.datetime | None
    certificate_serial: str | None


# Sortable columns by the name used in the URL; anything else sorts by name.
SORTS = {
    "name": User.display_name,
    "joined": Enrolment.created_at,
    "lessons": Enrolment.lessons_done,
    "score": Enrolment.best_score,
    "completed": Enrolment.completed_at,
}


def _participants_query(cohort: Cohort) -> sa.Select:
    # Only the progress figures: reflections are private and never part of a report.
    return (sa.select(Enrolment.id, User.display_name, User.email,
                      (sa.func.coalesce(Municipality.name, "")).label("municipality"), Enrolment.created_at,
                      Enrolment.lessons_done, Enrolment.lessons_required, Enrolment.best_score,
                      Enrolment.quiz_passed_at, Enrolment.completed_at, Enrolment.completed_via,
                      Attendance.recorded_at, Certificate.serial)
            .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
            .outerjoin(Municipality, Municipality.code == User.municipality_code)
            .outerjoin(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.cohort_id == cohort.id))
            .outerjoin(Certificate, _current_certificate())
            .where(Enrolment.cohort_id == cohort.id))


def participants_page(session: Session, cohort: Cohort, *, sort: str = "name", descending: bool = False,
                      page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[ParticipantRow], int]:
    """One page of the participant table and the total count (two queries)."""
    column = SORTS.get(sort, User.display_name)
    order = column.desc() if descending else column.asc()
    total = session.scalar(sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id))
    rows = session.execute(_participants_query(cohort).order_by(order.nulls_last(), Enrolment.id)
                           .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return [ParticipantRow(*row) for row in rows], total


def participants_all(session: Session, cohort: Cohort) -> list[ParticipantRow]:
    """Every participant, for exports (one query)."""
    rows = session.execute(_participants_query(cohort).order_by(User.display_name, Enrolment.id))
    return [ParticipantRow(*row) for row in rows]


# --- cohort lists ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CohortFigures:
    cohort: Cohort
    organisation_name: str
    enrolled: int
    completed: int


def cohort_figures(session: Session, organisation_ids: list[int]) -> list[CohortFigures]:
    """The cohorts of these organisations with their counts (one query)."""
    counts = (sa.select(Enrolment.cohort_id, sa.func.count().label("enrolled"),
                        sa.func.count(Enrolment.completed_at).label("completed"))
              .join(Cohort, Cohort.id == Enrolment.cohort_id)
              .where(Cohort.organisation_id.in_(organisation_ids))
              .group_by(Enrolment.cohort_id).subquery())
    rows = session.execute(
        sa.select(Cohort, Organisation.name, sa.func.coalesce(counts.c.enrolled, 0),
                  sa.func.coalesce(counts.c.completed, 0))
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .where(Cohort.organisation_id.in_(organisation_ids))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc()))
    return [CohortFigures(*row) for row in rows]


# --- area dashboards -----------------------------------------------------------------------------------

@dataclass
class AreaRow:
    code: str
    name: str
    enrolled: int = 0  # residents who started a course, anywhere
    supporters: int = 0  # residents who completed a course, anywhere
    sessions: int = 0  # cohorts held by organisations of this municipality

    @property
    def completion_rate(self) -> int | None:
        return self.supporters * 100 // self.enrolled if self.enrolled else None


@dataclass
class MunicipalityArea:
    code: str
    name: str
    by_audience: dict[Audience, AreaRow]
    total: AreaRow
    cohorts: list[CohortFigures]


def _resident_counts(session: Session, where: sa.ColumnElement[bool],
                     *group: sa.ColumnElement) -> Sequence[sa.Row]:
    return session.execute(
        sa.select(*group, sa.func.count(sa.distinct(Enrolment.user_id)),
                  sa.func.count(sa.distinct(sa.case((Enrolment.completed_at.is_not(None), Enrolment.user_id)))))
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id).join(Course, Course.id == Enrolment.course_id)
        .where(where).group_by(*group)).all()


def municipality_area(session: Session, municipality: Municipality, organisation_ids: list[int]) -> MunicipalityArea:
    """Residents of one municipality who took or completed a course anywhere, and the cohorts of
    the viewer's organisations (three queries)."""
    rows = _resident_counts(session, User.municipality_code == municipality.code, Course.audience)
    by_audience = {audience: AreaRow(audience.value, "") for audience in Audience}
    for audience, enrolled, completed in rows:
        by_audience[audience].enrolled, by_audience[audience].supporters = enrolled, completed
    enrolled, supporters = session.execute(
        sa.select(sa.func.count(sa.distinct(Enrolment.user_id)),
                  sa.func.count(sa.distinct(sa.case((Enrolment.completed_at.is_not(None), Enrolment.user_id)))))
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
        .where(User.municipality_code == municipality.code)).one()
    cohorts = cohort_figures(session, organisation_ids) if organisation_ids else []
    total = AreaRow(municipality.code, municipality.full_name, enrolled, supporters, len(cohorts))
    return MunicipalityArea(municipality.code, municipality.full_name, by_audience, total, cohorts)


@dataclass
class PrefectureArea:
    code: str
    name: str
    rows: list[AreaRow]
    prefecture_wide_sessions: int  # cohorts of organisations covering the whole prefecture
    total: AreaRow = field(default_factory=lambda: AreaRow("", ""))


def prefecture_area(session: Session, prefecture_code: str, prefecture_name: str) -> PrefectureArea:
    """One row per municipality of the prefecture, with totals (three queries, any size)."""
    low, high = f"{prefecture_code}0000", f"{prefecture_code}9999"
    rows = {code: AreaRow(code, name) for code, name in session.execute(
        sa.select(Municipality.code, Municipality.name).where(Municipality.prefecture_code == prefecture_code)
        .order_by(Municipality.code))}
    # A range, not substr(): it uses the index on user.municipality_code.
    for code, enrolled, completed in _resident_counts(
            session, User.municipality_code.between(low, high), User.municipality_code):
        if code in rows:
            rows[code].enrolled, rows[code].supporters = enrolled, completed
    area = sa.func.coalesce(Organisation.municipality_code, "")
    wide = 0
    for code, count in session.execute(
            sa.select(area, sa.func.count(Cohort.id)).join(Organisation, Organisation.id == Cohort.organisation_id)
            .where(sa.or_(Organisation.municipality_code.between(low, high),
                          Organisation.prefecture_code == prefecture_code))
            .group_by(area)):
        if code in rows:
            rows[code].sessions = count
        else:
            wide += count
    result = PrefectureArea(prefecture_code, prefecture_name, list(rows.values()), wide)
    result.total = AreaRow(prefecture_code, prefecture_name,
                           sum(r.enrolled for r in result.rows), sum(r.supporters for r in result.rows),
                           sum(r.sessions for r in result.rows) + wide)
    return result


# --- 実施報告 ----------------------------------------------------------------------------------------------

AGE_BANDS: list[AgeBand | None] = [*AgeBand, None]
SEXES: list[Sex | None] = [*Sex, None]


@dataclass
class QuestionSummary:
    id: str
    kind: str  # scale | single | multiple | text
    text_html: str
    labels: list[str]  # scale points or choices, in order
    counts: list[int]  # per label
    answered: int
    mean: float | None = None  # scale questions only
    texts: list[str] = field(default_factory=list)  # free text, without names, sorted


@dataclass
class ImplementationReport:
    cohort: Cohort
    organisation: Organisation
    course_title: str
    course_version: str
    participants: int
    attended: int
    completed: int
    completed_by_attendance: int
    completed_online: int
    certificates: int
    # age band -> sex -> count; None is 「未回答」
    by_age_sex: dict[AgeBand | None, dict[Sex | None, int]]
    survey_responses: int
    survey: list[QuestionSummary]
    survey_hidden: bool  # too few answers to show without pointing at someone

    def age_total(self, band: AgeBand | None) -> int:
        return sum(self.by_age_sex[band].values())

    def sex_total(self, sex: Sex | None) -> int:
        return sum(row[sex] for row in self.by_age_sex.values())


def _summarise_survey(questions: list[dict], answers: list[dict]) -> list[QuestionSummary]:
    out = []
    for q in questions:
        labels = q["labels_html"] if q["kind"] == "scale" else q.get("choices") or []
        values = [a[q["id"]] for a in answers if q["id"] in a]
        summary = QuestionSummary(q["id"], q["kind"], q["text_html"], list(labels), [0] * len(labels), len(values))
        if q["kind"] == "text":
            # Sorted, so the order cannot be matched with who finished when.
            summary.texts = sorted(str(v) for v in values)
        else:
            counted = Counter(v for v in values if isinstance(v, int) and 1 <= v <= len(labels))
            summary.counts = [counted.get(i, 0) for i in range(1, len(labels) + 1)]
            if q["kind"] == "scale" and summary.answered:
                summary.mean = round(sum(i * n for i, n in counted.items()) / sum(counted.values()), 2) \
                    if counted else None
        out.append(summary)
    return out


def implementation_report(session: Session, cohort: Cohort) -> ImplementationReport:
    """The 実施報告 of one cohort (a fixed handful of queries)."""
    figures = funnel(session, cohort)
    by_age_sex = {band: dict.fromkeys(SEXES, 0) for band in AGE_BANDS}
    for band, sex, count in session.execute(
            sa.select(User.age_band, User.sex, sa.func.count()).select_from(Enrolment)
            .join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
            .group_by(User.age_band, User.sex)):
        by_age_sex[band][sex] = count
    via = dict(session.execute(
        sa.select(Enrolment.completed_via, sa.func.count()).where(Enrolment.cohort_id == cohort.id,
                                                                  Enrolment.completed_at.is_not(None))
        .group_by(Enrolment.completed_via)).all())
    course = session.get(Course, cohort.course_id)
    version = session.get(ContentVersion, course.live_version_id) if course.live_version_id else None
    answers = list(session.scalars(sa.select(SurveyResponse.answers).where(SurveyResponse.cohort_id == cohort.id)))
    hidden = 0 < len(answers) < MIN_SURVEY_RESPONSES
    questions = (version.survey or {}).get("questions", []) if version else []
    return ImplementationReport(
        cohort=cohort, organisation=session.get(Organisation, cohort.organisation_id),
        course_title=version.title if version else course.slug, course_version=version.label if version else "",
        participants=figures.enrolled, attended=figures.attended, completed=figures.completed,
        completed_by_attendance=via.get(CompletedVia.ATTENDANCE, 0), completed_online=via.get(CompletedVia.ONLINE, 0),
        certificates=figures.certificates, by_age_sex=by_age_sex, survey_responses=len(answers),
        survey=[] if hidden else _summarise_survey(questions, answers), survey_hidden=hidden)
