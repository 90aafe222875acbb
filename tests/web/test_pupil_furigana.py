"""Every page a pupil can reach: no kanji above the course's grade without furigana.

A pupil walks the children's course through the pages (login, course, lessons, quiz, result,
survey, my page, certificates, preferences, error pages, a form error, flashed messages); on every
page, the text a pupil reads (outside <ruby>, and ruby's reading itself) must hold no kanji that the
course's furigana_grade does not cover. Proper names from the data (the school) are left out.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import abort
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Certificate, OrganisationKind, User
from app.services.accounts import pupils
from app.services.content.furigana import is_kanji, known_kanji
from app.web import furigana_ui
from tests.conftest import CSRF_RE, post_form
from tests.factories import make_coordinator, make_organisation
from tests.learn_helpers import DEFAULT_BUNDLES, TOKEN_RE, publish_bundle, right_answers, wrong_answers

PUPIL_PASSWORD = "kanta3"
SCHOOL = "生駒市立つながり小学校"
# Proper names the data brings onto the pages; a pupil's teacher reads them out.
PROPER_NAMES = (SCHOOL, "生駒市", "生駒")
# Text that is not the site's words: the <title> is the tab's name (it cannot hold ruby), a
# <textarea> holds what the pupil typed.
_UNREAD = {"script", "style", "head", "title", "rt", "rp", "textarea"}
_VISIBLE_ATTRIBUTES = ("placeholder",)


class _ReadText(HTMLParser):
    """The text a reader sees outside <ruby> (the base text under a ruby has its reading)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ruby = 0
        self.unread = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "input", "meta", "link", "hr", "source", "track", "wbr"):
            self._attributes(tag, dict(attrs))
            return
        self.stack.append(tag)
        self.ruby += tag == "ruby"
        self.unread += tag in _UNREAD
        self._attributes(tag, dict(attrs))

    def _attributes(self, tag, attrs):
        for name in _VISIBLE_ATTRIBUTES:
            if attrs.get(name):
                self.chunks.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.chunks.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            self.ruby -= open_tag == "ruby"
            self.unread -= open_tag in _UNREAD
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.ruby and not self.unread:
            self.chunks.append(data)


def unreadable(html: str, grade: int) -> list[str]:
    """Snippets around each kanji above grade that has no ruby."""
    parser = _ReadText()
    parser.feed(html)
    text = " ".join(parser.chunks)
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    known = known_kanji(grade)
    found, last = [], -2
    for index, char in enumerate(text):
        if is_kanji(char) and char not in known:
            if index != last + 1:  # one snippet for a run of unknown kanji
                found.append(re.sub(r"\s+", " ", text[max(0, index - 12): index + 8]).strip())
            last = index
    return found


def test_the_checker_sees_kanji_outside_ruby_only():
    assert unreadable("<p>講座</p>", 4) == ["講座"]
    assert unreadable("<p><ruby>講座<rp>(</rp><rt>こうざ</rt><rp>)</rp></ruby>と学校</p>", 4) == []
    # The tab title is left out; a placeholder and a submit button's value are read.
    assert unreadable("<title>講座</title><p>入力</p><input placeholder='講'>", 4) == ["入力 講"]
    assert unreadable('<input type="submit" value="確認">', 4) == ["確認"]
    assert unreadable(f"<p>{SCHOOL}</p>", 4) == []


def test_the_filter_adds_ruby_only_outside_ruby_scripts_and_fields():
    html = ('<p>講座<ruby>完了<rt>かんりょう</rt></ruby></p><script>var 講 = 1;</script>'
            '<textarea>講座</textarea><a title="講座" href="/x?a=1&amp;b=2">確認</a>')
    out = furigana_ui.annotate_html(html, 4)
    assert out.startswith("<p><ruby>講座<rp>(</rp><rt>こうざ</rt><rp>)</rp></ruby><ruby>完了<rt>")
    assert "<script>var 講 = 1;</script><textarea>講座</textarea>" in out
    assert '<a title="講座" href="/x?a=1&amp;b=2"><ruby>確認' in out
    assert unreadable(out, 4) == []
    assert furigana_ui.annotate_html("<p>学校 &amp; 先生</p>", 4) == "<p>学校 &amp; 先生</p>"


@pytest.fixture()
def pupil_world(app):
    """The children's course, a school with a teacher and a class; pupil 1 has a known password."""
    children = publish_bundle(DEFAULT_BUNDLES / "tsunagari-children")
    school = make_organisation(kind=OrganisationKind.SCHOOL, name=SCHOOL)
    teacher = make_coordinator(school, email="teacher@example.jp")
    school_class = pupils.create_class(db.session, school, name="6年1組", count=2,
                                       name_for=lambda n: f"6年1組 {n}番", actor=teacher)
    pupil = pupils.pupils_of(db.session, school_class)[0]
    pupil.password_hash = generate_password_hash(PUPIL_PASSWORD, method=pupils.PUPIL_HASH_METHOD)
    db.session.commit()
    return children, school_class, pupil


class Walk:
    """A pupil's client that checks every page it reads."""

    def __init__(self, client, grade: int) -> None:
        self.client = client
        self.grade = grade
        self.problems: dict[str, list[str]] = {}
        self.pages = 0

    def check(self, label: str, response, status: int = 200) -> str:
        assert response.status_code == status, (label, response.status_code)
        html = response.get_data(as_text=True)
        assert "<html" in html, label
        found = unreadable(html, self.grade)
        if found:
            self.problems[label] = found
        self.pages += 1
        return html

    def get(self, url: str, status: int = 200, label: str | None = None) -> str:
        return self.check(label or url, self.client.get(url), status)

    def follow(self, label: str, response) -> str:
        """After a POST that redirects: the next page, with its flashed message."""
        assert response.status_code == 302, (label, response.status_code)
        return self.get(response.headers["Location"], label=label)


def test_every_page_a_pupil_reads_has_furigana_above_the_grade(app, pupil_world):
    children, school_class, pupil = pupil_world
    slug = children.course.slug
    grade = children.meta["furigana_grade"]
    assert grade == 4
    walk = Walk(app.test_client(), grade)
    client = walk.client
    # No page refuses a pupil with 403 today (guards answer 404); the 403 page is shown through one.
    app.add_url_rule("/test-forbidden", "test_forbidden", lambda: abort(403))

    # The login page, a form error (nothing typed) and a refused login.
    walk.get("/pupil-login")
    walk.check("login: empty form", post_form(client, "/pupil-login", {"class_code": "", "number": "",
                                                                       "password": ""}))
    walk.check("login: refused", post_form(client, "/pupil-login", {"class_code": school_class.code,
                                                                    "number": "1", "password": "wrong1"}))
    response = post_form(client, "/pupil-login", {"class_code": school_class.code, "number": "1",
                                                  "password": PUPIL_PASSWORD})
    assert response.status_code == 302

    course_url = f"/courses/{slug}"
    walk.get("/courses", label="catalogue")
    walk.get(course_url, label="course, not enrolled")
    # A lesson before enrolling: a flashed message on the course page.
    walk.follow("flash: enrol first", client.get(f"{course_url}/lessons/{children.lessons[0].key}"))
    walk.follow("flash: enrolled", post_form(client, f"{course_url}/enrol", {}, token_from=course_url))
    walk.get(course_url, label="course, enrolled")
    for lesson in children.lessons:
        url = f"{course_url}/lessons/{lesson.key}"
        page = walk.get(url, label=f"lesson {lesson.key}")
        # A reflection too long for the form: the form error on the lesson page.
        if 'name="text"' in page:
            walk.check(f"lesson {lesson.key}: reflection error",
                       post_form(client, f"{url}/reflection", {"text": "あ" * 20000}, token_from=url), 400)
        walk.follow(f"lesson {lesson.key} done", post_form(client, f"{url}/complete", {}, token_from=url))

    # The quiz: the page, an attempt, a missing answer, a failed result, a passed one.
    walk.get(f"{course_url}/quiz", label="quiz")
    start = post_form(client, f"{course_url}/quiz/start", {}, token_from=f"{course_url}/quiz")
    attempt_url = start.headers["Location"]
    page = walk.get(attempt_url, label="attempt form")
    token, csrf = TOKEN_RE.search(page).group(1), CSRF_RE.search(page).group(1)
    walk.check("attempt: unanswered", client.post(attempt_url, data={"csrf_token": csrf, "token": token}), 400)
    wrong = {f"q-{qid}": choices for qid, choices in wrong_answers(children).items()}
    walk.follow("attempt: failed", client.post(attempt_url, data={"csrf_token": csrf, "token": token, **wrong}))
    walk.get(f"{course_url}/quiz", label="quiz after a try")
    start = post_form(client, f"{course_url}/quiz/start", {}, token_from=f"{course_url}/quiz")
    attempt_url = start.headers["Location"]
    page = client.get(attempt_url).get_data(as_text=True)
    token, csrf = TOKEN_RE.search(page).group(1), CSRF_RE.search(page).group(1)
    right = {f"q-{qid}": choices for qid, choices in right_answers(children).items()}
    walk.follow("attempt: passed", client.post(attempt_url, data={"csrf_token": csrf, "token": token, **right}))
    walk.get(course_url, label="course, completed")

    # The survey, with nothing answered (an error) if the course has one.
    if children.survey:
        walk.get(f"{course_url}/survey", label="survey")

    # My page with the certificate, my data, the account page, the preferences with a flash.
    walk.get("/my", label="my page")
    walk.get("/my/data", label="my data")
    walk.get("/my/delete", label="delete account")
    walk.follow("flash: preferences", post_form(client, "/my/preferences", {"text_size": "large", "furigana": "y",
                                                                             "next": "/my"}, token_from="/my"))
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == pupil.id))
    assert certificate is not None

    # Error pages in the pupil's session.
    walk.get("/courses/no-such-course", 404, label="404")
    walk.get("/test-forbidden", 403, label="403")

    assert walk.pages >= 20
    assert not walk.problems, "kanji above grade 4 without furigana:\n" + "\n".join(
        f"{label}: {found}" for label, found in walk.problems.items())


def test_furigana_off_and_english_leave_the_words_alone(app, pupil_world):
    children, school_class, pupil = pupil_world
    client = app.test_client()
    post_form(client, "/pupil-login", {"class_code": school_class.code, "number": "1", "password": PUPIL_PASSWORD})

    def menu() -> str:
        return re.search(r'<a href="/courses">(.*?)</a>', client.get("/my").get_data(as_text=True)).group(1)

    assert menu() == "<ruby>講座<rp>(</rp><rt>こうざ</rt><rp>)</rp></ruby>"
    db.session.get(User, pupil.id).is_furigana_on = False
    db.session.commit()
    assert menu() == "講座"
    db.session.get(User, pupil.id).is_furigana_on = True
    db.session.commit()
    post_form(client, "/language", {"lang": "en", "next": "/my"}, token_from="/my")
    assert "<ruby>" not in menu()


def test_adult_pages_are_unchanged(app):
    publish_bundle(DEFAULT_BUNDLES / "tsunagari-adult")
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "<ruby>" not in page


def test_the_grade_is_the_courses_and_pages_outside_a_course_use_grade_4(app, tmp_path):
    import shutil

    source = tmp_path / "grade6"
    shutil.copytree(DEFAULT_BUNDLES / "tsunagari-children", source)
    course_yaml = source / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    course_yaml.write_text(text.replace("furigana_grade: 4", "furigana_grade: 6"), encoding="utf-8")
    version = publish_bundle(source)
    assert version.meta["furigana_grade"] == 6
    school = make_organisation(kind=OrganisationKind.SCHOOL, name=SCHOOL)
    teacher = make_coordinator(school, email="teacher@example.jp")
    school_class = pupils.create_class(db.session, school, name="6年1組", count=1, name_for=lambda n: f"{n}番",
                                       actor=teacher)
    pupils.pupils_of(db.session, school_class)[0].password_hash = generate_password_hash(
        PUPIL_PASSWORD, method=pupils.PUPIL_HASH_METHOD)
    db.session.commit()
    client = app.test_client()
    post_form(client, "/pupil-login", {"class_code": school_class.code, "number": "1", "password": PUPIL_PASSWORD})
    menu = re.compile(r'<a href="/courses">(.*?)</a>')
    # 講座: 講 is taught in grade 5, 座 in grade 6.
    assert menu.search(client.get(f"/courses/{version.course.slug}").get_data(as_text=True)).group(1) == "講座"
    assert menu.search(client.get("/my").get_data(as_text=True)).group(1).startswith("<ruby>講座")
