"""Build the index: a full rebuild into a fresh index swapped in atomically, or an
incremental sync that sends only added/changed documents (by content hash) and
removes deleted ones. Every Meilisearch task is awaited; a failed task is an
error naming the document, and a failed rebuild leaves the old index serving.

One writer at a time: both hold the index lock (indexer.lock) from start to end. An
invalid case file does not stop the others: the index keeps its last good version (a
rebuild carries it over from the live index), withdrawn (visibility internal) unless the
file still clearly says public. A rebuild is swapped in only after the build index's
document count and settings are read back and found to be what was sent.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from meilisearch.errors import MeilisearchApiError, MeilisearchError
from requests import RequestException

from indexer.documents import Analyzer
from indexer.lock import IndexLock
from indexer.settings import differs
from indexer.stream import Streamed, stream
from kb import meili, meili_server
from kb.attachments import AttachmentTexts
from kb.cache import CachedCase, IndexState
from kb.case import ID_PATTERN, Case
from kb.casefiles import Broken
from kb.config import Settings
from kb.errors import IndexingError, SearchUnavailable
from kb.taxonomy import Taxonomy

BATCH = 500  # documents per Meilisearch task
PARALLEL_MIN = 400  # below this, normalizing in-process is faster than starting workers
WORK_CHUNK = 50  # cases per worker task
IN_FLIGHT = 8  # Meilisearch tasks enqueued but not yet awaited
BUILD_SUFFIX = "__build_"
WITHDRAWN = "withdrawn"  # the hash of a kept version made internal: sent again once fixed
_ID = re.compile(ID_PATTERN)

Progress = Callable[[int], None]
Item = Case | CachedCase  # a case to index; CachedCase is unpickled only when sent


def full(items: Sequence[Item]) -> list[Case]:
    """The Case of every item (cached ones unpickled, or read again if their cache is gone)."""
    return [c if isinstance(c, Case) else c.load() for c in items]


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    kept: int = 0  # invalid files whose last good version stays in the index
    withdrawn: int = 0  # ... of which the version was made internal now
    problems: int = 0  # problems found in the content (set by the caller)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_worker: Analyzer | None = None


def _init_worker(analyzer: Analyzer) -> None:
    global _worker
    _worker = analyzer


def _work(cases: list[Case]) -> list[dict[str, Any]]:
    assert _worker is not None
    return _worker.documents(cases)


def _chunks(items: Sequence[Case], size: int) -> Iterator[list[Case]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def documents(analyzer: Analyzer, cases: Sequence[Case]) -> Iterator[list[dict[str, Any]]]:
    """Batches of documents, normalized on every core for large collections.

    At most a few chunks are in the workers at once, so memory does not grow with N.
    """
    if len(cases) < PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        for chunk in _chunks(cases, BATCH):
            yield analyzer.documents(chunk)
        return
    workers = os.cpu_count() or 2
    ctx = get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(analyzer,)
    ) as pool:
        queue: deque[Future[list[dict[str, Any]]]] = deque()
        batch: list[dict[str, Any]] = []
        for chunk in _chunks(cases, WORK_CHUNK):
            queue.append(pool.submit(_work, chunk))
            if len(queue) >= 4 * workers:
                batch.extend(queue.popleft().result())
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
        while queue:
            batch.extend(queue.popleft().result())
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


class Builder:
    def __init__(
        self,
        settings: Settings,
        conn: meili.Connection,
        analyzer: Analyzer,
        state: IndexState | None = None,
        *,
        wait_s: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.state = state
        self.settings = settings
        self.client = meili.client(conn, settings.meili_timeout_s)
        self.analyzer = analyzer
        self.name = settings.index_name
        self.timeout = settings.meili_timeout_s
        self.streamed: Streamed | None = None  # what the last rebuild_files found
        self.lock = IndexLock(
            self.client,
            self.name,
            lease_s=settings.index_lock_lease_s,
            wait_s=settings.index_lock_wait_s if wait_s is None else wait_s,
            timeout_s=self.timeout,
            on_wait=on_wait,
        )

    # -- helpers -----------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the index lock (once, however deeply nested) and turn the client's errors
        (Meilisearch gone mid-way) into SearchUnavailable."""
        try:
            if self.lock.held:
                yield
            else:
                with self.lock:
                    yield
        except MeilisearchApiError as exc:
            raise SearchUnavailable(
                f"Meilisearch がエラーを返しました: {exc.message}",
                hint="`kb meili status` で確認してください。索引は前の状態のまま使われています",
            ) from exc
        except (MeilisearchError, RequestException) as exc:
            raise SearchUnavailable(
                f"Meilisearch との接続が切れました: {exc}",
                hint="`kb meili status` で確認し、起動してから kb index をもう一度実行してください。"
                "索引は前の状態のまま使われています",
            ) from exc

    def _wait(self, task: Any) -> Any:
        return meili.wait_task(self.client, task.task_uid, self.timeout)

    def _exists(self, name: str) -> bool:
        try:
            self.client.get_index(name)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return False
            raise SearchUnavailable(f"Meilisearch: {exc.message}") from exc
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
        return True

    def _create(self, name: str) -> None:
        self._wait(self.client.create_index(name, {"primaryKey": "id"}))

    def apply_settings(self, name: str) -> bool:
        """Apply INDEX_SETTINGS where they differ; True if anything changed."""
        index = self.client.index(name)
        change = differs(index.get_settings())
        if change:
            self._wait(index.update_settings(change))
        return bool(change)

    def _send(
        self, name: str, batches: Iterator[list[dict[str, Any]]], progress: Progress | None
    ) -> int:
        index = self.client.index(name)
        pending: deque[tuple[Any, list[dict[str, Any]]]] = deque()
        count = 0
        for docs in batches:
            if not docs:
                continue
            pending.append((index.add_documents(docs, primary_key="id"), docs))
            count += len(docs)
            if progress:
                progress(len(docs))
            if len(pending) > IN_FLIGHT:  # back-pressure: memory stays flat as N grows
                self._settle(name, *pending.popleft())
        while pending:
            self._settle(name, *pending.popleft())
        return count

    def _settle(self, name: str, task: Any, docs: list[dict[str, Any]]) -> None:
        try:
            self._wait(task)
        except IndexingError as exc:
            raise self._blame(name, docs, exc) from exc

    def _blame(self, name: str, docs: list[dict[str, Any]], exc: IndexingError) -> IndexingError:
        """Find the document of a failed batch that Meilisearch refuses, and name it."""
        index = self.client.index(name)
        for doc in docs:
            try:
                self._wait(index.add_documents([doc], primary_key="id"))
            except IndexingError as single:
                return IndexingError(
                    f"Meilisearch が文書 {doc.get('id')!r} を受け付けません: {single.message}",
                    path=doc.get("source"),
                    hint="この事例ファイルを確認してください。前の索引はそのまま検索に使われています",
                )
        return exc

    def _fetch(
        self, name: str, ids: Iterable[str], fields: list[str] | None
    ) -> list[dict[str, Any]]:
        """The documents of ``ids`` (valid slugs only) in index ``name``: one request per
        1,000 ids; one per id if the index cannot filter on id (settings lost)."""
        wanted = sorted(i for i in set(ids) if _ID.match(i))
        index = self.client.index(name)
        out: list[dict[str, Any]] = []
        for i in range(0, len(wanted), 1000):
            part = wanted[i : i + 1000]
            params: dict[str, Any] = {"filter": "id IN [" + ", ".join(f'"{x}"' for x in part) + "]"}
            params["limit"] = len(part)
            if fields:
                params["fields"] = fields
            try:
                out.extend(dict(d) for d in index.get_documents(params).results)
            except MeilisearchApiError:
                for x in part:
                    with contextlib.suppress(MeilisearchApiError):
                        out.append(
                            dict(index.get_document(x, {"fields": fields} if fields else None))
                        )
        return out

    # -- public --------------------------------------------------------------
    def rebuild(
        self,
        items: Sequence[Item],
        progress: Progress | None = None,
        broken: Sequence[Broken] = (),
    ) -> IndexReport:
        """Build every case into a fresh index, then swap it in atomically."""
        cases = full(items)
        hashes = {c.id: self.analyzer.doc_hash(c) for c in cases}
        with self._writing():
            return self._rebuild(
                documents(self.analyzer, cases), lambda: (hashes, broken), progress
            )

    def rebuild_files(
        self, files: list[Path], taxonomy: Taxonomy, progress: Progress | None = None
    ) -> IndexReport:
        """``rebuild`` straight from the case files, streamed (indexer.stream): memory stays
        flat however many cases there are. The problems found are in ``self.streamed``:
        invalid files are carried over from the live index (or withdrawn) as in a sync."""
        out = Streamed()
        self.streamed = out
        with self._writing():
            batches = stream(
                files, self.settings.content_dir, taxonomy, self.analyzer,
                self.settings.max_file_bytes, out, BATCH,
            )  # fmt: skip
            return self._rebuild(batches, lambda: (out.hashes, out.broken), progress)

    def _rebuild(
        self,
        batches: Iterator[list[dict[str, Any]]],
        finish: Callable[[], tuple[dict[str, str], Sequence[Broken]]],
        progress: Progress | None,
    ) -> IndexReport:
        """Send ``batches`` into a fresh index; ``finish`` gives id -> hash of what was sent
        and the invalid files, whose last good versions are carried over."""
        start = time.perf_counter()
        if self.state is not None:
            self.state.forget()
        for idx in self._stale_builds():  # we hold the lock: their writers are gone
            self._wait(self.client.delete_index(idx))
        tmp = f"{self.name}{BUILD_SUFFIX}{self.lock.generation or 0}_{int(time.time() * 1000)}"
        self._create(tmp)
        report = IndexReport(rebuilt=True)
        try:
            self.apply_settings(tmp)
            count = self._send(tmp, batches, progress)
            hashes, broken = finish()
            carried = self._carry(tmp, broken, hashes, report)
            self._verify(tmp, count + len(carried))
            hashes = {**hashes, **carried}
            if not self._exists(self.name):
                self._create(self.name)
            self.lock.verify()  # still ours: nobody else wrote meanwhile
            self._wait(self.client.swap_indexes([{"indexes": [self.name, tmp]}]))
        finally:
            # after the swap, tmp holds the old index; before it, the failed build
            with contextlib.suppress(IndexingError, SearchUnavailable, MeilisearchError):
                self._wait(self.client.delete_index(tmp))
        self._record(hashes)
        self._save_attachments()
        report.added = count
        report.seconds = time.perf_counter() - start
        return report

    def _carry(
        self, tmp: str, broken: Sequence[Broken], valid: dict[str, str], report: IndexReport
    ) -> dict[str, str]:
        """Copy the live version of each invalid file's case into ``tmp`` (withdrawn unless
        the file still says public); id -> hash of what was copied."""
        public: dict[str, bool] = {}
        for b in broken:
            if b.id not in valid:
                public[b.id] = public.get(b.id, True) and b.public
        if not public or not self._exists(self.name):
            return {}
        docs = self._fetch(self.name, public, None)
        for doc in docs:
            if not public[doc["id"]] and doc.get("visibility") != "internal":
                doc["visibility"], doc["hash"] = "internal", WITHDRAWN
                report.withdrawn += 1
        report.kept = len(docs)
        self._send(tmp, iter([docs]), None)
        return {str(d["id"]): str(d.get("hash", "")) for d in docs}

    def _verify(self, tmp: str, expected: int) -> None:
        """Refuse to swap in a build whose size or settings are not what was sent."""
        index = self.client.index(tmp)
        have = int(index.get_stats().number_of_documents)
        change = differs(index.get_settings())
        if have != expected or change:
            raise IndexingError(
                f"作成した索引が送った内容と一致しません（文書 {have} 件／送信 {expected} 件"
                + (f"、設定の違い: {', '.join(sorted(change))}" if change else "")
                + "）",
                hint="索引は差し替えていません。前の索引がそのまま使われています。"
                "kb index --rebuild をもう一度実行してください",
            )

    def _save_attachments(self) -> None:
        """Remember the attachments' hashes (their text is cached as it is extracted)."""
        if self.analyzer.attachments is not None:
            self.analyzer.attachments.save()

    def _stale_builds(self) -> list[str]:
        try:
            result = self.client.get_indexes({"limit": 1000})
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
        return [ix.uid for ix in result["results"] if ix.uid.startswith(self.name + BUILD_SUFFIX)]

    def _version(self) -> tuple[str, int]:
        """(updatedAt, number of documents) of the live index: changes with every write."""
        try:
            updated = self.client.get_index(self.name).updated_at
            count = self.client.index(self.name).get_stats().number_of_documents
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
        return (str(updated), int(count))

    def existing_hashes(self) -> tuple[dict[str, str], bool]:
        """id -> hash of every indexed document, and whether it came from the local record
        (which is used while the index's updatedAt and size are what it recorded)."""
        if self.state is not None:
            known = self.state.load(self._version())
            if known is not None:
                return known, True
        index = self.client.index(self.name)
        out: dict[str, str] = {}
        offset = 0
        while True:
            page = index.get_documents({"fields": ["id", "hash"], "limit": 5000, "offset": offset})
            for doc in page.results:
                data = dict(doc)
                out[str(data["id"])] = str(data.get("hash", ""))
            offset += len(page.results)
            if offset >= page.total or not page.results:
                return out, False

    def _record(self, hashes: dict[str, str]) -> None:
        if self.state is not None:
            self.state.save(self._version(), hashes)

    def sync(
        self,
        cases: Sequence[Item],
        progress: Progress | None = None,
        broken: Sequence[Broken] = (),
        complete: bool = True,
    ) -> IndexReport:
        """Send only what changed since the last index; remove deleted cases.

        ``broken`` files keep their last good version, withdrawn (made internal) unless
        the file still says public; with ``complete`` False (a folder could not be read)
        nothing is deleted."""
        with self._writing():
            if not self._exists(self.name):
                return self.rebuild(cases, progress, broken)
            return self._sync(cases, progress, broken, complete)

    def _sync(
        self, cases: Sequence[Item], progress: Progress | None, broken: Sequence[Broken],
        complete: bool,
    ) -> IndexReport:  # fmt: skip
        start = time.perf_counter()
        self.apply_settings(self.name)
        have, recorded = self.existing_hashes()
        report = IndexReport()
        changed: list[Item] = []
        hashes = {c.id: self.analyzer.doc_hash(c) for c in cases}
        for case in cases:
            old = have.get(case.id)
            if old is None:
                report.added += 1
                changed.append(case)
            elif old != hashes[case.id]:
                report.updated += 1
                changed.append(case)
            else:
                report.unchanged += 1
        public: dict[str, bool] = {}
        for b in broken:
            if b.id in have and b.id not in hashes:
                public[b.id] = public.get(b.id, True) and b.public
        kept = {i: have[i] for i in public}
        report.kept = len(kept)
        gone = sorted(set(have) - set(hashes) - set(kept))
        if not complete:  # a folder could not be read: what was not seen stays
            kept.update({i: have[i] for i in gone})
            gone = []
        hide = self._to_withdraw([i for i, p in public.items() if not p and have[i] != WITHDRAWN])
        if self.state is not None and (changed or gone or hide):
            self.state.forget()  # the index is about to change: the record is stale until saved
        if changed:
            self._send(self.name, documents(self.analyzer, full(changed)), progress)
        index = self.client.index(self.name)
        if hide:
            docs = [{"id": i, "visibility": "internal", "hash": WITHDRAWN} for i in hide]
            self._wait(index.update_documents(docs, primary_key="id"))
            kept.update(dict.fromkeys(hide, WITHDRAWN))
            report.withdrawn = len(hide)
        if gone:
            ids = ", ".join(f'"{i}"' for i in gone)  # ids are validated slugs
            self._wait(index.delete_documents(filter=f"id IN [{ids}]"))
            report.removed = len(gone)
        if self.state is not None and (changed or gone or hide or not recorded):
            self._record({**kept, **hashes})
        self._save_attachments()
        report.seconds = time.perf_counter() - start
        return report

    def _to_withdraw(self, ids: list[str]) -> list[str]:
        """Those of ``ids`` whose indexed version is not internal yet (one request)."""
        if not ids:
            return []
        docs = self._fetch(self.name, ids, ["id", "visibility"])
        return sorted(str(d["id"]) for d in docs if d.get("visibility") != "internal")


def open_builder(
    settings: Settings,
    taxonomy: Taxonomy,
    *,
    wait_s: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Builder:
    """A Builder on the configured Meilisearch (started if managed), recording its state.
    ``wait_s`` overrides KB_INDEX_LOCK_WAIT; ``on_wait`` is told who holds the lock."""
    conn = meili_server.ensure(settings)
    state = IndexState(settings.data_dir, conn.url, settings.index_name)
    texts = AttachmentTexts(settings.data_dir, settings.content_dir, settings.max_document_bytes)
    return Builder(
        settings,
        conn,
        Analyzer.create(taxonomy, attachments=texts),
        state,
        wait_s=wait_s,
        on_wait=on_wait,
    )
