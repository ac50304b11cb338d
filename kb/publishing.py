"""What a public case may publish: personal data keeps it off the public side until fixed.

`kb check` warns about personal data in a ``visibility: public`` case (``--strict`` fails).
Publishing treats the same findings as errors: the index stores such a case as internal
(``withheld`` lists why, and `kb index` reports every withheld case after each run), and
`kb build-site` leaves it out and exits non-zero. The case appears nowhere anonymous
users can see (/public/, the public API, the static site) until the data is removed or
the case is made internal.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kb.case import Case
from kb.checks.finding import Finding
from kb.checks.invisible import INVISIBLE
from kb.checks.personal import HINT as PERSONAL_HINT
from kb.checks.personal import check_personal
from kb.errors import SearchUnavailable, format_problem

WITHHELD = "withheld"  # the document field listing why a public case is held back
HINT = (
    "直すまでこの事例は公開側に出しません（索引では内部扱い、kb build-site では書き出しません）。"
    + PERSONAL_HINT
)
_FRONT_MATTER = ("title", "summary", "organization")


def personal_data(case: Case) -> list[Finding]:
    """Personal data in what a public case would publish, as errors naming file, line and
    field (none for an internal case). Front matter values are located by their line, the
    body by its own lines."""
    if case.visibility != "public":
        return []
    out: list[Finding] = []

    def scan(lines: list[str], field: str, line: int | None, columns: bool) -> None:
        # invisible characters cannot hide a number from the check (columns may then shift)
        lines = [INVISIBLE.sub("", text) for text in lines]
        for f in check_personal(lines, shown=case.source, first_line=line or 1):
            out.append(replace(
                f, severity="error", field=field, hint=HINT,
                line=f.line if line is not None else None,
                column=f.column if columns else None,
            ))  # fmt: skip

    for name in _FRONT_MATTER:
        value = getattr(case, name)
        if value:
            scan(value.split("\n"), name, case.lines.get(name), False)
    for i, tag in enumerate(case.tags):
        scan([tag], f"tags[{i}]", case.lines.get("tags"), False)
    scan(case.body.split("\n"), "body", case.lines.get("body"), True)
    return out


def reasons(case: Case) -> list[str]:
    """``personal_data`` as the lines a document keeps under ``withheld`` (where and what;
    the hint is said once by whoever shows them)."""
    return [format_problem(f.location(), f.field, f.message, None) for f in personal_data(case)]


def withheld(index: Any) -> dict[str, list[str]]:
    """The withheld cases of a Meilisearch index: source path -> why (one line per finding,
    ``path:line: …``), in path order."""
    from meilisearch.errors import MeilisearchError

    out: dict[str, list[str]] = {}
    offset = 0
    try:
        while True:
            page = index.get_documents({
                "filter": f"{WITHHELD} IS NOT EMPTY", "fields": ["source", WITHHELD],
                "limit": 1000, "offset": offset,
            })  # fmt: skip
            for doc in page.results:
                out[str(doc.source)] = [str(line) for line in getattr(doc, WITHHELD)]
            offset += len(page.results)
            if offset >= page.total or not page.results:
                break
    except MeilisearchError as exc:
        raise SearchUnavailable(f"Meilisearch に問い合わせられません: {exc}") from exc
    return dict(sorted(out.items()))
