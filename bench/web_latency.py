"""Server-rendered search page latency: p50/p95 of GET / over a set of queries.

Usage (after `kb index` on the sample content, Meilisearch running):
    .venv/bin/python bench/web_latency.py [--rounds 20]
Runs the app in-process through TestClient (no network), so the figure is the
server's rendering time including the Meilisearch round trips.
"""

from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient

from kb.config import load_settings
from web.app import create_app

QUERIES: list[list[tuple[str, str]]] = [
    [],
    [("q", "価格転嫁")],
    [("q", "事業承継 東北")],
    [("q", "DX"), ("filter", "industry=製造業")],
    [("q", "BCP"), ("filter", "themes=bcp"), ("filter", "prefecture=愛知県")],
    [("filter", "kind=qa"), ("sort", "newest")],
    [("q", "インボイス"), ("page", "1")],
    [("q", "存在しない語句ですよ")],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    client = TestClient(create_app(load_settings()))
    for params in QUERIES:  # warm up caches and the connection
        client.get("/", params=params).raise_for_status()
    times = []
    for _ in range(args.rounds):
        for params in QUERIES:
            t0 = time.perf_counter()
            client.get("/", params=params).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"requests={len(times)} p50={statistics.median(times):.1f}ms p95={p95:.1f}ms")


if __name__ == "__main__":
    main()
