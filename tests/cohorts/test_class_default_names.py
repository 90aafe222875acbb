"""A pupil's certificate never prints the class's default name (「5年1組 1番」) unasked: the pupil is
told to ask their teacher; once the teacher sets the name, the certificate carries it."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, CertificateFile, Enrolment, OrganisationKind, User
from app.services.accounts import pupils
from app.services.certificates import issuing
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle


@pytest.fixture()
def completed(app):
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="つながり小学校")
    teacher = make_coordinator(org, email="teacher@example.jp")
    db.session.commit()
    school_class = pupils.create_class(db.session, org, name="5年1組", count=2, name_for=lambda n: f"5年1組 {n}番",
                                       actor=teacher)
    version = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    pupil = db.session.scalar(sa.select(User).where(User.school_class_id == school_class.id, User.pupil_number == 1))
    enrolment = Enrolment(user_id=pupil.id, course_id=version.course.id, started_version_id=version.id,
                          completed_version_id=version.id, lessons_done=1, lessons_required=1,
                          completed_at=datetime(2026, 6, 1, 3, tzinfo=UTC))
    db.session.add(enrolment)
    db.session.flush()
    cert = issuing.issue_for_enrolment(db.session, enrolment)
    password = pupils.new_password(db.session, pupil, teacher)
    db.session.commit()
    pupil_client = app.test_client()
    assert post_form(pupil_client, "/pupil-login", {"class_code": school_class.code, "number": "1",
                                                    "password": password}).status_code == 302
    teacher_client = app.test_client()
    login(teacher_client, "teacher@example.jp", PASSWORD)
    return org, school_class, pupil, cert, pupil_client, teacher_client


def test_default_name_not_printed_until_the_teacher_sets_it(app, completed):
    org, school_class, pupil, cert, pupil_client, teacher_client = completed
    for url in (f"/my/certificates/{cert.id}.pdf", f"/my/certificates/{cert.id}/card.pdf"):
        response = pupil_client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 409 and "先生" in body and "5年1組 1番" in body
        assert "theme-children" in body and "<ruby>" in body
    class_url = f"/coordinate/organisations/{org.id}/classes/{school_class.id}"
    assert "なまえが未設定の児童がいます（2人）" in teacher_client.get(class_url).get_data(as_text=True)

    post_form(teacher_client, class_url + f"/pupils/{pupil.id}/rename", {"display_name": "やまだ はなこ"},
              token_from=class_url)
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).holder_name == "やまだ はなこ"
    response = pupil_client.get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_a_default_named_pdf_already_made_is_reissued_with_the_set_name(app, completed):
    org, school_class, pupil, cert, _pupil_client, teacher_client = completed
    db.session.add(CertificateFile(certificate_id=cert.id, data=b"%PDF-1.7 prerendered"))
    db.session.commit()
    url = f"/coordinate/organisations/{org.id}/classes/{school_class.id}/names"
    assert post_form(teacher_client, url, {"names": "さとう けん", "save": "1"}).status_code == 302
    db.session.expire_all()
    old = db.session.get(Certificate, cert.id)
    assert old.holder_name == "5年1組 1番" and old.superseded_at is not None
    new = db.session.get(Certificate, old.superseded_by_id)
    assert new.holder_name == "さとう けん" and new.code != old.code


def test_adults_and_named_pupils_are_not_affected(app, completed):
    _org, _school_class, pupil, cert, pupil_client, _teacher_client = completed
    cert.holder_name = pupil.display_name = "やまだ はなこ"
    db.session.commit()
    assert pupil_client.get(f"/my/certificates/{cert.id}.pdf").status_code == 200
