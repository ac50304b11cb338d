"""Local caches that let `kb index` skip work on an unchanged tree.

- LoadCache remembers, for each case file (path, size, mtime), what validating it
  produced. Its manifest holds what an incremental sync needs (id, content digest,
  source); the Case objects themselves sit in shards beside it and are unpickled only
  when a Case is asked for (a rebuild, or a document to send again). It is only
  trusted for the same content folder, taxonomy and kb version; anything else is
  loaded and validated again. `kb check` never uses it: a pull request is always
  checked from scratch.
- IndexState remembers the id → hash of every document the last `kb index` left in
  an index, with the index's updatedAt and size; when Meilisearch reports both
  unchanged, the hashes need not be read back from the server.

All are pickles under KB_DATA_DIR/cache/, written atomically (mode 0600).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from kb import __version__
from kb.case import Case
from kb.casefiles import Broken, skipped_dir
from kb.errors import ContentError

Signature = tuple[int, int]  # size, mtime_ns
SHARDS = 64  # a changed file rewrites one shard of cached Cases, not all of them
FORMAT = 3  # bump when the layout of the cache files changes
_BAD_PICKLE = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError)


def signature(path: Path | str) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def scan(cases_dir: Path, unreadable: list[str] | None = None) -> dict[str, Signature | None]:
    """Every case file below ``cases_dir`` with its signature, in ``kb.loader.case_files``
    order (``_`` or ``.`` prefixed names skipped, linked folders not followed): one
    ``os.scandir`` pass instead of a walk and a stat per file. Siblings are visited in
    name order, depth first, which is the order of sorted Paths. Folders that cannot be
    listed are added to ``unreadable``."""
    found: dict[str, Signature | None] = {}

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if unreadable is not None:
                unreadable.append(folder)
            return
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink() and not skipped_dir(name):
                    walk(entry.path)
            elif name.endswith(".md"):
                try:
                    st = entry.stat()
                    found[entry.path] = (st.st_size, st.st_mtime_ns)
                except OSError:
                    found[entry.path] = None

    if os.path.isdir(cases_dir):
        walk(str(cases_dir))
    return found


class Entry(NamedTuple):
    """What the manifest knows of one valid case file."""

    sig: Signature
    id: str
    digest: str
    source: str
    id_line: int | None
    attachments: tuple[str, ...] = ()  # what the case lists: their digests go in its hash


class CachedCase:
    """A validated case whose file is unchanged since it was cached: its id, digest and
    source at hand, the Case itself unpickled by ``load()`` only when it is needed."""

    __slots__ = ("_cache", "attachments", "digest", "id", "path", "source")

    def __init__(self, cache: LoadCache, path: str, entry: Entry) -> None:
        self._cache = cache
        self.path = path
        self.id = entry.id
        self.digest = entry.digest
        self.source = entry.source
        self.attachments = entry.attachments

    def load(self) -> Case:
        return self._cache.case(self.path)


Reload = Callable[[Path], Case]


class LoadCache:
    def __init__(
        self,
        data_dir: Path,
        content_dir: Path,
        taxonomy_digest: str,
        reload: Reload | None = None,
    ) -> None:
        key = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]
        self.path = data_dir / "cache" / f"cases-{key}.pickle"
        self.shard_dir = data_dir / "cache" / f"cases-{key}"
        self.stamp = (__version__, FORMAT, taxonomy_digest, str(content_dir.resolve()))
        self.reload = reload  # reads a file again when its cached Case is missing
        self.entries: dict[str, Entry] = {}
        self.dirty = False
        self._new: dict[str, Case] = {}  # put since the last save
        self._dirty_shards: set[int] = set()
        self._shards: dict[int, dict[str, tuple[Signature, bytes]]] = {}
        self._load()

    def _load(self) -> None:
        try:
            with self.path.open("rb") as f:
                stamp, entries = pickle.load(f)
        except _BAD_PICKLE:
            return  # no cache, or one from another kb version: start afresh
        if stamp == self.stamp and isinstance(entries, dict):
            try:
                self.entries = {k: Entry(*v) for k, v in entries.items()}
            except TypeError:
                self.entries = {}

    # -- reading -----------------------------------------------------------------
    def fresh(self, path: str, sig: Signature | None) -> Entry | None:
        """The entry of ``path`` if the file still has the signature it was cached with."""
        entry = self.entries.get(path)
        return entry if entry is not None and sig is not None and entry.sig == sig else None

    def get(self, path: Path) -> Case | None:
        key = str(path)
        if self.fresh(key, signature(path)) is None:
            return None
        try:
            return self.case(key)
        except ContentError:
            return None

    def case(self, path: str) -> Case:
        """The cached Case of ``path``; read from the file again if its shard lacks it."""
        new = self._new.get(path)
        if new is not None:
            return new
        entry = self.entries.get(path)
        stored = self._shard(_shard_of(path)).get(path)
        if entry is not None and stored is not None and stored[0] == entry.sig:
            try:
                case = pickle.loads(stored[1])
            except _BAD_PICKLE:
                case = None
            if isinstance(case, Case) and case.digest == entry.digest:
                return case
        if self.reload is None:
            raise ContentError(
                "キャッシュに事例がありません",
                path=path,
                hint="kb index をもう一度実行してください",
            )
        return self.reload(Path(path))

    def _shard(self, n: int) -> dict[str, tuple[Signature, bytes]]:
        shard = self._shards.get(n)
        if shard is None:
            shard = {}
            try:
                with (self.shard_dir / f"{n:02d}.pickle").open("rb") as f:
                    stamp, data = pickle.load(f)
                if stamp == self.stamp and isinstance(data, dict):
                    shard = data
            except _BAD_PICKLE:
                pass  # missing or unreadable: its cases are read from their files again
            self._shards[n] = shard
        return shard

    # -- writing -----------------------------------------------------------------
    def put(self, path: Path | str, case: Case, sig: Signature | None) -> None:
        if sig is None:
            return
        key = str(path)
        self.entries[key] = Entry(
            sig, case.id, case.digest, case.source, case.lines.get("id"), tuple(case.attachments)
        )
        self._new[key] = case
        self._dirty_shards.add(_shard_of(key))
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        """Write the cache (only the files still present) if anything changed: the changed
        shards first, then the manifest that points into them."""
        gone = [k for k in self.entries if k not in keep]
        if not self.dirty and not gone:
            return
        for key in gone:
            del self.entries[key]
            self._new.pop(key, None)
            self._dirty_shards.add(_shard_of(key))
        members: dict[int, list[str]] = {n: [] for n in self._dirty_shards}
        for key in self.entries:
            group = members.get(_shard_of(key))
            if group is not None:
                group.append(key)
        for n in sorted(self._dirty_shards):
            old = self._shard(n)
            shard = {}
            for key in members[n]:
                entry = self.entries[key]
                case = self._new.get(key)
                if case is not None:
                    shard[key] = (entry.sig, pickle.dumps(case, protocol=pickle.HIGHEST_PROTOCOL))
                elif key in old:
                    shard[key] = old[key]
            self._shards[n] = shard
            _write(self.shard_dir / f"{n:02d}.pickle", (self.stamp, shard))
        _write(self.path, (self.stamp, {k: tuple(v) for k, v in self.entries.items()}))
        self._new.clear()
        self._dirty_shards.clear()
        self.dirty = False


def _shard_of(path: str) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % SHARDS


@dataclass
class IndexLoad:
    """The content as `kb index` needs it: every valid case (changed files as Cases,
    unchanged ones as CachedCase) and every problem found."""

    cases: list[Case | CachedCase] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    cache: LoadCache | None = None
    files: set[str] = field(default_factory=set)  # every case file found
    broken: list[Broken] = field(default_factory=list)  # one per invalid file
    complete: bool = True  # False if a folder could not be listed: nothing may be deleted

    @property
    def ok(self) -> bool:
        return not self.errors

    def save_cache(self) -> None:
        """Record what was validated (`kb index` does it once the changes are sent)."""
        if self.cache is not None:
            self.cache.save(self.files)


class IndexState:
    def __init__(self, data_dir: Path, url: str, index: str) -> None:
        key = hashlib.sha256(f"{url}\0{index}".encode()).hexdigest()[:16]
        self.path = data_dir / "cache" / f"index-{key}.pickle"

    def load(self, version: tuple[str, int]) -> dict[str, str] | None:
        """The hashes recorded for the index at ``version`` (updatedAt, size), if any."""
        try:
            with self.path.open("rb") as f:
                stamp, hashes = pickle.load(f)
        except _BAD_PICKLE:
            return None
        return hashes if stamp == (__version__, *version) and isinstance(hashes, dict) else None

    def save(self, version: tuple[str, int], hashes: dict[str, str]) -> None:
        _write(self.path, ((__version__, *version), hashes))

    def forget(self) -> None:
        self.path.unlink(missing_ok=True)


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cache-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
