"""A full rebuild straight from the files: read, validate and normalize in worker processes,
send each batch as it comes, and keep only ids and hashes in the main process.

`kb index --rebuild` goes this way, so its memory does not grow with the collection (the
main process never holds every case) and parsing overlaps with Sudachi and Meilisearch.
Every problem is collected; an invalid file does not stop the others (its last good version
is carried over from the live index by indexer.build, or withdrawn).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from indexer.documents import Analyzer
from kb.case import Case
from kb.casefiles import Broken, broken
from kb.errors import ContentError
from kb.loader import duplicate_id, load_one
from kb.taxonomy import Taxonomy

CHUNK = 50  # files per worker task
PARALLEL_MIN = 400  # below this, one process is faster than starting workers


@dataclass
class Streamed:
    """What a stream found besides documents: problems, and id -> hash of what it yielded."""

    errors: list[ContentError] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)  # one per invalid file
    hashes: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    parse_s: float = 0.0  # CPU seconds, summed over the workers: reading and validating
    analyse_s: float = 0.0  # ... and building documents (Sudachi)


@dataclass(frozen=True)
class _Job:
    content_dir: Path
    taxonomy: Taxonomy
    analyzer: Analyzer
    max_bytes: int


_Result = tuple[
    list[dict[str, Any]], list[ContentError], list[Broken], list[int | None], float, float
]
_job: _Job | None = None


def _init(job: _Job) -> None:
    global _job
    _job = job


def _work(paths: list[Path]) -> _Result:
    """Documents of the valid files (with their id line), problems of the others."""
    job = _job
    assert job is not None
    docs, errors, id_lines, bad = [], [], [], []
    parse = analyse = 0.0
    for path in paths:
        t0 = time.process_time()
        item = load_one(path, job.content_dir, job.taxonomy, job.max_bytes)
        t1 = time.process_time()
        parse += t1 - t0
        if isinstance(item, Case):
            docs.append(job.analyzer.document(item))
            id_lines.append(item.lines.get("id"))
            analyse += time.process_time() - t1
        else:
            errors.extend(item)
            bad.append(broken(path, job.content_dir, job.max_bytes))
    return docs, errors, bad, id_lines, parse, analyse


def stream(
    files: list[Path], content_dir: Path, taxonomy: Taxonomy, analyzer: Analyzer,
    max_bytes: int, out: Streamed, batch: int,
) -> Iterator[list[dict[str, Any]]]:  # fmt: skip
    """Batches of documents of the valid files, in order; problems, invalid files and
    duplicate ids go to ``out``."""
    job = _Job(content_dir, taxonomy, analyzer, max_bytes)
    pending: list[dict[str, Any]] = []
    for docs, errors, bad, id_lines, parse, analyse in _results(job, files):
        out.errors.extend(errors)
        out.broken.extend(bad)
        out.parse_s += parse
        out.analyse_s += analyse
        for doc, line in zip(docs, id_lines, strict=True):
            first = out.sources.get(doc["id"])
            if first is not None:
                out.errors.append(duplicate_id(doc["id"], first, doc["source"], line))
                continue
            out.sources[doc["id"]] = doc["source"]
            out.hashes[doc["id"]] = doc["hash"]
            pending.append(doc)
        if len(pending) >= batch:
            yield pending
            pending = []
    if pending:
        yield pending


def _results(job: _Job, files: list[Path]) -> Iterator[_Result]:
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_MIN or workers < 2:
        _init(job)
        yield from map(_work, chunks)
        return
    with ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=_init, initargs=(job,)
    ) as pool:
        queue: deque[Future[_Result]] = deque()
        for chunk in chunks:
            queue.append(pool.submit(_work, chunk))
            if len(queue) >= 4 * workers:  # bounded: memory does not grow with N
                yield queue.popleft().result()
        while queue:
            yield queue.popleft().result()
