"""Server-rendered search page latency: p50/p95 of GET / over a set of queries.

Usage (after `kb index` on the sample content, Meilisearch running):
    .venv/bin/python bench/web_latency.py [--rounds 20]
Runs the app in-process through TestClient (no network), logged in as a bench
instructor whose account lives in a temporary store, so the figure is the server's
rendering time including the Meilisearch round trips. `make bench` runs it too.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kb.accounts import AccountStore
from kb.config import Settings, load_settings
from web.app import create_app

QUERIES: list[list[tuple[str, str | int | float | bool | None]]] = [
    [],
    [("q", "価格転嫁")],
    [("q", "事業承継 東北")],
    [("q", "DX"), ("filter", "industry=製造業")],
    [("q", "BCP"), ("filter", "themes=bcp"), ("filter", "prefecture=愛知県")],
    [("filter", "kind=qa"), ("sort", "newest")],
    [("q", "インボイス"), ("page", "1")],
    [("q", "存在しない語句ですよ")],
]


def logged_in_client(settings: Settings) -> TestClient:
    app = create_app(settings)
    password = secrets.token_urlsafe(16)
    store = AccountStore(Path(tempfile.mkdtemp(prefix="kb-bench-")) / "accounts.db")
    store.add("bench", password)
    app.state.auth.store = store
    client = TestClient(app)
    page = client.get("/login").text
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on /login")
    form = {"name": "bench", "password": password, "csrf_token": match.group(1), "next": "/"}
    response = client.post("/login", data=form, follow_redirects=False)
    if response.status_code != 303:
        raise RuntimeError(f"bench login failed: {response.status_code}")
    return client


def measure(settings: Settings, rounds: int = 20) -> dict[str, Any]:
    client = logged_in_client(settings)
    for params in QUERIES:  # warm up caches and the connection
        response = client.get("/", params=params, follow_redirects=False)
        if response.status_code != 200:
            raise RuntimeError(f"GET / answered {response.status_code}")
    times = []
    for _ in range(rounds):
        for params in QUERIES:
            t0 = time.perf_counter()
            client.get("/", params=params, follow_redirects=False).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "requests": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    r = measure(load_settings(), args.rounds)
    print(f"requests={r['requests']} p50={r['p50_ms']:.1f}ms p95={r['p95_ms']:.1f}ms")


if __name__ == "__main__":
    main()
