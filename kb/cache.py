"""A cache of validated cases for `kb index`, keyed by each file's path, size and mtime.

Re-indexing an unchanged tree should not re-read and re-validate every file: the
cache (a pickle under KB_DATA_DIR, written atomically) maps each file to the Case
it produced. It is only trusted for the same content folder, taxonomy, kb version
and file signature; anything else is loaded and validated again. `kb check`
never uses it: a pull request is always checked from scratch.
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

    def save(self, keep: set[str]) -> None:
        """Write the cache (only the files still present), atomically."""
        self.entries = {k: v for k, v in self.entries.items() if k in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".cases-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump((self.stamp, self.entries), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
