"""One full rebuild (or sync) in a fresh process, so peak RSS is the indexer's alone.

    python -m bench.rebuild CONTENT_DIR INDEX [--sync]

Prints one JSON object: parse+validate seconds, the time until the last document
batch was built (Sudachi, overlapped with sending), the Meilisearch tail after it,
the busy time of Meilisearch's document tasks, and the peak RSS of this process and
of its Sudachi worker processes.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import indexer.build as build
from bench.common import settings
from indexer.documents import Analyzer
from kb import meili
from kb.case import Case
from kb.loader import load_cases
from kb.taxonomy import load_taxonomy

_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?")


def _seconds(iso: str | None) -> float:
    m = _DURATION.fullmatch(iso or "")
    if not m:
        return 0.0
    h, mi, s = m.groups()
    return int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)


def measure(content: Path, index: str, sync: bool = False) -> dict[str, Any]:
    s = settings(content, index)
    t0 = time.perf_counter()
    taxonomy = load_taxonomy(content)
    result = load_cases(content, taxonomy, max_bytes=s.max_file_bytes)
    t_load = time.perf_counter() - t0
    if result.errors:
        raise SystemExit(f"{len(result.errors)} content errors, first: {result.errors[0]}")
    cases = result.cases
    analyzer = Analyzer.create(taxonomy)
    conn = meili.ensure(s)
    client = meili.client(conn, s.meili_timeout_s)
    builder = build.Builder(s, conn, analyzer)

    marks: dict[str, float] = {}
    original = build.documents

    def timed(analyzer: Analyzer, batch: Sequence[Case]) -> Iterator[list[dict[str, Any]]]:
        yield from original(analyzer, batch)
        marks["docs_done"] = time.perf_counter()

    build.documents = timed  # type: ignore[assignment]
    enqueued_after = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    t1 = time.perf_counter()
    report = builder.sync(cases) if sync else builder.rebuild(cases)
    t_index = time.perf_counter() - t1
    build.documents = original
    tasks = client.get_tasks(
        {"types": ["documentAdditionOrUpdate"], "afterEnqueuedAt": enqueued_after, "limit": 1000}
    )
    # autobatched tasks share one duration: count the span Meilisearch was busy indexing
    spans = [
        (datetime.fromisoformat(str(t.started_at)), _seconds(t.duration))
        for t in tasks.results
        if t.started_at and t.duration
    ]
    busy = (
        max(a.timestamp() + d for a, d in spans) - min(a.timestamp() for a, _ in spans)
        if spans
        else 0.0
    )
    chars = sum(len(c.title) + len(c.summary) + len(c.body) for c in cases)
    docs_done = marks.get("docs_done", t1) - t1
    ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ru_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    total = t_load + t_index
    return {
        "cases": len(cases),
        "chars": chars,
        "parse_validate_s": t_load,
        "documents_s": docs_done,
        "meili_tail_s": t_index - docs_done,
        "meili_busy_s": busy,
        "index_s": t_index,
        "total_s": total,
        "cases_per_s": len(cases) / total,
        "chars_per_s": chars / total,
        "rss_main_mib": ru_self,
        "rss_worker_mib": ru_children,
        "changed": report.added + report.updated + report.removed,
    }


def main(argv: list[str]) -> int:
    content, index = Path(argv[0]), argv[1]
    print(json.dumps(measure(content, index, sync="--sync" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
