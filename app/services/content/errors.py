"""Errors found in course bundles and archives, worded in Japanese and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContentError:
    """One problem in a bundle, located as precisely as the parsers allow."""

    file: str  # relative to the bundle root, with "/" separators
    line: int | None  # 1-based, in the file as written
    column: int | None  # 1-based
    code: str  # stable identifier, e.g. "quiz.answer_not_a_choice"
    message_ja: str
    message_en: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message_ja} / {self.message_en}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order by file, then position, so reports read top to bottom."""
        return (self.file, self.line or 0, self.column or 0, self.code)


class ArchiveError(Exception):
    """A zip archive was refused before any of it was used."""

    def __init__(self, code: str, message_ja: str, message_en: str, member: str | None = None) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.code = code
        self.message_ja = message_ja
        self.message_en = message_en
        self.member = member

    def to_content_error(self, archive_name: str) -> ContentError:
        """Express the refusal as a ContentError so callers can show one list."""
        return ContentError(
            file=self.member or archive_name,
            line=None,
            column=None,
            code=self.code,
            message_ja=self.message_ja,
            message_en=self.message_en,
        )
