"""The class's default name (「5年1組 1番」) is not printed from the organisation's side either: its
single download refuses with the way out, and the certificates ZIP leaves such certificates out."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.models import BulkJob, Enrolment, OrganisationKind, User
from app.services.accounts import class_roster, pupils
from app.services.certificates import issuing
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle


def _class_with_certificates(app):
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="つながり小学校")
    teacher = make_coordinator(org, email="teacher@example.jp")
    db.session.commit()
    school_class = pupils.create_class(db.session, org, name="5年1組", count=2, name_for=lambda n: f"5年1組 {n}番",
                                       actor=teacher)
    version = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    certs = []
    for number in (1, 2):
        pupil = db.session.scalar(sa.select(User).where(User.school_class_id == school_class.id,
                                                        User.pupil_number == number))
        enrolment = Enrolment(user_id=pupil.id, course_id=version.course.id, started_version_id=version.id,
                              completed_version_id=version.id, lessons_done=1, lessons_required=1,
                              completed_at=datetime(2026, 6, 1, 3, tzinfo=UTC))
        db.session.add(enrolment)
        db.session.flush()
        certs.append(issuing.issue_for_enrolment(db.session, enrolment, org))
    certs[1].holder_name = "やまだ はなこ"  # the teacher named pupil 2 (the certificate follows the name)
    db.session.commit()
    client = app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    return org, certs, client


def test_the_rule_in_one_query_matches_the_pupils_own(app):
    _org, (unnamed, named), _client = _class_with_certificates(app)
    assert class_roster.with_class_default_names(db.session, [unnamed.id, named.id]) == {unnamed.id}
    assert class_roster.with_class_default_names(db.session, []) == set()
    pupil = db.session.get(User, unnamed.user_id)
    assert class_roster.prints_class_default(db.session, pupil, unnamed.holder_name)


def test_the_organisation_cannot_print_a_default_name(app):
    org, (unnamed, named), client = _class_with_certificates(app)
    response = client.get(f"/coordinate/organisations/{org.id}/certificates/{unnamed.id}.pdf")
    assert response.status_code == 302 and response.location.endswith(f"/certificates/{unnamed.id}")
    assert "仮の名前のまま" in client.get(response.location).get_data(as_text=True)
    named_pdf = client.get(f"/coordinate/organisations/{org.id}/certificates/{named.id}.pdf")
    assert named_pdf.status_code == 200 and named_pdf.mimetype == "application/pdf"


def test_the_zip_leaves_default_names_out_and_says_so(app):
    org, (unnamed, named), client = _class_with_certificates(app)
    certs_url = f"/coordinate/organisations/{org.id}/certificates"
    response = post_form(client, f"{certs_url}/bulk", {}, token_from=certs_url)
    assert response.status_code == 302
    jobs.wait_for_threads()  # the job renders in a thread with the default queue
    job = db.session.scalars(sa.select(BulkJob).order_by(BulkJob.id.desc())).first()
    assert job.certificate_ids == [named.id]
    assert "仮の名前のままの 1 件は含めていません" in client.get(response.location).get_data(as_text=True)
