"""Course bundles: read a bundle folder into typed data, reporting every problem in one run."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ContentError
from .render import LOCAL_SUPPORT_INFO, REFLECTION_INFO, bundle_path, fence_name, markdown_parser
from .situations import SITUATION_INFO, parse_situation
from .sources import check_sources
from .svg import check_svg
from .yamlsource import BOOL_TAG, NULL_TAG, Mapping, Source, construct

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp"})
# Allowed in images/ only, and only after svg.check_svg passes (an SVG can carry scripts).
SVG_EXTENSIONS = frozenset({".svg"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".webm"})
TEXT_EXTENSIONS = frozenset({".yaml", ".yml", ".md", ".txt", ".vtt"})
ALLOWED_EXTENSIONS = IMAGE_EXTENSIONS | SVG_EXTENSIONS | VIDEO_EXTENSIONS | TEXT_EXTENSIONS

# Operating-system litter that file managers and zip tools add; never part of a course.
IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX"})

AUDIENCES = ("adult", "children")
CERTIFICATE_TEMPLATES = ("adult", "children", "card")
QUESTION_KINDS = ("single", "multiple", "truefalse")
SURVEY_KINDS = ("scale", "single", "text")
SHOW_EXPLANATIONS = ("after_submit", "after_pass")
# required: passing the quiz is part of completing online; self_check: the quiz is offered and
# scored, but the lessons alone complete the course.
QUIZ_MODES = ("required", "self_check")
SCALE_POINTS = 5

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE_RE = re.compile(r"^(\d+)-(.+)\.md$")
_IMAGE_MARK_RE = re.compile(r"!\[")

_COURSE_REQUIRED = (
    "slug", "title", "audience", "estimated_minutes", "description", "version", "completion",
)  # fmt: skip
_COURSE_OPTIONAL = ("target_readers", "certificate_template", "survey", "furigana_grade")


# -- parsed data ----------------------------------------------------------------------------------


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
class Bundle:
    """A checked course bundle."""

    course: CourseMeta
    lessons: list[Lesson]
    quiz: Quiz | None
    survey: Survey | None
    files: dict[str, bytes]  # images/ and media/ files by bundle path
    digest: str  # sha256 over every file: equal digests mean identical bundles

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


def check_bundle(path: str | os.PathLike[str]) -> CheckResult:
    """Check a bundle folder and parse it; every problem found is reported."""
    return _Checker(Path(path)).run()


# -- file level checks ----------------------------------------------------------------------------


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def is_allowed_name(name: str) -> bool:
    """True when a file name has an extension a bundle may contain."""
    return _extension(name) in ALLOWED_EXTENSIONS


def _location_ok(rel: str) -> bool:
    parts = rel.split("/")
    ext = _extension(rel)
    if len(parts) == 1:
        # Top level: the three YAML files, plus README-style notes for authors (ignored).
        stem = os.path.splitext(parts[0])[0]
        return (stem in ("course", "quiz", "survey") and ext in (".yaml", ".yml")) or ext in (
            ".md",
            ".txt",
        )
    if parts[0] == "lessons":
        return len(parts) == 2 and ext == ".md"
    if parts[0] == "images":
        return ext in IMAGE_EXTENSIONS | SVG_EXTENSIONS
    if parts[0] == "media":
        return ext in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS | {".vtt", ".md", ".txt"}
    return False


def _magic_matches(ext: str, data: bytes) -> bool:
    if ext == ".png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == ".webp":
        return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if ext == ".mp4":
        return len(data) >= 8 and data[4:8] == b"ftyp"
    if ext == ".webm":
        return data.startswith(b"\x1a\x45\xdf\xa3")
    return True


def _decode(rel: str, data: bytes, errors: list[ContentError]) -> str | None:
    """Decode UTF-8 (a BOM is tolerated); report the line and column of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        errors.append(
            ContentError(
                rel,
                before.count(b"\n") + 1,
                column,
                "file.not_utf8",
                "ファイルが UTF-8 ではありません（Shift_JIS などで保存されている可能性があります）。"
                "エディタで文字コードを UTF-8 にして保存し直してください。",
                "The file is not UTF-8 (it may be saved as Shift_JIS). Save it again with the "
                "UTF-8 encoding.",
            )
        )
        return None
    return text.removeprefix("\ufeff")


# -- the checker ----------------------------------------------------------------------------------


@dataclass
class _CourseRefs:
    """Nodes of course.yaml that later cross-checks point at."""

    source: Source
    completion_node: Node | None = None
    lessons_items: list[tuple[str, Node]] = field(default_factory=list)
    pass_mark_node: Node | None = None
    quiz_mode_node: Node | None = None
    survey_node: Node | None = None
    description_node: Node | None = None


class _Checker:
    """One run over one bundle folder."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[ContentError] = []
        self.raw: dict[str, bytes] = {}
        self.texts: dict[str, str] = {}
        self.lesson_ids_incomplete = False  # some lesson failed before its id was known
        self.yaml_files: dict[str, str | None] = {}  # "course" -> "course.yaml", found once
        self.md = markdown_parser()

    def run(self) -> CheckResult:
        if not self.root.is_dir():
            self._error(
                ".",
                None,
                "bundle.not_found",
                f"講座フォルダ {self.root} が見つかりません。パスを確認してください。",
                f"The bundle folder {self.root} does not exist. Check the path.",
            )
            return CheckResult(None, self.errors)
        self._collect_files()
        course, refs = self._check_course()
        lessons = self._check_lessons(course)
        quiz = self._check_quiz(course)
        survey = self._check_survey()
        if course is not None and refs is not None:
            self._cross_check(course, refs, lessons, quiz, survey)
        self.errors.extend(check_sources(self.texts))
        self.errors.sort(key=ContentError.sort_key)
        warnings = check_quotations(self.texts)
        if self.errors or course is None:
            return CheckResult(None, self.errors, warnings)
        files = {rel: data for rel, data in self.raw.items() if rel.startswith(("images/", "media/"))}
        digest = hashlib.sha256()
        for rel in sorted(self.raw):
            digest.update(rel.encode() + b"\0" + hashlib.sha256(self.raw[rel]).digest())
        bundle = Bundle(course, lessons, quiz, survey, files, digest.hexdigest())
        return CheckResult(bundle, [], warnings)

    def _error(
        self, file: str, line: int | None, code: str, ja: str, en: str, column: int | None = None
    ) -> None:
        self.errors.append(ContentError(file, line, column, code, ja, en))

    # -- files ----------------------------------------------------------------------------------

    def _collect_files(self) -> None:
        for dirpath, dirnames, filenames in os.walk(self.root):
            base = Path(dirpath)
            rel_dir = base.relative_to(self.root).as_posix()
            for name in sorted(dirnames):
                rel = unicodedata.normalize("NFC", f"{rel_dir}/{name}".removeprefix("./"))
                if name.startswith(".") or name in IGNORED_NAMES:
                    dirnames.remove(name)
                elif (base / name).is_symlink():
                    dirnames.remove(name)
                    self._symlink_error(rel)
            dirnames.sort()
            for name in sorted(filenames):
                rel = unicodedata.normalize("NFC", f"{rel_dir}/{name}".removeprefix("./"))
                if name.startswith(".") or name in IGNORED_NAMES:
                    continue
                if (base / name).is_symlink():
                    self._symlink_error(rel)
                    continue
                self._check_file(rel, (base / name).read_bytes())

    def _symlink_error(self, rel: str) -> None:
        self._error(
            rel,
            None,
            "file.symlink",
            "シンボリックリンクは使えません。実際のファイルを置いてください。",
            "Symbolic links are not allowed. Put the real file in the bundle.",
        )

    def _check_file(self, rel: str, data: bytes) -> None:
        ext = _extension(rel)
        if ext not in ALLOWED_EXTENSIONS:
            self._error(
                rel,
                None,
                "file.type_disallowed",
                "この種類のファイルは講座に入れられません（HTML・スクリプト・実行ファイルは不可）。"
                "使えるのは .yaml .yml .md .txt .png .jpg .jpeg .webp .svg（images/ のみ）.vtt .mp4 .webm です。"
                "削除するか、使える形式に変換してください。",
                "This file type is not allowed in a bundle (no HTML, scripts or executables). "
                "Allowed: .yaml .yml .md .txt .png .jpg .jpeg .webp .svg (images/ only) .vtt .mp4 "
                ".webm. Delete it or convert it.",
            )
            return
        if not _location_ok(rel):
            self._error(
                rel,
                None,
                "file.unexpected_location",
                "このファイルはこの場所に置けません。レッスンは lessons/、画像は images/、"
                "動画・字幕・文字起こしは media/ に置いてください。",
                "This file is not allowed here. Put lessons in lessons/, images in images/ and "
                "videos, captions and transcripts in media/.",
            )
            return
        self.raw[rel] = data
        if ext in TEXT_EXTENSIONS:
            text = _decode(rel, data, self.errors)
            if text is not None:
                self.texts[rel] = text
                if ext == ".vtt" and not text.startswith("WEBVTT"):
                    self._error(
                        rel,
                        1,
                        "media.vtt_invalid",
                        "字幕ファイルが WebVTT 形式ではありません（1行目は WEBVTT で始まります）。"
                        "WebVTT 形式で書き出し直してください。",
                        'The captions file is not WebVTT (its first line must start with "WEBVTT"). '
                        "Export it as WebVTT.",
                        column=1,
                    )
        elif ext in SVG_EXTENSIONS:
            self.errors.extend(check_svg(rel, data))
        elif not _magic_matches(ext, data):
            self._error(
                rel,
                None,
                "file.content_mismatch",
                f"ファイルの中身が拡張子 {ext} と合いません（名前だけ変えたファイルでは？）。"
                "画像・動画ソフトで正しい形式に書き出し直してください。",
                f"The file content does not match its {ext} extension (was it only renamed?). "
                "Export it again in the right format.",
            )

    def _find_yaml(self, stem: str) -> str | None:
        if stem in self.yaml_files:
            return self.yaml_files[stem]
        found = [name for name in (f"{stem}.yaml", f"{stem}.yml") if name in self.raw]
        self.yaml_files[stem] = found[0] if found else None
        if len(found) > 1:
            self._error(
                found[1],
                None,
                "file.duplicate",
                f"{found[0]} と {found[1]} の両方があります。どちらか一方にしてください。",
                f"Both {found[0]} and {found[1]} exist. Keep only one.",
            )
        return found[0] if found else None

    def _yaml_root(self, rel: str, where: str) -> tuple[Source, Mapping | None]:
        source = Source(rel, self.errors)
        text = self.texts.get(rel)
        if text is None:  # not UTF-8: already reported
            return source, None
        before = len(self.errors)
        node = source.parse(text)
        if node is None:
            if len(self.errors) == before:
                self._empty_file(rel)
            return source, None
        return source, source.mapping(node, where)

    def _empty_file(self, rel: str) -> None:
        self._error(
            rel,
            1,
            "file.empty",
            "ファイルが空です。書式（content/README.md）に従って内容を書いてください。",
            "The file is empty. Write its content as content/README.md describes.",
        )

    # -- course.yaml ----------------------------------------------------------------------------

    def _check_course(self) -> tuple[CourseMeta | None, _CourseRefs | None]:
        rel = self._find_yaml("course")
        if rel is None:
            self._error(
                "course.yaml",
                None,
                "course.missing",
                "course.yaml がありません。講座フォルダの一番上に course.yaml を作ってください。",
                "course.yaml is missing. Create course.yaml at the top of the bundle folder.",
            )
            return None, None
        src, m = self._yaml_root(rel, "course.yaml")
        if m is None:
            return None, None
        refs = _CourseRefs(src)
        src.check_keys(m, "course.yaml", _COURSE_REQUIRED, _COURSE_OPTIONAL)

        slug = src.text(m, "slug", "slug") or ""
        if slug and not ID_RE.match(slug):
            src.error(
                m.value("slug"),
                "course.slug_format",
                f"slug「{slug}」は、英小文字・数字・ハイフンだけで書いてください（例: tsunagari-adult）。",
                f'The slug "{slug}" may only use lowercase letters, digits and hyphens '
                "(e.g. tsunagari-adult).",
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

        completion = self._check_completion(src, m, refs)
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

    def _check_completion(self, src: Source, m: Mapping, refs: _CourseRefs) -> Completion:
        completion = Completion([], True, None, False)
        node = m.value("completion")
        if node is None:
            return completion
        refs.completion_node = m.key_node("completion")
        cm = src.mapping(node, "completion")
        if cm is None:
            return completion
        src.check_keys(
            cm, "completion", (), ("lessons", "quiz_pass_mark", "quiz", "attendance_replaces_lessons")
        )
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

    # -- lessons --------------------------------------------------------------------------------

    def _check_lessons(self, course: CourseMeta | None) -> list[Lesson]:
        numbered: list[tuple[int, str]] = []
        for rel in sorted(self.raw):
            if not rel.startswith("lessons/"):
                continue
            match = LESSON_FILE_RE.match(rel.removeprefix("lessons/"))
            if match is None:
                self._error(
                    rel,
                    None,
                    "lesson.file_name",
                    "レッスンのファイル名に番号がありません。「番号-名前.md」にしてください"
                    "（例: 01-kizuku.md）。",
                    "The lesson file name does not start with a number. Rename it "
                    '"number-name.md", for example 01-kizuku.md.',
                )
                continue
            numbered.append((int(match.group(1)), rel))
        numbered.sort()
        lessons: list[Lesson] = []
        seen_numbers: dict[int, str] = {}
        seen_ids: dict[str, str] = {}
        for number, rel in numbered:
            if number in seen_numbers:
                self._error(
                    rel,
                    None,
                    "lesson.number_duplicate",
                    f"番号 {number} のレッスンが {seen_numbers[number]} にもあります。"
                    "レッスンの順番が決まるよう、番号を変えてください。",
                    f"Lesson number {number} is also used by {seen_numbers[number]}. Renumber "
                    "so the order is clear.",
                )
            seen_numbers.setdefault(number, rel)
            lesson, id_node, src = self._check_lesson(rel, number, course)
            if lesson is None or not lesson.id:
                self.lesson_ids_incomplete = True
            if lesson is None:
                continue
            if lesson.id and lesson.id in seen_ids:
                src.error(
                    id_node,
                    "lesson.id_duplicate",
                    f"レッスン id「{lesson.id}」は {seen_ids[lesson.id]} でも使われています。"
                    "講座の中で重ならない id にしてください。",
                    f'Lesson id "{lesson.id}" is also used in {seen_ids[lesson.id]}. Lesson ids '
                    "must be unique in the course.",
                )
            seen_ids.setdefault(lesson.id, rel)
            lessons.append(lesson)
        if not numbered and not any(e.file.startswith("lessons/") for e in self.errors):
            self._error(
                "lessons/",
                None,
                "lessons.none",
                "レッスンがありません。lessons/ フォルダに 01-名前.md のようなファイルを作ってください。",
                "There are no lessons. Create files such as lessons/01-name.md.",
            )
        return lessons

    def _check_lesson(
        self, rel: str, number: int, course: CourseMeta | None
    ) -> tuple[Lesson | None, Node | None, Source]:
        src = Source(rel, self.errors, line_offset=1)
        text = self.texts.get(rel)
        if text is None:
            return None, None, src
        lines = text.split("\n")
        if lines[0].rstrip() != "---":
            src.error_at(
                1,
                1,
                "lesson.front_matter_missing",
                "レッスンに front matter がありません。先頭に「---」で囲んで id・title・minutes を"
                "書いてください。",
                'The lesson has no front matter. Start it with id, title and minutes between "---" lines.',
            )
            return None, None, src
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if close is None:
            src.error_at(
                1,
                1,
                "lesson.front_matter_unclosed",
                "front matter の終わりの「---」がありません。front matter の後に「---」だけの行を入れてください。",
                'The front matter is not closed. Add a line with only "---" after it.',
            )
            return None, None, src
        before = len(self.errors)
        node = src.parse("\n".join(lines[1:close]))
        if node is None:
            if len(self.errors) == before:
                src.error_at(
                    1,
                    1,
                    "lesson.front_matter_empty",
                    "front matter が空です。id・title・minutes を書いてください。",
                    "The front matter is empty. Write id, title and minutes.",
                )
            return None, None, src
        fm = src.mapping(node, "front matter")
        if fm is None:
            return None, None, src
        src.check_keys(fm, "front matter", ("id", "title", "minutes"), ("video",))
        lesson_id = src.text(fm, "id", "id") or ""
        id_node = fm.value("id")
        if lesson_id and not ID_RE.match(lesson_id):
            src.error(
                id_node,
                "lesson.id_format",
                f"レッスン id「{lesson_id}」は、英小文字・数字・ハイフンだけで書いてください（例: kizuku）。",
                f'Lesson id "{lesson_id}" may only use lowercase letters, digits and hyphens (e.g. kizuku).',
            )
        title = src.text(fm, "title", "title") or ""
        minutes = src.integer(fm, "minutes", "minutes", 0, minimum=1) or 0
        video = self._check_video(src, fm)

        body = "\n".join(lines[close + 1 :])
        body_line = close + 2
        lesson = Lesson(lesson_id, title, minutes, number, rel, body, body_line, video)
        if not body.strip():
            src.error_at(
                close + 1,
                None,
                "lesson.body_empty",
                "レッスンの本文がありません。front matter の後に本文を Markdown で書いてください。",
                "The lesson has no body. Write the text in Markdown after the front matter.",
            )
            return lesson, id_node, src
        scan = self._scan_markdown(rel, body, body_line, in_lesson=True)
        lesson.has_reflection = scan.reflections > 0
        lesson.has_local_support = scan.local_support
        return lesson, id_node, src

    def _check_video(self, src: Source, fm: Mapping) -> Video | None:
        node = fm.value("video")
        if node is None:
            return None
        vm = src.mapping(node, "video")
        if vm is None:
            return None
        src.check_keys(vm, "video", ("src",), ("captions", "transcript"))
        video_src = src.text(vm, "src", "video.src") or ""
        if video_src and not video_src.startswith("https://"):
            self._check_media_ref(src, vm.value("src"), video_src, VIDEO_EXTENSIONS, "video.src")
        captions = src.text(vm, "captions", "video.captions")
        if captions is None and "captions" not in vm.items:
            src.error(
                fm.key_node("video"),
                "lesson.video_captions_required",
                "動画には字幕が必要です。video に captions: media/名前.vtt を追加してください。",
                "A video needs captions. Add captions: media/name.vtt under video.",
            )
        elif captions:
            self._check_media_ref(src, vm.value("captions"), captions, {".vtt"}, "video.captions")
        transcript = src.text(vm, "transcript", "video.transcript")
        if transcript:
            self._check_media_ref(
                src, vm.value("transcript"), transcript, {".md", ".txt"}, "video.transcript"
            )
        return Video(
            src=video_src,
            captions=captions or "",
            transcript=transcript,
            transcript_text=self.texts.get(transcript) if transcript else None,
        )

    def _check_media_ref(
        self, src: Source, node: Node | None, ref: str, extensions: set[str] | frozenset[str], key: str
    ) -> None:
        kinds = " ".join(sorted(extensions))
        if _extension(ref) not in extensions:
            src.error(
                node,
                "lesson.media_type",
                f"{key} には {kinds} のファイルを指定してください（今は「{ref}」）。",
                f'{key} must name a {kinds} file, not "{ref}". Fix the path.',
            )
            return
        path = bundle_path(ref)
        if path is None or path not in self.raw:
            src.error(
                node,
                "lesson.media_missing",
                f"{key} のファイル「{ref}」が講座の中にありません。ファイルを media/ に置くか、"
                "パス（講座フォルダからの相対パス）を直してください。",
                f'The {key} file "{ref}" is not in the bundle. Add it under media/ or fix the '
                "path (relative to the bundle folder).",
            )

    # -- Markdown -------------------------------------------------------------------------------

    @dataclass
    class _Scan:
        reflections: int = 0
        local_support: bool = False

    def _scan_markdown(
        self, rel: str, text: str, first_line: int, *, in_lesson: bool, scan: _Scan | None = None
    ) -> _Scan:
        """Check what a Markdown text refers to; first_line is the file line of its line 1."""
        scan = scan or self._Scan()
        lines = text.split("\n")
        tokens = self.md.parse(text, {})
        next_mark: dict[tuple[int, int], int] = {}
        for token in tokens:
            if token.type == "fence" and in_lesson:
                name = fence_name(token)
                line = first_line + token.map[0] if token.map else None
                if name == REFLECTION_INFO:
                    scan.reflections += 1
                    if scan.reflections > 1:
                        self._error(
                            rel,
                            line,
                            "lesson.reflection_multiple",
                            "個人ワーク（```reflection）は1つのレッスンに1つまでです。"
                            "2つ目を別のレッスンに移すか、1つにまとめてください。",
                            "A lesson may have only one reflection block. Move the second one "
                            "to another lesson or merge them.",
                            column=1,
                        )
                    if not token.content.strip():
                        self._error(
                            rel,
                            line,
                            "lesson.reflection_empty",
                            "個人ワーク（```reflection）に問いかけの文がありません。問いかけを書いてください。",
                            "The reflection block has no prompt. Write the question to reflect on.",
                            column=1,
                        )
                    elif token.map:
                        self._scan_markdown(rel, token.content, line + 1, in_lesson=False, scan=scan)
                elif name == LOCAL_SUPPORT_INFO:
                    scan.local_support = True
                elif name == SITUATION_INFO:
                    self._check_situation(rel, token.content, line)
            elif token.type == "inline" and token.children:
                self._check_images(rel, token, lines, first_line, next_mark)
        return scan

    def _check_situation(self, rel: str, text: str, fence_line: int | None) -> None:
        situation = parse_situation(text, rel, fence_line, self.errors)
        if situation is None:
            return
        before = len(self.errors)
        for markdown in (situation.scene, *(choice.feedback for choice in situation.choices)):
            self._scan_markdown(rel, markdown, 1, in_lesson=False)
        # Lines inside YAML values do not map simply to the file: point at the block's fence.
        for index in range(before, len(self.errors)):
            error = self.errors[index]
            self.errors[index] = ContentError(
                error.file, fence_line, 1, error.code, error.message_ja, error.message_en
            )

    def _check_images(
        self,
        rel: str,
        inline: Token,
        lines: list[str],
        first_line: int,
        next_mark: dict[tuple[int, int], int],
    ) -> None:
        for child in inline.children or []:
            if child.type != "image":
                continue
            src = str(child.attrGet("src") or "")
            line, column = self._image_position(inline, lines, first_line, next_mark)
            if src.startswith(("http://", "https://", "//")):
                self._error(
                    rel,
                    line,
                    "markdown.image_remote",
                    "外部サイトの画像は使えません（受講者の情報が外部に送られるため）。"
                    "画像を images/ に保存して、そのパスを書いてください。",
                    "Images from other sites are not allowed (they leak trainee data). Save the "
                    "image under images/ and use its path.",
                    column=column,
                )
                continue
            path = bundle_path(src)
            if path is None or path not in self.raw:
                self._error(
                    rel,
                    line,
                    "markdown.image_missing",
                    f"画像「{src}」が講座の中にありません。画像を images/ に置くか、"
                    "パス（講座フォルダからの相対パス、例: images/sign.png）を直してください。",
                    f'The image "{src}" is not in the bundle. Add it under images/ or fix the '
                    "path (relative to the bundle folder, e.g. images/sign.png).",
                    column=column,
                )
            elif _extension(path) not in IMAGE_EXTENSIONS | SVG_EXTENSIONS:
                self._error(
                    rel,
                    line,
                    "markdown.image_type",
                    f"「{src}」は画像ではありません。PNG・JPEG・WebP・SVG の画像を指定してください。",
                    f'"{src}" is not an image. Refer to a PNG, JPEG, WebP or SVG image.',
                    column=column,
                )

    @staticmethod
    def _image_position(
        inline: Token, lines: list[str], first_line: int, next_mark: dict[tuple[int, int], int]
    ) -> tuple[int | None, int | None]:
        """Line and column of the next "![" in the inline's source lines, in document order."""
        if not inline.map:
            return None, None
        start, end = inline.map
        key = (start, end)
        # Table cells on one row share a map: consume their "![" marks one after another.
        seen = next_mark.get(key, 0)
        count = 0
        for index in range(start, min(end, len(lines))):
            for match in _IMAGE_MARK_RE.finditer(lines[index]):
                if count == seen:
                    next_mark[key] = seen + 1
                    return first_line + index, match.start() + 1
                count += 1
        return first_line + start, None

    # -- quiz.yaml ------------------------------------------------------------------------------

    def _check_quiz(self, course: CourseMeta | None) -> Quiz | None:
        rel = self._find_yaml("quiz")
        if rel is None:
            return None
        src, m = self._yaml_root(rel, "quiz.yaml")
        if m is None:
            return None
        src.check_keys(
            m, "quiz.yaml", ("questions",), ("shuffle", "attempts_allowed", "pass_mark", "show_explanations")
        )
        quiz = Quiz(
            shuffle=src.boolean(m, "shuffle", "shuffle", True),
            attempts_allowed=src.integer(m, "attempts_allowed", "attempts_allowed", 0, minimum=0) or 0,
            pass_mark=0,
            show_explanations=src.text(m, "show_explanations", "show_explanations", "after_submit")
            or "after_submit",
            questions=[],
        )
        if quiz.show_explanations not in SHOW_EXPLANATIONS:
            src.error(
                m.value("show_explanations"),
                "quiz.show_explanations_unknown",
                f"show_explanations「{quiz.show_explanations}」は使えません。after_submit（提出後）か"
                " after_pass（合格後）を書いてください。",
                f'Unknown show_explanations "{quiz.show_explanations}". Write after_submit or after_pass.',
            )
        pass_mark = src.integer(
            m, "pass_mark", "pass_mark", None, minimum=0, maximum=100, code="quiz.pass_mark_range"
        )
        course_mark = course.completion.quiz_pass_mark if course else None
        if pass_mark is not None and course_mark is not None and pass_mark != course_mark:
            src.error(
                m.value("pass_mark"),
                "quiz.pass_mark_mismatch",
                f"quiz.yaml の pass_mark（{pass_mark}）が course.yaml の completion.quiz_pass_mark"
                f"（{course_mark}）と違います。同じ値にするか、quiz.yaml の pass_mark を消してください。",
                f"pass_mark ({pass_mark}) differs from completion.quiz_pass_mark ({course_mark}) "
                "in course.yaml. Make them equal, or delete pass_mark from quiz.yaml.",
            )
        quiz.pass_mark = course_mark if course_mark is not None else (pass_mark or 0)

        questions_node = m.value("questions")
        if questions_node is None:
            return quiz
        if not isinstance(questions_node, SequenceNode) or not questions_node.value:
            src.error(
                questions_node if questions_node.tag != NULL_TAG else m.key_node("questions"),
                "quiz.no_questions",
                "questions に問題が1つもありません。「- id: q1」のように問題を並べてください。",
                'questions has no questions. List them as "- id: q1", ...',
            )
            return quiz
        seen: dict[str, int] = {}
        for item in questions_node.value:
            question = self._check_question(src, item)
            if question is None:
                continue
            if question.id in seen:
                src.error(
                    _value_of(item, "id"),
                    "quiz.question_id_duplicate",
                    f"問題 id「{question.id}」は {seen[question.id]} 行目でも使われています。"
                    "重ならない id にしてください。",
                    f'Question id "{question.id}" is also used on line {seen[question.id]}. Use a unique id.',
                )
            else:
                seen[question.id] = src.position(_value_of(item, "id"))[0] or 0
            quiz.questions.append(question)
            for text, node in self._question_texts(question, item):
                self._scan_yaml_markdown(src, text, node)
        return quiz

    def _check_question(self, src: Source, item: Node) -> QuizQuestion | None:
        qm = src.mapping(item, "questions の項目 / question")
        if qm is None:
            return None
        src.check_keys(qm, "question", ("id", "kind", "text"), ("choices", "answer", "explanation"))
        qid = src.text(qm, "id", "id") or ""
        kind = src.text(qm, "kind", "kind") or ""
        text = src.text(qm, "text", "text") or ""
        explanation = src.text(qm, "explanation", "explanation", "") or ""
        question = QuizQuestion(qid, kind, text, [], "", explanation)
        if kind and kind not in QUESTION_KINDS:
            src.error(
                qm.value("kind"),
                "quiz.kind_unknown",
                f"kind「{kind}」は使えません。single（1つ選ぶ）・multiple（すべて選ぶ）・"
                "truefalse（○×）のいずれかを書いてください。",
                f'Unknown kind "{kind}". Write single, multiple or truefalse.',
            )
            return question
        choices_node = qm.value("choices")
        if kind == "truefalse":
            if choices_node is not None:
                src.error(
                    qm.key_node("choices"),
                    "quiz.truefalse_choices",
                    "○×問題（truefalse）には choices を書きません。choices を消してください。",
                    "A truefalse question has no choices. Delete choices.",
                )
            question.answer = self._truefalse_answer(src, qm)
            return question
        if kind in ("single", "multiple"):
            question.choices = self._check_choices(src, qm, choices_node)
            question.answer = self._choice_answer(src, qm, kind, question.choices)
        return question

    def _truefalse_answer(self, src: Source, qm: Mapping) -> bool:
        node = qm.value("answer")
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            self._no_answer(src, qm)
            return False
        if not (isinstance(node, ScalarNode) and node.tag == BOOL_TAG):
            src.error(
                node,
                "quiz.truefalse_not_boolean",
                "○×問題の answer は true（○）か false（×）で書いてください（引用符は付けません）。",
                "The answer of a truefalse question is not true or false. Write true (○) or "
                "false (×), without quotes.",
            )
            return False
        return bool(construct(node))

    def _no_answer(self, src: Source, qm: Mapping) -> None:
        src.error(
            qm.key_node("answer") or qm.node,
            "quiz.no_correct_answer",
            "問題に正解（answer）がありません。answer に正解を書いてください。",
            "The question has no correct answer. Write it in answer.",
        )

    def _check_choices(self, src: Source, qm: Mapping, node: Node | None) -> list[Choice]:
        if not isinstance(node, SequenceNode) or len(node.value) < 2:
            src.error(
                node if node is not None else qm.node,
                "quiz.choices_missing",
                "single・multiple の問題には choices（選択肢）を2つ以上書いてください。",
                "single and multiple questions need at least two choices. Add them under choices.",
            )
            if not isinstance(node, SequenceNode):
                return []
        choices: list[Choice] = []
        seen: set[str] = set()
        for item in node.value:
            cm = src.mapping(item, "choices の項目 / choice")
            if cm is None:
                continue
            src.check_keys(cm, "choice", ("id", "text"), ())
            cid = src.text(cm, "id", "choice id") or ""
            if cid in seen:
                src.error(
                    cm.value("id"),
                    "quiz.choice_id_duplicate",
                    f"選択肢 id「{cid}」がこの問題の中で重なっています。a, b, c のように別々の id にしてください。",
                    f'Choice id "{cid}" is used twice in this question. Give each choice its own '
                    "id (a, b, c, ...).",
                )
                continue
            seen.add(cid)
            choices.append(Choice(cid, src.text(cm, "text", "choice text") or ""))
        return choices

    def _choice_answer(self, src: Source, qm: Mapping, kind: str, choices: list[Choice]) -> str | list[str]:
        node = qm.value("answer")
        if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
            self._no_answer(src, qm)
            return "" if kind == "single" else []
        ids = {choice.id for choice in choices}
        if kind == "single":
            if not isinstance(node, ScalarNode):
                src.error(
                    node,
                    "quiz.answer_type",
                    "single の問題の answer は、選択肢 id を1つだけ書いてください（例: answer: a）。",
                    "The answer of a single question is not one choice id. Write one, as in answer: a",
                )
                return ""
            self._answer_in_choices(src, node, ids)
            return node.value
        if not isinstance(node, SequenceNode):
            src.error(
                node,
                "quiz.answer_type",
                "multiple の問題の answer は、選択肢 id のリストで書いてください（例: answer: [a, c]）。",
                "The answer of a multiple question is not a list. Write a list of choice ids, "
                "as in answer: [a, c]",
            )
            return []
        if not node.value:
            self._no_answer(src, qm)
            return []
        answer: list[str] = []
        for item in node.value:
            if isinstance(item, ScalarNode):
                self._answer_in_choices(src, item, ids)
                if item.value not in answer:
                    answer.append(item.value)
            else:
                src.type_error(item, "answer", "text")
        return answer

    def _answer_in_choices(self, src: Source, node: ScalarNode, ids: set[str]) -> None:
        if node.value not in ids:
            listed = ", ".join(sorted(ids)) or "-"
            src.error(
                node,
                "quiz.answer_not_a_choice",
                f"answer の「{node.value}」は choices にありません（選択肢 id: {listed}）。"
                "選択肢の id を書いてください。",
                f'The answer "{node.value}" is not among the choices (choice ids: {listed}). '
                "Write a choice id.",
            )

    @staticmethod
    def _question_texts(question: QuizQuestion, item: Node) -> list[tuple[str, Node | None]]:
        texts = [(question.text, _value_of(item, "text"))]
        if question.explanation:
            texts.append((question.explanation, _value_of(item, "explanation")))
        choices_node = _value_of(item, "choices")
        choice_nodes = choices_node.value if isinstance(choices_node, SequenceNode) else []
        for choice, node in zip(question.choices, choice_nodes, strict=False):
            texts.append((choice.text, _value_of(node, "text")))
        return texts

    def _scan_yaml_markdown(self, src: Source, text: str, node: Node | None) -> None:
        """Check images in a Markdown text written in YAML; errors point at the value's line."""
        if "![" not in text:
            return
        before = len(self.errors)
        self._scan_markdown(src.file, text, 1, in_lesson=False)
        line, column = src.position(node)
        # Line numbers inside a YAML scalar do not map simply to the file: use the value's line.
        for index in range(before, len(self.errors)):
            error = self.errors[index]
            self.errors[index] = ContentError(
                error.file, line, column, error.code, error.message_ja, error.message_en
            )

    # -- survey.yaml ----------------------------------------------------------------------------

    def _check_survey(self) -> Survey | None:
        rel = self._find_yaml("survey")
        if rel is None:
            return None
        src, m = self._yaml_root(rel, "survey.yaml")
        if m is None:
            return None
        src.check_keys(m, "survey.yaml", ("questions",), ())
        survey = Survey([])
        node = m.value("questions")
        if node is None:
            return survey
        if not isinstance(node, SequenceNode) or not node.value:
            src.error(
                node if node.tag != NULL_TAG else m.key_node("questions"),
                "survey.no_questions",
                "questions に質問が1つもありません。「- id: s1」のように質問を並べてください。",
                'questions has no questions. List them as "- id: s1", ...',
            )
            return survey
        seen: set[str] = set()
        for item in node.value:
            question = self._check_survey_question(src, item)
            if question is None:
                continue
            if question.id in seen:
                src.error(
                    _value_of(item, "id"),
                    "survey.question_id_duplicate",
                    f"質問 id「{question.id}」が重なっています。s1, s2 のように別々の id にしてください。",
                    f'Question id "{question.id}" is used twice. Give each question its own id.',
                )
                continue
            seen.add(question.id)
            survey.questions.append(question)
        return survey

    def _check_survey_question(self, src: Source, item: Node) -> SurveyQuestion | None:
        qm = src.mapping(item, "questions の項目 / question")
        if qm is None:
            return None
        src.check_keys(qm, "question", ("id", "kind", "text"), ("labels", "choices", "required"))
        kind = src.text(qm, "kind", "kind") or ""
        question = SurveyQuestion(
            id=src.text(qm, "id", "id") or "",
            kind=kind,
            text=src.text(qm, "text", "text") or "",
            required=src.boolean(qm, "required", "required", kind != "text"),
        )
        if kind and kind not in SURVEY_KINDS:
            src.error(
                qm.value("kind"),
                "survey.kind_unknown",
                f"kind「{kind}」は使えません。scale（5段階）・single（1つ選ぶ）・text（自由記述）の"
                "いずれかを書いてください。",
                f'Unknown kind "{kind}". Write scale, single or text.',
            )
            return question
        labels = src.text_list(qm, "labels", "labels")
        choices = src.text_list(qm, "choices", "choices")
        question.labels = [text for text, _ in labels or []]
        question.choices = [text for text, _ in choices or []]
        for key, present in (("labels", labels is not None), ("choices", choices is not None)):
            wanted = {"labels": "scale", "choices": "single"}[key]
            if present and kind != wanted:
                src.error(
                    qm.key_node(key),
                    "survey.key_not_for_kind",
                    f"{key} は kind: {wanted} の質問だけに書きます。消すか、kind を直してください。",
                    f"{key} belongs only to kind: {wanted} questions. Delete it or fix kind.",
                )
        if kind == "scale" and len(question.labels) != SCALE_POINTS:
            src.error(
                qm.value("labels") or qm.node,
                "survey.labels_count",
                f"scale の質問には labels を{SCALE_POINTS}つ（低い方から順に）書いてください"
                f"（今は{len(question.labels)}つ）。",
                f"A scale question needs {SCALE_POINTS} labels (it has "
                f"{len(question.labels)}). Write {SCALE_POINTS} labels, lowest first.",
            )
        if kind == "single" and len(question.choices) < 2:
            src.error(
                qm.value("choices") or qm.node,
                "survey.choices_missing",
                "single の質問には choices（選択肢）を2つ以上書いてください。",
                "A single question needs at least two choices. Add them under choices.",
            )
        return question

    # -- across files ---------------------------------------------------------------------------

    def _cross_check(
        self,
        course: CourseMeta,
        refs: _CourseRefs,
        lessons: list[Lesson],
        quiz: Quiz | None,
        survey: Survey | None,
    ) -> None:
        src = refs.source
        ids = [lesson.id for lesson in lessons]
        completion = course.completion
        if completion.lessons_all:
            completion.lessons = list(ids)
        else:
            required: list[str] = []
            for lesson_id, node in refs.lessons_items:
                # A lesson that could not be read has no known id: naming it is not the mistake.
                if lesson_id not in ids and not self.lesson_ids_incomplete:
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

        if course.survey and survey is None and self._find_yaml("survey") is None:
            src.error(
                refs.survey_node,
                "course.survey_missing",
                "survey: true ですが survey.yaml がありません。survey.yaml を作るか、survey: false にしてください。",
                "survey is true but survey.yaml is missing. Create survey.yaml or set survey: false.",
            )
        survey_file = self._find_yaml("survey")
        if not course.survey and survey_file is not None:
            self._error(
                survey_file,
                None,
                "course.survey_unused",
                "survey.yaml がありますが course.yaml が survey: true になっていません。"
                "アンケートを使うなら course.yaml に survey: true を書き、使わないなら survey.yaml を消してください。",
                "survey.yaml exists but course.yaml does not say survey: true. Add survey: true "
                "to use it, or delete survey.yaml.",
            )

        quiz_file = self._find_yaml("quiz")
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
                "completion.quiz is set but quiz.yaml is missing. Create quiz.yaml or delete "
                "completion.quiz.",
            )
        if course.description:
            self._scan_yaml_markdown(src, course.description, refs.description_node)


def _value_of(node: Node | None, key: str) -> Node | None:
    """The value node of key in a mapping node, or the node itself when it is not a mapping."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node
    return node


# -- quotations -----------------------------------------------------------------------------------

# The bundle's note of exact quotations: a top-level author note (never shown to trainees).
QUOTES_NOTE = "quotes.md"

# Words that credit a quotation to a law or a ministry or agency. Deliberately simple: 法 (also
# 法律, 推進法, 法務省) but not 方法/手法/文法; every 省 and 庁; the Cabinet Office by name.
_CREDIT_RE = re.compile(r"(?<![方手文])法|内閣府|省|庁")
_CREDIT_BEFORE = 50  # characters before 「 where a credit counts as "nearby"
_CREDIT_AFTER = 20  # characters after 」
_ELLIPSIS_RE = re.compile(r"[…‥]+|\.{3,}")
_SPACE_RE = re.compile(r"\s+")
_SOURCES_HEADING_RE = re.compile(r"^##\s*出典\s*$", re.MULTILINE)
_HEADING_RE = re.compile(r"^#{1,6}\s", re.MULTILINE)
_FURIGANA_SYNTAX_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")
_QUOTE_LINE_RE = re.compile(r"^[ \t]*>[ \t]?(.*)$")
# "- 「…」": a bracketed word that is not a quotation (a name, this course's own words).
_NOT_QUOTE_LINE_RE = re.compile(r"^[ \t]*[-*][ \t]+「(.+)」[ \t]*$")


def _normalise_quote(text: str) -> str:
    """Quote text as compared: author furigana dropped, Markdown emphasis and all spacing removed."""
    text = _FURIGANA_SYNTAX_RE.sub(r"\1", text)
    text = text.replace("**", "").replace("\\", "")
    return _SPACE_RE.sub("", text)


def declared_quotes(note: str) -> tuple[list[str], set[str]]:
    """What a quotes.md declares: exact quotations (each run of '>' lines is one) and the
    bracketed words that are not quotations ("- 「…」" list items)."""
    quotes: list[str] = []
    not_quotes: set[str] = set()
    current: list[str] = []
    for line in note.splitlines():
        match = _QUOTE_LINE_RE.match(line)
        if match:
            current.append(match.group(1))
            continue
        if current:
            quotes.append(_normalise_quote("".join(current)))
            current = []
        listed = _NOT_QUOTE_LINE_RE.match(line)
        if listed:
            not_quotes.add(_normalise_quote(listed.group(1)))
    if current:
        quotes.append(_normalise_quote("".join(current)))
    return [quote for quote in quotes if quote], not_quotes


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """(start of 「, index of its matching 」) for every outermost 「…」; nested 「」 stay inside."""
    spans: list[tuple[int, int]] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "「":
            if depth == 0:
                start = index
            depth += 1
        elif char == "」" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append((start, index))
    return spans


def _is_declared(quoted: str, quotes: list[str]) -> bool:
    # "…" in a quotation marks words left out: every piece must be in one declared quotation,
    # in the order written.
    pieces = [piece for piece in (_normalise_quote(p) for p in _ELLIPSIS_RE.split(quoted)) if piece]
    if not pieces:
        return True
    for quote in quotes:
        pos = 0
        for piece in pieces:
            found = quote.find(piece, pos)
            if found < 0:
                break
            pos = found + len(piece)
        else:
            return True
    return False


def _credit_near(text: str, start: int, end: int) -> str | None:
    """The credit word (法, 内閣府, 省, 庁) next to the span text[start:end+1], if any."""
    before = text[max(0, start - _CREDIT_BEFORE) : start]
    after = text[end + 1 : end + 1 + _CREDIT_AFTER]
    # A heading starts a new subject: a credit on the other side of it is not "nearby".
    headings = list(_HEADING_RE.finditer(before))
    if headings:
        before = before[headings[-1].start() :]
    following = _HEADING_RE.search(after)
    if following:
        after = after[: following.start()]
    # A credit that opens the next paragraph belongs to that paragraph.
    after = re.split(r"\n[ \t]*\n", after, maxsplit=1)[0]
    match = _CREDIT_RE.search(before + "\n" + after)
    return match.group(0) if match else None


def _is_note(rel: str) -> bool:
    return "/" not in rel and _extension(rel) in (".md", ".txt")


def check_quotations(texts: dict[str, str]) -> list[ContentError]:
    """Warn about 「…」 credited to a law or a ministry that quotes.md does not hold word for word.

    texts maps bundle paths to file contents. Lessons' 出典 (sources) sections are citations, not
    quotations, and top-level author notes are not course text; both are skipped.
    """
    note = texts.get(QUOTES_NOTE)
    quotes, not_quotes = declared_quotes(note) if note is not None else ([], set())
    warnings: list[ContentError] = []
    for rel in sorted(texts):
        if _is_note(rel) or _extension(rel) == ".vtt":
            continue
        text = texts[rel]
        sources = _SOURCES_HEADING_RE.search(text) if rel.endswith(".md") else None
        if sources is not None:
            following = _HEADING_RE.search(text, sources.end())
            # Keep the length so positions (and line numbers) stay those of the file.
            stop = following.start() if following else len(text)
            text = text[: sources.start()] + " " * (stop - sources.start()) + text[stop:]
        for start, end in _bracket_spans(text):
            quoted = text[start + 1 : end]
            credit = _credit_near(text, start, end)
            if credit is None or _normalise_quote(quoted) in not_quotes or _is_declared(quoted, quotes):
                continue
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            shown = _SPACE_RE.sub(" ", quoted).strip()
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            warnings.append(
                ContentError(
                    rel,
                    line,
                    column,
                    "quote.not_declared",
                    f"「{shown}」は「{credit}」の近くにあり、その言葉の引用に読めますが、{QUOTES_NOTE} に"
                    f"原文どおりの引用として書かれていません。原文を確かめて {QUOTES_NOTE} に「> 原文」の形で"
                    "書くか、かぎかっこをはずして言いかえだとわかるように書いてください。",
                    f"「{shown}」 stands next to 「{credit}」 and reads as its words, but {QUOTES_NOTE} "
                    "does not hold it as an exact quotation. Check the source and add it to "
                    f'{QUOTES_NOTE} as a "> original text" line, or drop the brackets and say it is '
                    "a paraphrase.",
                )
            )
    warnings.sort(key=ContentError.sort_key)
    return warnings
