"""The text-size setting (標準/大/特大) and the children's theme reach <html>, where rem sizes are
computed (issue 20 item 1; the browser journeys measure the result)."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import OrganisationKind, TextSize
from app.services.accounts import pupils
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee
from tests.learn_helpers import DEFAULT_BUNDLES, publish_bundle

HTML_TAG = re.compile(r"<html\b[^>]*>")


def root_classes(page: str) -> set[str]:
    tag = HTML_TAG.search(page).group(0)
    match = re.search(r'class="([^"]*)"', tag)
    return set(match.group(1).split()) if match else set()


@pytest.mark.parametrize(("size", "expected"), [
    (TextSize.NORMAL, set()),
    (TextSize.LARGE, {"text-large"}),
    (TextSize.XLARGE, {"text-xlarge"}),
])
def test_text_size_is_on_the_root_element(app, client, size, expected):
    make_trainee(email="reader@example.jp", text_size=size)
    db.session.commit()
    login(client, "reader@example.jp", PASSWORD)
    classes = root_classes(client.get("/my").get_data(as_text=True))
    assert classes & {"text-large", "text-xlarge"} == expected


def test_changing_the_setting_changes_the_root_element(app, client):
    make_trainee(email="reader@example.jp")
    db.session.commit()
    login(client, "reader@example.jp", PASSWORD)
    post_form(client, "/my/preferences", {"text_size": "xlarge", "furigana": "y", "next": "/my"}, token_from="/my")
    assert "text-xlarge" in root_classes(client.get("/my").get_data(as_text=True))


def test_pages_without_settings_keep_a_plain_root_element(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert HTML_TAG.search(page).group(0) == '<html lang="ja">'


def test_childrens_theme_and_size_are_on_the_root_element(app, client):
    children = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    school = make_organisation(kind=OrganisationKind.SCHOOL, name="生駒市立つながり小学校")
    teacher = make_coordinator(school, email="teacher@example.jp")
    school_class = pupils.create_class(db.session, school, name="6年1組", count=1,
                                       name_for=lambda n: f"{n}ばん", actor=teacher)
    pupil = pupils.pupils_of(db.session, school_class)[0]
    pupil.set_password("kanta3")
    db.session.commit()
    post_form(client, "/pupil-login", {"class_code": school_class.code, "number": "1", "password": "kanta3"})
    page = client.get(f"/courses/{children.course.slug}").get_data(as_text=True)
    # Pupils start at 大; the theme's own scale needs both classes on the same element.
    assert {"theme-children", "text-large"} <= root_classes(page)
