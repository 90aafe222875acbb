"""YAML reading that keeps the line and column of every key and item for error reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ContentError

STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"

# Names of YAML node kinds as an author would understand them.
_KIND_JA = {"mapping": "「キー: 値」の組（マッピング）", "list": "リスト", "text": "文字列"}
_KIND_EN = {"mapping": "a mapping (key: value pairs)", "list": "a list", "text": "a text value"}


@dataclass
class Mapping:
    """A YAML mapping with its keys' nodes, so errors can point at a key's line."""

    node: MappingNode
    items: dict[str, tuple[ScalarNode, Node]] = field(default_factory=dict)

    def value(self, key: str) -> Node | None:
        """The value node of key, or None when the key is absent."""
        pair = self.items.get(key)
        return pair[1] if pair else None

    def key_node(self, key: str) -> ScalarNode | None:
        """The key node itself (its mark is the key's position)."""
        pair = self.items.get(key)
        return pair[0] if pair else None


@dataclass
class Source:
    """One file being checked: where its YAML starts and where errors are collected."""

    file: str
    errors: list[ContentError]
    # Lines of the file before the YAML text (front matter starts on line 2 of a lesson).
    line_offset: int = 0

    # -- reporting ---------------------------------------------------------------------------

    def position(self, node: Node | None) -> tuple[int | None, int | None]:
        """1-based line and column of a node in the file as written."""
        if node is None:
            return (None, None)
        mark = node.start_mark
        return (mark.line + 1 + self.line_offset, mark.column + 1)

    def error(self, node: Node | None, code: str, message_ja: str, message_en: str) -> None:
        """Record an error at the node's position."""
        line, column = self.position(node)
        self.error_at(line, column, code, message_ja, message_en)

    def error_at(
        self, line: int | None, column: int | None, code: str, message_ja: str, message_en: str
    ) -> None:
        """Record an error at an explicit position."""
        self.errors.append(ContentError(self.file, line, column, code, message_ja, message_en))

    # -- parsing -----------------------------------------------------------------------------

    def parse(self, text: str) -> Node | None:
        """Compose the YAML text into a node tree, reporting syntax errors with their mark."""
        try:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + self.line_offset if mark else None
            column = mark.column + 1 if mark else None
            problem = " ".join(filter(None, [exc.context, exc.problem]))
            self.error_at(
                line,
                column,
                "yaml.invalid",
                f"YAML の書き方に誤りがあります（{problem}）。インデント、コロンの後の空白、"
                "引用符の閉じ忘れを確認してください。",
                f"Invalid YAML ({problem}). Check the indentation, the space after each colon "
                "and unclosed quotes.",
            )
            return None
        except yaml.YAMLError as exc:
            self.error_at(
                None,
                None,
                "yaml.invalid",
                f"YAML を読めません（{exc}）。ファイルの書き方を確認してください。",
                f"The YAML cannot be read ({exc}). Check how the file is written.",
            )
            return None

    def mapping(self, node: Node | None, where: str, *, anchor: Node | None = None) -> Mapping | None:
        """Check that node is a mapping with text keys; report duplicate keys."""
        if not isinstance(node, MappingNode):
            self.type_error(node if node is not None else anchor, where, "mapping")
            return None
        result = Mapping(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.error(
                    key_node,
                    "key.invalid",
                    f"{where} のキーは文字列にしてください。",
                    f"A key in {where} is not plain text. Write it as a plain word.",
                )
                continue
            key = key_node.value
            if key in result.items:
                self.error(
                    key_node,
                    "key.duplicate",
                    f"キー「{key}」が {where} に2回書かれています。1つにまとめてください。",
                    f'The key "{key}" appears twice in {where}. Keep only one.',
                )
                continue
            result.items[key] = (key_node, value_node)
        return result

    def check_keys(
        self, m: Mapping, where: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> None:
        """Report missing required keys and keys the format does not know."""
        for key in required:
            if key not in m.items:
                self.error(
                    m.node,
                    "key.missing",
                    f"{where} に必須のキー「{key}」がありません。「{key}: ...」を追加してください。",
                    f'{where} is missing the required key "{key}". Add "{key}: ...".',
                )
        known = set(required) | set(optional)
        for key, (key_node, _) in m.items.items():
            if key not in known:
                allowed = ", ".join(sorted(known))
                self.error(
                    key_node,
                    "key.unknown",
                    f"{where} のキー「{key}」は使えません（綴りの誤りでは？）。"
                    f"正しいキー名に直すか、消してください。使えるキー: {allowed}",
                    f'{where} has an unknown key "{key}" (a typo?). Fix or delete it. '
                    f"Allowed keys: {allowed}",
                )

    def type_error(self, node: Node | None, where: str, expected: str) -> None:
        """Report a value of the wrong kind."""
        self.error(
            node,
            "value.type",
            f"{where} は{_KIND_JA.get(expected, expected)}で書いてください。",
            f"{where} is not {_KIND_EN.get(expected, expected)}. Rewrite it as "
            f"{_KIND_EN.get(expected, expected)}.",
        )

    # -- typed values --------------------------------------------------------------------------

    def text(self, m: Mapping, key: str, where: str, default: str | None = None) -> str | None:
        """A text value; plain scalars keep the author's spelling (version: 2026.10 stays)."""
        node = m.value(key)
        if node is None:
            return default
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            self.empty_error(m.key_node(key), where)
            return default
        if not isinstance(node, ScalarNode):
            self.type_error(node, where, "text")
            return default
        return node.value

    def integer(
        self,
        m: Mapping,
        key: str,
        where: str,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
        code: str = "value.range",
    ) -> int | None:
        """A whole number, optionally within bounds."""
        node = m.value(key)
        if node is None:
            return default
        if not (isinstance(node, ScalarNode) and node.tag == INT_TAG):
            self.error(
                node,
                "value.type",
                f"{where} は整数（例: 80）で書いてください。",
                f"{where} is not a whole number. Write a number such as 80, without quotes or units.",
            )
            return default
        value = int(construct(node))
        too_low = minimum is not None and value < minimum
        too_high = maximum is not None and value > maximum
        if too_low or too_high:
            if maximum is None:
                range_ja, range_en = f"{minimum} 以上", f"at least {minimum}"
            elif minimum is None:
                range_ja, range_en = f"{maximum} 以下", f"at most {maximum}"
            else:
                range_ja, range_en = f"{minimum}〜{maximum}", f"from {minimum} to {maximum}"
            self.error(
                node,
                code,
                f"{where} が {value} になっています。{range_ja}の値にしてください。",
                f"{where} is {value}. Change it to a value {range_en}.",
            )
            return default
        return value

    def boolean(self, m: Mapping, key: str, where: str, default: bool) -> bool:
        """A true/false value."""
        node = m.value(key)
        if node is None:
            return default
        if not (isinstance(node, ScalarNode) and node.tag == BOOL_TAG):
            self.error(
                node,
                "value.type",
                f"{where} は true か false で書いてください。",
                f"{where} is not true or false. Write true or false, without quotes.",
            )
            return default
        return bool(construct(node))

    def text_list(self, m: Mapping, key: str, where: str) -> list[tuple[str, Node]] | None:
        """A list of text values, each with its node."""
        node = m.value(key)
        if node is None:
            return None
        if not isinstance(node, SequenceNode):
            self.type_error(node, where, "list")
            return None
        items: list[tuple[str, Node]] = []
        for item in node.value:
            if isinstance(item, ScalarNode) and item.tag != NULL_TAG:
                items.append((item.value, item))
            else:
                self.type_error(item, f"{where} の項目 / item of {where}", "text")
        return items

    def empty_error(self, node: Node | None, where: str) -> None:
        """Report a key written without a value."""
        self.error(
            node,
            "value.empty",
            f"{where} の値が空です。値を書いてください。",
            f"{where} has no value. Write a value after the colon.",
        )


def construct(node: Node) -> Any:
    """Build the Python value of a node with the safe constructor."""
    return yaml.constructor.SafeConstructor().construct_document(node)
