"""Helpers for the learning tests: fixture courses, quiz answers, pages."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import ContentVersion, QuizAttempt
from app.services.content import courses
from tests.conftest import CSRF_RE

FIXTURES = Path(__file__).parent / "content_fixtures"
DEFAULT_BUNDLES = Path(__file__).parent.parent / "content" / "courses"
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def publish_bundle(path: Path) -> ContentVersion:
    """Import a bundle folder and make it live."""
    result = courses.import_path(db.session, path, actor=None, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    assert result.ok, result.errors
    courses.publish(db.session, result.version, actor=None)
    db.session.commit()
    return result.version


def bundle_copy(tmp_path: Path, name: str = "valid-adult", *, quiz: dict | None = None,
                replace: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of a fixture bundle with quiz.yaml keys changed and text replaced in files."""
    target = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(FIXTURES / name, target)
    if quiz:
        path = target / "quiz.yaml"
        text = path.read_text(encoding="utf-8")
        for key, value in quiz.items():
            text, n = re.subn(rf"^{key}: .*$", f"{key}: {value}", text, flags=re.M)
            assert n == 1, key
        path.write_text(text, encoding="utf-8")
    for file, (old, new) in (replace or {}).items():
        path = target / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def right_answers(version: ContentVersion) -> dict[str, list[str]]:
    return {q["id"]: list(q["answer"]) for q in version.quiz["questions"]}


def wrong_answers(version: ContentVersion) -> dict[str, list[str]]:
    """Every question answered, every one wrong."""
    out = {}
    for q in version.quiz["questions"]:
        others = [c["id"] for c in q["choices"] if c["id"] not in q["answer"]]
        out[q["id"]] = others[:1] if q["kind"] != "multiple" else others
    return out


def form_data(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q-{qid}": choices for qid, choices in answers.items()}


def start_quiz(client, slug: str) -> tuple[str, str, str]:
    """Start (or continue) the quiz through the pages: (attempt URL, token, CSRF token)."""
    page = client.get(f"/courses/{slug}/quiz").get_data(as_text=True)
    csrf = CSRF_RE.search(page).group(1)
    response = client.post(f"/courses/{slug}/quiz/start", data={"csrf_token": csrf})
    assert response.status_code == 302, response.status_code
    url = response.headers["Location"]
    attempt_page = client.get(url).get_data(as_text=True)
    return url, TOKEN_RE.search(attempt_page).group(1), CSRF_RE.search(attempt_page).group(1)


def submit(client, url: str, token: str, csrf: str, answers: dict[str, list[str]]):
    return client.post(url, data={"csrf_token": csrf, "token": token, **form_data(answers)})


def attempts(enrolment_id: int) -> list[QuizAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.enrolment_id == enrolment_id)
                                   .order_by(QuizAttempt.number)))


def complete_by_attendance(course, email: str) -> int:
    """A new trainee enrolled in `course` and completed by attendance (committed): the certificate's id."""
    from app.services.certificates import issuing
    from app.services.learning import enrolling, progress
    from tests.factories import make_trainee

    enrolment = enrolling.enrol(db.session, make_trainee(email=email), course)
    db.session.commit()
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return issuing.current_certificate(db.session, enrolment.id).id
