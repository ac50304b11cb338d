"""Build the index: a full rebuild into a fresh index swapped in atomically, or an
incremental sync that sends only added/changed documents (by content hash) and
removes deleted ones. Every Meilisearch task is awaited; a failed task is an
error naming the document, and a failed rebuild leaves the old index serving.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from meilisearch.errors import MeilisearchApiError, MeilisearchError

from indexer.documents import Analyzer
from indexer.settings import differs
from indexer.stream import Streamed, stream
from kb import meili, meili_server
from kb.attachments import AttachmentTexts
from kb.cache import CachedCase, IndexState
from kb.case import Case
from kb.config import Settings
from kb.errors import ContentErrors, IndexingError, SearchUnavailable
from kb.taxonomy import Taxonomy

BATCH = 500  # documents per Meilisearch task
PARALLEL_MIN = 400  # below this, normalizing in-process is faster than starting workers
WORK_CHUNK = 50  # cases per worker task
IN_FLIGHT = 8  # Meilisearch tasks enqueued but not yet awaited
BUILD_SUFFIX = "__build_"

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
    ) -> None:
        self.state = state
        self.settings = settings
        self.client = meili.client(conn, settings.meili_timeout_s)
        self.analyzer = analyzer
        self.name = settings.index_name
        self.timeout = settings.meili_timeout_s
        self.streamed: Streamed | None = None  # what the last rebuild_files found

    # -- helpers -----------------------------------------------------------
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

    # -- public --------------------------------------------------------------
    def rebuild(self, items: Sequence[Item], progress: Progress | None = None) -> IndexReport:
        """Build every case into a fresh index, then swap it in atomically."""
        cases = full(items)
        hashes = {c.id: self.analyzer.doc_hash(c) for c in cases}
        return self._rebuild(documents(self.analyzer, cases), lambda: hashes, progress)

    def rebuild_files(
        self, files: list[Path], taxonomy: Taxonomy, progress: Progress | None = None
    ) -> IndexReport:
        """``rebuild`` straight from the case files, streamed (indexer.stream): memory stays
        flat however many cases there are. Raises ContentErrors with every problem found,
        before the swap, so the live index keeps serving."""
        out = Streamed()
        self.streamed = out
        batches = stream(
            files, self.settings.content_dir, taxonomy, self.analyzer,
            self.settings.max_file_bytes, out, BATCH,
        )  # fmt: skip

        def finish() -> dict[str, str]:
            if out.errors:
                raise ContentErrors(out.errors)
            return out.hashes

        return self._rebuild(batches, finish, progress)

    def _rebuild(
        self,
        batches: Iterator[list[dict[str, Any]]],
        finish: Callable[[], dict[str, str]],
        progress: Progress | None,
    ) -> IndexReport:
        """Send ``batches`` into a fresh index; ``finish`` (id -> hash, or raise) decides
        whether it is swapped in."""
        start = time.perf_counter()
        if self.state is not None:
            self.state.forget()
        for idx in self._stale_builds():
            self._wait(self.client.delete_index(idx))
        tmp = f"{self.name}{BUILD_SUFFIX}{int(time.time() * 1000)}"
        self._create(tmp)
        try:
            self.apply_settings(tmp)
            count = self._send(tmp, batches, progress)
            hashes = finish()
            if not self._exists(self.name):
                self._create(self.name)
            self._wait(self.client.swap_indexes([{"indexes": [self.name, tmp]}]))
        finally:
            # after the swap, tmp holds the old index; before it, the failed build
            with contextlib.suppress(IndexingError, SearchUnavailable, MeilisearchError):
                self._wait(self.client.delete_index(tmp))
        self._record(hashes)
        self._save_attachments()
        return IndexReport(added=count, rebuilt=True, seconds=time.perf_counter() - start)

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

    def sync(self, cases: Sequence[Item], progress: Progress | None = None) -> IndexReport:
        """Send only what changed since the last index; remove deleted cases."""
        if not self._exists(self.name):
            return self.rebuild(cases, progress)
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
        gone = sorted(set(have) - {c.id for c in cases})
        if self.state is not None and (changed or gone):
            self.state.forget()  # the index is about to change: the record is stale until saved
        if changed:
            self._send(self.name, documents(self.analyzer, full(changed)), progress)
        if gone:
            ids = ", ".join(f'"{i}"' for i in gone)  # ids are validated slugs
            index = self.client.index(self.name)
            self._wait(index.delete_documents(filter=f"id IN [{ids}]"))
            report.removed = len(gone)
        if self.state is not None and (changed or gone or not recorded):
            self._record(hashes)
        self._save_attachments()
        report.seconds = time.perf_counter() - start
        return report


def open_builder(settings: Settings, taxonomy: Taxonomy) -> Builder:
    """A Builder on the configured Meilisearch (started if managed), recording its state."""
    conn = meili_server.ensure(settings)
    state = IndexState(settings.data_dir, conn.url, settings.index_name)
    texts = AttachmentTexts(settings.data_dir, settings.content_dir, settings.max_document_bytes)
    return Builder(settings, conn, Analyzer.create(taxonomy, attachments=texts), state)
