"""Near-duplicate cases: Jaccard similarity of character shingles of a folded text.

Each case (title, summary and body, markup removed) is folded to its skeleton: full
and half width made one (NFKC), Latin letters lower-cased, small and large katakana
and ヴ/ブ made one, and everything but kanji, katakana and Latin letters dropped:
hiragana (okurigana, particles), digits, the long-vowel mark, punctuation and spaces.
So 取り組み meets 取組, ＤＸ meets dx and コンピューター meets コンピュータ, and a case
re-entered with changed figures still matches. The case becomes the set of its
overlapping ``SHINGLE``-character runs; a set ignores paragraph order.

Candidate pairs come from an inverted index over the rare shingles (in 2 to
``_MAX_SHARED`` cases): a case filed again shares what makes it distinct, not only the
phrases every case uses. A pair whose rare shingles overlap by at least the threshold's
part has its exact similarity compared with the threshold (a setting). On the 2,000-case
benchmark corpus this finds exactly the pairs a comparison of every pair finds.

No morphological analysis: on that corpus these shingles find the same near-duplicate
pairs as shingles of Sudachi terms, with a wider gap between the closest distinct cases
and the re-filed ones, at a sixth of the CPU (bench/FINDINGS.md).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from kb.case import Case

SHINGLE = 6  # characters; six of the skeleton are about three words
_MARKUP = re.compile(r"<!--.*?-->|<[^>\n]*>|\]\([^)\n]*\)", re.S)  # comments, tags, link targets
# what the skeleton keeps: Latin letters, kanji (with 々 and 〆) and katakana
_DROP = re.compile(r"[^a-z\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006\u30a1-\u30fa]+")
_FOLD = str.maketrans("ァィゥェォッャュョヮヵヶヴ", "アイウエオツヤユヨワカケブ")
_MAX_SHARED = 50  # shingles in more cases than this are boilerplate, not evidence
_MIN_SHARED = 3
# Shingles are kept as 64-bit numbers: the 96 bits of six UTF-16 characters modulo the
# largest prime below 2**63. Two distinct shingles meet only if their difference is a
# multiple of it; a case's shingles take 8 bytes each in an array instead of about 70 as
# Python ints in a set (20,000 cases: 6 million shingles).
_PRIME = 2**63 - 25

Shingles = array  # a case's distinct shingles, typecode "Q"


@dataclass(frozen=True)
class Pair:
    first: Case
    second: Case
    similarity: float


def skeleton(text: str) -> str:
    """``text`` folded as the module docstring says (markup is not removed here)."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower()).translate(_FOLD)


def shingles(case: Case) -> Shingles:
    """The case's distinct shingles: each the UTF-16 bytes of ``SHINGLE``
    characters read as one integer, reduced modulo ``_PRIME`` (the same in every process,
    unlike a salted ``hash`` of a string)."""
    text = _MARKUP.sub(" ", "\n".join((case.title, case.summary, case.body)))
    # every kept character is in the Basic Multilingual Plane: two bytes in UTF-16
    data = skeleton(text).encode("utf-16-le")
    width = 2 * SHINGLE
    read = int.from_bytes
    if len(data) <= width:
        return array("Q", [read(data, "little") % _PRIME] if data else [])
    found = {
        read(data[k : k + width], "little") % _PRIME for k in range(0, len(data) - width + 2, 2)
    }
    return array("Q", found)


def similarity(a: Shingles, b: Shingles) -> float:
    if not a or not b:
        return 0.0
    shared = len(set(a).intersection(b))
    return shared / (len(a) + len(b) - shared)


def near_duplicates(
    cases: Sequence[Case], threshold: float,
    *, only: Iterable[int] | None = None, sets: Sequence[Shingles] | None = None,
) -> list[Pair]:  # fmt: skip
    """Pairs of cases at or above ``threshold``; with ``only``, pairs touching those indexes.

    ``sets`` are the cases' shingles when the caller computed them already.
    """
    if sets is None:
        sets = [shingles(c) for c in cases]
    cases_with = Counter(chain.from_iterable(sets))
    evidence = {h for h, n in cases_with.items() if 1 < n <= _MAX_SHARED}
    rare = [evidence.intersection(s) for s in sets]
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
            # A case filed again shares what makes it distinct, its rare shingles, not only
            # the phrases every case uses: a pair sharing less than the threshold's part
            # of the smaller rare set is not compared.
            if count < threshold * min(len(rare[i]), len(rare[j])):
                continue
            score = similarity(sets[pair[0]], sets[pair[1]])
            if score >= threshold:
                pairs.append(Pair(cases[pair[0]], cases[pair[1]], score))
    return sorted(pairs, key=lambda p: (p.first.source, p.second.source))
