"""evaluation.yaml: checked with file:line errors, stored in the version at import."""
from __future__ import annotations

from app.services.content.bundle import check_bundle
from tests.learn_helpers import DEFAULT_BUNDLES, bundle_copy

GOOD = """scale: 4
labels: [ちがう, すこしちがう, すこしそう, そう]
faces: true
items:
  - id: a
    text: 一つ目
  - id: b
    text: 二つ目
  - id: c
    text: 三つ目
"""


def _check(tmp_path, text: str):
    folder = bundle_copy(tmp_path)
    (folder / "evaluation.yaml").write_text(text, encoding="utf-8")
    return check_bundle(folder)


def test_default_courses_have_neutral_items_that_pass():
    adult = check_bundle(DEFAULT_BUNDLES / "tsunagari-adult").bundle.evaluation
    children = check_bundle(DEFAULT_BUNDLES / "tsunagari-children").bundle.evaluation
    assert (adult.scale, len(adult.items), adult.faces) == (5, 5, False)
    assert (children.scale, len(children.items), children.faces) == (4, 4, True)


def test_a_good_file_is_read(tmp_path):
    result = _check(tmp_path, GOOD)
    assert result.ok, result.errors
    assert [i.id for i in result.bundle.evaluation.items] == ["a", "b", "c"]


def test_bad_items_are_reported_with_file_and_line(tmp_path):
    cases = {
        GOOD.replace("scale: 4", "scale: 7"): ("evaluation.scale", 1),
        GOOD.replace("labels: [ちがう, すこしちがう, すこしそう, そう]", "labels: [ちがう, そう]"):
            ("evaluation.labels_count", 2),
        GOOD.replace("  - id: b", "  - id: a"): ("evaluation.item_id_duplicate", 7),
        GOOD.replace("  - id: c", "  - id: c d"): ("evaluation.item_id", 9),
        GOOD.split("  - id: b")[0]: ("evaluation.items_count", 5),
        "scale: 4\nlabels: [a, b, c, d]\nitems: []\n": ("evaluation.no_items", 3),
        GOOD + "colour: red\n": (None, 11),
    }
    for text, (code, line) in cases.items():
        result = _check(tmp_path, text)
        assert not result.ok, text
        error = result.errors[0]
        assert error.file == "evaluation.yaml" and error.line == line, (text, error)
        if code:
            assert error.code == code, (text, error)
