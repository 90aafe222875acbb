"""What changes when a content version replaces the live one: the pure comparison and stored versions."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.extensions import db
from app.services.content import courses
from app.services.content.diff import Item, Snapshot, compare, compare_parts, diff_versions

FIXTURE = Path(__file__).resolve().parents[1] / "content_fixtures" / "valid-adult"


def test_parts_are_matched_by_id_added_removed_retitled_changed():
    old = (Item("a", "はじめに", "<p>1</p>"), Item("b", "気づく", "<p>2</p>"), Item("c", "つなぐ", "<p>3</p>"))
    new = (Item("a", "はじめに", "<p>1 直した</p>"), Item("b", "気づこう", "<p>2</p>"), Item("d", "おわりに", ""))

    d = compare_parts(old, new)

    assert [i.key for i in d.added] == ["d"]
    assert [i.key for i in d.removed] == ["c"]
    assert [(r.key, r.old, r.new) for r in d.retitled] == [("b", "気づく", "気づこう")]
    assert [i.key for i in d.changed] == ["a"]
    assert not d.is_empty


def test_same_content_is_no_change_and_first_publication_lists_everything():
    snap = Snapshot(lessons=(Item("a", "はじめに", 1),), questions=(Item("q1", "問1", ("single",)),),
                    settings=(("pass_mark", 80),))

    assert compare(snap, snap).is_empty
    first = compare(None, snap)
    assert first.first and not first.is_empty
    assert [i.key for i in first.lessons.added] == ["a"] and [i.key for i in first.questions.added] == ["q1"]


def test_settings_report_old_and_new_values():
    old = Snapshot(settings=(("pass_mark", 80), ("required_lessons", ("a", "b"))))
    new = Snapshot(settings=(("pass_mark", 70), ("required_lessons", ("a", "b"))))

    assert compare(old, new).settings == (("pass_mark", 80, 70),)


def _edit(folder: Path, rel: str, old: str, new: str) -> None:
    path = folder / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture()
def two_versions(app, tmp_path):
    def asset_url(version_id: int, path: str) -> str:
        return f"/content/{version_id}/{path}"

    folder = tmp_path / "bundle"
    shutil.copytree(FIXTURE, folder)
    first = courses.import_path(db.session, folder, actor=None, asset_url_for=asset_url).version
    courses.publish(db.session, first, actor=None)
    _edit(folder, "lessons/02-kizuku.md", "title: 気づく", "title: 気づきのサイン")
    _edit(folder, "quiz.yaml", "text: 特別な資格は必要ですか。", "text: 特別な資格は要りますか。")
    _edit(folder, "quiz.yaml", "pass_mark: 80", "pass_mark: 60")
    _edit(folder, "course.yaml", "quiz_pass_mark: 80", "quiz_pass_mark: 60")
    _edit(folder, "course.yaml", 'version: "2026.1"', 'version: "2026.2"')
    result = courses.import_path(db.session, folder, actor=None, asset_url_for=asset_url)
    assert result.ok, [str(e) for e in result.errors]
    db.session.commit()
    return first, result.version


def test_stored_versions_show_the_retitled_lesson_changed_question_and_pass_mark(two_versions):
    live, candidate = two_versions

    d = diff_versions(live, candidate, asset_url_for=lambda version_id, path: f"/content/{version_id}/{path}")

    assert not d.first
    assert [(r.key, r.old, r.new) for r in d.lessons.retitled] == [("kizuku", "気づく", "気づきのサイン")]
    assert not d.lessons.added and not d.lessons.removed and not d.lessons.changed  # same image, other URL
    assert [r.key for r in d.questions.retitled] == ["q1"]
    assert ("pass_mark", 80, 60) in d.settings
    assert diff_versions(live, live).is_empty
