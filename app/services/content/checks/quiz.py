"""quiz.yaml: settings, questions, choices and answers."""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..model import Choice, CourseMeta, Quiz, QuizQuestion
from ..yamlsource import BOOL_TAG, NULL_TAG, Mapping, Source, construct
from .collector import Collector, value_of
from .markdown import scan_yaml_markdown

QUESTION_KINDS = ("single", "multiple", "truefalse")
SHOW_EXPLANATIONS = ("after_submit", "after_pass")
# What a submitted attempt shows. after_pass: which questions were wrong, the right answers once
# passed (or when no attempt is left); wrong_only: which were wrong, never the right answers;
# none: the score only; after_submit: the right answers straight away (the behaviour before this
# setting existed, kept for bundles that wrote show_explanations: after_submit and no feedback).
FEEDBACK = ("after_pass", "wrong_only", "none", "after_submit")


def check_quiz(c: Collector, course: CourseMeta | None) -> Quiz | None:
    """Read quiz.yaml, if the bundle has one."""
    rel = c.find_yaml("quiz")
    if rel is None:
        return None
    src, m = c.yaml_root(rel, "quiz.yaml")
    if m is None:
        return None
    src.check_keys(
        m, "quiz.yaml", ("questions",),
        ("shuffle", "attempts_allowed", "pass_mark", "show_explanations", "feedback"),
    )
    quiz = Quiz(
        shuffle=src.boolean(m, "shuffle", "shuffle", True),
        attempts_allowed=src.integer(m, "attempts_allowed", "attempts_allowed", 0, minimum=0) or 0,
        pass_mark=0,
        show_explanations=src.text(m, "show_explanations", "show_explanations", "after_submit")
        or "after_submit",
        questions=[],
        feedback=_feedback(src, m),
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
        question = _check_question(c, src, item)
        if question is None:
            continue
        if question.id in seen:
            src.error(
                value_of(item, "id"),
                "quiz.question_id_duplicate",
                f"問題 id「{question.id}」は {seen[question.id]} 行目でも使われています。"
                "重ならない id にしてください。",
                f'Question id "{question.id}" is also used on line {seen[question.id]}. Use a unique id.',
            )
        else:
            seen[question.id] = src.position(value_of(item, "id"))[0] or 0
        quiz.questions.append(question)
        for text, node in _question_texts(question, item):
            scan_yaml_markdown(c, src, text, node)
    return quiz


def _feedback(src: Source, m: Mapping) -> str:
    """quiz.yaml's feedback, or its default (see FEEDBACK)."""
    feedback = src.text(m, "feedback", "feedback", None) or ""
    if not feedback:
        said = m.value("show_explanations")
        said_after_submit = isinstance(said, ScalarNode) and said.value == "after_submit"
        return "after_submit" if said_after_submit else "after_pass"
    if feedback not in FEEDBACK:
        src.error(
            m.value("feedback"),
            "quiz.feedback_unknown",
            f"feedback「{feedback}」は使えません。after_pass（合格したら正しい答えを見せる）、"
            "wrong_only（まちがえた問題だけ見せる）、none（点数だけ見せる）、after_submit（提出したらすぐ"
            "正しい答えを見せる）のどれかを書いてください。",
            f'Unknown feedback "{feedback}". Write after_pass, wrong_only, none or after_submit.',
        )
    return feedback


def _check_question(c: Collector, src: Source, item: Node) -> QuizQuestion | None:
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
        question.answer = _truefalse_answer(c, src, qm)
        return question
    if kind in ("single", "multiple"):
        question.choices = _check_choices(c, src, qm, choices_node)
        question.answer = _choice_answer(c, src, qm, kind, question.choices)
    return question


def _truefalse_answer(c: Collector, src: Source, qm: Mapping) -> bool:
    node = qm.value("answer")
    if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
        _no_answer(c, src, qm)
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


def _no_answer(c: Collector, src: Source, qm: Mapping) -> None:
    src.error(
        qm.key_node("answer") or qm.node,
        "quiz.no_correct_answer",
        "問題に正解（answer）がありません。answer に正解を書いてください。",
        "The question has no correct answer. Write it in answer.",
    )


def _check_choices(c: Collector, src: Source, qm: Mapping, node: Node | None) -> list[Choice]:
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


def _choice_answer(
    c: Collector, src: Source, qm: Mapping, kind: str, choices: list[Choice]
) -> str | list[str]:
    node = qm.value("answer")
    if node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG):
        _no_answer(c, src, qm)
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
        _answer_in_choices(c, src, node, ids)
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
        _no_answer(c, src, qm)
        return []
    answer: list[str] = []
    for item in node.value:
        if isinstance(item, ScalarNode):
            _answer_in_choices(c, src, item, ids)
            if item.value not in answer:
                answer.append(item.value)
        else:
            src.type_error(item, "answer", "text")
    return answer


def _answer_in_choices(c: Collector, src: Source, node: ScalarNode, ids: set[str]) -> None:
    if node.value not in ids:
        listed = ", ".join(sorted(ids)) or "-"
        src.error(
            node,
            "quiz.answer_not_a_choice",
            f"answer の「{node.value}」は choices にありません（選択肢 id: {listed}）。"
            "選択肢の id を書いてください。",
            f'The answer "{node.value}" is not among the choices (choice ids: {listed}). Write a choice id.',
        )


def _question_texts(question: QuizQuestion, item: Node) -> list[tuple[str, Node | None]]:
    texts = [(question.text, value_of(item, "text"))]
    if question.explanation:
        texts.append((question.explanation, value_of(item, "explanation")))
    choices_node = value_of(item, "choices")
    choice_nodes = choices_node.value if isinstance(choices_node, SequenceNode) else []
    for choice, node in zip(question.choices, choice_nodes, strict=False):
        texts.append((choice.text, value_of(node, "text")))
    return texts
