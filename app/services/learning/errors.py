"""The one exception of learning: a refused step, with a code the view turns into words."""
from __future__ import annotations


class LearningError(Exception):
    """A refused learning step; `code` names the reason for the view to word."""

    def __init__(self, code: str, missing: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.missing = missing or []
