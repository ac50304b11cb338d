"""How many cases have a word: the weights of kb.ranking's ranked search, kept a while.

How many cases have a word is a statistic of the collection, not a search result: a
Searcher reuses a count for COUNTS_TTL_S, as it reuses the index's tags, and a count of 0
(what the page reports as 「…を含む事例はありません」) only for ZERO_TTL_S, so a case that
has just been added is not reported missing for long.
"""

from __future__ import annotations

import time

COUNTS_TTL_S = 60.0
ZERO_TTL_S = 5.0
COUNTS_KEPT = 8192  # counts kept at most (all forgotten past it)

Request = tuple[str, list[str]]  # (q, filter) of a counting search (kb.ranking.count_requests)


class WordCounts:
    def __init__(self) -> None:
        self._kept: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[float, int]] = {}

    def get(self, requests: list[Request], search_on: list[str] | None) -> list[int] | None:
        """The counts of ``requests`` if all were asked recently enough; None otherwise."""
        now = time.monotonic()
        out = []
        for q, where in requests:
            kept = self._kept.get((q, tuple(where), tuple(search_on or ())))
            if kept is None or now - kept[0] > (COUNTS_TTL_S if kept[1] else ZERO_TTL_S):
                return None
            out.append(kept[1])
        return out

    def put(self, requests: list[Request], search_on: list[str] | None, n: list[int]) -> None:
        if len(self._kept) > COUNTS_KEPT:
            self._kept.clear()
        now = time.monotonic()
        for (q, where), found in zip(requests, n, strict=True):
            self._kept[(q, tuple(where), tuple(search_on or ()))] = (now, found)

    def clear(self) -> None:
        self._kept.clear()
