"""The text of a case's attachments, for `kb index` (searched) and `kb check` (warned about).

Each attachment's text is extracted once per content: kept under
``KB_DATA_DIR/cache/attachments/<sha256>.json`` (pages, or the reason it cannot be read),
and the sha256 of each file is remembered by (size, mtime), so an unchanged file is not
read again, not even to hash it. Worker processes share the text files; the hash record
is written by the process that calls ``save``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from kb import extract
from kb.casefiles import source_file
from kb.errors import ExtractionError
from kb.render import to_text

_Sig = tuple[int, int, str]  # size, mtime_ns, sha256


@dataclass(frozen=True)
class AttachmentText:
    """One attachment's text, page by page (plain text), or why it has none."""

    rel: str  # as the case lists it
    pages: tuple[str, ...]
    unit: str  # ページ, スライド, シート or "" (one page)
    error: str | None = None


class AttachmentTexts:
    def __init__(self, data_dir: Path, content_dir: Path, max_bytes: int) -> None:
        self.dir = data_dir / "cache" / "attachments"
        self.content_dir = content_dir
        self.max_bytes = max_bytes
        self._record = self.dir / f"files-{extract.VERSION}.pickle"
        self._sigs: dict[str, _Sig] | None = None
        self._dirty = False
        self.reads = 0  # files read (hashed or extracted) by this object: for tests and bench

    # -- hashes -------------------------------------------------------------------------
    def _known(self) -> dict[str, _Sig]:
        if self._sigs is None:
            try:
                with self._record.open("rb") as f:
                    data = pickle.load(f)
                self._sigs = data if isinstance(data, dict) else {}
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
                self._sigs = {}
        return self._sigs

    def digest(self, path: Path) -> str | None:
        """The sha256 of ``path`` (None: not a readable file), hashed only when its size or
        mtime changed."""
        try:
            st = path.stat()
        except OSError:
            return None
        key = str(path)
        known = self._known().get(key)
        if known is not None and known[:2] == (st.st_size, st.st_mtime_ns):
            return known[2]
        h = hashlib.sha256()
        try:
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return None
        self.reads += 1
        sha = h.hexdigest()
        self._known()[key] = (st.st_size, st.st_mtime_ns, sha)
        self._dirty = True
        return sha

    def paths(self, source: str, rels: Sequence[str]) -> list[tuple[str, Path]]:
        """The searchable attachments of a case (by its ``source``): (rel, file)."""
        folder = source_file(source, self.content_dir).parent
        return [(rel, folder / rel) for rel in rels if extract.supported(Path(rel))]

    def digests(self, source: str, rels: Sequence[str]) -> list[str]:
        """``rel:sha256`` of each searchable attachment (what a document's hash includes)."""
        out = []
        for rel, path in self.paths(source, rels):
            out.append(f"{rel}:{self.digest(path) or '-'}:{extract.VERSION}")
        return out

    # -- texts --------------------------------------------------------------------------
    def text(self, rel: str, path: Path) -> AttachmentText:
        sha = self.digest(path)
        if sha is None:
            return AttachmentText(rel, (), "", "ファイルが見つかりません")
        cached = self.dir / sha[:2] / f"{sha}-{extract.VERSION}.json"
        try:
            data = orjson.loads(cached.read_bytes())
            return AttachmentText(rel, tuple(data["pages"]), data["unit"], data["error"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            pass
        self.reads += 1
        try:
            doc = extract.extract(path, shown=rel, max_bytes=self.max_bytes)
            pages, unit, error = [to_text(p) for p in doc.pages], doc.unit, None
        except ExtractionError as exc:
            pages, unit, error = [], "", exc.message
        _write_atomic(cached, orjson.dumps({"pages": pages, "unit": unit, "error": error}))
        return AttachmentText(rel, tuple(pages), unit, error)

    def remember(self, path: Path, sha: str, doc: extract.Extracted, pages: list[str]) -> None:
        """Record ``path``'s hash and text, known already (`kb import` has just converted
        it, ``pages`` its pages as plain text): the next `kb index` neither reads nor
        converts it again."""
        st = path.stat()
        self._known()[str(path)] = (st.st_size, st.st_mtime_ns, sha)
        self._dirty = True
        cached = self.dir / sha[:2] / f"{sha}-{extract.VERSION}.json"
        if not cached.exists():
            _write_atomic(cached, orjson.dumps({"pages": pages, "unit": doc.unit, "error": None}))

    def of_case(self, source: str, rels: Sequence[str]) -> list[AttachmentText]:
        return [self.text(rel, path) for rel, path in self.paths(source, rels)]

    def save(self) -> None:
        """Remember the hashes of the files seen (only those still present)."""
        if not self._dirty or self._sigs is None:
            return
        keep = {k: v for k, v in self._sigs.items() if os.path.exists(k)}
        _write_atomic(self._record, pickle.dumps(keep, protocol=pickle.HIGHEST_PROTOCOL))
        self._dirty = False


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
