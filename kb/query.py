"""An instructor's query, analysed by the same normalizer as the documents.

Each word (C unit) becomes a Meilisearch phrase of its terms, each synonym a
concept token; generic words (stop words from synonyms.yml) are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from indexer.documents import Analyzer
from kb.normalize import Unit
from kb.thesaurus import flat


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: a phrase of terms, or a synonym concept."""

    phrase: tuple[str, ...] = ()
    concept: str | None = None

    @cached_property
    def key(self) -> str:
        """The term as it stands in a normalized line: a concept token or spaced terms."""
        return self.concept or " ".join(self.phrase)

    def meili(self) -> str:
        if self.concept:
            return f'"{self.concept}"'  # quoted: no typo or prefix match on concept tokens
        words = [w.replace('"', "") for w in self.phrase]
        return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'


# Word-forming suffixes: 効率化, 効率的 and 効率性 are all about 効率.
SUFFIXES = frozenset({"化", "的", "性"})


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]

    def loosened(self) -> Query | None:
        """This query with the suffixes 化・的・性 taken off its words (効率化 → 効率), for
        when nothing matches as written; None when no word ends in one."""
        terms: list[Term] = []
        for t in self.terms:
            if t.concept or t.phrase[-1] not in SUFFIXES:
                terms.append(t)
            elif len(t.phrase) > 1:
                terms.append(Term(phrase=t.phrase[:-1]))
            # else a suffix standing alone (IT化 → it, 化): dropped
        if not terms or tuple(terms) == self.terms:
            return None
        return Query(self.text, tuple(dict.fromkeys(terms)))

    @property
    def meili(self) -> str:
        return " ".join(t.meili() for t in self.terms)

    @property
    def empty(self) -> bool:
        return not self.terms


def parse_query(text: str, analyzer: Analyzer) -> Query:
    text = (text or "").strip()[:500]
    if not text:
        return Query("", ())
    normalizer = analyzer.normalizer
    units = normalizer.units(text)
    stop = analyzer.stop_terms
    kept = [u for u in (_trim(u, stop) for u in units) if u is not None]
    if kept:
        units = kept
    matches = {m.first: m for m in analyzer.thesaurus.matches(units)}
    tokens = flat(units)
    unit_of = [k for k, unit in enumerate(units) for _ in unit.tokens]
    terms: list[Term] = []
    phrase: list[str] = []  # the terms of one word not covered by a synonym

    def flush() -> None:
        if phrase:
            terms.append(Term(phrase=tuple(phrase)))
            phrase.clear()

    i = 0
    while i < len(tokens):
        match = matches.get(i)
        if match is not None:
            flush()
            terms.append(Term(concept=match.concept))
            i = match.last
            continue
        if phrase and unit_of[i] != unit_of[i - 1]:
            flush()
        phrase.append(tokens[i].term)
        i += 1
    flush()
    return Query(text, tuple(dict.fromkeys(terms)))


def _trim(unit: Unit, stop: frozenset[tuple[str, ...]]) -> Unit | None:
    """``unit`` without stop words: whole (事例) or at either end of a compound (導入事例)."""
    tokens = unit.tokens
    if tuple(t.term for t in tokens) in stop:
        return None
    while len(tokens) > 1 and (tokens[-1].term,) in stop:
        tokens = tokens[:-1]
    while len(tokens) > 1 and (tokens[0].term,) in stop:
        tokens = tokens[1:]
    return Unit(tokens)
