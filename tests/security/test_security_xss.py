"""Hostile text typed into every field people can fill in comes out inert everywhere it is shown:
escaped in pages, printed literally in PDFs, and neither markup nor a formula in CSV and Excel.

Each field gets its own payload (alert(1), alert(2), ...) so a failure names the field. Every
payload starts with a formula character and tries to break out of an HTML attribute too."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import Certificate, Cohort, CohortInvitation, Enrolment, Organisation, User
from app.services.cohorts import cohorts
from app.services.learning import surveys
from tests.cohort_helpers import default_course
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_admin, make_coordinator, make_trainee
from tests.security.helpers import squeeze, text_of


def payload(n: int, start: str = "=1+2") -> str:
    return f"""{start}"'><script>alert({n})</script>"""


FIELDS = {
    "display name": payload(1),
    "organisation name": payload(2) + "市",
    "cohort title": payload(3) + "回",
    "survey free text": payload(4),
    "reflection": payload(5),
    "certificate holder name": payload(6, "-1"),
    "imported participant name": payload(7, "@SUM(1)"),
    "certificate organiser name": payload(8, "+1"),
}
FORMULA_STARTS = ("=", "+", "-", "@")


def marker(field: str) -> str:
    return re.search(r"<script>alert\(\d\)</script>", FIELDS[field]).group(0)


def assert_escaped(html: str, *fields: str, where: str) -> None:
    for field in fields:
        raw = marker(field)
        assert raw not in html, f"{field} is not escaped on {where}"
        escaped = raw.replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in html, f"{field} is not shown on {where}"
    assert '"\'><script>' not in html and "<script>alert(" not in html, where


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF"), data[:40]
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def assert_literal_in_pdf(data: bytes, *fields: str, where: str) -> None:
    text = pdf_text(data)
    for field in fields:
        assert squeeze(marker(field)) in text, f"{field} is not printed literally in {where}"


def assert_csv_inert(data: bytes, *fields: str, where: str) -> None:
    text = data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for field in fields:
        found = [c for c in cells if marker(field) in c]
        assert found, f"{field} is not in {where}"
        assert all(c.startswith("'") for c in found), f"{field} is a formula in {where}: {found}"
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], f"formula cells in {where}"


def assert_xlsx_inert(data: bytes, *fields: str, where: str) -> None:
    book = load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == [], f"formulas in {where}: {formulas}"
    for field in fields:
        assert any(marker(field) in str(c.value) for c in cells), f"{field} is not in {where}"


@pytest.fixture()
def scene(app):
    """Everyone types their payload through the forms: admin, coordinator, trainee, CSV file."""
    course = default_course()
    admin = make_admin(email="admin@example.jp")
    db.session.commit()
    admin_client = app.test_client()
    login(admin_client, admin.email, PASSWORD)
    response = post_form(admin_client, "/admin/organisations/new", {
        "name": FIELDS["organisation name"], "kind": "municipality", "area_code": "292095"})
    assert response.status_code == 302, text_of(response)
    org = db.session.scalar(sa.select(Organisation))
    make_coordinator(org, email="coord@example.jp")
    db.session.commit()

    coordinator = app.test_client()
    login(coordinator, "coord@example.jp", PASSWORD)
    base = f"/coordinate/organisations/{org.id}"
    day = (dt.datetime.now(cohorts.JST) + dt.timedelta(days=10)).date()
    response = post_form(coordinator, f"{base}/cohorts/new", {
        "course_id": course.id, "title": FIELDS["cohort title"], "mode": "in_person", "day": day.isoformat(),
        "start_time": "14:00", "end_time": "15:30", "venue": "会議室", "capacity": "30"})
    assert response.status_code == 302, text_of(response)
    cohort = db.session.scalar(sa.select(Cohort))
    cohort_url = f"{base}/cohorts/{cohort.id}"

    trainee = app.test_client()
    response = post_form(trainee, "/register", {
        "display_name": FIELDS["display name"], "email": "t@example.jp", "password": "a-good-secret-1",
        "password_confirm": "a-good-secret-1", "municipality_code": "292095"})
    assert response.status_code == 302, text_of(response)
    # The account exists once the link mailed to the address is followed.
    mailed = next(m for m in app.config["MAIL_OUTBOX"] if m["To"] == "t@example.jp").get_content()
    confirm = next(line for line in mailed.splitlines() if "/register/confirm/" in line).strip()
    assert post_form(trainee, confirm.split("localhost", 1)[1], {}).status_code == 302
    response = post_form(trainee, "/my/cohorts/join", {"code": cohort.join_code}, token_from="/my")
    assert response.status_code == 302

    roster = "氏名,メールアドレス,市区町村コード,年代,性別\r\n" + "\r\n".join(
        [f'"{FIELDS["imported participant name"].replace(chr(34), chr(34) * 2)}",p1@example.jp,292095,40代,女性',
         "佐藤 一郎,p2@example.jp,292095,70代以上,男性"]) + "\r\n"
    response = post_form(coordinator, f"{cohort_url}/import", {
        "file": (io.BytesIO(roster.encode("utf-8-sig")), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)
    preview_url = response.headers["Location"]
    preview = coordinator.get(preview_url)
    response = post_form(coordinator, preview_url, {})
    assert response.status_code == 302, text_of(response)
    # The invited people register and accept, logged in as the invited address (see
    # test_security_cohort_consent.py); the first registers under the payload name.
    for invitation in db.session.scalars(sa.select(CohortInvitation).order_by(CohortInvitation.email)).all():
        name = FIELDS["imported participant name"] if invitation.email == "p1@example.jp" else invitation.name
        cohorts.accept_invitation(db.session, invitation, make_trainee(email=invitation.email, name=name))
    db.session.commit()
    # Attendance is recordable from the session's start: the session has now taken place.
    cohort.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    cohort.ends_at = cohort.starts_at + dt.timedelta(minutes=90)
    db.session.commit()
    response = post_form(coordinator, f"{cohort_url}/attendance", {"everyone": "1"})
    assert response.status_code == 302, text_of(response)
    wait_for_threads()

    # The private reflection and the anonymous survey (three answers, so free text is shown).
    version = course.live_version
    key = next(lesson.key for lesson in version.lessons if lesson.reflection_prompt_html)
    response = post_form(trainee, f"/courses/{course.slug}/lessons/{key}/reflection",
                         {"text": FIELDS["reflection"]}, token_from=f"/courses/{course.slug}/lessons/{key}")
    assert response.status_code == 302, text_of(response)
    response = post_form(trainee, f"/courses/{course.slug}/survey", {
        "s-s1": "5", "s-s2": "4", "s-s3": "1", "s-s4": FIELDS["survey free text"]})
    assert response.status_code == 302, text_of(response)
    for enrolment in db.session.scalars(sa.select(Enrolment).join(User).where(User.email != "t@example.jp")):
        surveys.submit_survey(db.session, enrolment, version, {"s1": "3", "s2": "3", "s3": "2", "s4": ""})
    db.session.commit()

    user = db.session.scalar(sa.select(User).where(User.email == "t@example.jp"))
    first_cert = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == user.id))
    response = post_form(coordinator, f"{base}/certificates/{first_cert.id}/reissue",
                         {"holder_name": FIELDS["certificate holder name"]}, token_from=f"{base}/certificates/{first_cert.id}")
    assert response.status_code == 302, text_of(response)
    reissued = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == user.id,
                                                              Certificate.superseded_at.is_(None)))
    return {"org": org, "base": base, "cohort_url": cohort_url, "admin": admin_client, "coordinator": coordinator,
            "trainee": trainee, "preview": text_of(preview), "first_cert": first_cert, "reissued": reissued,
            "course": course, "lesson_key": key}


def test_pages_show_every_payload_escaped(scene):
    s = scene
    pages = {
        "trainee my page": (s["trainee"], "/my", ["display name"]),
        "trainee lesson with the reflection": (s["trainee"], f"/courses/{s['course'].slug}/lessons/{s['lesson_key']}",
                                               ["reflection"]),
        "trainee my data": (s["trainee"], "/my/data", ["display name", "reflection"]),
        "admin organisations": (s["admin"], "/admin/organisations", ["organisation name"]),
        "admin organisation": (s["admin"], f"/admin/organisations/{s['org'].id}", ["organisation name"]),
        "admin users": (s["admin"], "/admin/users", ["display name", "imported participant name"]),
        "coordinator home": (s["coordinator"], "/coordinate/", ["organisation name"]),
        "coordinator cohorts": (s["coordinator"], f"{s['base']}/cohorts", ["cohort title"]),
        "coordinator cohort": (s["coordinator"], s["cohort_url"], ["cohort title", "display name",
                                                                    "imported participant name"]),
        "coordinator attendance": (s["coordinator"], f"{s['cohort_url']}/attendance",
                                   ["display name", "imported participant name"]),
        "coordinator report": (s["coordinator"], f"{s['cohort_url']}/report", ["cohort title", "survey free text"]),
        "coordinator certificates": (s["coordinator"], f"{s['base']}/certificates", ["certificate holder name"]),
        "coordinator certificate": (s["coordinator"], f"{s['base']}/certificates/{s['reissued'].id}",
                                    ["certificate holder name"]),
        "public join page": (s["trainee"], f"/join/{cohorts.format_join_code(db.session.get(Cohort, 1).join_code)}",
                             ["cohort title"]),
    }
    for where, (client, url, fields) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (where, response.status_code)
        assert_escaped(text_of(response), *fields, where=where)
    assert_escaped(s["preview"], "imported participant name", where="CSV import preview")


def test_pdfs_print_every_payload_literally(scene):
    s = scene
    trainee_pdf = s["trainee"].get(f"/my/certificates/{s['reissued'].id}.pdf").data
    assert_literal_in_pdf(trainee_pdf, "certificate holder name", "organisation name", where="the certificate")
    first = s["coordinator"].get(f"{s['base']}/certificates/{s['first_cert'].id}.pdf").data
    assert_literal_in_pdf(first, "display name", where="the first certificate")
    assert_literal_in_pdf(s["coordinator"].get(f"{s['cohort_url']}/report.pdf").data, "cohort title",
                          "survey free text", where="the 実施報告 PDF")
    assert_literal_in_pdf(s["coordinator"].get(f"{s['cohort_url']}/poster.pdf").data, "cohort title",
                          where="the poster")
    post_form(s["coordinator"], f"{s['base']}/certificate-settings", {
        "title": "修了証", "organiser_name": FIELDS["certificate organiser name"]})
    sample = s["coordinator"].get(f"{s['base']}/certificate-settings/preview-adult.pdf").data
    assert_literal_in_pdf(sample, "certificate organiser name", where="the certificate preview")


def test_exports_are_inert_in_excel(scene):
    s = scene
    c = s["coordinator"]
    assert_csv_inert(c.get(f"{s['cohort_url']}/participants.csv").data, "display name", "imported participant name",
                     where="participants.csv")
    assert_xlsx_inert(c.get(f"{s['cohort_url']}/participants.xlsx").data, "display name",
                      "imported participant name", "cohort title", where="participants.xlsx")
    assert_xlsx_inert(c.get(f"{s['cohort_url']}/dashboard.xlsx").data, "cohort title", where="dashboard.xlsx")
    assert_xlsx_inert(c.get(f"{s['cohort_url']}/report.xlsx").data, "cohort title", "survey free text",
                      where="report.xlsx")
    assert_csv_inert(s["trainee"].get("/my/data.csv").data, "reflection", where="my-data.csv")
    # The bulk ZIP names each PDF after its holder: nothing a file system or a shell would act on.
    response = post_form(c, f"{s['cohort_url']}/certificates", {}, token_from=s["cohort_url"])
    wait_for_threads()
    archive = zipfile.ZipFile(io.BytesIO(c.get(response.headers["Location"] + ".zip").data))
    for name in archive.namelist():
        assert not re.search(r'[<>:"/\\|?*]', name) and not name.startswith(FORMULA_STARTS), name
