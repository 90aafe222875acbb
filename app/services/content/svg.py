"""A strict allow-list check for SVG images in course bundles.

An SVG is a document, not a picture: it can carry scripts, event handlers, links to other sites and
entity bombs. A bundle's SVG is accepted only when every element and attribute is on the lists
below, every reference points inside the same file, and there is no DTD at all. The stdlib expat
parser is used directly (rather than adding defusedxml as a dependency) because refusing the DTD
outright, before any entity is declared, is all the protection needed: with no DOCTYPE there can be
no entity declarations, so no expansion and no external fetches.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass

from .errors import ContentError

MAX_SVG_BYTES = 100_000  # hand-drawn illustrations are 5-20 KB; a bigger file is a converted bitmap
MAX_ELEMENTS = 5_000
MAX_DEPTH = 40

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = frozenset({
    "svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "text", "tspan",
    "title", "desc", "defs", "linearGradient", "radialGradient", "stop", "clipPath", "use",
})  # fmt: skip

# Geometry and presentation only: nothing here can load, run or link to anything.
ATTRIBUTES = frozenset({
    "id", "class", "lang", "role", "aria-label", "aria-hidden", "aria-labelledby", "focusable",
    "version", "baseProfile", "viewBox", "preserveAspectRatio", "width", "height", "x", "y",
    "transform", "transform-origin", "d", "pathLength", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2",
    "y2", "points", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity",
    "stroke-miterlimit", "opacity", "color", "visibility", "display", "vector-effect",
    "paint-order", "shape-rendering", "clip-path", "clip-rule", "clipPathUnits", "gradientUnits",
    "gradientTransform", "spreadMethod", "offset", "stop-color", "stop-opacity", "fx", "fy", "fr",
    "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
    "letter-spacing", "word-spacing", "style", "href",
})  # fmt: skip
HREF_ELEMENTS = frozenset({"use", "linearGradient", "radialGradient"})
XML_ATTRIBUTES = frozenset({"space", "lang"})

_LOCAL_REF_RE = re.compile(r"^#([A-Za-z_][\w.\-]*)$")
_URL_RE = re.compile(r"url\(\s*['\"]?([^)'\"]*)['\"]?\s*\)", re.IGNORECASE)
_LOCAL_URL_RE = re.compile(r"^#[A-Za-z_][\w.\-]*$")
# In a style attribute: no url() at all, no @-rules, no CSS escapes that could spell one.
_STYLE_FORBIDDEN_RE = re.compile(r"url\s*\(|@|\\|expression\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)
_SCRIPT_URL_RE = re.compile(r"(?:java|vb)script\s*:|data\s*:", re.IGNORECASE)


@dataclass
class _Refused(Exception):
    """Stops the parse at the first problem that makes the rest of the file meaningless."""

    code: str
    ja: str
    en: str


class _SvgChecker:
    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.errors: list[ContentError] = []
        self.parser = xml.parsers.expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ProcessingInstructionHandler = self._processing_instruction
        self.parser.ExternalEntityRefHandler = self._external_entity
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.depth = 0
        self.count = 0
        self.ids: set[str] = set()
        self.refs: list[tuple[str, int, int]] = []  # (id, line, column)
        self.position: tuple[int | None, int | None] = (1, 1)  # where the last handler started

    def run(self, data: bytes) -> list[ContentError]:
        if len(data) > MAX_SVG_BYTES:
            self._error(
                1, None, "svg.too_large",
                f"SVG ファイルが大きすぎます（{len(data) // 1000} KB、上限 {MAX_SVG_BYTES // 1000} KB）。"
                "図形を簡単にするか、PNG に書き出してください。",
                f"The SVG file is too large ({len(data) // 1000} KB, limit {MAX_SVG_BYTES // 1000} KB). "
                "Simplify the drawing or export it as PNG.",
            )  # fmt: skip
            return self.errors
        try:
            self.parser.Parse(data, True)
        except _Refused as refused:
            self._error(*self.position, refused.code, refused.ja, refused.en)
            return self.errors
        except xml.parsers.expat.ExpatError as exc:
            self._error(
                exc.lineno, exc.offset + 1, "svg.not_xml",
                f"SVG として読めません（{xml.parsers.expat.ErrorString(exc.code)}）。"
                "描画ソフトから「プレーン SVG」で書き出し直してください。",
                f"The file cannot be read as SVG ({xml.parsers.expat.ErrorString(exc.code)}). "
                "Export it again as plain SVG.",
            )  # fmt: skip
            return self.errors
        for ref, line, column in self.refs:
            if ref not in self.ids:
                self._error(
                    line, column, "svg.missing_reference",
                    f"参照先「#{ref}」がこの SVG の中にありません。id を直してください。",
                    f'The reference "#{ref}" points at no element of this SVG. Fix the id.',
                )  # fmt: skip
        return self.errors

    def _error(self, line: int | None, column: int | None, code: str, ja: str, en: str) -> None:
        self.errors.append(ContentError(self.rel, line, column, code, ja, en))

    def _here_error(self, code: str, ja: str, en: str) -> None:
        self._error(*self.position, code, ja, en)

    def _mark(self) -> None:
        self.position = (self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1)

    # -- refused outright ---------------------------------------------------------------------------

    def _doctype(self, *_args: object) -> None:
        self.position = (self.parser.CurrentLineNumber, None)  # expat's column here is past the name
        raise _Refused(
            "svg.doctype",
            "SVG に DOCTYPE（文書型宣言）があります。エンティティを使った攻撃を防ぐため使えません。"
            "<!DOCTYPE ...> の行を削除してください。",
            "The SVG has a DOCTYPE. It is not allowed (it can declare entities that attack the "
            "server). Delete the <!DOCTYPE ...> line.",
        )

    def _entity(self, *_args: object) -> None:  # unreachable without a DOCTYPE; kept as a second lock
        raise _Refused("svg.entity", "SVG にエンティティ宣言があります。削除してください。",
                       "The SVG declares entities. Remove them.")  # fmt: skip

    def _external_entity(self, *_args: object) -> int:
        raise _Refused("svg.entity", "SVG が外部のエンティティを参照しています。削除してください。",
                       "The SVG refers to an external entity. Remove it.")  # fmt: skip

    def _processing_instruction(self, target: str, _data: str) -> None:
        self._mark()
        raise _Refused(
            "svg.processing_instruction",
            f"SVG に処理命令 <?{target} ...?> があります（スタイルシートの読み込みなど）。削除してください。",
            f"The SVG has a processing instruction <?{target} ...?> (e.g. a stylesheet link). Remove it.",
        )

    # -- elements and attributes --------------------------------------------------------------------

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self._mark()
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH or self.count > MAX_ELEMENTS:
            raise _Refused(
                "svg.too_complex",
                f"SVG の要素が多すぎるか、入れ子が深すぎます（上限 {MAX_ELEMENTS} 個、深さ {MAX_DEPTH}）。"
                "図形をまとめるか、PNG に書き出してください。",
                f"The SVG has too many elements or nests them too deeply (limits {MAX_ELEMENTS} "
                f"elements, depth {MAX_DEPTH}). Simplify it or export it as PNG.",
            )
        namespace, _, local = name.rpartition(" ")
        if self.count == 1 and (namespace != SVG_NS or local != "svg"):
            raise _Refused(
                "svg.not_svg",
                '最初の要素が <svg xmlns="http://www.w3.org/2000/svg"> ではありません。SVG として書き出し直してください。',
                'The first element is not <svg xmlns="http://www.w3.org/2000/svg">. Export the file as SVG again.',
            )
        if namespace != SVG_NS or local not in ELEMENTS:
            shown = local if namespace in ("", SVG_NS) else f"{local}（{namespace}）"
            self._here_error(
                "svg.element_disallowed",
                f"SVG の要素 <{shown}> は使えません（使えるのは {' '.join(sorted(ELEMENTS))}）。"
                "スクリプト・外部の画像・HTML・スタイルシートは入れられません。削除してください。",
                f"The SVG element <{shown}> is not allowed (allowed: {' '.join(sorted(ELEMENTS))}); "
                "no scripts, external images, HTML or style sheets. Remove it.",
            )
        for key, value in attributes.items():
            self._check_attribute(local, key, value)

    def _end(self, _name: str) -> None:
        self.depth -= 1

    def _check_attribute(self, element: str, key: str, value: str) -> None:
        namespace, _, local = key.rpartition(" ")
        if local.lower().startswith("on"):
            self._here_error(
                "svg.event_handler",
                f"<{element}> に {local} 属性（イベント処理のスクリプト）があります。削除してください。",
                f"<{element}> has an {local} attribute (an event handler script). Remove it.",
            )
            return
        if local == "href" and namespace in ("", XLINK_NS):
            self._check_href(element, value)
            return
        if local == "id" and not namespace:
            self.ids.add(value)
        allowed = (not namespace and local in ATTRIBUTES) or (namespace == XML_NS and local in XML_ATTRIBUTES)
        if not allowed:
            shown = local if not namespace else f"{local}（{namespace}）"
            self._here_error(
                "svg.attribute_disallowed",
                f"<{element}> の属性 {shown} は使えません。図形の形と色を表す属性だけが使えます。削除してください。",
                f"The attribute {shown} on <{element}> is not allowed; only shape and colour "
                "attributes are. Remove it.",
            )
            return
        if _SCRIPT_URL_RE.search(value):
            self._here_error(
                "svg.script_url",
                f"<{element}> の {local} に javascript: や data: の URL があります。削除してください。",
                f"The {local} of <{element}> holds a javascript: or data: URL. Remove it.",
            )
            return
        if local == "style":
            if _STYLE_FORBIDDEN_RE.search(value):
                self._here_error(
                    "svg.style_disallowed",
                    f"<{element}> の style 属性に url()・@・エスケープ（\\）は使えません。"
                    "色は fill や stroke 属性で指定してください。",
                    f"The style attribute of <{element}> may not use url(), @-rules or escapes (\\). "
                    "Set colours with the fill and stroke attributes.",
                )
            return
        for match in _URL_RE.finditer(value):
            target = match.group(1).strip()
            if not _LOCAL_URL_RE.match(target):
                self._here_error(
                    "svg.external_reference",
                    f"<{element}> の {local} が SVG の外（{target}）を参照しています。"
                    "同じ SVG の中の id（url(#id)）だけが使えます。",
                    f"The {local} of <{element}> refers outside the SVG ({target}). Only ids in "
                    "the same SVG (url(#id)) may be used.",
                )
            else:
                self.refs.append((target[1:], *self.position))
        if "url(" in value.lower() and not _URL_RE.search(value):
            self._here_error(
                "svg.external_reference",
                f"<{element}> の {local} の url() が読めません。url(#id) の形で書いてください。",
                f"The url() in the {local} of <{element}> cannot be read. Write it as url(#id).",
            )

    def _check_href(self, element: str, value: str) -> None:
        match = _LOCAL_REF_RE.match(value.strip())
        if element not in HREF_ELEMENTS or match is None:
            self._here_error(
                "svg.external_reference",
                f"<{element}> のリンク（href）「{value[:80]}」は使えません。"
                "<use> とグラデーションから、同じ SVG の中の id（#id）を指すものだけが使えます。",
                f'The link (href) "{value[:80]}" on <{element}> is not allowed. Only <use> and '
                "gradients may point at an id in the same SVG (#id).",
            )
            return
        self.refs.append((match.group(1), *self.position))


def check_svg(rel: str, data: bytes) -> list[ContentError]:
    """Check one SVG file of a bundle against the allow-list; an empty list means it is safe to serve."""
    return _SvgChecker(rel).run(data)
