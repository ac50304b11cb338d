"""indexer.lock on the real Meilisearch: one writer at a time, waiting, refusing, taking
over an expired lease; and issue 15's two concurrent rebuilds of a generated corpus."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from meilisearch.errors import MeilisearchError

from indexer.lock import LOCK_SUFFIX, Holder, IndexLock
from indexer.settings import INDEX_SETTINGS, differs
from kb import meili, meili_server
from kb.cli import main
from kb.config import Settings
from kb.corpus import write_corpus
from kb.errors import IndexBusy
from tests.conftest import CONTENT, ROOT, ContentTree, Indexed, session_settings

CORPUS = 2000  # cases: two rebuilds of this size overlapped for seconds before the lock


def _lock(ix: Indexed, wait_s: float = 0.0, lease_s: float = 60.0, **kw: Any) -> IndexLock:
    return IndexLock(
        ix.client, ix.settings.index_name, lease_s=lease_s, wait_s=wait_s, timeout_s=60, **kw
    )


def _lock_indexes(ix: Indexed) -> list[str]:
    prefix = ix.settings.index_name + LOCK_SUFFIX
    return [
        i.uid for i in ix.client.get_indexes({"limit": 1000})["results"] if i.uid.startswith(prefix)
    ]


@pytest.fixture
def ix(content: ContentTree, indexed: Callable[[], Indexed]) -> Indexed:
    content.add("a")
    return indexed()


def test_a_second_writer_is_refused_with_the_holder_named(ix: Indexed) -> None:
    with _lock(ix) as first:
        assert first.owned()
        with pytest.raises(IndexBusy) as info:
            _lock(ix).acquire()
        message = str(info.value)
        assert socket.gethostname() in message and f"プロセス {os.getpid()}" in message
        assert "更新中です" in message and "KB_INDEX_LOCK_WAIT" in message
    assert _lock_indexes(ix) == []  # released: nothing left behind
    with _lock(ix):  # and free again
        pass


def test_a_waiting_writer_gets_the_lock_when_it_is_released(ix: Indexed) -> None:
    told: list[str] = []
    first = _lock(ix)
    first.acquire()
    got = threading.Event()

    def second() -> None:
        with _lock(ix, wait_s=60, on_wait=told.append):
            got.set()

    thread = threading.Thread(target=second)
    thread.start()
    while not told:  # the second writer is waiting, and was told who holds the lock
        time.sleep(0.01)
    assert not got.is_set() and f"プロセス {os.getpid()}" in told[0]
    first.release()
    thread.join(60)
    assert got.is_set()


def test_concurrent_writers_never_overlap(ix: Indexed) -> None:
    """Eight writers start together; the index-creation race lets exactly one in at a time."""
    inside, most, done = [0], [0], []
    guard = threading.Lock()
    start = threading.Barrier(8)

    def writer() -> None:
        start.wait()
        with _lock(ix, wait_s=120):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1
        done.append(1)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert len(done) == 8 and most[0] == 1


def test_an_expired_lease_is_taken_over_and_the_old_holder_knows(ix: Indexed) -> None:
    stale = _lock(ix)
    stale.acquire()
    stale._stop.set()  # the holder stalls: no more renewals
    # its lease runs out (written as expired rather than waited for)
    expired = replace(stale.me, expires_at=time.time() - 1)
    name = f"{ix.settings.index_name}{LOCK_SUFFIX}{stale.generation}"
    ix.builder._wait(ix.client.index(name).update(primary_key=expired.key()))
    with _lock(ix) as successor:
        assert successor.generation == (stale.generation or 0) + 1
        assert _lock_indexes(ix) == [f"{ix.settings.index_name}{LOCK_SUFFIX}{successor.generation}"]
        with pytest.raises(IndexBusy) as info:
            stale.verify()  # e.g. before its swap
        assert "ロックを失いました" in str(info.value)
        stale.release()  # must not remove the successor's lock
        assert successor.owned()


def test_a_lock_index_without_a_holder_is_held_for_one_lease(ix: Indexed) -> None:
    name = f"{ix.settings.index_name}{LOCK_SUFFIX}1"  # not written by kb
    ix.builder._wait(ix.client.create_index(name, {"primaryKey": "id"}))
    with pytest.raises(IndexBusy) as info:
        _lock(ix).acquire()
    assert "持ち主の記録なし" in str(info.value)
    time.sleep(0.3)
    with _lock(ix, lease_s=0.2) as taker:  # older than a lease: taken over
        assert taker.generation == 2
        (only,) = _lock_indexes(ix)
        holder = Holder.from_key(ix.client.get_index(only).primary_key)
        assert holder is not None and holder.pid == os.getpid()


def test_the_holder_renews_its_lease(ix: Indexed) -> None:
    with _lock(ix) as lock:
        before = lock.me.expires_at
        time.sleep(0.01)
        lock.renew()
        (only,) = _lock_indexes(ix)
        holder = Holder.from_key(ix.client.get_index(only).primary_key)
        assert holder is not None and holder.same_owner(lock.me)
        assert holder.expires_at > before and lock.owned()


def test_kb_index_refuses_while_another_writer_holds_the_lock(
    ix: Indexed, content: ContentTree
) -> None:
    s = ix.settings
    env = {
        "KB_DATA_DIR": str(s.data_dir), "KB_INDEX": s.index_name,
        "KB_CONTENT_DIR": str(content.root), "KB_TOOLS_DIR": str(ROOT / ".tools"),
        "MEILI_URL": None, "MEILI_MASTER_KEY": None, "KB_INDEX_LOCK_WAIT": "0",
    }  # fmt: skip
    with _lock(ix):
        result = CliRunner().invoke(main, ["index"], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert "更新中です" in result.stderr and socket.gethostname() in result.stderr
    again = CliRunner().invoke(main, ["index"], env=env, catch_exceptions=False)
    assert again.exit_code == 0, again.stderr


# -- issue 15, point 1: two concurrent `kb index --rebuild` ---------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lock-corpus") / "content"
    assert write_corpus(CONTENT, out, CORPUS, seed=15) == CORPUS
    return out


def test_two_concurrent_rebuilds_leave_a_complete_index_with_its_settings(
    corpus: Path, meili_data: Path
) -> None:
    """Before the lock, the second rebuild deleted the first one's build index, Meilisearch
    re-created it without settings from the first one's next batch, and that was swapped in:
    every search then answered 503 (`visibility` not filterable), or a half-built index was
    live for a moment."""
    settings: Settings = session_settings(meili_data, corpus)
    env = {
        **os.environ, "KB_DATA_DIR": str(meili_data), "KB_INDEX": settings.index_name,
        "KB_CONTENT_DIR": str(corpus), "KB_TOOLS_DIR": str(ROOT / ".tools"),
        "KB_MEILI_TIMEOUT": "120",
    }  # fmt: skip
    for name in ("MEILI_URL", "MEILI_MASTER_KEY"):
        env.pop(name, None)
    client = meili.client(meili_server.ensure(settings), 60)
    # a live index to replace: one document, the right settings
    live = client.index(settings.index_name)
    meili.wait_task(
        client, client.create_index(settings.index_name, {"primaryKey": "id"}).task_uid, 60
    )
    meili.wait_task(client, live.update_settings(INDEX_SETTINGS).task_uid, 60)
    meili.wait_task(
        client, live.add_documents([{"id": "seed", "visibility": "public"}]).task_uid, 60
    )
    seen: list[tuple[int, bool]] = []  # (documents, settings right) of the live index meanwhile
    running = threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            with contextlib.suppress(MeilisearchError):
                count = live.get_stats().number_of_documents
                seen.append((count, not differs(live.get_settings())))
            time.sleep(0.02)

    monitor = threading.Thread(target=watch)
    monitor.start()
    command = [sys.executable, "-c", "from kb.cli import main; main()", "index", "--rebuild"]
    first = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(0.5)
    second = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        outputs = [p.communicate(timeout=900) for p in (first, second)]
    finally:
        running.clear()
        monitor.join()
    try:
        # searches never saw a half-built index, nor one without its settings
        assert seen and set(seen) <= {(1, True), (CORPUS, True)}, sorted(set(seen))
        for proc, (out, err) in zip((first, second), outputs, strict=True):
            assert proc.returncode == 0, err.decode()
            assert "全件再作成" in out.decode() and b"Traceback" not in err
        # one of them waited for the other, and was told who held the index
        assert any("が更新中です。終わるまで待ちます" in err.decode() for _, err in outputs)
        live = client.index(settings.index_name)
        assert differs(live.get_settings()) == {}  # visibility filterable, and the rest
        assert live.get_stats().number_of_documents == CORPUS
        hits = live.search("", {"filter": 'visibility = "public"', "limit": 1})
        assert hits["estimatedTotalHits"] > 0
        left = [i.uid for i in client.get_indexes({"limit": 1000})["results"]]
        assert not [n for n in left if n.startswith(settings.index_name + "__")]  # no build
        # index and no lock left behind
    finally:
        meili.wait_task(client, client.delete_index(settings.index_name).task_uid, 60)
