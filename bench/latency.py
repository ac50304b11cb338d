"""Query latency and throughput with wrk: `/api/search` on `kb serve` next to kb's first
Meilisearch request of each query sent straight to Meilisearch (*raw*)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, env_for, median_dict
from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.config import Settings
from kb.search import Searcher
from kb.taxonomy import load_taxonomy

LUA = """
local reqs = {}
local i = 0
%s
request = function()
  i = i %% #reqs + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"p50": %%d, "p95": %%d, "p99": %%d, "requests": %%d, "seconds": %%f, "errors": %%d}\\n',
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.duration / 1e6,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def _lua_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid Lua string literal for our ASCII payloads


def _script(requests: list[tuple[str, str, str | None]], headers: dict[str, str]) -> str:
    hdr = "{" + ", ".join(f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in headers.items()) + "}"
    lines = [
        f"reqs[#reqs + 1] = wrk.format({_lua_str(m)}, {_lua_str(p)}, {hdr}, "
        f"{_lua_str(b) if b is not None else 'nil'})"
        for m, p, b in requests
    ]
    return LUA % "\n".join(lines)


def wrk(url: str, script: str, concurrency: int, seconds: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    threads = min(concurrency, 2)
    cmd = ["wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", f.name, url]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    Path(f.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON ") :])
    return {
        "p50_ms": data["p50"] / 1000,
        "p95_ms": data["p95"] / 1000,
        "p99_ms": data["p99"] / 1000,
        "rps": data["requests"] / data["seconds"],
        "errors": data["errors"],
    }


def raw_requests(s: Settings, queries: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    """The first Meilisearch request kb makes for each of ``queries`` (captured from the real
    Searcher), as (path, JSON body): a search, or a ``/multi-search`` (an OR query's count)."""
    conn = meili_server.ensure(s)
    searcher = Searcher(
        meili.client(conn, s.meili_timeout_s),
        s.index_name,
        Analyzer.create(load_taxonomy(s.content_dir)),
    )
    captured: list[tuple[str, str]] = []
    run, multi = searcher.run, searcher.http.multi

    def capture(q: str, params: dict[str, Any]) -> dict[str, Any]:
        captured.append((f"/indexes/{s.index_name}/search", json.dumps({"q": q, **params})))
        return run(q, params)

    def capture_multi(body: dict[str, Any]) -> dict[str, Any]:
        captured.append(("/multi-search", json.dumps(body)))
        return multi(body)

    searcher.run = capture  # type: ignore[method-assign]
    searcher.http.multi = capture_multi  # type: ignore[method-assign]
    out = []
    for q, filters in queries:
        captured.clear()
        searcher.search(q, filters, limit=20)
        out.append(captured[0])
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(s: Settings, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """`kb serve` as docs/DEPLOY.md runs it: several workers, no access log (the proxy's)."""
    port = _free_port()
    kb = str(ROOT / ".venv" / "bin" / "kb")
    proc = subprocess.Popen(
        [kb, "serve", "--workers", str(workers), "--no-access-log", "--port", str(port)],
        env=env_for(s), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("kb serve did not become healthy")


BENCH_USER = "bench"


def session_cookie(s: Settings, url: str) -> str:
    """Log in as the bench instructor (created in the bench's account store) and return the
    ``Cookie`` header value wrk sends: every internal route needs a session."""
    import http.cookiejar
    import re
    import secrets

    from kb.accounts import AccountStore

    store = AccountStore.for_settings(s)
    password = secrets.token_urlsafe(16)
    if store.get(BENCH_USER) is not None:
        store.remove(BENCH_USER)
    store.add(BENCH_USER, password)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/login", timeout=10).read().decode()
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    if match is None:
        raise RuntimeError("no CSRF token on /login")
    form = {"name": BENCH_USER, "password": password, "csrf_token": match.group(1), "next": "/"}
    opener.open(url + "/login", data=urllib.parse.urlencode(form).encode(), timeout=10).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "kb_session=" not in cookies:
        raise RuntimeError("login for the benchmark failed")
    return cookies


def measure(
    s: Settings, queries: list[tuple[str, list[str]]], *, workers: int,
    concurrency: tuple[int, ...], seconds: float, runs: int,
) -> list[dict[str, Any]]:  # fmt: skip
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    conn = meili_server.ensure(s)
    raw = raw_requests(s, queries)
    raw_script = _script(
        [("POST", path, body) for path, body in raw],
        {
            "Host": urllib.parse.urlsplit(conn.url).netloc,
            "Authorization": f"Bearer {conn.key}",
            "Content-Type": "application/json",
        },
    )
    api_paths = [
        "/api/search?" + urllib.parse.urlencode([("q", q)] + [("filter", f) for f in fs])
        for q, fs in queries
    ]
    proc, url = serve(s, workers)
    results = []
    try:
        # wrk.format at load time knows no host: h11 (uvicorn) refuses a request without one
        host = urllib.parse.urlsplit(url).netloc
        api_headers = {"Host": host, "Cookie": session_cookie(s, url)}
        api_script = _script([("GET", p, None) for p in api_paths], api_headers)
        targets = {"api": (url, api_script), "raw": (conn.url, raw_script)}
        for base, script in targets.values():
            wrk(base, script, 2, 1.0)  # warm-up
        for c in concurrency:
            # API and raw runs alternate, so both see the same moments of a shared machine
            runs_: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            for _ in range(runs):
                for name, (base, script) in targets.items():
                    runs_[name].append(wrk(base, script, c, seconds))
            for name, done in runs_.items():
                if any(r["errors"] for r in done):  # a 401 or 500 is not a latency figure
                    raise RuntimeError(f"{name}: {done[0]['errors']} failed requests at c={c}")
                results.append({"target": name, "concurrency": c, **median_dict(done)})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results
