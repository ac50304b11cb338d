"""kb serve --watch: saved changes reach the real index; invalid content never does."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from kb.watch import Watcher, read_status
from tests.conftest import authed
from web.app import create_app


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
    report = watcher.poll()
    assert report is not None and report.problems == 1 and report.added == 0
    assert ix.ids("共同受注") == ["aichi-2023-a"]
    assert ix.ids("共同配送") == []


def test_a_dangling_symlink_does_not_stop_the_watcher_and_a_withdrawal_goes_in(content, indexed):
    """Issue 15: one dangling symlink killed the watch thread, so a later withdrawal (public
    -> internal) was never indexed and /healthz still said ok."""
    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。")
    shaky = content.add("aichi-2023-b", "## 背景\n共同配送を始めた。")
    ix = indexed()
    watcher = Watcher(ix.settings, interval_s=0.05)
    (content.root / "cases" / "x").mkdir()
    (content.root / "cases" / "x" / "link.md").symlink_to(content.root / "nowhere.md")
    report = watcher.poll()
    assert report is not None and report.problems == 1  # a finding, not a crash
    # the withdrawal, beside the dangling link and a file that is otherwise broken
    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。", visibility="internal")
    content.add("aichi-2023-b", "## 背景\n新しい本文。", visibility="internal", year=1800)
    _touch(shaky)
    report = watcher.poll()
    assert report is not None and report.problems == 2 and report.withdrawn == 1
    assert ix.ids("", public_only=True) == []
    assert ix.ids("共同配送") == ["aichi-2023-b"]  # the last good version, internal now
    assert watcher.state["last_error"] is None and watcher.state["last_sync"]


def test_watcher_survives_failures_and_healthz_reports_it(content, indexed, monkeypatch):
    import kb.watch as watch

    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。")
    ix = indexed()
    client = authed(create_app(ix.settings))  # the watcher's details are for instructors
    anonymous = TestClient(client.app)
    assert client.get("/healthz").json()["watcher"] == {"enabled": False, "running": False}
    watcher = Watcher(ix.settings, interval_s=0.01)
    watcher.start()
    try:
        real = watch.sync_once

        def boom(settings):
            raise FileNotFoundError("content/cases/x/link.md")

        monkeypatch.setattr(watch, "sync_once", boom)
        content.add("aichi-2023-b", "## 背景\n共同配送を始めた。")
        _wait_for(lambda: watcher.state["last_error"])
        state = client.get("/healthz").json()
        assert state["status"] == "degraded" and state["meilisearch"]["available"] is True
        assert state["watcher"]["enabled"] and state["watcher"]["running"]
        assert "FileNotFoundError" in state["watcher"]["last_error"]
        # anyone may ask whether it works, not what failed (the error names a case file)
        outside = anonymous.get("/healthz")
        assert outside.json() == {
            "status": "degraded",
            "meilisearch": {"available": True},
            "watcher": {"enabled": True, "running": True},
        }
        assert "link.md" not in outside.text and ix.settings.index_name not in outside.text
        assert watcher.is_alive()
        monkeypatch.setattr(watch, "sync_once", real)
        watcher._retry_at = 0  # do not wait for the back-off in a test
        _wait_for(lambda: ix.ids("共同配送") == ["aichi-2023-b"])
        _wait_for(lambda: client.get("/healthz").json()["status"] == "ok")
        assert client.get("/healthz").json()["watcher"]["last_sync"]
    finally:
        watcher.stop()
        watcher.join(10)
    assert read_status(ix.settings) == {"enabled": False, "running": False}


def _wait_for(cond, tries=2000):
    import time

    for _ in range(tries):
        if cond():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def test_watcher_waits_its_turn_while_another_writer_holds_the_index(content, indexed):
    from indexer.lock import IndexLock

    content.add("aichi-2023-a", "## 背景\n共同受注を始めた。")
    ix = indexed()
    watcher = Watcher(ix.settings, interval_s=0)
    other = IndexLock(ix.client, ix.settings.index_name, lease_s=60, wait_s=0, timeout_s=60)
    with other:  # e.g. a `kb index --rebuild` at work
        content.add("aichi-2023-b", "## 背景\n共同配送を始めた。")
        assert watcher.poll() is None  # did not wait, did not fail
        assert watcher.state["last_error"] is None
    report = watcher.poll()  # the change is not lost: synced at the next poll
    assert report is not None and report.added == 1
    assert ix.ids("共同配送") == ["aichi-2023-b"]
