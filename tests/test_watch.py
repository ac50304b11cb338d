"""kb serve --watch: saved changes reach the real index; invalid content never does."""

from __future__ import annotations

import os

from kb.watch import Watcher


def _touch(path):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_watcher_syncs_added_changed_and_removed(content, indexed):
    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。")
    ix = indexed()
    watcher = Watcher(ix.settings)
    assert watcher.poll() is None  # nothing changed yet

    added = content.add("aichi-2023-b", "## 背景\n共同配送を始めた。")
    report = watcher.poll()
    assert report is not None and report.added == 1
    assert ix.ids("共同配送") == ["aichi-2023-b"]

    added.write_text(added.read_text(encoding="utf-8").replace("共同配送", "共同購買"), "utf-8")
    _touch(added)
    report = watcher.poll()
    assert report is not None and report.updated == 1
    assert ix.ids("共同購買") == ["aichi-2023-b"] and ix.ids("共同配送") == []

    added.unlink()
    report = watcher.poll()
    assert report is not None and report.removed == 1
    assert ix.ids("共同購買") == []


def test_watcher_skips_invalid_content_and_keeps_index(content, indexed):
    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。")
    ix = indexed()
    watcher = Watcher(ix.settings)
    content.add("aichi-2023-bad", "## 背景\n共同配送。", prefecture="愛知")  # invalid value
    assert watcher.poll() is None
    assert ix.ids("共同受注") == ["aichi-2023-a"]
    assert ix.ids("共同配送") == []
