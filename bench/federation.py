"""Meilisearch's CPU per request for a plain search and a one-query federated
`/multi-search` (the form of kb's ranked searches), read from /proc over N requests:

    python -m bench.federation [N]

Uses the bench's managed Meilisearch and a throw-away two-document index. Meilisearch 1.21
loads the CA store on every federated search unless it is told there is none
(kb.meili_server.NO_CA_STORE); this shows whether the running server pays for it."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.common import ROOT, meili_pid
from bench.common import settings as bench_settings
from kb import meili, meili_server
from kb.meili_http import SearchClient

INDEX = "bench-federation"


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(n: int = 300) -> dict[str, float]:
    s = bench_settings(ROOT / "content", INDEX)
    conn = meili_server.ensure(s)
    client = meili.client(conn, 60)
    task = client.index(INDEX).add_documents([{"id": "a", "t": "組合"}, {"id": "b", "t": "支援"}])
    client.wait_for_task(task.task_uid)
    pid = meili_pid(s)
    assert pid is not None
    http = SearchClient(conn.url, conn.key, 30)
    query = {"q": "組合", "attributesToRetrieve": ["id"]}
    federated = {"federation": {"limit": 1}, "queries": [{"indexUid": INDEX, **query}]}
    out: dict[str, float] = {}
    try:
        for name, send in (
            ("plain", lambda: http.search(INDEX, "組合", {**query, "limit": 1})),
            ("federated", lambda: http.multi(federated)),
        ):
            send()
            cpu, start = _cpu_s(pid), time.perf_counter()
            for _ in range(n):
                send()
            out[f"{name}_cpu_ms"] = (_cpu_s(pid) - cpu) / n * 1000
            out[f"{name}_wall_ms"] = (time.perf_counter() - start) / n * 1000
    finally:
        client.delete_index(INDEX)
    return out


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=1))
