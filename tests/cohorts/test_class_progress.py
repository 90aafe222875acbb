"""A teacher's class page: each pupil's progress, names pasted in bulk, the unset-name warning."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Enrolment, OrganisationKind, QuizAttempt, SchoolClass, User
from app.services.accounts import pupils
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle


@pytest.fixture()
def setup(app):
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="つながり小学校")
    teacher = make_coordinator(org, email="teacher@example.jp")
    other = make_organisation(kind=OrganisationKind.SCHOOL, municipality="142166", name="座間市立小学校")
    make_coordinator(other, email="zama@example.jp")
    db.session.commit()
    school_class = pupils.create_class(db.session, org, name="5年1組", count=3,
                                       name_for=lambda n: f"5年1組 {n}番", actor=teacher)
    other_class = pupils.create_class(db.session, other, name="5年2組", count=2,
                                      name_for=lambda n: f"5年2組 {n}番", actor=teacher)
    db.session.commit()
    client = app.test_client()
    login(client, "teacher@example.jp", PASSWORD)
    return org, school_class, other, other_class, client


def _pupil(school_class: SchoolClass, number: int) -> User:
    return db.session.scalar(sa.select(User).where(User.school_class_id == school_class.id,
                                                   User.pupil_number == number))


def _url(org, school_class, tail: str = "") -> str:
    return f"/coordinate/organisations/{org.id}/classes/{school_class.id}{tail}"


def test_progress_shown_per_pupil_sortable_and_warns_of_unset_names(app, setup):
    org, school_class, other, other_class, client = setup
    version = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    done = Enrolment(user_id=_pupil(school_class, 2).id, course_id=version.course.id, started_version_id=version.id,
                     lessons_done=4, lessons_required=4, quiz_passed_at=datetime(2026, 6, 1, tzinfo=UTC),
                     completed_at=datetime(2026, 6, 1, 3, tzinfo=UTC))
    # Another school's pupil with progress: never on our page.
    theirs = Enrolment(user_id=_pupil(other_class, 1).id, course_id=version.course.id, started_version_id=version.id,
                       lessons_done=3, lessons_required=4)
    db.session.add_all([done, theirs])
    db.session.flush()
    for number, passed in ((1, False), (2, True)):
        db.session.add(QuizAttempt(enrolment_id=done.id, version_id=version.id, number=number, token=f"t{number}",
                                   order=[], score=90 if passed else 10, is_passed=passed,
                                   submitted_at=datetime(2026, 6, 1, tzinfo=UTC)))
    db.session.add(QuizAttempt(enrolment_id=done.id, version_id=version.id, number=3, token="t3", order=[]))
    db.session.commit()

    page = client.get(_url(org, school_class)).get_data(as_text=True)
    assert "4 / 4" in page and "合格（2回）" in page and "2026年6月1日" in page
    assert "3 / 4" not in page and "5年2組" not in page
    assert "なまえが未設定の児童がいます（3人）" in page
    # Sorted by number by default; by progress the one who completed comes first.
    assert page.index("name-" + str(_pupil(school_class, 1).id)) < page.index("name-" + str(_pupil(school_class, 2).id))
    by_progress = client.get(_url(org, school_class) + "?sort=progress").get_data(as_text=True)
    assert by_progress.index(f"name-{_pupil(school_class, 2).id}") < by_progress.index(
        f"name-{_pupil(school_class, 1).id}")
    # An unknown sort is ignored, not an error; a NUL byte is refused by the app as everywhere.
    assert client.get(_url(org, school_class) + "?sort=drop").status_code == 200
    assert client.get(_url(org, school_class) + "?sort=%00drop").status_code == 400


def test_another_schools_class_is_404(app, setup):
    org, school_class, other, other_class, client = setup
    assert client.get(_url(other, other_class)).status_code == 404
    assert client.get(_url(org, other_class)).status_code == 404
    assert client.get(_url(org, other_class, "/names")).status_code == 404
    response = post_form(client, _url(org, other_class, "/names"), {"names": "x", "save": "1"},
                         token_from=_url(org, school_class, "/names"))
    assert response.status_code == 404
    assert _pupil(other_class, 1).display_name == "5年2組 1番"


def test_bulk_names_preview_then_save_audited_and_double_submit_harmless(app, setup):
    org, school_class, _other, _other_class, client = setup
    url = _url(org, school_class, "/names")
    # A NUL byte is refused (as by every form of the app) and nothing is saved.
    assert post_form(client, url, {"names": "やまだ\u0000", "save": "1"}).status_code == 400
    # Bidi overrides and zero-width characters are taken out.
    text = "やまだ はなこ\n\n\u202eさとう けん\u200b\n"
    preview = post_form(client, url, {"names": text, "preview": "1"})
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "やまだ はなこ" in body and "さとう けん" in body
    assert _pupil(school_class, 1).display_name == "5年1組 1番"  # nothing saved by a preview
    for _ in range(2):
        response = post_form(client, url, {"names": text, "save": "1"})
        assert response.status_code == 302
    db.session.expire_all()
    assert [_pupil(school_class, n).display_name for n in (1, 2, 3)] == ["やまだ はなこ", "5年1組 2番", "さとう けん"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "pupil.rename")).all()
    assert sorted(e.target_id for e in events) == sorted(str(_pupil(school_class, n).id) for n in (1, 3))
    page = client.get(_url(org, school_class)).get_data(as_text=True)
    assert "なまえが未設定の児童がいます（1人）" in page
    # The bulk page starts with the names already set, blank for the default ones.
    assert "やまだ はなこ\n\nさとう けん" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(("text", "message"), [
    ("a\nb\nc\nd", "4行目"),
    ("あ" * 61, "長すぎ"),
    ("\U0001F600たろう", "印刷できない文字"),
    ("\n" * 300 + "x", "行が多すぎます"),
])
def test_bulk_names_refused_with_a_clear_message_and_nothing_saved(app, setup, text, message):
    org, school_class, _other, _other_class, client = setup
    response = post_form(client, _url(org, school_class, "/names"), {"names": "よしだ\n" + text, "save": "1"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert _pupil(school_class, 1).display_name == "5年1組 1番"


def test_bulk_names_need_csrf(app, setup):
    org, school_class, _other, _other_class, client = setup
    response = client.post(_url(org, school_class, "/names"), data={"names": "よしだ", "save": "1"})
    assert response.status_code in (200, 400)
    db.session.expire_all()
    assert _pupil(school_class, 1).display_name == "5年1組 1番"
