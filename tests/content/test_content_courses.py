"""The default courses in content/courses pass the checker and render quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.services.content import check_bundle, render_bundle

COURSES = Path(__file__).resolve().parents[2] / "content" / "courses"


@pytest.mark.parametrize("slug", ["tsunagari-adult", "tsunagari-children"])
def test_default_course_is_valid_and_renders(slug):
    folder = COURSES / slug
    if not (folder / "course.yaml").exists():
        pytest.skip(f"{slug} is not written yet")

    result = check_bundle(folder)

    assert [str(error) for error in result.errors] == []
    assert result.bundle.course.slug == slug
    start = time.perf_counter()
    rendered = render_bundle(result.bundle, asset_url=lambda path: f"/assets/{path}")
    assert time.perf_counter() - start < 3.0
    assert set(rendered.lessons) == {lesson.id for lesson in result.bundle.lessons}
