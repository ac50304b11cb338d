"""「もしかして」: words of a query spelled close to the index's own vocabulary.

The vocabulary is what the collection is indexed under: theme labels and their synonyms,
the synonym groups, the controlled vocabularies of taxonomy.yml and the tags of the indexed
cases (passed in, from the index's tag facet). A typed word of three characters or more that
is not in it is compared, folded (width, case, katakana variants), with every entry;
インボス → インボイス, 事業承経 → 事業承継.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from functools import cached_property

from indexer.documents import Analyzer
from kb.query import Query
from kb.reading import katakana
from kb.taxonomy import fold

CUTOFF = 0.75
MIN_CHARS = 3


class Speller:
    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        # the vocabulary with the last tags passed in, by length (one search's tags are the
        # index's, reused for a minute by kb.search: not rebuilt for every search)
        self._with_tags: tuple[object, dict[str, str], dict[int, list[str]]] | None = None
        self._answers: dict[str, dict[str, str]] = {}  # query text -> corrections, same tags

    def _known(self, tags: Iterable[str]) -> tuple[dict[str, str], dict[int, list[str]]]:
        if self._with_tags is not None and self._with_tags[0] is tags:
            return self._with_tags[1], self._with_tags[2]
        self._answers = {}
        known = dict(self.words)
        for tag in tags:
            known.setdefault(_key(tag), tag)
        by_len: dict[int, list[str]] = {}
        for spelling in known:
            by_len.setdefault(len(spelling), []).append(spelling)
        self._with_tags = (tags, known, by_len)
        return known, by_len

    @cached_property
    def words(self) -> dict[str, str]:
        """Folded spelling -> the word as the taxonomy writes it."""
        names = self.analyzer.taxonomy.names()
        out = {_key(n): n for n in names if len(n) >= 2}
        for name in names:  # and the words they are made of (インボイス of インボイス制度)
            for unit in self.analyzer.normalizer.units(name):
                part = name[unit.start : unit.end]
                if len(part) >= MIN_CHARS:
                    out.setdefault(_key(part), part)
        return out

    def corrections(self, query: Query, tags: Iterable[str] = ()) -> dict[str, str]:
        """Typed word -> the close vocabulary word, for the words that have one."""
        known, by_len = self._known(tags)
        kept = self._answers.get(query.text)
        if kept is not None:  # the same words against the same vocabulary: the same answer
            return dict(kept)
        skip = {p.word for p in query.places}
        out: dict[str, str] = {}
        for word in query.text.split():
            plain = word.lstrip("-").strip('"')
            key = _key(plain)
            if len(plain) < MIN_CHARS or plain in skip or key in known or plain == "OR":
                continue
            best = _closest(key, by_len)
            if best is not None:
                out[plain] = known[best]
        if len(self._answers) >= 4096:
            self._answers.clear()
        self._answers[query.text] = dict(out)
        return out


def _closest(key: str, by_len: dict[int, list[str]]) -> str | None:
    """The most similar known spelling (ties: more characters in the same places); only
    lengths that can reach CUTOFF are compared (difflib's real_quick_ratio bound:
    2 * min / (len(a) + len(b)))."""
    matcher = difflib.SequenceMatcher(b=key)
    scored = []
    n = len(key)
    candidates = (
        other
        for size, others in by_len.items()
        if 2 * min(size, n) >= CUTOFF * (size + n)
        for other in others
    )
    for other in candidates:
        matcher.set_seq1(other)
        if matcher.quick_ratio() < CUTOFF:
            continue
        ratio = matcher.ratio()
        if ratio >= CUTOFF:
            same = sum(a == b for a, b in zip(key, other, strict=False))
            scored.append((ratio, same, -abs(len(other) - len(key)), other))
    return max(scored)[3] if scored else None


def apply_corrections(text: str, corrections: dict[str, str]) -> str:
    """``text`` with each corrected word replaced."""
    out = []
    for word in text.split():
        plain = word.lstrip("-").strip('"')
        out.append(word.replace(plain, corrections[plain]) if plain in corrections else word)
    return " ".join(out)


def _key(word: str) -> str:
    return fold(katakana(unicodedata.normalize("NFKC", word)))
