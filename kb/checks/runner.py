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

from kb.attachments import AttachmentTexts
from kb.case import Case
from kb.casefiles import case_files, display_path, read_text, require_cases_dir, select_files
from kb.checks.attachments import check_attachments
from kb.checks.duplicates import Shingles, near_duplicates, shingles
from kb.checks.finding import Finding
from kb.checks.invisible import check_invisible
from kb.checks.personal import check_personal
from kb.checks.structure import check_structure
from kb.checks.tags import TagKeys, canonical_spellings, check_tags, theme_synonyms
from kb.config import Settings
from kb.errors import ContentError
from kb.frontmatter import FENCE
from kb.loader import collect, load_cases, load_one
from kb.normalize import Normalizer, get_normalizer
from kb.targets import check_targets
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
    """What the per-file work needs; set before the worker processes fork."""

    settings: Settings
    taxonomy: Taxonomy
    checked: set[str] | None  # shown paths to run the per-file rules on; None: all
    tree: set[Path]  # files in the collection (``only`` may name others)


def _body_checks(case: Case, path: Path, settings: Settings) -> list[Finding]:
    """Structure, personal data and invisible characters of one file (the per-file rules
    but tags)."""
    text = read_text(path, case.source, settings.max_file_bytes)
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
        content_dir=settings.content_dir,
        max_image_bytes=settings.max_image_bytes,
    )
    if case.visibility == "public":
        out.extend(check_personal(lines, shown=case.source))
    out.extend(check_invisible(lines, shown=case.source, fields=case.lines, body_line=body_line))
    if case.attachments or case.imported is not None:
        out.extend(check_attachments(case, _texts(settings)))
    return out


_attachment_texts: dict[tuple[Path, Path, int], AttachmentTexts] = {}


def _texts(settings: Settings) -> AttachmentTexts:
    """One reader of attachment texts per process and content tree (its hash record is
    read once; extracted texts are shared through the cache folder)."""
    key = (settings.data_dir, settings.content_dir, settings.max_document_bytes)
    if key not in _attachment_texts:
        _attachment_texts[key] = AttachmentTexts(*key)
    return _attachment_texts[key]


@dataclass
class _Done:
    """One file after the per-file work: its Case (or problems), findings and shingles."""

    loaded: Case | list[ContentError]
    findings: list[Finding]
    shingles: Shingles


_ctx: _Context | None = None
_PARALLEL_MIN = 300  # below this, starting worker processes costs more than it saves
_CHUNK = 25  # files per task: small enough to keep both cores busy to the end


def _work(paths: list[Path]) -> list[_Done]:
    """Load, check and shingle files: everything that needs only the file itself."""
    ctx = _ctx
    assert ctx is not None
    settings = ctx.settings
    out = []
    for path in paths:
        loaded = load_one(path, settings.content_dir, ctx.taxonomy, settings.max_file_bytes)
        findings: list[Finding] = []
        sets = Shingles("Q")
        if isinstance(loaded, Case) and path in ctx.tree:
            if ctx.checked is None or loaded.source in ctx.checked:
                findings = _body_checks(loaded, path, settings)
            sets = shingles(loaded)
        out.append(_Done(loaded, findings, sets))
    return out


def _work_all(files: list[Path], ctx: _Context) -> list[_Done]:
    """``_work`` over every file in order, on every core for large trees.

    Each file is read, validated and analysed in one worker, so only the results
    travel between processes, once.
    """
    global _ctx
    _ctx = ctx
    try:
        workers = os.cpu_count() or 1
        if len(files) < _PARALLEL_MIN or workers < 2:
            return _work(files)
        chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            return [done for part in pool.map(_work, chunks) for done in part]
    finally:
        _ctx = None


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
    _targets, target_problems = check_targets(content_dir, taxonomy)
    normalizer = normalizer or get_normalizer()
    unreadable: list[str] = []
    if only is None:
        try:
            require_cases_dir(content_dir)
        except ContentError as exc:
            return Report([Finding.from_error(exc)])
    tree = case_files(content_dir / "cases", unreadable)
    files, selected_real = select_files(tree, only)
    checked = None if only is None else {display_path(p, content_dir) for p in only}
    ctx = _Context(settings, taxonomy, checked, set(tree))
    done = dict(zip(files, _work_all(files, ctx), strict=True))
    result = collect(tree, [done[p].loaded for p in tree], None)
    errors = result.errors
    if only is not None:
        errors = collect(files, [done[p].loaded for p in files], selected_real).errors
    findings = [Finding.from_error(e) for e in [*target_problems, *errors]]
    for folder in unreadable:
        findings.append(Finding(
            "error", "content", "フォルダを読めません（この中の事例は検証していません）",
            display_path(Path(folder), content_dir), hint="フォルダの読み取り権限を確認してください",
        ))  # fmt: skip
    of_case = {id(d.loaded): d for d in done.values()}
    keys = TagKeys(normalizer)
    synonyms = theme_synonyms(taxonomy, keys)
    canonical = canonical_spellings(result.cases, keys)
    wanted = [i for i, c in enumerate(result.cases) if checked is None or c.source in checked]
    for i in wanted:
        case = result.cases[i]
        findings.extend(of_case[id(case)].findings)
        findings.extend(check_tags(case, taxonomy, keys, synonyms, canonical))
    if checked is None or wanted:
        pairs = near_duplicates(
            result.cases, settings.near_duplicate_threshold,
            only=None if checked is None else wanted,
            sets=[of_case[id(c)].shingles for c in result.cases],
        )  # fmt: skip
        for pair in pairs:
            here, other = pair.second, pair.first
            if checked is not None and here.source not in checked:
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
            case = result.cases[0]
            keys = TagKeys(get_normalizer())
            local = settings.model_copy(update={"content_dir": root})
            findings.extend(_body_checks(case, path, local))
            findings.extend(check_tags(case, taxonomy, keys, theme_synonyms(taxonomy, keys), {}))
    return _finish(findings, strict)
