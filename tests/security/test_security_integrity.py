"""Failing safely: when the database is unreachable every page answers a plain 503 (no traceback,
nothing half-done); when the certificate storage refuses a PDF, the user gets a clear page, no PDF
is served that is not stored, and a later try works. quality/faults.py does the same against
gunicorn while PostgreSQL restarts."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, CertificateFile
from app.services.certificates import issuing
from app.services.learning import enrolling, progress
from tests.cohort_helpers import default_course
from tests.conftest import login
from tests.factories import PASSWORD, make_trainee
from tests.security.helpers import text_of
from tests.security.test_security_headers import assert_secure_headers

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"


def test_an_unreachable_database_gives_a_calm_503_everywhere(app, make_app):
    make_trainee(email="t@example.jp")
    db.session.commit()
    healthy = app.test_client()
    login(healthy, "t@example.jp", PASSWORD)
    broken = make_app(UNREACHABLE).test_client()
    broken.set_cookie("session", healthy.get_cookie("session").value)  # a logged-in trainee
    for url in ("/my", "/courses", "/courses/tsunagari-adult", "/register", "/coordinate/", "/verify/ABCD-EFGH-JKLM-NPQR"):
        response = broken.get(url)
        body = text_of(response)
        assert response.status_code == 503, (url, response.status_code)
        assert "つながりにくくなっています" in body and "Traceback" not in body and "psycopg" not in body, url
        assert int(response.headers["Retry-After"]) > 0
        assert_secure_headers(response, url)
    api = broken.get("/api/municipalities?q=いこま")
    assert api.status_code == 503 and api.get_json() == {"error": 503, "database": "unavailable"}


def _refuse_pdfs(on: bool) -> None:
    """Make the certificate storage refuse new PDFs, as a full or read-only disk would."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            if on:
                conn.execute(sa.text("CREATE FUNCTION refuse_pdf() RETURNS trigger LANGUAGE plpgsql AS "
                                     "$$ BEGIN RAISE EXCEPTION 'certificate storage unavailable'; END $$"))
                conn.execute(sa.text("CREATE TRIGGER refuse_pdf BEFORE INSERT ON certificate_file "
                                     "FOR EACH ROW EXECUTE FUNCTION refuse_pdf()"))
            else:
                conn.execute(sa.text("DROP TRIGGER refuse_pdf ON certificate_file"))
                conn.execute(sa.text("DROP FUNCTION refuse_pdf()"))
        elif on:
            conn.execute(sa.text("CREATE TRIGGER refuse_pdf BEFORE INSERT ON certificate_file "
                                 "BEGIN SELECT RAISE(ABORT, 'certificate storage unavailable'); END"))
        else:
            conn.execute(sa.text("DROP TRIGGER refuse_pdf"))


def test_a_pdf_that_cannot_be_stored_is_never_served_and_a_later_try_works(app):
    course = default_course()
    user = make_trainee(email="t@example.jp")
    enrolment = enrolling.enrol(db.session, user, course)
    progress.record_attendance(db.session, enrolment)
    cert = issuing.current_certificate(db.session, enrolment.id)
    db.session.commit()
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    url = f"/my/certificates/{cert.id}.pdf"
    db.session.rollback()
    _refuse_pdfs(True)
    try:
        refused = client.get(url)
        body = text_of(refused)
        assert refused.status_code == 503 and refused.mimetype == "text/html"
        assert "保存する場所に、いま書き込めませんでした" in body and "%PDF" not in body
        assert "修了の記録と修了証の番号は消えていません" in body and "Traceback" not in body
        db.session.expire_all()
        assert db.session.get(CertificateFile, cert.id) is None
        assert db.session.get(Certificate, cert.id).pdf_sha256 is None
    finally:
        db.session.rollback()  # the reads above hold a lock that DROP TRIGGER waits for
        _refuse_pdfs(False)
    retried = client.get(url)
    assert retried.status_code == 200 and retried.data.startswith(b"%PDF")
    db.session.expire_all()
    stored = db.session.get(CertificateFile, cert.id)
    assert stored is not None and stored.data == retried.data
    assert db.session.get(Certificate, cert.id).pdf_sha256 == hashlib.sha256(retried.data).hexdigest()


def test_a_connection_lost_after_the_page_was_made_still_sends_the_page(app, monkeypatch):
    """PostgreSQL restarting between a page and its final ROLLBACK: the page goes out, not a 500."""
    from sqlalchemy.exc import OperationalError

    original = db.session.remove
    calls = []

    def remove_once_broken():
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
        original()

    monkeypatch.setattr(db.session, "remove", remove_once_broken)
    response = app.test_client().get("/register")
    assert response.status_code == 200 and "新規登録" in text_of(response)
    assert len(calls) >= 2
