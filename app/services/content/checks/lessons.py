"""Lesson files: numbering, front matter, ids, video with captions and transcript."""

from __future__ import annotations

import re

from yaml.nodes import Node

from ..model import CourseMeta, Lesson, Video
from ..render import bundle_path
from ..yamlsource import Mapping, Source
from .collector import Collector, extension
from .course import ID_RE
from .files import VIDEO_EXTENSIONS
from .markdown import scan_markdown

LESSON_FILE_RE = re.compile(r"^(\d+)-(.+)\.md$")


def check_lessons(c: Collector, course: CourseMeta | None) -> list[Lesson]:
    """Read lessons/NN-name.md in number order, checking numbers, ids and each lesson."""
    numbered: list[tuple[int, str]] = []
    for rel in sorted(c.raw):
        if not rel.startswith("lessons/"):
            continue
        match = LESSON_FILE_RE.match(rel.removeprefix("lessons/"))
        if match is None:
            c.error(
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
            c.error(
                rel,
                None,
                "lesson.number_duplicate",
                f"番号 {number} のレッスンが {seen_numbers[number]} にもあります。"
                "レッスンの順番が決まるよう、番号を変えてください。",
                f"Lesson number {number} is also used by {seen_numbers[number]}. Renumber "
                "so the order is clear.",
            )
        seen_numbers.setdefault(number, rel)
        lesson, id_node, src = _check_lesson(c, rel, number, course)
        if lesson is None or not lesson.id:
            c.lesson_ids_incomplete = True
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
    if not numbered and not any(e.file.startswith("lessons/") for e in c.errors):
        c.error(
            "lessons/",
            None,
            "lessons.none",
            "レッスンがありません。lessons/ フォルダに 01-名前.md のようなファイルを作ってください。",
            "There are no lessons. Create files such as lessons/01-name.md.",
        )
    return lessons


def _check_lesson(
    c: Collector, rel: str, number: int, course: CourseMeta | None
) -> tuple[Lesson | None, Node | None, Source]:
    src = Source(rel, c.errors, line_offset=1)
    text = c.texts.get(rel)
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
    before = len(c.errors)
    node = src.parse("\n".join(lines[1:close]))
    if node is None:
        if len(c.errors) == before:
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
    video = _check_video(c, src, fm)

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
    scan = scan_markdown(c, rel, body, body_line, in_lesson=True)
    lesson.has_reflection = scan.reflections > 0
    lesson.has_local_support = scan.local_support
    return lesson, id_node, src


def _check_video(c: Collector, src: Source, fm: Mapping) -> Video | None:
    node = fm.value("video")
    if node is None:
        return None
    vm = src.mapping(node, "video")
    if vm is None:
        return None
    src.check_keys(vm, "video", ("src",), ("captions", "transcript"))
    video_src = src.text(vm, "src", "video.src") or ""
    if video_src and not video_src.startswith("https://"):
        _check_media_ref(c, src, vm.value("src"), video_src, VIDEO_EXTENSIONS, "video.src")
    captions = src.text(vm, "captions", "video.captions")
    if captions is None and "captions" not in vm.items:
        src.error(
            fm.key_node("video"),
            "lesson.video_captions_required",
            "動画には字幕が必要です。video に captions: media/名前.vtt を追加してください。",
            "A video needs captions. Add captions: media/name.vtt under video.",
        )
    elif captions:
        _check_media_ref(c, src, vm.value("captions"), captions, {".vtt"}, "video.captions")
    transcript = src.text(vm, "transcript", "video.transcript")
    if transcript:
        _check_media_ref(c, src, vm.value("transcript"), transcript, {".md", ".txt"}, "video.transcript")
    return Video(
        src=video_src,
        captions=captions or "",
        transcript=transcript,
        transcript_text=c.texts.get(transcript) if transcript else None,
    )


def _check_media_ref(
    c: Collector, src: Source, node: Node | None, ref: str, extensions: set[str] | frozenset[str], key: str
) -> None:
    kinds = " ".join(sorted(extensions))
    if extension(ref) not in extensions:
        src.error(
            node,
            "lesson.media_type",
            f"{key} には {kinds} のファイルを指定してください（今は「{ref}」）。",
            f'{key} must name a {kinds} file, not "{ref}". Fix the path.',
        )
        return
    path = bundle_path(ref)
    if path is None or path not in c.raw:
        src.error(
            node,
            "lesson.media_missing",
            f"{key} のファイル「{ref}」が講座の中にありません。ファイルを media/ に置くか、"
            "パス（講座フォルダからの相対パス）を直してください。",
            f'The {key} file "{ref}" is not in the bundle. Add it under media/ or fix the '
            "path (relative to the bundle folder).",
        )
