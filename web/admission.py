"""How many searches one app worker runs at once; the others wait their turn.

A search is several steps on the worker's one event loop with Meilisearch's answers in
between (the every-word search, then the ranked cases beyond it, a spelling retry …).
Every step that is ready waits behind every other one, so with many searches open at once
each step of a search of three requests waits three times behind all the others, and those
searches make the slowest answers. Bounding the searches a worker has open keeps a search's
steps close together: the ones over the bound wait at the door, in arrival order, for the
whole of one search rather than once per step (bench/FINDINGS.md: at concurrency 8 on two
cores, p99 down by 14 %, p50 up by 5 %).
"""

from __future__ import annotations

import asyncio
import weakref
from types import TracebackType


class SearchGate:
    """``async with gate:`` around one search; ``limit`` 0 lets every search in at once."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        # one semaphore per event loop: a test client runs its own loop, a worker one
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()
        self.running = 0  # searches inside now (all loops): what the tests look at

    def _semaphore(self) -> asyncio.Semaphore | None:
        if self.limit <= 0:
            return None
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is None:
            found = self._by_loop[loop] = asyncio.Semaphore(self.limit)
        return found

    async def __aenter__(self) -> None:
        semaphore = self._semaphore()
        if semaphore is not None:
            await semaphore.acquire()
        self.running += 1

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.running -= 1
        semaphore = self._semaphore()
        if semaphore is not None:
            semaphore.release()
