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
from itertools import chain

from kb.case import Case
from kb.normalize import Normalizer
from kb.render import to_text

SHINGLE = 3
_NUMBER = re.compile(r"^[0-9.,０-９〇一二三四五六七八九十百千万億兆]+$")
_MAX_SHARED = 50  # shingles in more cases than this are boilerplate, not evidence
_MIN_SHARED = 3
_MAX_TERMS = 500_000  # the term-hash memo is cleared beyond this (long-running servers)
_PARALLEL_MIN = 300  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class Pair:
    first: Case
    second: Case
    similarity: float


_term_keys: dict[str, int | None] = {}  # term -> its hash; None for a number (not counted)


def _term_key(term: str) -> int | None:
    """A hash of a term that is the same in every process (str hashes are salted)."""
    if _NUMBER.match(term):
        return None
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


def shingles(case: Case, normalizer: Normalizer) -> frozenset[int]:
    """The case's shingles, hashed (a tuple of ints hashes the same in every process)."""
    text = "\n".join((case.title, case.summary, to_text(case.body)))
    terms = normalizer.terms(text)
    known = _term_keys
    if len(known) > _MAX_TERMS:
        known.clear()
    for term in set(terms).difference(known):
        known[term] = _term_key(term)
    keys = [k for k in map(known.__getitem__, terms) if k is not None]
    if len(keys) < SHINGLE:
        return frozenset([hash(tuple(keys))]) if keys else frozenset()
    return frozenset(map(hash, zip(*(keys[i:] for i in range(SHINGLE)), strict=False)))


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
    cases_with = Counter(chain.from_iterable(sets))
    evidence = {h for h, n in cases_with.items() if 1 < n <= _MAX_SHARED}
    rare = [s & evidence for s in sets]
    postings: dict[int, list[int]] = {h: [] for h in evidence}
    for i, hashes in enumerate(rare):
        for h in hashes:
            postings[h].append(i)
    firsts = sorted(set(only)) if only is not None else range(len(sets))
    seen: set[tuple[int, int]] = set()
    pairs = []
    for i in firsts:
        # the other cases sharing each of this case's rare shingles, counted
        shared = Counter(chain.from_iterable(postings[h] for h in rare[i]))
        for j, count in shared.items():
            if j == i or count < _MIN_SHARED:
                continue
            if j < i and only is None:
                continue  # counted from the other case
            pair = (i, j) if i < j else (j, i)
            if only is not None:
                if pair in seen:
                    continue  # both cases selected: counted already
                seen.add(pair)
            # sharing few rare shingles means mostly different text (or only boilerplate)
            if count < threshold * min(len(sets[i]), len(sets[j])) * 0.5:
                continue
            score = similarity(sets[pair[0]], sets[pair[1]])
            if score >= threshold:
                pairs.append(Pair(cases[pair[0]], cases[pair[1]], score))
    return sorted(pairs, key=lambda p: (p.first.source, p.second.source))
