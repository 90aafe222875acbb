"""LearningError: a refused learning step, with a code the view turns into words (a quiz answer sent
wrong raises grading.AnswerError instead)."""
from __future__ import annotations


class LearningError(Exception):
    """A refused learning step; `code` names the reason for the view to word."""

    def __init__(self, code: str, missing: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.missing = missing or []
