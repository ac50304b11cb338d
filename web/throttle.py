"""Login throttling: after ``limit`` failures a key ("user:NAME", "addr:IP") is locked for a
while, doubling with each further failure up to a cap.

The counts live in the accounts database (kb.logins), so every app worker sees the same
numbers; tests and tools without a database use the bounded in-process ``MemoryFailures``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

Change = Callable[[int, float], tuple[int, float]]


class Failures(Protocol):
    def failures(self, key: str) -> tuple[int, float]: ...
    def update_failures(self, key: str, change: Change) -> None: ...
    def clear_failures(self, key: str) -> None: ...


class MemoryFailures:
    """Failure counts in this process only, at most ``size`` keys (oldest dropped)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._state: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def failures(self, key: str) -> tuple[int, float]:
        with self._lock:
            return self._state.get(key, (0, 0.0))

    def update_failures(self, key: str, change: Change) -> None:
        with self._lock:
            self._state[key] = change(*self._state.pop(key, (0, 0.0)))
            while len(self._state) > self.size:
                self._state.popitem(last=False)

    def clear_failures(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)


class Throttle:
    def __init__(
        self, limit: int, *, base_s: float = 30.0, cap_s: float = 900.0,
        store: Failures | None = None, clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.limit, self.base_s, self.cap_s, self.clock = limit, base_s, cap_s, clock
        self.store: Failures = store if store is not None else MemoryFailures()

    def wait(self, key: str, limit: int | None = None) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        failures, until = self.store.failures(key)
        if failures < (limit or self.limit):
            return 0.0
        return max(0.0, until - self.clock())

    def fail(self, key: str, limit: int | None = None) -> None:
        def count(failures: int, _until: float) -> tuple[int, float]:
            failures += 1
            over = failures - (limit or self.limit)
            if over < 0:
                return failures, 0.0
            return failures, self.clock() + min(self.cap_s, self.base_s * 2**over)

        self.store.update_failures(key, count)

    def reset(self, key: str) -> None:
        self.store.clear_failures(key)
