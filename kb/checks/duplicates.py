"""Near-duplicate cases: Jaccard similarity of shingles over normalized terms.

Each case becomes the set of its overlapping ``SHINGLE``-term sequences (title,
summary and body text through kb.normalize, so width, okurigana and katakana
variants are the same term). Numbers are dropped, so a case re-entered with
changed figures still matches; a set ignores paragraph order. Candidate pairs
come from an inverted index over shingles that few cases share, then the exact
similarity is compared with the threshold (a setting).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from kb.case import Case
from kb.normalize import Normalizer
from kb.render import to_text

SHINGLE = 3
_NUMBER = re.compile(r"^[0-9.,０-９〇一二三四五六七八九十百千万億兆]+$")
_MAX_SHARED = 50  # shingles in more cases than this are boilerplate, not evidence
_MIN_SHARED = 3
_PARALLEL_MIN = 300  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class Pair:
    first: Case
    second: Case
    similarity: float


def _key(terms: Sequence[str]) -> int:
    """A hash of a shingle that is the same in every process (str hashes are salted)."""
    digest = hashlib.blake2b("\x1f".join(terms).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def shingles(case: Case, normalizer: Normalizer) -> frozenset[int]:
    """The case's shingles, hashed."""
    text = "\n".join((case.title, case.summary, to_text(case.body)))
    terms = [t for t in normalizer.terms(text) if not _NUMBER.match(t)]
    if len(terms) < SHINGLE:
        return frozenset([_key(terms)]) if terms else frozenset()
    return frozenset(_key(terms[i : i + SHINGLE]) for i in range(len(terms) - SHINGLE + 1))


def _shingle_chunk(cases: list[Case]) -> list[frozenset[int]]:
    from kb.normalize import get_normalizer

    return [shingles(c, get_normalizer()) for c in cases]


def all_shingles(cases: Sequence[Case], normalizer: Normalizer) -> list[frozenset[int]]:
    """Shingles of every case, on every core for large collections."""
    workers = os.cpu_count() or 1
    if len(cases) < _PARALLEL_MIN or workers < 2:
        return [shingles(c, normalizer) for c in cases]
    chunks = [list(cases[i : i + 50]) for i in range(0, len(cases), 50)]
    with ProcessPoolExecutor(workers) as pool:
        return [s for part in pool.map(_shingle_chunk, chunks) for s in part]


def similarity(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def near_duplicates(
    cases: Sequence[Case], normalizer: Normalizer, threshold: float,
    *, only: Iterable[int] | None = None, sets: Sequence[frozenset[int]] | None = None,
) -> list[Pair]:  # fmt: skip
    """Pairs of cases at or above ``threshold``; with ``only``, pairs touching those indexes.

    ``sets`` are the cases' shingles when the caller computed them already.
    """
    if sets is None:
        sets = all_shingles(cases, normalizer)
    postings: dict[int, list[int]] = {}
    for i, s in enumerate(sets):
        for h in s:
            postings.setdefault(h, []).append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for docs in postings.values():
        if 1 < len(docs) <= _MAX_SHARED:
            for x in range(len(docs)):
                for y in range(x + 1, len(docs)):
                    shared[(docs[x], docs[y])] += 1
    wanted = set(only) if only is not None else None
    pairs = []
    for (i, j), count in shared.items():
        if count < _MIN_SHARED or (wanted is not None and i not in wanted and j not in wanted):
            continue
        # sharing few rare shingles means mostly different text (or only boilerplate)
        if count < threshold * min(len(sets[i]), len(sets[j])) * 0.5:
            continue
        score = similarity(sets[i], sets[j])
        if score >= threshold:
            pairs.append(Pair(cases[i], cases[j], score))
    return sorted(pairs, key=lambda p: (p.first.source, p.second.source))
