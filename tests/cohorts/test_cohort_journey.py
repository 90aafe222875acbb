"""The issue's "done when", from the browser alone: create a cohort, print its QR poster, invite
30 participants from a CSV saved by Excel (they accept), record attendance, download the
certificates ZIP, and download the 実施報告 as PDF and XLSX that open correctly."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import CohortInvitation
from app.services.cohorts import cohorts
from tests.cohort_helpers import HEADER, csv_file, default_course
from tests.conftest import coordinator_client, post_form
from tests.factories import make_organisation, make_trainee


def test_a_coordinator_runs_a_session_from_the_browser(app):
    course = default_course()
    org = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, org, "coord@example.jp")
    # From the organisation page to a new cohort.
    org_page = client.get(f"/coordinate/organisations/{org.id}").get_data(as_text=True)
    assert f"/coordinate/organisations/{org.id}/cohorts" in org_page
    day = (dt.datetime.now(cohorts.JST) + dt.timedelta(days=14)).date()
    response = post_form(client, f"/coordinate/organisations/{org.id}/cohorts/new", {
        "course_id": course.id, "title": "令和8年度 第1回", "mode": "in_person", "day": day.isoformat(),
        "start_time": "13:30", "end_time": "15:00", "venue": "生駒市役所", "capacity": "30",
        "instructor_name": "講師 花子"})
    cohort_url = response.headers["Location"]
    page = client.get(cohort_url).get_data(as_text=True)
    # The QR poster.
    poster = client.get(re.search(r'href="([^"]+/poster\.pdf)"', page).group(1))
    assert poster.status_code == 200 and len(PdfReader(io.BytesIO(poster.data)).pages) == 1
    # 30 participants from Excel (Shift_JIS).
    lines = [HEADER] + [f"参加 者{n:02d},p{n:02d}@example.jp,292095,50代,女性" for n in range(30)]
    response = post_form(client, f"{cohort_url}/import", {"file": csv_file(lines, "cp932")},
                         content_type="multipart/form-data")
    preview_url = response.headers["Location"]
    assert "30人を招待する" in client.get(preview_url).get_data(as_text=True)
    post_form(client, preview_url, {})
    assert "参加者（0人）" in client.get(cohort_url).get_data(as_text=True)
    # Each person accepts, logged in as the invited address (their own login is tested elsewhere).
    for invitation in db.session.scalars(sa.select(CohortInvitation)).all():
        cohorts.accept_invitation(db.session, invitation, make_trainee(email=invitation.email, name=invitation.name))
    db.session.commit()
    assert "参加者（30人）" in client.get(cohort_url).get_data(as_text=True)
    # Attendance is refused before the session (the page says from when), then the day comes.
    attendance = client.get(f"{cohort_url}/attendance").get_data(as_text=True)
    assert "から記録できます" in attendance and 'name="enrolment_id"' not in attendance
    cohort = db.session.scalar(sa.select(cohorts.Cohort))
    cohort.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    db.session.commit()
    # Attendance for everyone present (28 of 30), then the certificates ZIP.
    attendance = client.get(f"{cohort_url}/attendance").get_data(as_text=True)
    ids = re.findall(r'name="enrolment_id" value="(\d+)"', attendance)
    assert len(ids) == 30
    response = post_form(client, f"{cohort_url}/attendance", {"enrolment_id": ids[:28]})
    job_url = response.headers["Location"]
    wait_for_threads(timeout=600)
    assert "ZIP をダウンロード（28件）" in client.get(job_url).get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{job_url}.zip").data))
    assert len(archive.namelist()) == 28 and archive.read(archive.namelist()[0]).startswith(b"%PDF")
    # The 実施報告.
    report = client.get(f"{cohort_url}/report").get_data(as_text=True)
    pdf = client.get(re.search(r'href="([^"]+/report\.pdf)"', report).group(1))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace(" ", "")
    assert "実施報告" in text and "28人" in text and "30人" in text
    book = openpyxl.load_workbook(io.BytesIO(client.get(re.search(r'href="([^"]+/report\.xlsx)"', report)
                                                        .group(1)).data))
    overview = {r[0]: r[1] for r in book["概要"].iter_rows(values_only=True) if r and r[0]}
    assert overview["参加者"] == 30 and overview["修了"] == 28 and overview["証書の発行"] == 28
