"""One full rebuild (or sync) in a fresh process, so peak RSS is the indexer's alone.

    python -m bench.rebuild CONTENT_DIR INDEX [--sync]

The rebuild is `kb index --rebuild`'s: Builder.rebuild_files, streamed from the files.
Prints one JSON object: the CPU seconds the workers spent reading and validating and
building documents (Sudachi), the time until the last document batch was built
(overlapped with sending), the Meilisearch tail after it, the busy time of Meilisearch's
document tasks, and the peak RSS of this process and of its worker processes.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import indexer.build as build
from bench.common import settings
from indexer.documents import Analyzer
from indexer.stream import Streamed
from kb import meili, meili_server
from kb.casefiles import case_files
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
    analyzer = Analyzer.create(taxonomy)
    conn = meili_server.ensure(s)
    client = meili.client(conn, s.meili_timeout_s)
    builder = build.Builder(s, conn, analyzer)
    files = case_files(content / "cases")
    t_setup = time.perf_counter() - t0

    marks: dict[str, float] = {}
    original = build.stream

    def timed(*args: Any, **kwargs: Any) -> Iterator[list[dict[str, Any]]]:
        yield from original(*args, **kwargs)
        marks["docs_done"] = time.perf_counter()

    build.stream = timed
    enqueued_after = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    t1 = time.perf_counter()
    if sync:
        cases = load_cases(content, taxonomy, max_bytes=s.max_file_bytes).cases
        report = builder.sync(cases)
    else:
        report = builder.rebuild_files(files, taxonomy)
    t_index = time.perf_counter() - t1
    build.stream = original
    streamed = builder.streamed or Streamed()
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
    chars = sum(len(p.read_text(encoding="utf-8")) for p in files)  # after the clock stopped
    docs_done = marks.get("docs_done", t1) - t1
    ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ru_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    total = t_setup + t_index
    return {
        "cases": len(streamed.hashes) if not sync else report.added + report.updated,
        "chars": chars,
        "parse_validate_cpu_s": streamed.parse_s,
        "sudachi_cpu_s": streamed.analyse_s,
        "documents_s": docs_done,
        "meili_tail_s": t_index - docs_done,
        "meili_busy_s": busy,
        "index_s": t_index,
        "total_s": total,
        "cases_per_s": len(files) / total,
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
