"""Login cards carry a QR code that opens the pupil login with class code and number filled in."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import OrganisationKind, User
from app.services.accounts import class_roster, pupils
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation


@pytest.fixture()
def school_class(app):
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="つながり小学校")
    teacher = make_coordinator(org, email="teacher@example.jp")
    db.session.commit()
    made = pupils.create_class(db.session, org, name="5年1組", count=2, name_for=lambda n: f"5年1組 {n}番",
                               actor=teacher)
    db.session.commit()
    return org, made


def test_cards_have_a_qr_code_with_class_code_and_number_but_no_password(app, school_class, monkeypatch):
    org, made = school_class
    seen: list[str] = []
    real = class_roster.login_qr_svg

    def recording(url: str) -> str:
        seen.append(url)
        return real(url)

    monkeypatch.setattr(class_roster, "login_qr_svg", recording)
    client = app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    url = f"/coordinate/organisations/{org.id}/classes/{made.id}"
    response = post_form(client, url + "/cards", {}, token_from=url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    passwords = re.findall(rf"パスワード\s*([{pupils.PASSWORD_ALPHABET}]{{6}})", text)
    assert len(seen) == 2 and len(passwords) == 2
    for number, link in enumerate(sorted(seen), start=1):
        assert link.endswith(f"/pupil-login?code={made.code}&n={number}")
        assert not any(p in link for p in passwords)
    assert "QRコード" in text
    assert class_roster.login_qr_svg("https://example.jp/").startswith("<svg")


def test_login_form_filled_from_the_card_link_never_sent_by_itself(app, school_class):
    _org, made = school_class
    client = app.test_client()
    page = client.get(f"/pupil-login?code={made.code.lower()}&n=2")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{made.code}"' in body and 'value="2"' in body
    # Nothing logged in, no password anywhere in the page, no script that submits.
    assert db.session.scalar(sa.select(User).where(User.last_login_at.is_not(None))) is None
    assert ".submit()" not in body and 'name="password" value' not in body


@pytest.mark.parametrize("query", [
    "code=<script>", "code=AAAAAAAAAAAAAAAAAAAAAAAA", "code=ACDEF0",
    "n=99999999999999999999", "n=-1", "n=%EF%BC%91", "n=0", "next=https://evil.example/&code=x",
])
def test_hostile_card_links_are_ignored(app, school_class, query):
    client = app.test_client()
    response = client.get(f"/pupil-login?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>" not in body.split("<body", 1)[1].split("</form>")[0] or "&lt;script" in body
    assert re.search(r'name="class_code"[^>]*value="[^"]+"', body) is None
    assert re.search(r'name="number"[^>]*value="[^"]+"', body) is None


def test_the_login_after_a_card_link_goes_home_not_to_a_given_address(app, school_class):
    _org, made = school_class
    client = app.test_client()
    db.session.expire_all()
    pupil = db.session.scalar(sa.select(User).where(User.school_class_id == made.id, User.pupil_number == 1))
    password = pupils.new_password(db.session, pupil, pupil)
    db.session.commit()
    link = f"/pupil-login?code={made.code}&n=1&next=https://evil.example/"
    response = post_form(client, link, {"class_code": made.code, "number": "1", "password": password})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_bidi_controls_in_a_card_link_are_taken_out(app, school_class):
    body = app.test_client().get("/pupil-login?code=%E2%80%AEacdefg%E2%80%AC&n=3").get_data(as_text=True)
    assert 'value="ACDEFG"' in body and "\u202e" not in body and 'value="3"' in body


def test_the_qr_code_is_really_drawn_on_the_sheet(app, school_class, monkeypatch):
    """The card renderer loads nothing but its font: a QR code given as a data: URI would be dropped."""
    org, made = school_class
    client = app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    url = f"/coordinate/organisations/{org.id}/classes/{made.id}"

    def drawn() -> int:
        response = post_form(client, url + "/cards", {}, token_from=url)
        page = PdfReader(io.BytesIO(response.data)).pages[0]
        return len(page.get_contents().get_data())

    with_qr = drawn()
    monkeypatch.setattr(class_roster, "login_qr_svg", lambda link: "<svg></svg>")
    assert with_qr > drawn() + 1000
