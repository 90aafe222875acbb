"""Course bundles: read a bundle folder into typed data, reporting every problem in one run.

The checks live in checks/, one module per kind; the data classes in model.py. This module runs
them and keeps the names other code imports from here.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .checks.collector import Collector
from .checks.course import check_course
from .checks.cross import cross_check
from .checks.evaluation import check_evaluation
from .checks.files import (
    ALLOWED_EXTENSIONS,
    IGNORED_NAMES,
    IMAGE_EXTENSIONS,
    SVG_EXTENSIONS,
    TEXT_EXTENSIONS,
    VIDEO_EXTENSIONS,
    collect_files,
    is_allowed_name,
)
from .checks.lessons import check_lessons
from .checks.quiz import check_quiz
from .checks.quotations import QUOTES_NOTE, check_quotations, declared_quotes
from .checks.sources import check_sources
from .checks.survey import check_survey
from .errors import ContentError
from .model import (
    Bundle,
    CheckResult,
    Choice,
    Completion,
    CourseMeta,
    Lesson,
    Quiz,
    QuizQuestion,
    Survey,
    SurveyQuestion,
    Video,
)

__all__ = [
    "ALLOWED_EXTENSIONS",
    "IGNORED_NAMES",
    "IMAGE_EXTENSIONS",
    "QUOTES_NOTE",
    "SVG_EXTENSIONS",
    "TEXT_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "Bundle",
    "CheckResult",
    "Choice",
    "Completion",
    "CourseMeta",
    "Lesson",
    "Quiz",
    "QuizQuestion",
    "Survey",
    "SurveyQuestion",
    "Video",
    "check_bundle",
    "check_quotations",
    "declared_quotes",
    "is_allowed_name",
]


def check_bundle(path: str | os.PathLike[str]) -> CheckResult:
    """Check a bundle folder and parse it; every problem found is reported."""
    c = Collector(Path(path))
    if not c.root.is_dir():
        c.error(
            ".",
            None,
            "bundle.not_found",
            f"講座フォルダ {c.root} が見つかりません。パスを確認してください。",
            f"The bundle folder {c.root} does not exist. Check the path.",
        )
        return CheckResult(None, c.errors)
    collect_files(c)
    course, refs = check_course(c)
    lessons = check_lessons(c, course)
    quiz = check_quiz(c, course)
    survey = check_survey(c)
    evaluation = check_evaluation(c)
    if course is not None and refs is not None:
        cross_check(c, course, refs, lessons, quiz, survey)
    c.errors.extend(check_sources(c.texts))
    c.errors.sort(key=ContentError.sort_key)
    warnings = check_quotations(c.texts)
    if c.errors or course is None:
        return CheckResult(None, c.errors, warnings)
    files = {rel: data for rel, data in c.raw.items() if rel.startswith(("images/", "media/"))}
    digest = hashlib.sha256()
    for rel in sorted(c.raw):
        digest.update(rel.encode() + b"\0" + hashlib.sha256(c.raw[rel]).digest())
    bundle = Bundle(course, lessons, quiz, survey, files, digest.hexdigest(), evaluation)
    return CheckResult(bundle, [], warnings)
