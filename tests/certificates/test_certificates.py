"""Certificates: issue on completion, PDF contents, storage, verification, revocation,
reissue, concurrency, bulk ZIP through the background path."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import subprocess
import threading
import zipfile

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import AuditEvent, BulkJob, Certificate, CertificateFile, Course, Enrolment, JobStatus
from app.services.certificates import issuing
from app.services.certificates.wareki import to_wareki
from app.services.content import courses
from app.services.learning import enrolling, progress
from tests.conftest import coordinator_client, login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee


@pytest.fixture()
def adult_course(app) -> Course:
    courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    return db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))


def complete(course: Course, user) -> Certificate:
    enrolment = enrolling.enrol(db.session, user, course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return issuing.current_certificate(db.session, enrolment.id)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_completion_issues_one_certificate_with_an_ordered_serial(app, adult_course, outbox):
    org = make_organisation(municipality="292095", name="生駒市")
    first = complete(adult_course, make_trainee(name="山田 太郎", email="taro@example.jp"))
    second = complete(adult_course, make_trainee(name="佐藤 花子"))
    year = dt.date.today().year
    assert first.serial == f"292095-{year}-000001" and second.serial == f"292095-{year}-000002"
    assert first.organisation_id == org.id and first.organiser_name == "生駒市"
    assert len(first.code) == 16 and first.code != second.code
    assert first.municipality_name == "奈良県生駒市"
    # Issuing again returns the same certificate.
    enrolment = db.session.get(Enrolment, first.enrolment_id)
    assert issuing.issue_for_enrolment(db.session, enrolment).id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2
    # The holder is told by e-mail, with the download and verification links.
    body = next(m for m in outbox if m["To"] == "taro@example.jp").get_content()
    assert f"/my/certificates/{first.id}.pdf" in body and first.code_display in body


def test_without_a_local_organisation_the_platform_issues(app, adult_course):
    cert = complete(adult_course, make_trainee(municipality="142166"))
    assert cert.serial.startswith("000000-") and cert.organisation_id is None
    assert cert.organiser_name == issuing.PLATFORM_ORGANISER


def test_pdf_has_name_course_dates_serial_code_japanese_fonts_and_a_working_qr(app, adult_course, tmp_path):
    make_organisation(municipality="292095", name="生駒市")
    cert = complete(adult_course, make_trainee(name="山田 太郎", email="t@example.jp"))
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("山田", "太郎", "つながりサポーター養成講座", to_wareki(cert.completed_on), cert.serial,
                     cert.code_display):
        assert expected.replace(" ", "") in text.replace(" ", ""), expected
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True, check=False).stdout.decode()
    if not fonts:  # older pdffonts cannot read stdin
        (tmp_path / "c.pdf").write_bytes(response.data)
        fonts = subprocess.run(["pdffonts", str(tmp_path / "c.pdf")], capture_output=True, check=True).stdout.decode()
    assert "IPAex" in fonts and "DejaVu" not in fonts
    (tmp_path / "c.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(tmp_path / "c.pdf"),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    qr = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, check=True).stdout.decode()
    assert qr.strip() == f"{app.config['BASE_URL']}/verify/{cert.code_display}"


def test_stored_pdf_is_returned_identically_without_rendering_again(app, adult_course, monkeypatch):
    cert = complete(adult_course, make_trainee(email="t@example.jp"))
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    first = client.get(f"/my/certificates/{cert.id}.pdf").data

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(issuing, "render_certificate", no_rendering)
    second = client.get(f"/my/certificates/{cert.id}.pdf").data
    assert first == second
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).pdf_sha256 == hashlib.sha256(first).hexdigest()


def test_others_cannot_download_my_certificate(app, adult_course):
    cert = complete(adult_course, make_trainee(email="owner@example.jp"))
    make_trainee(email="other@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "other@example.jp", PASSWORD)
    assert client.get(f"/my/certificates/{cert.id}.pdf").status_code == 404
    assert client.get(f"/my/certificates/{cert.id}/card.pdf").status_code == 404


def test_missing_font_gives_a_clear_message_and_stores_nothing(app, adult_course, monkeypatch, tmp_path):
    from app.services.certificates import render

    cert = complete(adult_course, make_trainee(email="t@example.jp"))
    original = render.find_japanese_fonts
    monkeypatch.setattr(render, "find_japanese_fonts", lambda dirs=None: original([tmp_path]))
    monkeypatch.setattr("app.services.certificates.fonts._search_fontconfig", lambda: {})
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    response = client.get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "日本語フォント" in page and "fonts-ipaexfont" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateFile)) == 0


def test_verification_page_statuses(app, adult_course):
    org = make_organisation(municipality="292095", name="生駒市")
    coordinator = make_coordinator(org, email="c@example.jp")
    cert = complete(adult_course, make_trainee(name="山田 太郎"))
    client = app.test_client()
    page = client.get(f"/verify/{cert.code_display.lower().replace('-', '')}").get_data(as_text=True)
    # Nothing about the holder on the public page (issue 13 item 10): the name is only checked.
    assert "有効です" in page and "山田" not in page and "太郎" not in page and cert.serial in page

    checked = post_form(client, f"/verify/{cert.code_display}", {"name": "山田　太郎"}).get_data(as_text=True)
    assert "記録と一致します" in checked
    wrong = post_form(client, f"/verify/{cert.code_display}", {"name": "山田 次郎"}).get_data(as_text=True)
    assert "記録と一致しません" in wrong

    new = issuing.reissue(db.session, cert, holder_name="山田 太朗", actor=coordinator)
    db.session.commit()
    assert "再発行されたため" in client.get(f"/verify/{cert.code_display}").get_data(as_text=True)
    assert "有効です" in client.get(f"/verify/{new.code_display}").get_data(as_text=True)

    issuing.revoke(db.session, new, reason="受講記録の誤りのため", actor=coordinator)
    db.session.commit()
    page = client.get(f"/verify/{new.code_display}").get_data(as_text=True)
    assert "取り消されています" in page and "受講記録の誤りのため" in page

    expired = complete(adult_course, make_trainee(name="鈴木 一郎"))
    expired.expires_on = dt.date(2020, 1, 1)
    db.session.commit()
    assert "有効期限が切れています" in client.get(f"/verify/{expired.code_display}").get_data(as_text=True)

    unknown = client.get("/verify/AAAA-BBBB-CCCC-DDDD")
    assert unknown.status_code == 404 and "見つかりません" in unknown.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 3  # nothing deleted


def test_uploaded_pdf_is_checked_by_its_hash(app, adult_course):
    cert = complete(adult_course, make_trainee(email="t@example.jp"))
    data = issuing.pdf_bytes(db.session, cert, base_url=app.config["BASE_URL"])
    db.session.commit()
    client = app.test_client()
    same = post_form(client, "/verify/file", {"pdf": (io.BytesIO(data), "c.pdf")}, token_from="/verify",
                     content_type="multipart/form-data")
    assert "同一です" in same.get_data(as_text=True) and cert.serial in same.get_data(as_text=True)
    tampered = data + b"\n% edited\n"
    other = post_form(client, "/verify/file", {"pdf": (io.BytesIO(tampered), "c.pdf")}, token_from="/verify",
                      content_type="multipart/form-data")
    assert "どれとも一致しません" in other.get_data(as_text=True)
    not_pdf = post_form(client, "/verify/file", {"pdf": (io.BytesIO(b"hello"), "c.pdf")}, token_from="/verify",
                        content_type="multipart/form-data")
    assert not_pdf.status_code == 400 and "PDF ファイル" in not_pdf.get_data(as_text=True)


def test_verification_is_rate_limited(make_app, adult_course):
    limited = make_app(VERIFY_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_coordinator_revokes_only_within_scope(app, adult_course):
    ikoma = make_organisation(municipality="292095", name="生駒市")
    zama = make_organisation(municipality="142166", name="座間市")
    make_coordinator(ikoma, email="ikoma@example.jp")
    make_coordinator(zama, email="zama@example.jp")
    cert = complete(adult_course, make_trainee(municipality="292095"))
    outsider = app.test_client()
    login(outsider, "zama@example.jp", PASSWORD)
    url = f"/coordinate/organisations/{ikoma.id}/certificates/{cert.id}"
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"/coordinate/organisations/{zama.id}/certificates/{cert.id}").status_code == 404
    insider = app.test_client()
    login(insider, "ikoma@example.jp", PASSWORD)
    assert post_form(insider, url + "/revoke", {"reason": ""}, token_from=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).revoked_at is None  # a reason is required
    post_form(insider, url + "/revoke", {"reason": "本人からの申し出"}, token_from=url)
    db.session.expire_all()
    revoked = db.session.get(Certificate, cert.id)
    assert revoked.revoked_reason == "本人からの申し出"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")) is not None


def test_concurrent_issue_creates_one_certificate(app, adult_course):
    """Two requests completing the same enrolment at once: the unique constraint keeps one."""
    user = make_trainee()
    enrolment = enrolling.enrol(db.session, user, adult_course)
    db.session.execute(sa.update(Enrolment).where(Enrolment.id == enrolment.id)
                       .values(completed_at=issuing.utcnow(), completed_version_id=adult_course.live_version_id))
    db.session.commit()
    barrier, results, errors = threading.Barrier(2), [], []

    def issue():
        with app.app_context():
            try:
                own = db.session.get(Enrolment, enrolment.id)
                barrier.wait(timeout=10)
                results.append(issuing.issue_for_enrolment(db.session, own).id)
                db.session.commit()
            except Exception as error:  # collected and asserted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    db.session.expire_all()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                              .where(Certificate.enrolment_id == enrolment.id))
    assert count == 1, errors
    assert len(set(results)) == 1 or errors  # a loser may have failed to commit; never two rows


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 60), (30, 110, 80)).save(buf, "PNG")
    return buf.getvalue()


def test_settings_logo_and_preview(app):
    org = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, org, "c@example.jp")
    url = f"/coordinate/organisations/{org.id}/certificate-settings"
    bad = post_form(client, url, {"title": "認定証", "organiser_name": "生駒市", "logo": (io.BytesIO(b"not an image"), "x.png")},
                    content_type="multipart/form-data")
    assert "読み取れませんでした" in bad.get_data(as_text=True)
    good = post_form(client, url, {"title": "認定証", "organiser_name": "生駒市長寿社会課", "signatory_title": "市長",
                                   "signatory_name": "生駒 太郎", "valid_years": "3",
                                   "logo": (io.BytesIO(_png()), "logo.png")}, content_type="multipart/form-data")
    assert good.status_code == 302
    settings = issuing.settings_for(db.session, org)
    assert settings.title == "認定証" and settings.logo.startswith(b"\x89PNG") and settings.valid_years == 3
    for template in ("adult", "children", "card"):
        preview = client.get(f"{url}/preview-{template}.pdf")
        assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
        assert "生駒市長寿社会課" in pdf_text(preview.data)


def test_bulk_zip_of_forty_certificates_through_the_background_path(app, adult_course):
    org = make_organisation(municipality="292095", name="生駒市")
    make_coordinator(org, email="c@example.jp")
    for n in range(40):
        complete(adult_course, make_trainee(name=f"受講 者{n:02d}"))
    client = app.test_client()
    login(client, "c@example.jp", PASSWORD)
    response = post_form(client, f"/coordinate/organisations/{org.id}/certificates/bulk", {},
                         token_from=f"/coordinate/organisations/{org.id}/certificates")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    wait_for_threads(timeout=300)
    db.session.expire_all()
    job = db.session.scalar(sa.select(BulkJob))
    assert job.status is JobStatus.DONE and job.done == job.total == 40
    assert "ZIP をダウンロード" in client.get(job_url).get_data(as_text=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get(job_url + ".zip").data))
    names = archive.namelist()
    assert len(names) == 40 and all(n.startswith("292095-") and n.endswith(".pdf") for n in names)
    assert "受講_者00" in names[0]
    assert archive.read(names[0]).startswith(b"%PDF")


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set (CI sets it)")
def test_bulk_job_runs_on_an_rq_worker(make_app, adult_course):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from app.jobs import dispatch_bulk

    url = os.environ["TEST_REDIS_URL"]
    Redis.from_url(url).flushdb()
    rq_app = make_app(JOB_QUEUE="rq", REDIS_URL=url)
    org = make_organisation(municipality="292095")
    certs = [complete(adult_course, make_trainee()) for _ in range(3)]
    from app.services.certificates import bulk

    job = bulk.start(db.session, org, [c.id for c in certs], requested_by=None, label="rq")
    db.session.commit()
    dispatch_bulk(rq_app, job.id)
    queue = Queue("certificates", connection=Redis.from_url(url))
    assert queue.count == 1
    with rq_app.app_context():
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    db.session.expire_all()
    finished = db.session.get(BulkJob, job.id)
    assert finished.status is JobStatus.DONE and finished.done == 3


def test_pdf_rendered_twice_at_once_keeps_the_first_stored(app, adult_course, monkeypatch):
    """Two requests render the same certificate at the same moment: the second keeps and sends the
    PDF the first stored, so the file (and its hash) never changes."""
    cert = complete(adult_course, make_trainee(email="twin@example.jp"))
    cert_id = cert.id
    real_render = issuing.render_pdf

    def render_while_another_request_stores(session, certificate, **kw):
        data = real_render(session, certificate, **kw)
        with db.engine.begin() as other:  # another worker finishing first, on its own connection
            other.execute(sa.insert(CertificateFile).values(certificate_id=cert_id, data=b"%PDF-first",
                                                            rendered_at=dt.datetime.now(dt.UTC)))
        return data

    monkeypatch.setattr(issuing, "render_pdf", render_while_another_request_stores)
    assert issuing.pdf_bytes(db.session, cert, base_url=app.config["BASE_URL"]) == b"%PDF-first"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateFile)) == 1
    assert db.session.get(CertificateFile, cert_id).data == b"%PDF-first"
