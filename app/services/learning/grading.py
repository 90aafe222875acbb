"""Quiz grading: the order shown, checking submitted answers against it, and scoring."""
from __future__ import annotations

import random
from dataclasses import dataclass, field


class AnswerError(Exception):
    """Answers that cannot be graded; `code` names the reason, `missing` the unanswered questions."""

    def __init__(self, code: str, missing: list[str] | None = None,
                 kept: dict[str, list[str]] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.missing = missing or []
        self.kept = kept or {}  # the valid answers, so the form can show them again


@dataclass(frozen=True)
class QuestionResult:
    id: str
    chosen: list[str]
    correct: list[str]
    is_correct: bool


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: int  # percent, rounded down so a displayed 80 never hides a 79.9
    is_passed: bool
    results: list[QuestionResult] = field(default_factory=list)


def build_order(quiz: dict, rng: random.Random | None = None) -> list[dict]:
    """The question and choice order for one attempt, shuffled when the quiz says so."""
    rng = rng or random.SystemRandom()
    questions = [{"id": q["id"], "choices": [c["id"] for c in q["choices"]]} for q in quiz["questions"]]
    if quiz.get("shuffle"):
        kinds = {q["id"]: q["kind"] for q in quiz["questions"]}
        rng.shuffle(questions)
        for q in questions:
            # ○ stays before ×: a swapped pair is a trap, not a test.
            if kinds[q["id"]] != "truefalse":
                rng.shuffle(q["choices"])
    return questions


def _by_id(quiz: dict) -> dict[str, dict]:
    return {q["id"]: q for q in quiz["questions"]}


def check_answers(quiz: dict, order: list[dict], raw: dict[str, list[str]]) -> dict[str, list[str]]:
    """Validated answers {question id: [choice ids]}, or AnswerError('tampered' | 'unanswered')."""
    shown = {q["id"]: q["choices"] for q in order}
    questions = _by_id(quiz)
    if set(raw) - set(shown) or set(shown) - set(questions):
        raise AnswerError("tampered")
    answers: dict[str, list[str]] = {}
    missing: list[str] = []
    for q in order:
        chosen = sorted(set(raw.get(q["id"], [])))
        if not chosen:
            missing.append(q["id"])
            continue
        if any(c not in q["choices"] for c in chosen):
            raise AnswerError("tampered")
        if questions[q["id"]]["kind"] in ("single", "truefalse") and len(chosen) != 1:
            raise AnswerError("tampered")
        answers[q["id"]] = chosen
    if missing:
        raise AnswerError("unanswered", missing=missing, kept=answers)
    return answers


def grade(quiz: dict, pass_mark: int, answers: dict[str, list[str]]) -> Grade:
    """Score checked answers; a question counts only when exactly the right choices are given."""
    results = []
    for q in quiz["questions"]:
        chosen = answers.get(q["id"], [])
        results.append(QuestionResult(q["id"], chosen, sorted(q["answer"]), sorted(chosen) == sorted(q["answer"])))
    total = len(results)
    correct = sum(r.is_correct for r in results)
    score = correct * 100 // total if total else 100
    # Compared exactly, not through the rounded score.
    return Grade(correct, total, score, correct * 100 >= pass_mark * total, results)
