"""Shared helpers for the benchmark scripts: settings, the bench Meilisearch, medians."""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
from pathlib import Path
from typing import Any

from kb import meili, meili_server
from kb.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
# Where the bench keeps its Meilisearch, corpora and results (the smoke test uses a temp dir).
BENCH_DATA = Path(os.environ.get("KB_BENCH_DIR") or ROOT / ".data" / "bench")


def settings(content: Path, index: str, data_dir: Path = BENCH_DATA, **kw: Any) -> Settings:
    """Settings for the bench's own managed Meilisearch (never the developer's)."""
    return load_settings(
        content_dir=content,
        index_name=index,
        data_dir=data_dir,
        tools_dir=ROOT / ".tools",
        meili_url=None,
        meili_master_key=None,
        meili_timeout_s=1800.0,
        **kw,
    )


def env_for(s: Settings) -> dict[str, str]:
    """Environment for a `kb` subprocess bound to the same server and index."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "MEILI_"))}
    env.update(
        KB_CONTENT_DIR=str(s.content_dir),
        KB_INDEX=s.index_name,
        KB_DATA_DIR=str(s.data_dir),
        KB_TOOLS_DIR=str(s.tools_dir),
        KB_MEILI_TIMEOUT=str(s.meili_timeout_s),
    )
    return env


def meili_pid(s: Settings) -> int | None:
    pid_file = s.data_dir.resolve() / "meili.pid"
    if not pid_file.exists():
        return None
    return int(json.loads(pid_file.read_text())["pid"])


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM (peak resident set) of a process, in MiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else None


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def median_dict(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Key-wise median of numeric fields (other fields from the first run)."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = median([float(r[key]) for r in runs if r.get(key) is not None])
    out["runs"] = len(runs)
    return out


def drop_index(s: Settings, name: str) -> None:
    client = meili.client(meili_server.ensure(s), s.meili_timeout_s)
    with contextlib.suppress(Exception):  # an absent index is fine
        meili.wait_task(client, client.delete_index(name).task_uid, s.meili_timeout_s)
