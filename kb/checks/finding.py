"""Finding: one problem `kb check` reports, an error or a warning, with where and how to fix."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from kb.errors import ContentError, format_problem

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One reported problem; ``check`` names the rule family (content, structure, …)."""

    severity: Severity
    check: str
    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    @classmethod
    def from_error(cls, err: ContentError) -> Finding:
        """A content-contract error from the loader, as a finding."""
        return cls("error", "content", err.message, err.path, err.line, None, err.field, err.hint)

    def promoted(self) -> Finding:
        """The same finding as an error (``--strict``)."""
        return replace(self, severity="error")

    def location(self) -> str:
        if self.path is None:
            return ""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}" + (f":{self.column}" if self.column else "")

    def __str__(self) -> str:
        tag = "[警告]" if self.severity == "warning" else ""
        return format_problem(self.location(), self.field, self.message, self.hint, tag)

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "check": self.check,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "hint": self.hint,
        }
