"""One writer at a time per index, across processes and machines sharing one Meilisearch.

The lock lives in Meilisearch itself, as small empty indexes named ``<index>__lock_<n>``
(the generation n). Who holds one is written in the index's primary-key name, which is set
by the very task that creates the index and can be changed while the index is empty:
``kblock_<host, hex>_<pid>_<random token>_<acquired ms>_<lease expiry ms>``. So the owner is
recorded atomically with the creation, and one listing of the indexes shows every holder.

Why two writers can never both hold it: Meilisearch runs its tasks one after the other in
the order it received them, and creating an index that already exists fails
(``index_already_exists``). That create is the compare-and-set. A writer lists the lock
indexes and, only when the highest generation is free (none at all, its lease expired, or
its primary key names no kb holder and it is older than a lease), tries to create
generation ``highest + 1``. Writers that saw the same state race for the same name and
exactly one create succeeds; the others look again and find the winner's lease. Taking over
an expired lease is the same race one generation higher, so two writers cannot both take
over the same dead holder (a delete-then-create of one fixed name would let them). The
winner then deletes the older generations. An index of the name whose primary key is not a
holder (not written by kb) counts as held until it is a lease old.

The holder renews its lease from a thread every third of the lease (an update of the
primary-key name). Before a rebuild swaps its build index in, the holder reads the lock back
(one request) and stops if it is no longer the owner; on release it deletes its generation,
after checking it is still its own (so a holder that stalled past its lease never removes a
successor's lock). Leases compare
wall clocks: machines sharing one Meilisearch must keep their clocks in step (NTP) to well
within ``KB_INDEX_LOCK_LEASE``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchError

from kb import meili
from kb.errors import IndexBusy, IndexingError, KbError, SearchUnavailable

LOCK_SUFFIX = "__lock_"
KEY_PREFIX = "kblock"
POLL_S = 0.5  # how often a waiting writer looks again
log = logging.getLogger("kb.lock")


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) a lock generation, as its primary-key name says."""

    host: str
    pid: int
    token: str
    acquired_at: float
    expires_at: float

    def key(self) -> str:
        host = self.host.encode("utf-8")[:32].hex()
        acquired, expires = int(self.acquired_at * 1000), int(self.expires_at * 1000)
        return f"{KEY_PREFIX}_{host}_{self.pid}_{self.token}_{acquired}_{expires}"

    @classmethod
    def from_key(cls, key: object) -> Holder | None:
        parts = key.split("_") if isinstance(key, str) else []
        if len(parts) != 6 or parts[0] != KEY_PREFIX:
            return None
        try:
            host = bytes.fromhex(parts[1]).decode("utf-8", "replace")
            return cls(host, int(parts[2]), parts[3], int(parts[4]) / 1000, int(parts[5]) / 1000)
        except ValueError:
            return None

    def same_owner(self, other: Holder) -> bool:
        return (self.host, self.pid, self.token) == (other.host, other.pid, other.token)

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.acquired_at))
        return f"{self.host} のプロセス {self.pid}（{since} から）"


def _who(holder: Holder | None) -> str:
    return holder.describe() if holder is not None else "別の処理（持ち主の記録なし）"


class IndexLock:
    """The write lock of one index; a context manager (acquire, renew in a thread, release)."""

    def __init__(
        self,
        client: meilisearch.Client,
        index_name: str,
        *,
        lease_s: float,
        wait_s: float,
        timeout_s: float,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.prefix = index_name + LOCK_SUFFIX
        self.lease_s = lease_s
        self.wait_s = wait_s
        self.timeout_s = timeout_s
        self.on_wait = on_wait  # told once, with the holder's description, when waiting
        self.me = Holder(socket.gethostname(), os.getpid(), secrets.token_hex(6), 0.0, 0.0)
        self.generation: int | None = None
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    # -- reading the lock ----------------------------------------------------------
    def _generations(self) -> dict[int, Any]:
        """Lock generation -> its index (one request per 1,000 indexes on the server)."""
        out: dict[int, Any] = {}
        offset = 0
        while True:
            try:
                page = self.client.get_indexes({"limit": 1000, "offset": offset})["results"]
            except MeilisearchError as exc:
                raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
            for ix in page:
                tail = ix.uid[len(self.prefix) :] if ix.uid.startswith(self.prefix) else ""
                if tail.isdigit():
                    out[int(tail)] = ix
            offset += len(page)
            if len(page) < 1000:
                return out

    @staticmethod
    def _holder(index: Any) -> Holder | None:
        return Holder.from_key(getattr(index, "primary_key", None))

    def _free(self, index: Any, holder: Holder | None, now: float) -> bool:
        if holder is not None:
            return holder.expires_at <= now
        created = index.created_at
        if not isinstance(created, datetime):
            return True
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return now - created.timestamp() > self.lease_s  # not a kb lock: held for a lease

    def _name(self, generation: int) -> str:
        return f"{self.prefix}{generation}"

    def _wait(self, task: Any) -> None:
        meili.wait_task(self.client, task.task_uid, self.timeout_s)

    # -- acquiring ---------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the lock, waiting up to ``wait_s`` for a holder; IndexBusy after that."""
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            gens = self._generations()
            top = max(gens, default=0)
            holder = self._holder(gens[top]) if top else None
            if top == 0 or self._free(gens[top], holder, time.time()):
                if self._create(top + 1):
                    self._won(top + 1, gens)
                    return
                continue  # another writer won this generation: look at its lease
            left = deadline - time.monotonic()
            if left <= 0:
                raise IndexBusy(
                    f"索引「{self.prefix[: -len(LOCK_SUFFIX)]}」は {_who(holder)} が更新中です",
                    hint="その処理が終わってから実行し直してください。異常終了した処理のロックは"
                    f" {self.lease_s:g} 秒で期限が切れ、引き継がれます"
                    "（待つ時間は KB_INDEX_LOCK_WAIT）",
                )
            if not told and self.on_wait is not None:
                self.on_wait(_who(holder))
                told = True
            time.sleep(min(POLL_S, left))

    def _create(self, generation: int) -> bool:
        """Create the generation's index, its primary key naming us as the holder; False if
        another writer created it first."""
        now = time.time()
        self.me = replace(self.me, acquired_at=now, expires_at=now + self.lease_s)
        try:
            task = self.client.create_index(self._name(generation), {"primaryKey": self.me.key()})
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
        try:
            self._wait(task)
        except IndexingError as exc:
            if exc.reason == "index_already_exists":
                return False
            raise
        return True

    def _won(self, generation: int, older: dict[int, Any]) -> None:
        self.generation = generation
        self.lost.clear()
        for old in older:  # the generations before ours: their holders are gone (rare)
            try:
                self._wait(self.client.delete_index(self._name(old)))
            except (KbError, MeilisearchError) as exc:
                log.warning("古いロック %s を消せません: %s", self._name(old), exc)
        self._stop.clear()
        self._beat = threading.Thread(target=self._renewing, name="kb-index-lock", daemon=True)
        self._beat.start()

    # -- holding -----------------------------------------------------------------------
    def owned(self) -> bool:
        """Whether this lock is still ours, read from Meilisearch (two requests)."""
        if self.generation is None or self.lost.is_set():
            return False
        gens = self._generations()
        if max(gens, default=0) != self.generation:
            return False
        holder = self._holder(gens[self.generation])
        return holder is not None and holder.same_owner(self.me)

    def verify(self) -> None:
        """Raise IndexBusy unless the lock is still ours (before a swap)."""
        if not self.owned():
            self.lost.set()
            gens = self._generations()
            top = max(gens, default=0)
            raise IndexBusy(
                f"索引のロックを失いました（現在: {_who(self._holder(gens[top]) if top else None)}）",
                hint="この処理が KB_INDEX_LOCK_LEASE 秒以上止まっていた可能性があります。"
                "索引は差し替えていません。もう一度実行してください",
            )

    def renew(self) -> None:
        """Extend the lease if the lock is still ours; otherwise mark it lost."""
        if not self.owned():
            self.lost.set()
            return
        assert self.generation is not None
        renewed = replace(self.me, expires_at=time.time() + self.lease_s)
        index = self.client.index(self._name(self.generation))
        try:
            self._wait(index.update(primary_key=renewed.key()))
        except MeilisearchError as exc:
            raise SearchUnavailable(f"Meilisearch に接続できません: {exc}") from exc
        self.me = renewed

    def _renewing(self) -> None:
        while not self._stop.wait(self.lease_s / 3):
            try:
                self.renew()
            except (KbError, MeilisearchError) as exc:
                log.warning("索引のロックを延長できません: %s", exc)
            if self.lost.is_set():
                log.warning("索引のロックを失いました: 差し替えずに終了します")
                return

    def release(self) -> None:
        """Stop renewing and remove our generation if it is still ours (errors only logged:
        an unreleased lock expires after its lease)."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join()
            self._beat = None
        if self.generation is None:
            return
        try:
            if self.owned():
                self._wait(self.client.delete_index(self._name(self.generation)))
        except (KbError, MeilisearchError) as exc:
            log.warning(
                "索引のロックを外せません（%g 秒で期限切れになります）: %s", self.lease_s, exc
            )
        self.generation = None

    @property
    def held(self) -> bool:
        return self.generation is not None

    def __enter__(self) -> IndexLock:
        self.acquire()
        return self

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
