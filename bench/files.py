"""The electronic-files benchmark: N generated Japanese PDF/Word/Excel/PowerPoint files
imported with `kb import` (timed per file type), then indexed with their attachments.

    python -m bench.files --count 2000 [--seed 1] [--out docs/BENCHMARKS.md]

Figures: import seconds per type; the first `kb index` (the attachments' text handed
over by the import); a second `kb index` with nothing changed; `kb index --rebuild` with
the extraction cache emptied, then warm (what the cache saves). Run alone, the section of
docs/BENCHMARKS.md is replaced in place; `make bench` runs it with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import BENCH_DATA, ROOT, drop_index, env_for, settings
from bench.docgen import write_mixed
from kb import meili, meili_server
from kb.search import Searcher
from kb.taxonomy import load_taxonomy

TYPES = ("pdf", "docx", "xlsx", "pptx")
KB = str(Path(sys.executable).with_name("kb"))


def inbox(count: int, seed: int, root: Path = BENCH_DATA) -> Path:
    """The generated files, one folder per type (made once per count and seed)."""
    out = root / f"files-{count}-s{seed}"
    marker = out / ".complete"
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        flat = out / "all"
        write_mixed(flat, count, seed)
        for kind in TYPES:
            (out / kind).mkdir(parents=True, exist_ok=True)
            for f in flat.glob(f"*.{kind}"):
                f.rename(out / kind / f.name)
        flat.rmdir()
        marker.write_text("ok")
    return out


CPU: dict[str, float] = {}  # CPU seconds (user + system) of the last command, by its name


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds and output of ``cmd``; its CPU seconds (all its processes) go to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout


def measure(count: int, seed: int = 1, root: Path = BENCH_DATA) -> dict[str, Any]:
    files = inbox(count, seed, root)
    content = root / f"files-content-{count}"
    shutil.rmtree(content, ignore_errors=True)
    (content / "cases").mkdir(parents=True)
    for name in ("taxonomy.yml", "synonyms.yml"):
        shutil.copy(ROOT / "content" / name, content / name)
    s = settings(content, f"bench-files-{count}", data_dir=root)
    env = env_for(s)
    meili_server.ensure(s)
    drop_index(s, s.index_name)
    shutil.rmtree(root / "cache" / "attachments", ignore_errors=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out: dict[str, Any] = {"files": count, "seed": seed, "import": {}, "load": load}
    for kind in TYPES:
        n = len(list((files / kind).iterdir()))
        seconds, text = _timed([KB, "import", str(files / kind)], env)
        assert f"取り込み {n} 件" in text, text[-500:]
        out["import"][kind] = {"files": n, "seconds": seconds, "ms_per_file": 1000 * seconds / n,
                               "cpu_s": CPU["last"]}  # fmt: skip
    out["import_s"] = sum(v["seconds"] for v in out["import"].values())
    out["bytes"] = sum(f.stat().st_size for f in files.rglob("*.*") if f.is_file())
    out["index_cold_s"], _ = _timed([KB, "index"], env)
    out["index_cold_cpu_s"] = CPU["last"]
    out["index_noop_s"], text = _timed([KB, "index"], env)
    out["index_noop_cpu_s"] = CPU["last"]
    assert f"変更なし {count}" in text, text
    shutil.rmtree(root / "cache" / "attachments")  # every attachment read and converted again
    out["rebuild_cold_s"], _ = _timed([KB, "index", "--rebuild"], env)
    out["rebuild_cold_cpu_s"] = CPU["last"]
    out["rebuild_warm_s"], _ = _timed([KB, "index", "--rebuild"], env)
    out["rebuild_warm_cpu_s"] = CPU["last"]
    out["total_s"] = out["import_s"] + out["index_cold_s"]
    # the last file's unique word finds its case first
    taxonomy = load_taxonomy(content)
    from indexer.documents import Analyzer

    searcher = Searcher(meili.client(meili_server.ensure(s), 60), s.index_name,
                        Analyzer.create(taxonomy))  # fmt: skip
    probe = searcher.search(f"kbdoc{count - 1}", facets=False, limit=1)
    out["probe_top"] = probe["hits"][0]["id"] if probe["hits"] else None
    drop_index(s, s.index_name)
    return out


def section(f: dict[str, Any]) -> list[str]:
    """The report's section on electronic files."""

    def cpu(x: Any) -> str:
        return "–" if x is None else f"{x:.1f}"

    rows = [
        [
            k,
            f"{v['files']:,}",
            f"{v['seconds']:.1f}",
            f"{v['ms_per_file']:.0f}",
            cpu(v.get("cpu_s")),
        ]
        for k, v in f["import"].items()
    ]
    head = "| type | files | `kb import` s | ms per file | CPU s |\n|---|---|---|---|---|"
    table = "\n".join([head, *("| " + " | ".join(r) + " |" for r in rows)])
    return [
        f"## 6. Electronic files ({f['files']:,} generated PDF/Word/Excel/PowerPoint files)",
        "",
        f"`python -m bench.files --count {f['files']} --seed {f['seed']}`"
        + (f", load average at start {f['load']} on 2 cores" if f.get("load") else "")
        + f" ({f['bytes'] / 1e6:.1f} MB "
        "of files in Japanese from bench/docgen.py: PDFs of 1 page with the IPAGothic font, "
        "Word with a heading, Excel as one table, PowerPoint of about 10 slides).",
        "",
        table,
        "",
        "| figure | wall s | CPU s |\n|---|---|---|",
        f"| `kb import`, all types | {f['import_s']:.1f} | "
        f"{cpu(sum(v.get('cpu_s') or 0 for v in f['import'].values()))} |",
        f"| first `kb index` (the attachments' text handed over by `kb import`) | "
        f"{f['index_cold_s']:.1f} | {cpu(f.get('index_cold_cpu_s'))} |",
        f"| import + first index | {f['total_s']:.1f} | |",
        f"| second `kb index`, nothing changed | {f['index_noop_s']:.1f} | "
        f"{cpu(f.get('index_noop_cpu_s'))} |",
        f"| `kb index --rebuild`, extraction cache emptied (every attachment converted) | "
        f"{f.get('rebuild_cold_s', 0):.1f} | {cpu(f.get('rebuild_cold_cpu_s'))} |",
        f"| `kb index --rebuild`, extraction cache warm | {f['rebuild_warm_s']:.1f} | "
        f"{cpu(f.get('rebuild_warm_cpu_s'))} |",
        "",
        "Each imported case holds the document's text as its body and the original as its "
        "attachment, whose text is indexed too (cached under `KB_DATA_DIR/cache/attachments/` "
        "by content hash; `kb import` puts what it converted there, and an unchanged file is "
        "neither read nor hashed again: its size and mtime say so). Targets: import + index of 2,000 files under 10 minutes, a second "
        "`kb index` under 10 seconds. The machine is shared with other test suites: the "
        "wall times are noisy; *CPU s* is the CPU time of the command and its worker "
        "processes (what the work costs, whatever the load; on an idle 2-core machine the wall "
        "time of the parallel steps is about half of it).",
        "",
    ]


def replace_section(report: Path, f: dict[str, Any]) -> None:
    """Put the section into an existing report (before the hand-written findings)."""
    text = report.read_text(encoding="utf-8") if report.exists() else "# Benchmarks\n"
    new = "\n".join(section(f))
    start = text.find("## 6. Electronic files")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        end = len(text) if end < 0 else end + 1
        text = text[:start] + new + text[end:]
    else:
        cut = text.find("\n## Findings")
        cut = len(text) if cut < 0 else cut + 1
        text = text[:cut] + new + "\n" + text[cut:]
    report.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    args = ap.parse_args(argv)
    s0 = settings(ROOT / "content", "bench-probe")
    meili_server.start(s0)
    try:
        result = measure(args.count, args.seed)
    finally:
        meili_server.stop(s0)
    (BENCH_DATA / f"files-{args.count}.json").write_text(json.dumps(result, indent=1))
    replace_section(args.out, result)
    print("\n".join(section(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
