"""KbError and its subclasses: every failure the core reports carries where and what to do."""

from __future__ import annotations

from pathlib import Path


def format_problem(
    location: str, field: str | None, message: str, hint: str | None, tag: str = ""
) -> str:
    """One problem as people read it: ``path:line: [tag] field: message (hint)``."""
    parts = [f"{location}:"] if location else []
    if tag:
        parts.append(tag)
    if field:
        parts.append(f"{field}:")
    parts.append(message)
    text = " ".join(parts)
    return f"{text} ({hint})" if hint else text


class KbError(Exception):
    """Base of every error kb reports to a person.

    ``path`` and ``line`` locate the problem, ``field`` names the front-matter
    field (if any) and ``hint`` says how to fix it. Only the CLI and the web
    error handler turn these into output.
    """

    status_code = 500
    code = "kb_error"

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.hint = hint

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        return format_problem(self.location(), self.field, self.message, self.hint)

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "field": self.field,
            "hint": self.hint,
        }


class ConfigError(KbError):
    code = "config_error"


class ContentError(KbError):
    """One problem in one content file."""

    status_code = 422
    code = "content_error"


class ContentErrors(KbError):
    """Every problem found in a content tree, reported together."""

    status_code = 422
    code = "content_errors"

    def __init__(self, errors: list[ContentError]) -> None:
        n = len(errors)
        super().__init__(
            f"事例に {n} 件の問題があります",
            hint="`kb check` ですべて確認できます",
        )
        self.errors = errors


class QueryError(KbError):
    """A search request that cannot be answered as asked (unknown filter, bad sort)."""

    status_code = 400
    code = "bad_request"


class NotFoundError(KbError):
    status_code = 404
    code = "not_found"


class SearchUnavailable(KbError):
    """Meilisearch cannot be reached or answered with an error."""

    status_code = 503
    code = "search_unavailable"


class IndexingError(KbError):
    """An indexing task failed; names the document and Meilisearch's message."""

    code = "index_error"
    reason: str | None = None  # Meilisearch's error code of the failed task, if any


class IndexBusy(KbError):
    """Another writer holds the index lock (indexer.lock) and did not finish in time."""

    status_code = 503
    code = "index_busy"


class MeiliSetupError(KbError):
    """The managed Meilisearch could not be installed, verified, started or stopped."""

    code = "meili_error"


class ExtractionError(ContentError):
    """The text of a document file (PDF, Office, text) cannot be taken out."""

    code = "extraction_error"
