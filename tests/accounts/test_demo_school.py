"""`flask demo`: the demo school, its teacher and a class of five pupils, one of whom can log in."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Membership, Organisation, OrganisationKind, Role, SchoolClass, User
from tests.conftest import login, post_form

PUPIL_LINE = re.compile(r"pupil\s+class code: (\w+)\s+number: (\d+)\s+password: (\w+)")


def _run_demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def test_flask_demo_makes_a_school_class_and_a_pupil_who_can_log_in(app):
    first = _run_demo(app)
    second = _run_demo(app)

    # Idempotent: the second run makes nothing new and prints the same login.
    assert PUPIL_LINE.search(first).groups() == PUPIL_LINE.search(second).groups()
    schools = list(db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.SCHOOL)))
    assert len(schools) == 1 and schools[0].municipality_code == "292095"  # 生駒市, as the demo organisation
    classes = list(db.session.scalars(sa.select(SchoolClass)))
    assert len(classes) == 1 and classes[0].organisation_id == schools[0].id
    pupils = list(db.session.scalars(sa.select(User).where(User.school_class_id == classes[0].id)))
    assert sorted(p.pupil_number for p in pupils) == [1, 2, 3, 4, 5]
    teacher = db.session.scalar(sa.select(User).where(User.email == "teacher@demo.tsunagari.example"))
    assert teacher.role is Role.COORDINATOR
    assert db.session.get(Membership, (teacher.id, schools[0].id)) is not None
    assert "teacher@demo.tsunagari.example" in first and "Demo school: 生駒市立つながり小学校（デモ）" in first

    # The printed pupil logs in through the pupil login form and lands in the children's theme.
    code, number, password = PUPIL_LINE.search(second).groups()
    assert code == classes[0].code
    pupil = app.test_client()
    response = post_form(pupil, "/pupil-login", {"class_code": code, "number": number, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "theme-children" in pupil.get("/my").get_data(as_text=True)

    # The teacher sees the class on the coordinator's class pages.
    teacher_client = app.test_client()
    login(teacher_client, "teacher@demo.tsunagari.example", "demo-teacher-pass")
    page = teacher_client.get(f"/coordinate/organisations/{schools[0].id}/classes").get_data(as_text=True)
    assert "6年1組" in page


def test_a_changed_demo_password_is_put_back(app):
    from werkzeug.security import generate_password_hash

    _run_demo(app)
    pupil = db.session.scalar(sa.select(User).where(User.pupil_number == 1))
    pupil.password_hash = generate_password_hash("other1", method="pbkdf2:sha256:200000")
    db.session.commit()
    code, number, password = PUPIL_LINE.search(_run_demo(app)).groups()
    client = app.test_client()
    response = post_form(client, "/pupil-login", {"class_code": code, "number": number, "password": password})
    assert response.status_code == 302
