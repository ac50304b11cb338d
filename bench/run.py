"""`make bench`: corpus, rebuild, incremental, latency and relevance, then docs/BENCHMARKS.md.

    python -m bench.run [--sizes 2000,20000] [--runs 3] [--seconds 5] [--out docs/BENCHMARKS.md]

Everything runs against the bench's own managed Meilisearch under .data/bench (started
here and stopped at the end), on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import files, latency, relevance
from bench.common import BENCH_DATA, ROOT, env_for, median, median_dict, meili_pid, peak_rss_mib
from bench.common import settings as bench_settings
from bench.report import write_report
from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.config import MEILI_VERSION
from kb.corpus import write_corpus
from kb.search import Searcher
from kb.taxonomy import load_taxonomy

PY = sys.executable
KB = str(Path(PY).with_name("kb"))


def corpus(n: int, seed: int) -> Path:
    out = BENCH_DATA / f"corpus-{n}-s{seed}"
    marker = out / ".complete"
    if not marker.exists():
        write_corpus(ROOT / "content", out, n, seed)
        marker.write_text("ok")
    return out


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB (the largest of the command and the processes it
    waited for, as `/usr/bin/time` reports it) of one run of ``cmd``."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def machine_speed(seconds: float = 2.0) -> float:
    """Sudachi's speed on one core at this moment, in thousands of characters per second
    (the normalizer over the sample cases, its word cache warm). The machine is shared and
    its speed drifts; this puts rebuilds measured at different moments side by side."""
    from kb.normalize import get_normalizer

    texts = [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "content" / "cases").rglob("*.md"))
    ]
    normalizer = get_normalizer()
    for text in texts:  # warm the word cache: steady-state tokenizing is what is measured
        normalizer.terms(text)
    chars, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            normalizer.terms(text)
            chars += len(text)
    return chars / (time.perf_counter() - start) / 1000


def rebuild(content: Path, index: str, runs: int) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        speed = machine_speed()
        out = subprocess.run(
            [PY, "-m", "bench.rebuild", str(content), index],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        results.append(json.loads(out.stdout.strip().splitlines()[-1]) | {"speed_kchars": speed})
    return median_dict(results)


def incremental(content: Path, index: str, runs: int) -> dict[str, Any]:
    """One changed case until searchable, through `kb index`; then a no-op `kb index`."""
    s = bench_settings(content, index)
    env = env_for(s)
    conn = meili_server.ensure(s)
    searcher = Searcher(meili.client(conn, 60), index, Analyzer.create(load_taxonomy(content)))
    target = sorted((content / "cases").rglob("*.md"))[0]
    original = target.read_text(encoding="utf-8")
    change, noop = [], []
    try:
        cold = _timed([KB, "index"], env)[0]  # first run after the rebuild fills the case cache
        target_id = target.stem
        for i in range(runs):
            # letters only: one unknown word, so the search is strict, never relaxed
            token = "kbbench" + "".join(chr(97 + int(d)) for d in f"{time.time_ns()}{i}")
            target.write_text(original + f"\n確認用の語 {token} を追記した。\n", encoding="utf-8")
            start = time.perf_counter()
            proc = subprocess.Popen([KB, "index"], env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)  # fmt: skip
            seen = None
            while seen is None and time.perf_counter() - start < 600:
                found = searcher.search(token, limit=1, facets=False)
                if not found["relaxed"] and [h["id"] for h in found["hits"]] == [target_id]:
                    seen = time.perf_counter() - start
                else:
                    time.sleep(0.05)
            proc.wait()
            change.append(seen if seen is not None else float("nan"))
            noop.append(_timed([KB, "index"], env)[0])
    finally:
        target.write_text(original, encoding="utf-8")
        subprocess.run([KB, "index"], env=env, check=True, capture_output=True)
    return {"change_s": median(change), "noop_s": median(noop), "cold_s": cold, "runs": runs}


def search_page(runs: int) -> dict[str, Any]:
    """Server-rendered search page over the sample content (bench/web_latency.py)."""
    from bench import web_latency

    s = bench_settings(ROOT / "content", "bench-web")
    subprocess.run([KB, "index", "--rebuild"], env=env_for(s), check=True, capture_output=True)
    return median_dict([web_latency.measure(s, rounds=10) for _ in range(runs)])


def machine() -> dict[str, Any]:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")), "unknown",
    )  # fmt: skip
    mem = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in ln)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.split()[1]) / 1024**2, 1),
        "python": sys.version.split()[0],
        "kernel": os.uname().release,
        "meilisearch": MEILI_VERSION,
        "loadavg_at_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (rebuilds above 5,000: 1)")
    ap.add_argument("--seconds", type=float, default=5.0, help="wrk duration per run")
    ap.add_argument("--concurrency", default="1,8,32")
    # the app shares this machine with Meilisearch and wrk: one worker per two cores
    # (docs/DEPLOY.md; on two cores 1 worker beat 2 and 4 in paired runs, bench/FINDINGS.md)
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1) // 2))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=0,
                    help="electronic files to import and index (bench/files.py); 0: skip")  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    ap.add_argument("--command", help="command shown in the report (default: this one)")
    ap.add_argument(
        "--merge", action="store_true",
        help="keep the other sizes' figures from the last results.json (add one size later)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.command is None:
        args.command = " ".join(["python -m bench.run", *(sys.argv[1:] if argv is None else argv)])
    sizes = [int(x) for x in args.sizes.split(",")]
    conc = tuple(int(x) for x in args.concurrency.split(","))
    started = time.time()
    data: dict[str, Any] = {"machine": machine(), "sizes": sizes, "rebuild": {}, "check": {},
                            "check_rss": {}, "latency": {},
                            "args": vars(args) | {"out": str(args.out)}}  # fmt: skip
    previous = BENCH_DATA / "results.json"
    if args.merge and previous.exists():
        old = json.loads(previous.read_text(encoding="utf-8"))
        for key in ("rebuild", "check", "check_rss", "latency"):
            data[key] = {int(k): v for k, v in old.get(key, {}).items()}
        for key in ("incremental", "relevance", "search_page", "files"):
            if key in old:
                data[key] = old[key]
        data["history"] = old.get("history", [])
        data["sizes"] = sorted(set(old.get("sizes", [])) | set(sizes))
    s0 = bench_settings(ROOT / "content", "bench-probe")
    meili_server.start(s0)
    try:
        for n in sizes:
            content = corpus(n, args.seed)
            s = bench_settings(content, f"bench-{n}")
            print(f"[bench] {n} cases: kb check, rebuild", file=sys.stderr)
            check_runs = args.runs if n <= 5000 else 1
            checks = [_timed([KB, "check"], env_for(s)) for _ in range(check_runs)]
            data["check"][n] = median([seconds for seconds, _ in checks])
            data["check_rss"][n] = max(rss for _, rss in checks)
            data["rebuild"][n] = rebuild(content, s.index_name, args.runs if n <= 5000 else 1)
            inc_n = max((x for x in data["sizes"] if x <= 20000), default=None)
            if n == inc_n:
                print(f"[bench] {n} cases: incremental", file=sys.stderr)
                data["incremental"] = {"cases": n, **incremental(content, s.index_name, args.runs)}
            if n <= 20000:
                print(f"[bench] {n} cases: latency", file=sys.stderr)
                queries: list[tuple[str, list[str]]] = [
                    (q["q"], []) for q in relevance.load_queries()
                ]
                queries += [
                    ("価格交渉", ["themes=price-pass-through"]),
                    ("", ["prefecture=愛知県"]),
                ]
                data["latency"][n] = latency.measure(
                    s, queries, workers=args.workers, concurrency=conc,
                    seconds=args.seconds, runs=args.runs,
                )  # fmt: skip
        if args.files:
            print(f"[bench] {args.files} electronic files: import, index", file=sys.stderr)
            data["files"] = files.measure(args.files, args.seed)
        if not (args.merge and "search_page" in data):
            print("[bench] search page", file=sys.stderr)
            data["search_page"] = search_page(args.runs)
        if not (args.merge and "relevance" in data):
            print("[bench] relevance", file=sys.stderr)
            data["relevance"] = relevance.evaluate(ROOT / "content", relevance.load_queries())
        pid = meili_pid(s0)
        data["meili_peak_rss_mib"] = peak_rss_mib(pid) if pid else None
    finally:
        meili_server.stop(s0)
    data["elapsed_s"] = time.time() - started
    data.setdefault("history", []).append({  # what each run that made these figures did
        "command": args.command, "sizes": sizes, "runs": args.runs,
        "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "minutes": round(data["elapsed_s"] / 60, 1),
    })  # fmt: skip
    table = write_report(data, args.out)
    (BENCH_DATA / "results.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=1, default=str)
    )
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
