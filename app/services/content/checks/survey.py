"""survey.yaml: the course-end questionnaire."""

from __future__ import annotations

from yaml.nodes import Node, SequenceNode

from ..model import Survey, SurveyQuestion
from ..yamlsource import NULL_TAG, Source
from .collector import Collector, value_of

SURVEY_KINDS = ("scale", "single", "text")
SCALE_POINTS = 5


def check_survey(c: Collector) -> Survey | None:
    """Read survey.yaml, if the bundle has one."""
    rel = c.find_yaml("survey")
    if rel is None:
        return None
    src, m = c.yaml_root(rel, "survey.yaml")
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
        question = _check_survey_question(c, src, item)
        if question is None:
            continue
        if question.id in seen:
            src.error(
                value_of(item, "id"),
                "survey.question_id_duplicate",
                f"質問 id「{question.id}」が重なっています。s1, s2 のように別々の id にしてください。",
                f'Question id "{question.id}" is used twice. Give each question its own id.',
            )
            continue
        seen.add(question.id)
        survey.questions.append(question)
    return survey


def _check_survey_question(c: Collector, src: Source, item: Node) -> SurveyQuestion | None:
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
