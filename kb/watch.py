"""Re-index content as editors save it (`kb serve --watch`).

A background thread polls the content tree's file signatures (path, size,
mtime) and runs the incremental sync when they change. Invalid content is
reported and skipped: the index keeps serving the last good state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from indexer.build import IndexReport, open_builder
from kb.config import Settings
from kb.errors import KbError
from kb.loader import load_for_index

log = logging.getLogger("kb.watch")

Signature = frozenset[tuple[str, int, int]]


def signature(content_dir: Path) -> Signature:
    """What changes when any file under ``content_dir`` is added, edited or removed."""
    out = set()
    for path in content_dir.rglob("*"):
        try:
            st = path.stat()
        except FileNotFoundError:  # removed while walking
            continue
        if path.is_file():
            out.add((str(path), st.st_size, st.st_mtime_ns))
    return frozenset(out)


def sync_once(settings: Settings) -> IndexReport | None:
    """Load and sync the content once; None (and a log line) if the content is invalid."""
    taxonomy, result = load_for_index(settings)
    if result.errors:
        for err in result.errors:
            log.warning("kb check: %s", err)
        log.warning("索引を更新しません: %d 件の問題があります", len(result.errors))
        return None
    builder = open_builder(settings, taxonomy)
    return builder.sync(result.cases)


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
        self._stop = threading.Event()
        self._last = signature(settings.content_dir)

    def stop(self) -> None:
        self._stop.set()

    def poll(self) -> IndexReport | None:
        """Sync if anything changed since the last poll; returns the report (or None)."""
        now = signature(self.settings.content_dir)
        if now == self._last:
            return None
        self._last = now
        try:
            report = sync_once(self.settings)
        except KbError as exc:
            log.warning("索引の更新に失敗しました: %s", exc)
            report = None
        if report is not None:
            log.info(
                "索引を更新しました: 追加 %d / 更新 %d / 削除 %d",
                report.added, report.updated, report.removed,
            )  # fmt: skip
        if self.on_sync:
            self.on_sync(report)
        return report

    def run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()
