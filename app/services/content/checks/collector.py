"""The state one check run shares: the bundle's files as read, and the errors found so far."""

from __future__ import annotations

import os
from pathlib import Path

from markdown_it import MarkdownIt
from yaml.nodes import MappingNode, Node, ScalarNode

from ..errors import ContentError
from ..render import markdown_parser
from ..yamlsource import Mapping, Source


class Collector:
    """One run over one bundle folder: files read so far and every error found."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []
        self.raw: dict[str, bytes] = {}
        self.texts: dict[str, str] = {}
        self.lesson_ids_incomplete = False  # some lesson failed before its id was known
        self.yaml_files: dict[str, str | None] = {}  # "course" -> "course.yaml", found once
        self.md: MarkdownIt = markdown_parser()

    def error(
        self, file: str, line: int | None, code: str, ja: str, en: str, column: int | None = None
    ) -> None:
        """Record an error."""
        self.errors.append(ContentError(file, line, column, code, ja, en))

    def find_yaml(self, stem: str) -> str | None:
        """The file name of course/quiz/survey (.yaml or .yml), reporting both being present."""
        if stem in self.yaml_files:
            return self.yaml_files[stem]
        found = [name for name in (f"{stem}.yaml", f"{stem}.yml") if name in self.raw]
        self.yaml_files[stem] = found[0] if found else None
        if len(found) > 1:
            self.error(
                found[1],
                None,
                "file.duplicate",
                f"{found[0]} と {found[1]} の両方があります。どちらか一方にしてください。",
                f"Both {found[0]} and {found[1]} exist. Keep only one.",
            )
        return found[0] if found else None

    def yaml_root(self, rel: str, where: str) -> tuple[Source, Mapping | None]:
        """Parse a YAML file whose top level must be a mapping; report an empty file."""
        source = Source(rel, self.errors)
        text = self.texts.get(rel)
        if text is None:  # not UTF-8: already reported
            return source, None
        before = len(self.errors)
        node = source.parse(text)
        if node is None:
            if len(self.errors) == before:
                self.empty_file(rel)
            return source, None
        return source, source.mapping(node, where)

    def empty_file(self, rel: str) -> None:
        """Report a file with no content."""
        self.error(
            rel,
            1,
            "file.empty",
            "ファイルが空です。書式（content/README.md）に従って内容を書いてください。",
            "The file is empty. Write its content as content/README.md describes.",
        )


def extension(name: str) -> str:
    """The lowercased extension of a file name, with its dot."""
    return os.path.splitext(name)[1].lower()


def value_of(node: Node | None, key: str) -> Node | None:
    """The value node of key in a mapping node, or the node itself when it is not a mapping."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node
    return node
