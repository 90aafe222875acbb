"""A course bundle as typed data: what check_bundle returns once every file has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ContentError


@dataclass
class Completion:
    """What a trainee must do to complete the course."""

    lessons: list[str]  # required lesson ids, in course order ("all" resolved to every lesson)
    lessons_all: bool  # True when course.yaml says lessons: all
    quiz_pass_mark: int | None  # percent 0-100; None when the course has no quiz
    attendance_replaces_lessons: bool
    quiz_mode: str = "required"  # "required" | "self_check" (QUIZ_MODES)


@dataclass
class CourseMeta:
    """course.yaml."""

    slug: str
    title: str
    audience: str  # "adult" | "children"
    target_readers: list[str]
    estimated_minutes: int
    description: str  # Markdown
    version: str
    completion: Completion
    certificate_template: str  # "adult" | "children" | "card"
    survey: bool
    furigana_grade: int  # 0 = no automatic furigana


@dataclass
class Video:
    """A lesson's video with its captions and optional transcript."""

    src: str  # bundle path (media/...) or https:// URL
    captions: str  # bundle path of a .vtt file
    transcript: str | None = None  # bundle path of a .md or .txt file
    transcript_text: str | None = None

    @property
    def is_external(self) -> bool:
        """True when src is an https:// URL rather than a file in the bundle."""
        return self.src.startswith("https://")


@dataclass
class Lesson:
    """One lesson file."""

    id: str
    title: str
    minutes: int
    number: int  # from the file name prefix; lessons are ordered by it
    path: str  # e.g. "lessons/01-kodoku.md"
    body: str  # Markdown after the front matter
    body_line: int  # line of the file where body starts (1-based)
    video: Video | None = None
    has_reflection: bool = False
    has_local_support: bool = False


@dataclass
class Choice:
    """A quiz choice."""

    id: str
    text: str  # inline Markdown


@dataclass
class QuizQuestion:
    """A quiz question; answer is a choice id (single), ids (multiple) or a bool (truefalse)."""

    id: str
    kind: str  # "single" | "multiple" | "truefalse"
    text: str  # inline Markdown
    choices: list[Choice]
    answer: str | list[str] | bool
    explanation: str = ""

    @property
    def correct_choice_ids(self) -> frozenset[str]:
        """The correct choice ids (empty for truefalse)."""
        if isinstance(self.answer, bool):
            return frozenset()
        if isinstance(self.answer, str):
            return frozenset({self.answer})
        return frozenset(self.answer)


@dataclass
class Quiz:
    """quiz.yaml."""

    shuffle: bool
    attempts_allowed: int  # 0 = unlimited
    pass_mark: int  # percent; always equal to completion.quiz_pass_mark
    show_explanations: str  # "after_submit" | "after_pass"
    questions: list[QuizQuestion]
    feedback: str = "after_pass"  # checks.quiz.FEEDBACK


@dataclass
class SurveyQuestion:
    """A survey question."""

    id: str
    kind: str  # "scale" | "single" | "text"
    text: str
    labels: list[str] = field(default_factory=list)  # scale: 5 labels, lowest first
    choices: list[str] = field(default_factory=list)  # single
    required: bool = True


@dataclass
class Survey:
    """survey.yaml."""

    questions: list[SurveyQuestion]


@dataclass
class EvaluationItem:
    """A self-assessment statement (evaluation.yaml)."""

    id: str
    text: str  # inline Markdown


@dataclass
class Evaluation:
    """evaluation.yaml: statements answered before and after the course on one scale."""

    scale: int  # 4 or 5 points
    labels: list[str]  # one per point, lowest first
    items: list[EvaluationItem]
    faces: bool = False  # show the points as faces (children)
    followup: bool = True  # offer the follow-up e-mail about three months later


@dataclass
class Bundle:
    """A checked course bundle."""

    course: CourseMeta
    lessons: list[Lesson]
    quiz: Quiz | None
    survey: Survey | None
    files: dict[str, bytes]  # images/ and media/ files by bundle path
    digest: str  # sha256 over every file: equal digests mean identical bundles
    evaluation: Evaluation | None = None

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson with this id, if any."""
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


@dataclass
class CheckResult:
    """The outcome of a check: a bundle only when there are no errors."""

    bundle: Bundle | None
    errors: list[ContentError]
    # Problems that do not stop an import but that an author should look at (quotations).
    warnings: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the bundle can be imported."""
        return not self.errors
