"""Run every `kb check` rule over a content tree (or one draft) and collect the findings.

Per-file rules (the content contract, structure, personal data, tags) run on the
selected files; cross-file rules (duplicate ids, near-duplicates, tag spellings)
always consider the whole collection and report what touches the selection.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from kb.case import Case
from kb.checks.duplicates import near_duplicates, shingles
from kb.checks.finding import Finding
from kb.checks.personal import check_personal
from kb.checks.structure import check_structure
from kb.checks.tags import TagKeys, canonical_spellings, check_tags, theme_synonyms
from kb.config import Settings
from kb.errors import ContentError
from kb.frontmatter import FENCE
from kb.loader import case_files, display_path, load_cases, read_text
from kb.normalize import Normalizer, get_normalizer
from kb.taxonomy import Taxonomy, load_taxonomy


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0  # valid cases in the collection

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Context:
    settings: Settings
    taxonomy: Taxonomy
    keys: TagKeys
    synonyms: dict[str, str]
    canonical: dict[str, str]
    normalizer: Normalizer


def _file_checks(case: Case, path: Path, ctx: _Context) -> list[Finding]:
    text = read_text(path, case.source, ctx.settings.max_file_bytes)
    lines = text.split("\n")
    # the loader validated the fences; the Case's body is stripped, so split here again
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE)
    body_line = end + 2
    out = check_structure(
        "\n".join(lines[end + 1 :]),
        kind=case.kind,
        path=path,
        shown=case.source,
        body_line=body_line,
        content_dir=ctx.settings.content_dir,
        max_image_bytes=ctx.settings.max_image_bytes,
    )
    if case.visibility == "public":
        out.extend(check_personal(lines, shown=case.source))
    out.extend(check_tags(case, ctx.taxonomy, ctx.keys, ctx.synonyms, ctx.canonical))
    return out


_Job = tuple[Case, Path, bool]  # case, its file, run the per-file checks?
_ctx: _Context | None = None  # set before the worker processes fork
_PARALLEL_MIN = 300  # below this, starting worker processes costs more than it saves


def _per_file(jobs: list[_Job]) -> list[tuple[list[Finding], frozenset[int]]]:
    assert _ctx is not None
    return [
        (_file_checks(case, path, _ctx) if check else [], shingles(case, _ctx.normalizer))
        for case, path, check in jobs
    ]


def _per_file_all(
    jobs: list[_Job], ctx: _Context
) -> tuple[list[list[Finding]], list[frozenset[int]]]:
    """Per-file findings and near-duplicate shingles of every case, on every core."""
    global _ctx
    _ctx = ctx
    workers = os.cpu_count() or 1
    if len(jobs) < _PARALLEL_MIN or workers < 2:
        results = _per_file(jobs)
    else:
        chunks = [jobs[i : i + 40] for i in range(0, len(jobs), 40)]
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            results = [r for part in pool.map(_per_file, chunks) for r in part]
    return [f for f, _ in results], [s for _, s in results]


def _finish(findings: list[Finding], strict: bool) -> list[Finding]:
    if strict:
        findings = [f.promoted() for f in findings]
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.column or 0))


def run_checks(
    settings: Settings,
    *,
    only: Sequence[Path] | None = None,
    strict: bool = False,
    normalizer: Normalizer | None = None,
) -> Report:
    """Check the content tree; ``only`` restricts per-file rules to those files."""
    content_dir = settings.content_dir
    try:
        taxonomy = load_taxonomy(content_dir)
    except ContentError as exc:
        return Report([Finding.from_error(exc)])
    normalizer = normalizer or get_normalizer()
    result = load_cases(content_dir, taxonomy, max_bytes=settings.max_file_bytes)
    errors = result.errors
    selected: set[str] | None = None
    if only is not None:
        errors = load_cases(
            content_dir, taxonomy, max_bytes=settings.max_file_bytes, only=list(only)
        ).errors
        selected = {display_path(p, content_dir) for p in only}
    findings = [Finding.from_error(e) for e in errors]
    paths = {display_path(p, content_dir): p for p in case_files(content_dir / "cases")}
    keys = TagKeys(normalizer)
    ctx = _Context(
        settings, taxonomy, keys, theme_synonyms(taxonomy, keys),
        canonical_spellings(result.cases, keys), normalizer,
    )  # fmt: skip
    wanted = [i for i, c in enumerate(result.cases) if selected is None or c.source in selected]
    want = set(wanted)
    jobs = [
        (case, paths.get(case.source, Path(case.source)), i in want)
        for i, case in enumerate(result.cases)
    ]
    per_file, sets = _per_file_all(jobs, ctx)
    for found in per_file:
        findings.extend(found)
    if selected is None or wanted:
        pairs = near_duplicates(
            result.cases, normalizer, settings.near_duplicate_threshold,
            only=None if selected is None else wanted, sets=sets,
        )  # fmt: skip
        for pair in pairs:
            here, other = pair.second, pair.first
            if selected is not None and here.source not in selected:
                here, other = other, here
            findings.append(Finding(
                "warning", "near-duplicate",
                f"{other.source}（{other.title}）とよく似ています（類似度 {pair.similarity:.2f}）",
                here.source, here.lines.get("title"), None, "body",
                "同じ事例の二重登録なら片方を削除し、別の事例なら違いが分かるように書き分けてください",
            ))  # fmt: skip
    return Report(_finish(findings, strict), len(result.cases))


def check_draft(
    settings: Settings, taxonomy: Taxonomy, rel: str, text: str, *, strict: bool = False
) -> list[Finding]:
    """Per-file rules for one file not yet in the tree (``rel`` below content/cases/)."""
    with tempfile.TemporaryDirectory(prefix="kb-draft-") as tmp:
        root = Path(tmp) / "content"
        path = root / "cases" / rel
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        result = load_cases(root, taxonomy, max_bytes=settings.max_file_bytes)
        findings = [Finding.from_error(e) for e in result.errors]
        if result.cases:
            keys = TagKeys(get_normalizer())
            ctx = _Context(
                settings.model_copy(update={"content_dir": root}), taxonomy, keys,
                theme_synonyms(taxonomy, keys), {}, get_normalizer(),
            )  # fmt: skip
            findings.extend(_file_checks(result.cases[0], path, ctx))
    return _finish(findings, strict)
