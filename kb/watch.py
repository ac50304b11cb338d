"""Re-index content as editors save it (`kb serve --watch`).

A background thread polls the content tree's file signatures (path, size,
mtime) and runs the incremental sync when they change. Invalid files are
reported and keep their last good version in the index (withdrawn unless they
still say public), exactly as `kb index` does. The thread is supervised: any
failure of a poll (Meilisearch down, another writer holding the index lock, a
folder gone) is logged and retried on a later poll with a growing pause; the
thread never dies of it. Its state (running, last successful sync, last error)
is written to ``KB_DATA_DIR/watch-<index>.json``, which `/healthz` reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.build import IndexReport, open_builder
from kb.config import Settings
from kb.errors import IndexBusy, KbError
from kb.loader import load_for_index

log = logging.getLogger("kb.watch")

Signature = frozenset[tuple[str, int, int]]
MAX_PAUSE_S = 60.0  # longest pause between retries after failures


def signature(content_dir: Path) -> Signature:
    """What changes when any file under ``content_dir`` is added, edited or removed."""
    out = set()
    try:
        paths = list(content_dir.rglob("*"))
    except OSError:  # the folder vanished or cannot be listed while walking
        paths = []
    for path in paths:
        try:
            st = path.lstat()
            is_file = path.is_file() or path.is_symlink()
        except OSError:  # removed while walking
            continue
        if is_file:
            out.add((str(path), st.st_size, st.st_mtime_ns))
    return frozenset(out)


def sync_once(settings: Settings, wait_s: float = 0.0) -> IndexReport:
    """Load and sync the content once: valid changes are applied, invalid files logged
    (their last good version stays, or is withdrawn). Raises KbError if the sync could not
    run (no cases folder, Meilisearch down, the index lock held by another writer)."""
    taxonomy, result = load_for_index(settings, save_cache=False)
    try:
        builder = open_builder(settings, taxonomy, wait_s=wait_s)
        report = builder.sync(result.cases, broken=result.broken, complete=result.complete)
    finally:
        result.save_cache()
    for err in result.errors:
        log.warning("kb check: %s", err)
    if result.errors:
        log.warning(
            "%d 件の問題があります: 問題のあるファイルの事例は前回の内容のまま（公開と読めない"
            "ものは取り下げ）、ほかの変更は反映しました",
            len(result.errors),
        )
    report.problems = len(result.errors)
    return report


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def status_path(settings: Settings) -> Path:
    return settings.data_dir / f"watch-{settings.index_name}.json"


def read_status(settings: Settings) -> dict[str, Any]:
    """The watcher's state for /healthz: enabled (a live `kb serve --watch` writes it),
    running, the last successful sync and the last error."""
    try:
        data = json.loads(status_path(settings).read_text(encoding="utf-8"))
        alive = _alive(int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return {"enabled": False, "running": False}
    if not alive:
        return {"enabled": False, "running": False}
    return {
        "enabled": True,
        "running": bool(data.get("running")),
        "last_sync": data.get("last_sync"),
        "last_error": data.get("last_error"),
        "last_error_at": data.get("last_error_at"),
        "problems": int(data.get("problems") or 0),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Watcher(threading.Thread):
    def __init__(
        self,
        settings: Settings,
        interval_s: float = 1.0,
        on_sync: Callable[[IndexReport | None], None] | None = None,
    ) -> None:
        super().__init__(name="kb-watch", daemon=True)
        self.settings = settings
        self.interval_s = interval_s
        self.on_sync = on_sync
        self._halt = threading.Event()
        self._last = signature(settings.content_dir)
        self._failures = 0  # polls that failed in a row
        self._due = False  # a sync must run again (it failed, or the index was busy)
        self._retry_at = 0.0  # monotonic time before which a failed sync is not retried
        self.state: dict[str, Any] = {
            "pid": os.getpid(),
            "running": False,
            "last_sync": None,
            "last_error": None,
            "last_error_at": None,
            "problems": 0,
        }

    def stop(self) -> None:
        self._halt.set()

    def poll(self) -> IndexReport | None:
        """Sync if anything changed since the last poll (or a failed sync is due again);
        returns the report, or None if nothing ran or the sync failed (logged, retried)."""
        now = signature(self.settings.content_dir)
        if now == self._last and not self._due:
            return None
        if self._due and time.monotonic() < self._retry_at:
            return None
        report: IndexReport | None = None
        try:
            done = sync_once(self.settings)
        except IndexBusy as exc:  # another writer is at work: not a failure, try again soon
            log.info("索引の更新を後で再試行します: %s", exc)
            self._due = True
            self._retry_at = time.monotonic() + self.interval_s
        except KbError as exc:
            log.warning("索引の更新に失敗しました（後で再試行します）: %s", exc)
            self._failed(str(exc))
        except Exception as exc:  # supervised: log it, keep the watcher alive
            log.exception("索引の更新中に予期しないエラーが起きました（後で再試行します）")
            self._failed(f"{type(exc).__name__}: {exc}")
        else:
            report = done
            self._last = now
            self._failures = 0
            self._due = False
            self.state.update(last_sync=_now(), problems=done.problems)
            self._save()
            log.info(
                "索引を更新しました: 追加 %d / 更新 %d / 削除 %d / 取り下げ %d",
                done.added, done.updated, done.removed, done.withdrawn,
            )  # fmt: skip
        if self.on_sync:
            self.on_sync(report)
        return report

    def _failed(self, message: str) -> None:
        self._failures += 1
        self._due = True
        pause = min(MAX_PAUSE_S, self.interval_s * 2 ** min(self._failures - 1, 10))
        self._retry_at = time.monotonic() + pause
        self.state.update(last_error=message, last_error_at=_now())
        self._save()

    def _save(self) -> None:
        """Write the state for /healthz (atomically; a failure to write is only logged)."""
        path = status_path(self.settings)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".watch-", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.state, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("監視の状態を書けません: %s", exc)

    def run(self) -> None:
        self.state["running"] = True
        self._save()
        try:
            while not self._halt.wait(self.interval_s):
                try:
                    self.poll()
                except Exception:  # poll catches its own; this is the last line of defence
                    log.exception("索引の監視でエラーが起きました（監視は続けます）")
        finally:
            self.state["running"] = False
            self._save()
            if self._halt.is_set():
                with contextlib.suppress(OSError):
                    status_path(self.settings).unlink()
