"""course.yaml: the course's keys and its completion rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..model import Completion, CourseMeta
from ..yamlsource import Mapping, Source
from .collector import Collector

AUDIENCES = ("adult", "children")
CERTIFICATE_TEMPLATES = ("adult", "children", "card")
# required: passing the quiz is part of completing online; self_check: the quiz is offered and
# scored, but the lessons alone complete the course.
QUIZ_MODES = ("required", "self_check")

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_COURSE_REQUIRED = (
    "slug", "title", "audience", "estimated_minutes", "description", "version", "completion",
)  # fmt: skip
_COURSE_OPTIONAL = ("target_readers", "certificate_template", "survey", "furigana_grade")


@dataclass
class CourseRefs:
    """Nodes of course.yaml that later cross-checks point at."""

    source: Source
    completion_node: Node | None = None
    lessons_items: list[tuple[str, Node]] = field(default_factory=list)
    pass_mark_node: Node | None = None
    quiz_mode_node: Node | None = None
    survey_node: Node | None = None
    description_node: Node | None = None


def check_course(c: Collector) -> tuple[CourseMeta | None, CourseRefs | None]:
    """Read course.yaml; the refs let cross_check point at its keys later."""
    rel = c.find_yaml("course")
    if rel is None:
        c.error(
            "course.yaml",
            None,
            "course.missing",
            "course.yaml がありません。講座フォルダの一番上に course.yaml を作ってください。",
            "course.yaml is missing. Create course.yaml at the top of the bundle folder.",
        )
        return None, None
    src, m = c.yaml_root(rel, "course.yaml")
    if m is None:
        return None, None
    refs = CourseRefs(src)
    src.check_keys(m, "course.yaml", _COURSE_REQUIRED, _COURSE_OPTIONAL)

    slug = src.text(m, "slug", "slug") or ""
    if slug and not ID_RE.match(slug):
        src.error(
            m.value("slug"),
            "course.slug_format",
            f"slug「{slug}」は、英小文字・数字・ハイフンだけで書いてください（例: tsunagari-adult）。",
            f'The slug "{slug}" may only use lowercase letters, digits and hyphens (e.g. tsunagari-adult).',
        )
    title = src.text(m, "title", "title") or ""
    audience = src.text(m, "audience", "audience") or ""
    if audience and audience not in AUDIENCES:
        src.error(
            m.value("audience"),
            "course.audience_unknown",
            f"audience「{audience}」は使えません。adult（大人向け）か children（子ども向け）"
            "のどちらかを書いてください。",
            f'Unknown audience "{audience}". Write adult or children.',
        )
        audience = ""
    readers = src.text_list(m, "target_readers", "target_readers") or []
    minutes = src.integer(m, "estimated_minutes", "estimated_minutes", 0, minimum=1)
    description = src.text(m, "description", "description") or ""
    refs.description_node = m.value("description")
    version = src.text(m, "version", "version") or ""

    template_default = "children" if audience == "children" else "adult"
    template = src.text(m, "certificate_template", "certificate_template", template_default)
    if template not in CERTIFICATE_TEMPLATES:
        src.error(
            m.value("certificate_template"),
            "course.certificate_template_unknown",
            f"certificate_template「{template}」は使えません。adult・children・card の"
            "いずれかを書いてください。",
            f'Unknown certificate_template "{template}". Write adult, children or card.',
        )
        template = template_default
    survey = src.boolean(m, "survey", "survey", False)
    refs.survey_node = m.key_node("survey")
    grade_default = 4 if audience == "children" else 0
    grade = src.integer(
        m,
        "furigana_grade",
        "furigana_grade",
        grade_default,
        minimum=0,
        maximum=6,
        code="course.furigana_grade_range",
    )

    completion = _check_completion(c, src, m, refs)
    course = CourseMeta(
        slug=slug,
        title=title,
        audience=audience,
        target_readers=[text for text, _ in readers],
        estimated_minutes=minutes or 0,
        description=description,
        version=version,
        completion=completion,
        certificate_template=template or template_default,
        survey=survey,
        furigana_grade=grade if grade is not None else grade_default,
    )
    return course, refs


def _check_completion(c: Collector, src: Source, m: Mapping, refs: CourseRefs) -> Completion:
    completion = Completion([], True, None, False)
    node = m.value("completion")
    if node is None:
        return completion
    refs.completion_node = m.key_node("completion")
    cm = src.mapping(node, "completion")
    if cm is None:
        return completion
    src.check_keys(cm, "completion", (), ("lessons", "quiz_pass_mark", "quiz", "attendance_replaces_lessons"))
    lessons_node = cm.value("lessons")
    if isinstance(lessons_node, SequenceNode):
        completion.lessons_all = False
        for text, item in src.text_list(cm, "lessons", "completion.lessons") or []:
            refs.lessons_items.append((text, item))
        if not refs.lessons_items:
            src.error(
                lessons_node,
                "completion.lessons_empty",
                "completion.lessons が空のリストです。all と書くか、必須のレッスン id を並べてください。",
                "completion.lessons is an empty list. Write all, or list the required lesson ids.",
            )
    elif lessons_node is not None and not (
        isinstance(lessons_node, ScalarNode) and lessons_node.value == "all"
    ):
        src.error(
            lessons_node,
            "completion.lessons_invalid",
            "completion.lessons には all か、レッスン id のリスト（例: [kizuku, tsunagu]）を書いてください。",
            "completion.lessons is neither all nor a list. Write all, or a list of lesson "
            "ids such as [kizuku, tsunagu].",
        )
    completion.quiz_pass_mark = src.integer(
        cm,
        "quiz_pass_mark",
        "completion.quiz_pass_mark",
        None,
        minimum=0,
        maximum=100,
        code="completion.pass_mark_range",
    )
    refs.pass_mark_node = cm.key_node("quiz_pass_mark")
    mode = src.text(cm, "quiz", "completion.quiz", "required")
    if mode not in QUIZ_MODES:
        src.error(
            cm.value("quiz"),
            "completion.quiz_mode_unknown",
            f"completion.quiz「{mode}」は使えません。required（合格が修了に必要）か "
            "self_check（自分で確かめるためのテストで、修了には不要）を書いてください。",
            f'Unknown completion.quiz "{mode}". Write required (passing is needed to complete) '
            "or self_check (the quiz is for checking oneself and not needed to complete).",
        )
        mode = "required"
    completion.quiz_mode = mode or "required"
    refs.quiz_mode_node = cm.key_node("quiz")
    completion.attendance_replaces_lessons = src.boolean(
        cm, "attendance_replaces_lessons", "completion.attendance_replaces_lessons", False
    )
    return completion
