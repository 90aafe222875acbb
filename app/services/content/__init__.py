"""The content engine: course bundles checked, parsed and rendered without any web framework.

Also owns the stored courses and their versions (``courses``: import, publish, defaults).
May import ``infra`` and ``learning``; the engine itself (bundle, render, furigana) imports no service.
"""

from .archive import Limits, check_archive, extract_zip_safely
from .bundle import (
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
    check_bundle,
)
from .errors import ArchiveError, ContentError
from .render import (
    RenderedBundle,
    RenderedLesson,
    RenderedQuestion,
    RenderedSurveyQuestion,
    render_bundle,
    render_course_description,
    render_inline,
    render_lesson,
    render_markdown,
    render_question,
    render_survey_question,
    render_transcript,
    sanitize,
)

__all__ = [
    "ArchiveError",
    "Bundle",
    "CheckResult",
    "Choice",
    "Completion",
    "ContentError",
    "CourseMeta",
    "Lesson",
    "Limits",
    "Quiz",
    "QuizQuestion",
    "RenderedBundle",
    "RenderedLesson",
    "RenderedQuestion",
    "RenderedSurveyQuestion",
    "Survey",
    "SurveyQuestion",
    "Video",
    "check_archive",
    "check_bundle",
    "extract_zip_safely",
    "render_bundle",
    "render_course_description",
    "render_inline",
    "render_lesson",
    "render_markdown",
    "render_question",
    "render_survey_question",
    "render_transcript",
    "sanitize",
]
