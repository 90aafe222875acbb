"""Pupils: a class made by a teacher, printed login cards, pupil login, the children's course."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import OrganisationKind, SchoolClass, User
from app.services.accounts import pupils
from tests.conftest import CSRF_RE, login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle

PASSWORD_RE = re.compile(rf"パスワード\s*([{pupils.PASSWORD_ALPHABET}]{{{pupils.PASSWORD_LENGTH}}})")


@pytest.fixture()
def school(app):
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立つながり小学校")
    teacher = make_coordinator(org, email="teacher@example.jp")
    other_school = make_organisation(kind=OrganisationKind.SCHOOL, municipality="142166", name="座間市立小学校")
    make_coordinator(other_school, email="zama-teacher@example.jp")
    db.session.commit()
    return org, teacher, other_school


def _cards(client, url: str, **extra) -> tuple[str, bytes]:
    response = post_form(client, url, extra, token_from=url.rsplit("/cards", 1)[0])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return text, response.data


def test_pupil_path(app, school):
    org, teacher, _ = school
    children = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    teacher_client = app.test_client()
    login(teacher_client, "teacher@example.jp", PASSWORD)

    # The teacher creates a class of 3 pupils at once.
    response = post_form(teacher_client, f"/coordinate/organisations/{org.id}/classes",
                         {"name": "6年1組", "count": "3"})
    assert response.status_code == 302
    school_class = db.session.scalar(sa.select(SchoolClass))
    assert re.fullmatch(rf"[{pupils.CODE_ALPHABET}]{{{pupils.CODE_LENGTH}}}", school_class.code)
    made = list(db.session.scalars(sa.select(User).where(User.school_class_id == school_class.id)
                                   .order_by(User.pupil_number)))
    assert [(p.pupil_number, p.email, p.age_band, p.sex) for p in made] == [(n, None, None, None) for n in (1, 2, 3)]
    assert made[0].display_name == "6年1組 1番"
    class_url = f"/coordinate/organisations/{org.id}/classes/{school_class.id}"
    assert school_class.code in teacher_client.get(class_url).get_data(as_text=True)

    # Login cards: a PDF with the class code, each number and a password, and furigana.
    text, pdf = _cards(teacher_client, class_url + "/cards")
    assert school_class.code in text and "6年1組 2番" in text and "ばんごう" in text
    passwords = PASSWORD_RE.findall(text)
    assert len(passwords) == 3 and len(set(passwords)) == 3
    # The Japanese font is embedded, not left to the printer.
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert any("IPAex" in str(f.get_object()["/BaseFont"]) for f in fonts.values())

    # The teacher renames a pupil (the name printed on the certificate).
    post_form(teacher_client, class_url + f"/pupils/{made[0].id}/rename", {"display_name": "やまだ はなこ"},
              token_from=class_url)
    db.session.expire_all()
    assert db.session.get(User, made[0].id).display_name == "やまだ はなこ"

    # The pupil logs in with class code + number + password, and lands in the children's course.
    pupil = app.test_client()
    response = post_form(pupil, "/pupil-login", {"class_code": school_class.code.lower(), "number": "1",
                                                 "password": passwords[0]})
    assert response.status_code == 302
    response = pupil.get(response.headers["Location"])
    assert response.headers["Location"].endswith(f"/courses/{children.course.slug}")
    course_page = pupil.get(response.headers["Location"]).get_data(as_text=True)
    assert "theme-children" in course_page and "text-large" in course_page
    post_form(pupil, f"/courses/{children.course.slug}/enrol", {}, token_from=f"/courses/{children.course.slug}")
    first = children.lessons[0].key
    lesson = pupil.get(f"/courses/{children.course.slug}/lessons/{first}").get_data(as_text=True)
    assert "<ruby>" in lesson and "<rt>" in lesson and "theme-children" in lesson
    assert "furigana-off" not in lesson
    response = post_form(pupil, f"/courses/{children.course.slug}/lessons/{first}/complete", {},
                         token_from=f"/courses/{children.course.slug}/lessons/{first}")
    assert "できたね" in pupil.get(response.headers["Location"]).get_data(as_text=True)
    # Pupils cannot delete their own account (the teacher manages it) and see no e-mail fields.
    page = pupil.get("/my/delete").get_data(as_text=True)
    assert "先生に相談してください" in page and 'name="password"' not in page

    # Wrong password, wrong number, wrong code: refused the same way.
    for data in ({"number": "1", "password": "wrong1"}, {"number": "9", "password": passwords[0]},
                 {"number": "1", "password": passwords[0], "class_code": "ZZZZZZ"}):
        fresh = app.test_client()
        response = post_form(fresh, "/pupil-login", {"class_code": school_class.code, **data})
        assert response.status_code == 200 and "どれかがちがいます" in response.get_data(as_text=True)

    # The teacher resets pupil 2's password: shown once; the old one stops working.
    response = post_form(teacher_client, class_url + f"/pupils/{made[1].id}/reset", {}, token_from=class_url)
    new = re.search(rf'class="password-once">([{pupils.PASSWORD_ALPHABET}]{{6}})<', response.get_data(as_text=True))
    assert new and response.headers["Cache-Control"] == "no-store"
    assert post_form(app.test_client(), "/pupil-login", {"class_code": school_class.code, "number": "2",
                                                         "password": passwords[1]}).status_code == 200
    assert post_form(app.test_client(), "/pupil-login", {"class_code": school_class.code, "number": "2",
                                                         "password": new.group(1)}).status_code == 302
    # Printing again only re-issues cards of pupils who never logged in (pupil 3).
    text, _ = _cards(teacher_client, class_url + "/cards")
    assert len(PASSWORD_RE.findall(text)) == 1 and "6年1組 3番" in text


def test_classes_only_for_schools_and_only_in_scope(app, school):
    org, teacher, other_school = school
    municipal = make_organisation(name="生駒市役所")
    db.session.add(__import__("app.models", fromlist=["Membership"]).Membership(
        user_id=teacher.id, organisation_id=municipal.id))
    other_class = SchoolClass(organisation_id=other_school.id, name="5年2組", code="QQQQQQ")
    db.session.add(other_class)
    db.session.commit()
    client = app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    response = post_form(client, f"/coordinate/organisations/{municipal.id}/classes", {"name": "x", "count": "2"})
    assert response.status_code == 200 and "学校の団体だけ" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SchoolClass)) == 1
    # Another school's class, or that class through our own organisation: 404.
    assert client.get(f"/coordinate/organisations/{other_school.id}/classes/{other_class.id}").status_code == 404
    assert client.get(f"/coordinate/organisations/{org.id}/classes/{other_class.id}").status_code == 404
    token = CSRF_RE.search(client.get("/coordinate/").get_data(as_text=True)).group(1)
    assert client.post(f"/coordinate/organisations/{org.id}/classes/{other_class.id}/cards",
                       data={"csrf_token": token}).status_code == 404
    # Too many pupils is refused with a message.
    response = post_form(client, f"/coordinate/organisations/{org.id}/classes", {"name": "大", "count": "51"})
    assert "1から50人まで" in response.get_data(as_text=True)


def test_pupil_login_is_rate_limited(make_app):
    app = make_app(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    token = CSRF_RE.search(client.get("/pupil-login").get_data(as_text=True)).group(1)
    codes = [client.post("/pupil-login", data={"csrf_token": token, "class_code": "AAAAAA", "number": "1",
                                               "password": "nope12"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
