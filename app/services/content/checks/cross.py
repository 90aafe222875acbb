"""Across files: required lessons that exist, survey and quiz files that match course.yaml."""

from __future__ import annotations

from ..model import CourseMeta, Lesson, Quiz, Survey
from .collector import Collector
from .course import CourseRefs
from .markdown import scan_yaml_markdown


def cross_check(
    c: Collector,
    course: CourseMeta,
    refs: CourseRefs,
    lessons: list[Lesson],
    quiz: Quiz | None,
    survey: Survey | None,
) -> None:
    """Resolve the required lessons and check that quiz and survey files match course.yaml."""
    src = refs.source
    ids = [lesson.id for lesson in lessons]
    completion = course.completion
    if completion.lessons_all:
        completion.lessons = list(ids)
    else:
        required: list[str] = []
        for lesson_id, node in refs.lessons_items:
            # A lesson that could not be read has no known id: naming it is not the mistake.
            if lesson_id not in ids and not c.lesson_ids_incomplete:
                src.error(
                    node,
                    "completion.lesson_unknown",
                    f"completion.lessons の「{lesson_id}」というレッスン id はありません"
                    f"（あるのは: {', '.join(ids) or '-'}）。id を直すか、消してください。",
                    f'completion.lessons names "{lesson_id}", which is not a lesson id '
                    f"(lesson ids: {', '.join(ids) or '-'}). Fix or delete it.",
                )
            elif lesson_id not in required:
                required.append(lesson_id)
        # Course order, not the order written in course.yaml.
        completion.lessons = [lesson_id for lesson_id in ids if lesson_id in required]

    if course.survey and survey is None and c.find_yaml("survey") is None:
        src.error(
            refs.survey_node,
            "course.survey_missing",
            "survey: true ですが survey.yaml がありません。survey.yaml を作るか、survey: false にしてください。",
            "survey is true but survey.yaml is missing. Create survey.yaml or set survey: false.",
        )
    survey_file = c.find_yaml("survey")
    if not course.survey and survey_file is not None:
        c.error(
            survey_file,
            None,
            "course.survey_unused",
            "survey.yaml がありますが course.yaml が survey: true になっていません。"
            "アンケートを使うなら course.yaml に survey: true を書き、使わないなら survey.yaml を消してください。",
            "survey.yaml exists but course.yaml does not say survey: true. Add survey: true "
            "to use it, or delete survey.yaml.",
        )

    quiz_file = c.find_yaml("quiz")
    if quiz_file is not None and refs.completion_node is not None and refs.pass_mark_node is None:
        src.error(
            refs.completion_node,
            "completion.quiz_pass_mark_missing",
            "quiz.yaml がありますが completion.quiz_pass_mark（合格点、0〜100）がありません。"
            "completion に quiz_pass_mark: 80 のように書いてください。",
            "quiz.yaml exists but completion.quiz_pass_mark (pass mark, 0-100) is missing. "
            "Add e.g. quiz_pass_mark: 80 under completion.",
        )
    if quiz_file is None and refs.pass_mark_node is not None:
        src.error(
            refs.pass_mark_node,
            "course.quiz_missing",
            "completion.quiz_pass_mark がありますが quiz.yaml がありません。quiz.yaml を作るか、"
            "quiz_pass_mark を消してください。",
            "completion.quiz_pass_mark is set but quiz.yaml is missing. Create quiz.yaml or "
            "delete quiz_pass_mark.",
        )
    if quiz_file is None and refs.quiz_mode_node is not None:
        src.error(
            refs.quiz_mode_node,
            "course.quiz_missing",
            "completion.quiz がありますが quiz.yaml がありません。quiz.yaml を作るか、"
            "completion.quiz を消してください。",
            "completion.quiz is set but quiz.yaml is missing. Create quiz.yaml or delete completion.quiz.",
        )
    if course.description:
        scan_yaml_markdown(c, src, course.description, refs.description_node)
