"""`kb import`: document files (PDF, Office, text, Markdown, HTML) become cases.

Each file becomes ``content/cases/<prefecture romaji>/<id>.md``: front matter proposed
from the document (kb.proposals), the text as Markdown for body, and the original copied
to ``attachments/<id>/<name>`` beside it and listed in ``attachments``. ``imported``
records the original's path (as given) and content hash:

- the same content again (anywhere) is skipped;
- a changed file at the same path updates its case: the body and the attachment are
  replaced, the editor's front matter is kept (only ``imported.sha256`` changes); a body
  the editor has changed since is not replaced without ``force``;
- nothing else in content/ is ever overwritten without ``force``.

A file that cannot be read is reported (in Japanese, with the reason) and the run goes on.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Literal

from kb import frontmatter
from kb.attachments import AttachmentTexts
from kb.casefiles import case_files, display_path
from kb.checks.structure import PLACEHOLDER, SECTIONS
from kb.config import Settings
from kb.errors import ContentError, ExtractionError, KbError
from kb.extract import Extracted, extract, shift_headings, supported
from kb.proposals import Proposal, propose
from kb.render import to_text
from kb.scaffold import _ascii_slug, _line
from kb.taxonomy import Taxonomy

Status = Literal["imported", "updated", "skipped", "failed"]
_Prepared = tuple[str | None, Extracted | None, str | None]  # sha256, text, failure
PARALLEL_MIN = 20  # files from which reading and converting runs on every core
SOURCE_SECTION = "元資料の本文"  # kinds with required sections: the document goes here
_IMPORTED = re.compile(r"^imported:", re.M)
_SHA_LINE = re.compile(r"^(\s+sha256:\s*)[0-9a-f]{64}\s*$", re.M)


@dataclass
class Options:
    kind: str = "material"
    prefecture: str | None = None
    themes: list[str] = field(default_factory=list)
    visibility: str = "internal"
    dry_run: bool = False
    force: bool = False


@dataclass
class Outcome:
    """What became of one file."""

    source: str  # the file as the user named it
    status: Status
    case: str | None = None  # the case file written or found
    message: str = ""
    unsure: list[str] = field(default_factory=list)


@dataclass
class _Known:
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def walk(paths: Iterable[Path]) -> Iterator[tuple[Path, str]]:
    """Every file of ``paths`` (folders recursively, hidden names skipped) with the path it
    is recorded under: relative to the folder given, or its name for a file given."""
    for root in paths:
        if root.is_dir():
            found: list[Path] = []
            for folder, dirs, files in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(folder, f) for f in files if not f.startswith((".", "~$")))
            for path in sorted(found):
                yield path, path.relative_to(root).as_posix()
        else:
            yield root, root.name


class Importer:
    def __init__(self, settings: Settings, taxonomy: Taxonomy, options: Options) -> None:
        self.settings = settings
        self.taxonomy = taxonomy
        self.options = options
        self.cases_dir = settings.content_dir / "cases"
        # the converted text is what `kb index` would extract from the copy: kept for it
        self.texts = AttachmentTexts(
            settings.data_dir, settings.content_dir, settings.max_document_bytes
        )
        self.ids: set[str] = set()
        self.by_hash: dict[str, Path] = {}
        self.by_file: dict[str, _Known] = {}
        for path in case_files(self.cases_dir):
            self.ids.add(path.stem)
            self._remember(path)

    def _remember(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        if not _IMPORTED.search(text):
            return
        try:
            data = frontmatter.parse(text, path).data
        except ContentError:
            return
        imported = data.get("imported")
        if isinstance(imported, dict) and imported.get("sha256") and imported.get("file"):
            sha = str(imported["sha256"])
            self.by_hash[sha] = path
            self.by_file[str(imported["file"])] = _Known(path, sha)

    def shown(self, path: Path) -> str:
        return display_path(path, self.settings.content_dir)

    # -- one file ---------------------------------------------------------------------
    def run_all(
        self, files: Sequence[tuple[Path, str]], progress: Callable[[int], None] | None = None
    ) -> list[Outcome]:
        """Import ``files`` in order; reading and converting them (the slow part) runs on
        every core for long runs, writing stays in this process."""
        workers = os.cpu_count() or 1
        if len(files) < PARALLEL_MIN or workers < 2:
            prepared: Iterable[_Prepared] = map(self.prepare, (p for p, _ in files))
            pool = None
        else:
            # the workers are forked with this importer as it is now: only paths go to them
            pool = ProcessPoolExecutor(
                workers, mp_context=get_context("fork"), initializer=_adopt, initargs=(self,)
            )
            prepared = pool.map(_prepare, [p for p, _ in files], chunksize=4)
        out = []
        try:
            for (path, rel), prep in zip(files, prepared, strict=True):
                out.append(self.finish(path, rel, prep))
                if progress:
                    progress(1)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            self.texts.save()
        return out

    def prepare(self, path: Path) -> _Prepared:
        """The file's hash and, unless its content was imported already, its text; or why
        it cannot be read (plain values: this may run in a worker process)."""
        name = str(path)
        limit = self.settings.max_document_bytes
        try:
            if not supported(path) or path.stat().st_size > limit:
                extract(path, shown=name, max_bytes=limit)  # raises the reason
            sha = sha256_of(path)
            if sha in self.by_hash:
                return (sha, None, None)
            return (sha, extract(path, shown=name, max_bytes=limit), None)
        except KbError as exc:
            return (None, None, _reason(exc))
        except OSError as exc:
            return (None, None, f"ファイルを読めません（{exc.strerror or exc}）")

    def finish(self, path: Path, rel: str, prepared: _Prepared) -> Outcome:
        """Write (or skip) one prepared file."""
        sha, doc, error = prepared
        name = str(path)
        if error is not None or sha is None:
            return Outcome(name, "failed", message=error or "")
        done = self.by_hash.get(sha)
        if done is not None:
            return Outcome(name, "skipped", self.shown(done), "取り込み済みです（内容が同じ）")
        try:
            if doc is None:  # imported earlier in this run by another path, then removed
                doc = extract(path, shown=name, max_bytes=self.settings.max_document_bytes)
            known = self.by_file.get(rel)
            if known is not None and known.path.is_file():
                return self._update(path, rel, sha, doc, known)
            return self._create(path, rel, sha, doc)
        except KbError as exc:
            return Outcome(name, "failed", message=_reason(exc))
        except OSError as exc:
            return Outcome(name, "failed", message=f"ファイルを読み書きできません（{exc}）")

    def _create(self, path: Path, rel: str, sha: str, doc: Extracted) -> Outcome:
        opts = self.options
        pages = [to_text(p) for p in doc.pages]
        text = "\n".join(pages)
        proposal = propose(
            title=doc.title, text=text, file_name=path.name, taxonomy=self.taxonomy,
            themes=opts.themes, prefecture=opts.prefecture,
            fallback_year=_mtime_year(path),
        )  # fmt: skip
        romaji = self.taxonomy.prefectures[proposal.prefecture].romaji
        case_id = self._new_id(romaji, proposal.year, path, sha)
        folder = self.cases_dir / romaji
        target = folder / f"{case_id}.md"
        attachment = f"attachments/{case_id}/{_safe_name(path.name)}"
        copy = folder / attachment
        for existing in (target, copy):
            if existing.exists() and not opts.force:
                raise ContentError(
                    "同じ名前のファイルが content/ にあります",
                    path=self.shown(existing),
                    hint="上書きするときは --force を付けてください",
                )
        text_out = self._render(case_id, proposal, attachment, rel, sha, doc)
        if not opts.dry_run:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
            _write(target, text_out)
            self.texts.remember(copy, sha, doc, pages)
        self.ids.add(case_id)
        self.by_hash[sha] = target
        self.by_file[rel] = _Known(target, sha)
        return Outcome(str(path), "imported", self.shown(target), unsure=proposal.unsure)

    def _update(self, path: Path, rel: str, sha: str, doc: Extracted, known: _Known) -> Outcome:
        """A changed original: new body and attachment, the editor's front matter kept."""
        text = known.path.read_text(encoding="utf-8")
        fm = frontmatter.parse(text, Path(self.shown(known.path)))
        kind = str(fm.data.get("kind") or "case")
        attachments = [str(a) for a in fm.data.get("attachments") or []]
        old_copy = next(
            (known.path.parent / a for a in attachments if Path(a).name == _safe_name(path.name)),
            None,
        )
        head, owned = _split_body(fm.body, kind)
        if not self.options.force:
            before = None
            if old_copy is not None and old_copy.is_file():
                try:
                    before = extract(old_copy, max_bytes=self.settings.max_document_bytes)
                except ExtractionError:
                    before = None
            if before is None or owned.strip() != _owned_body(before, kind).strip():
                raise ContentError(
                    "元のファイルが変わりましたが、事例の本文が取り込み後に編集されているため更新しません",
                    path=self.shown(known.path),
                    hint="本文を取り込み直して置き換えるときは --force を付けてください",
                )
        if old_copy is None:
            raise ContentError(
                "事例の attachments に元のファイルがありません",
                path=self.shown(known.path),
                field="attachments",
                hint=f"attachments に {_safe_name(path.name)} を戻してください",
            )
        lines = text.split("\n")
        front = "\n".join(lines[: fm.end_line])
        front, n = _SHA_LINE.subn(lambda m: m.group(1) + sha, front, count=1)
        if n != 1:
            raise ContentError(
                "imported の sha256 が見つかりません",
                path=self.shown(known.path),
                field="imported",
                hint="imported: の下に sha256: を戻してください",
            )
        new_text = f"{front}\n\n{head}{_owned_body(doc, kind)}\n"
        if not self.options.dry_run:
            shutil.copyfile(path, old_copy)
            _write(known.path, new_text)
            self.texts.remember(old_copy, sha, doc, [to_text(p) for p in doc.pages])
        self.by_hash.pop(known.sha256, None)
        self.by_hash[sha] = known.path
        self.by_file[rel] = _Known(known.path, sha)
        return Outcome(
            str(path), "updated", self.shown(known.path), "元のファイルの変更を反映しました"
        )

    def _new_id(self, romaji: str, year: int, path: Path, sha: str) -> str:
        kind = self.options.kind
        slug = _ascii_slug(path.stem.replace("_", "-")) or sha[:8]
        base = "-".join(p for p in (romaji, str(year), "" if kind == "case" else kind, slug) if p)
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def _render(
        self, case_id: str, p: Proposal, attachment: str, rel: str, sha: str, doc: Extracted
    ) -> str:
        opts = self.options
        imported: dict[str, object] = {"file": rel, "sha256": sha}
        if p.unsure:
            imported["unsure"] = p.unsure
        values = {
            "id": case_id,
            "title": p.title,
            "summary": p.summary,
            "kind": opts.kind,
            "themes": p.themes,
            "prefecture": p.prefecture,
            "year": p.year,
            "visibility": opts.visibility,
            "attachments": [attachment],
        }
        head = "".join(_line(k, v) for k, v in values.items())
        block = "imported:\n" + "".join("  " + _line(k, v) for k, v in imported.items())
        note = (
            "# kb import が作成しました。imported.unsure の項目は推定できなかったので確認し、"
            "確認後は unsure の行を消してください。\n"
            if p.unsure
            else ""
        )
        return f"---\n{head}{note}{block}---\n\n{_body(doc, opts.kind)}\n"


_worker: Importer | None = None


def _adopt(importer: Importer) -> None:
    global _worker
    _worker = importer


def _prepare(path: Path) -> _Prepared:
    assert _worker is not None
    return _worker.prepare(path)


def _body(doc: Extracted, kind: str) -> str:
    required = SECTIONS.get(kind, ())
    if kind == "material" or not required:
        return _owned_body(doc, kind)
    sections = "".join(f"## {name}\n\n{PLACEHOLDER}\n\n" for name in required)
    return sections + _owned_body(doc, kind)


def _owned_body(doc: Extracted, kind: str) -> str:
    """The part of a body the importer writes (and replaces on update)."""
    if kind == "material" or not SECTIONS.get(kind):
        return shift_headings(doc.markdown, 2)
    return f"## {SOURCE_SECTION}\n\n" + shift_headings(doc.markdown, 3)


def _split_body(body: str, kind: str) -> tuple[str, str]:
    """(the editor's part, the importer's part) of a case body."""
    if kind == "material" or not SECTIONS.get(kind):
        return "", body
    m = re.search(rf"^## {SOURCE_SECTION}\s*$", body, re.M)
    if m is None:
        return body.rstrip() + "\n\n", ""
    return body[: m.start()], body[m.start() :]


def _safe_name(name: str) -> str:
    """A file name safe in front matter and URLs: no path separators or control characters."""
    cleaned = re.sub(r"[\x00-\x1f/\\]", "_", name).strip().lstrip(".")
    return cleaned or "file"


def _mtime_year(path: Path) -> int | None:
    import datetime

    try:
        return datetime.date.fromtimestamp(path.stat().st_mtime).year
    except (OSError, ValueError):
        return None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _reason(exc: KbError) -> str:
    return exc.message + (f"（{exc.hint}）" if exc.hint else "")
