"""Local caches that let `kb index` skip work on an unchanged tree.

- LoadCache maps each case file (path, size, mtime) to the Case it produced. It is
  only trusted for the same content folder, taxonomy and kb version; anything else
  is loaded and validated again. `kb check` never uses it: a pull request is always
  checked from scratch.
- IndexState remembers the id → hash of every document the last `kb index` left in
  an index, with the index's updatedAt and size; when Meilisearch reports both
  unchanged, the hashes need not be read back from the server.

Both are pickles under KB_DATA_DIR/cache/, written atomically (mode 0600).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from kb import __version__
from kb.case import Case

Signature = tuple[int, int]  # size, mtime_ns


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class LoadCache:
    def __init__(self, data_dir: Path, content_dir: Path, taxonomy_digest: str) -> None:
        key = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]
        self.path = data_dir / "cache" / f"cases-{key}.pickle"
        self.stamp = (__version__, taxonomy_digest, str(content_dir.resolve()))
        self.entries: dict[str, tuple[Signature, Case]] = {}
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            with self.path.open("rb") as f:
                stamp, entries = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return  # no cache, or one from another kb version: start afresh
        if stamp == self.stamp and isinstance(entries, dict):
            self.entries = entries

    def get(self, path: Path) -> Case | None:
        entry = self.entries.get(str(path))
        if entry is None:
            return None
        sig, case = entry
        return case if sig == signature(path) else None

    def put(self, path: Path, case: Case, sig: Signature | None) -> None:
        if sig is not None:
            self.entries[str(path)] = (sig, case)
            self.dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the cache (only the files still present) if anything changed."""
        if not self.dirty and keep.issuperset(self.entries):
            return
        self.entries = {k: v for k, v in self.entries.items() if k in keep}
        _write(self.path, (self.stamp, self.entries))
        self.dirty = False


class IndexState:
    def __init__(self, data_dir: Path, url: str, index: str) -> None:
        key = hashlib.sha256(f"{url}\0{index}".encode()).hexdigest()[:16]
        self.path = data_dir / "cache" / f"index-{key}.pickle"

    def load(self, version: tuple[str, int]) -> dict[str, str] | None:
        """The hashes recorded for the index at ``version`` (updatedAt, size), if any."""
        try:
            with self.path.open("rb") as f:
                stamp, hashes = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return None
        return hashes if stamp == (__version__, *version) and isinstance(hashes, dict) else None

    def save(self, version: tuple[str, int], hashes: dict[str, str]) -> None:
        _write(self.path, ((__version__, *version), hashes))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def _write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cache-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
