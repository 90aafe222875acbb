"""evaluation.yaml: the self-assessment asked before and after the course (評価・検証)."""

from __future__ import annotations

from yaml.nodes import Node, SequenceNode

from ..model import Evaluation, EvaluationItem
from ..yamlsource import NULL_TAG, Source
from .collector import Collector, value_of

MIN_ITEMS, MAX_ITEMS = 3, 6  # the answers' storage has six slots
SCALES = (4, 5)
ITEM_ID_MAX = 30


def check_evaluation(c: Collector) -> Evaluation | None:
    """Read evaluation.yaml, if the bundle has one."""
    rel = c.find_yaml("evaluation")
    if rel is None:
        return None
    src, m = c.yaml_root(rel, "evaluation.yaml")
    if m is None:
        return None
    src.check_keys(m, "evaluation.yaml", ("scale", "labels", "items"), ("faces", "followup"))
    scale = src.integer(m, "scale", "scale", default=5)
    if scale not in SCALES:
        src.error(m.value("scale"), "evaluation.scale", f"scale は 4 か 5 にしてください（今は {scale}）。",
                  f"scale must be 4 or 5 (it is {scale}).")
        scale = 5
    labels = [text for text, _ in src.text_list(m, "labels", "labels") or []]
    if m.value("labels") is not None and len(labels) != scale:
        src.error(m.value("labels"), "evaluation.labels_count",
                  f"labels は scale と同じ {scale} つ（低い方から順に）書いてください（今は {len(labels)} つ）。",
                  f"labels needs {scale} entries, lowest first, as scale says (it has {len(labels)}).")
    evaluation = Evaluation(scale=scale, labels=labels, items=[],
                            faces=src.boolean(m, "faces", "faces", False),
                            followup=src.boolean(m, "followup", "followup", True))
    _check_items(src, m.value("items"), m.key_node("items"), evaluation)
    return evaluation


def _check_items(src: Source, node: Node | None, key_node: Node | None, evaluation: Evaluation) -> None:
    if node is None:
        return
    if not isinstance(node, SequenceNode) or not node.value:
        src.error(node if node.tag != NULL_TAG else key_node, "evaluation.no_items",
                  "items に文が1つもありません。「- id: notice」のように並べてください。",
                  'items has no statements. List them as "- id: notice", ...')
        return
    if not MIN_ITEMS <= len(node.value) <= MAX_ITEMS:
        src.error(node, "evaluation.items_count",
                  f"items は {MIN_ITEMS}〜{MAX_ITEMS} 個にしてください（今は {len(node.value)} 個）。",
                  f"items needs {MIN_ITEMS} to {MAX_ITEMS} statements (it has {len(node.value)}).")
    seen: set[str] = set()
    for item in node.value[:MAX_ITEMS]:
        im = src.mapping(item, "items の項目 / item")
        if im is None:
            continue
        src.check_keys(im, "item", ("id", "text"), ())
        item_id, text = src.text(im, "id", "id") or "", src.text(im, "text", "text") or ""
        if item_id and (len(item_id) > ITEM_ID_MAX or not item_id.replace("_", "").replace("-", "").isascii()
                        or not item_id.replace("_", "").replace("-", "").isalnum()):
            src.error(value_of(item, "id"), "evaluation.item_id",
                      f"id「{item_id}」は英数字と - _ だけで、{ITEM_ID_MAX} 文字までにしてください。",
                      f'id "{item_id}" may use only letters, digits, - and _, up to {ITEM_ID_MAX} characters.')
            continue
        if item_id in seen:
            src.error(value_of(item, "id"), "evaluation.item_id_duplicate",
                      f"id「{item_id}」が重なっています。文ごとに別の id にしてください。",
                      f'id "{item_id}" is used twice. Give each statement its own id.')
            continue
        seen.add(item_id)
        evaluation.items.append(EvaluationItem(item_id, text))
