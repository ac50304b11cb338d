"""Finding: one problem `kb check` reports, an error or a warning, with where and how to fix."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from kb.errors import ContentError

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
        parts = []
        loc = self.location()
        if loc:
            parts.append(f"{loc}:")
        if self.severity == "warning":
            parts.append("[警告]")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        text = " ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        return text

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
