"""Smoke test of the benchmark scripts at tiny N so they cannot rot (no timed assertions)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/ is a script folder, not an installed package

from bench.relevance import load_queries, scores, summarize  # noqa: E402
from kb.casefiles import case_files  # noqa: E402


def test_evaluation_set_is_large_judged_and_points_at_real_cases():
    queries = load_queries()
    assert len(queries) >= 40
    known = {p.stem for p in case_files(ROOT / "content" / "cases")}
    types = {q["type"] for q in queries}
    assert {"width", "okurigana", "katakana", "synonym", "multi", "precision"} <= types
    for q in queries:
        assert q["relevant"], q["q"]
        assert set(q["relevant"]) <= known, q["q"]
        assert not set(q["relevant"]) & set(q.get("traps", [])), q["q"]
    assert any(q.get("traps") for q in queries)


def test_scores():
    s = scores(["a", "x", "b", "t"], ["a", "b"], ["t"])
    assert s["recall"] == 1.0
    assert 0.9 < s["ndcg"] < 1.0
    assert s["traps"] == 1.0
    assert scores([], ["a"], [])["recall"] == 0.0
    row = {"q": "q", "type": "width"} | {k: s for k in ("kb", "default", "jpn")}
    summary = summarize([row])
    assert summary["all"]["kb"]["n"] == 1 and summary["width"]["default"]["traps"] == 1.0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed (apt-get install wrk)")
def test_bench_run_end_to_end_at_tiny_size(tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk missing in CI (.ci/run installs it)")
        pytest.skip("NO wrk: the end-to-end benchmark smoke test was SKIPPED (apt-get install wrk)")
    out = tmp_path / "docs" / "BENCHMARKS.md"
    env = {**os.environ, "KB_BENCH_DIR": str(tmp_path / "bench")}
    cmd = [sys.executable, "-m", "bench.run", "--sizes", "25", "--runs", "1", "--seconds", "1",
           "--concurrency", "1", "--workers", "1", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    for section in (
        "## 1. Full rebuild",
        "## 2. Incremental",
        "## 3. Query latency",
        "## 4. Relevance",
    ):
        assert section in report
    assert "| 25 |" in report
    assert (out.parent / "benchmarks.png").stat().st_size > 0
    assert "recall@10" in done.stdout or "Full rebuild" in done.stdout
    results = yaml.safe_load((tmp_path / "bench" / "results.json").read_text(encoding="utf-8"))
    assert results["rebuild"]["25"]["cases"] == 25


def test_electronic_files_bench_at_tiny_size(tmp_path, meili_data):
    """bench/files.py end to end on 8 files (two of each type) in a temp dir."""
    from bench import files

    result = files.measure(8, seed=3, root=meili_data)
    assert {k: v["files"] for k, v in result["import"].items()} == {
        "pdf": 2, "docx": 2, "xlsx": 2, "pptx": 2,
    }  # fmt: skip
    assert result["probe_top"].endswith("-doc-00007")  # the last file's unique word finds it
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\n## 5. x\n\n## Findings (hand-written)\n", encoding="utf-8")
    files.replace_section(report, result)
    files.replace_section(report, result)  # replaced, not added twice
    text = report.read_text(encoding="utf-8")
    assert text.count("## 6. Electronic files (8 generated") == 1
    assert text.index("## 6.") < text.index("## Findings")
