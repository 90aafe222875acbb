"""Builders for the cohort tests: the default courses, cohorts, participants, CSV files."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import CohortMode, Course, Organisation, User
from app.services.cohorts import cohorts
from app.services.content import courses


def default_course(slug: str = "tsunagari-adult") -> Course:
    if db.session.scalar(sa.select(Course).where(Course.slug == slug)) is None:
        courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
        db.session.commit()
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def in_days(days: int, hour: int = 14, minute: int = 0) -> dt.datetime:
    day = dt.datetime.now(cohorts.JST).date() + dt.timedelta(days=days)
    return cohorts.from_jst(day, dt.time(hour, minute))


def make_cohort(org: Organisation, course: Course, *, mode: CohortMode = CohortMode.IN_PERSON, days: int = 7,
                **fields) -> cohorts.Cohort:
    starts = in_days(days) if mode is not CohortMode.ON_DEMAND else None
    values = {"course_id": course.id, "title": fields.pop("title", "第1回 つながりサポーター養成講座"), "mode": mode,
              "starts_at": starts, "ends_at": starts + dt.timedelta(minutes=90) if starts else None,
              "venue": "生駒市役所 4階 大会議室" if mode is CohortMode.IN_PERSON else None,
              "meeting_url": "https://meet.example.jp/abc" if mode is CohortMode.LIVE_ONLINE else None,
              "instructor_name": "講師 花子", **fields}
    cohort = cohorts.create_cohort(db.session, org, cohorts.CohortFields(**values), actor=None)
    db.session.commit()
    return cohort


def join_all(cohort, users: list[User]) -> list:
    enrolments = [cohorts.join(db.session, cohort, user).enrolment for user in users]
    db.session.commit()
    return enrolments


def csv_file(lines: list[str], encoding: str = "utf-8-sig", name: str = "participants.csv"):
    """A CSV as Excel saves it: CRLF line ends, the given encoding."""
    return (io.BytesIO("\r\n".join(lines).encode(encoding) + b"\r\n"), name)


HEADER = "氏名,メールアドレス,市区町村コード,年代,性別"


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()


def pdf_page_png(data: bytes, tmp_path: Path, resolution: int = 150) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", str(resolution), "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True)
    return next(tmp_path.glob("page*.png"))
