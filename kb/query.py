"""An instructor's query, analysed by the same normalizer as the documents.

Each word (C unit) becomes a Meilisearch phrase of its terms, each synonym a
concept token; generic words (stop words from synonyms.yml) are dropped.

Syntax: words are ANDed; ``OR`` between two words takes either; ``-word`` excludes;
``"…"`` asks for an exact phrase. A region or prefecture name becomes a filter
(kb.places); a word typed only in kana that Sudachi does not know becomes its reading
(kb.reading), so じぎょうしょうけい finds 事業承継.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property

from indexer.documents import Analyzer
from kb.normalize import Unit
from kb.places import Place
from kb.reading import is_kana, is_kana_word, reading_key
from kb.thesaurus import flat

MAX_EXPANSIONS = 8  # OR groups multiply the searches: at most this many are sent
_WORDS = re.compile(r'-?"[^"]*"?|\S+')
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"', "－": "-", "ー": "ー"}
)
_OR = frozenset({"OR", "|", "｜", "または"})


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: a phrase of terms, a synonym concept, or a reading."""

    phrase: tuple[str, ...] = ()
    concept: str | None = None
    reading: str | None = None
    parts: tuple[Term, ...] = ()  # an OR alternative of several words: all of them
    label: str = field(default="", compare=False)  # the word as typed

    @cached_property
    def key(self) -> str:
        """The term as it stands in a normalized line: a concept token or spaced terms."""
        if self.parts:
            return " ".join(p.key for p in self.parts)
        return self.concept or self.reading or " ".join(self.phrase)

    def meili(self) -> str:
        if self.parts:
            return " ".join(p.meili() for p in self.parts)
        if self.concept:
            return f'"{self.concept}"'  # quoted: no typo or prefix match on concept tokens
        if self.reading:
            return self.reading
        words = [w.replace('"', "") for w in self.phrase]
        return words[0] if len(words) == 1 else '"' + " ".join(words) + '"'

    @property
    def meaningful(self) -> bool:
        """Whether a case matching only this term may be shown: not a one-character
        fragment (a single kana, a particle left over, a lone letter)."""
        if self.parts:
            return any(p.meaningful for p in self.parts)
        return bool(self.concept or self.reading or len("".join(self.phrase)) > 1)


# Word-forming suffixes: 効率化, 効率的 and 効率性 are all about 効率.
SUFFIXES = frozenset({"化", "的", "性"})


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]  # every term asked for (the alternatives of OR groups too)
    groups: tuple[tuple[Term, ...], ...] = ()  # ANDed; each holds its OR alternatives
    excluded: tuple[Term, ...] = ()
    places: tuple[Place, ...] = ()  # region/prefecture words applied as filters
    offers: tuple[Place, ...] = ()  # filters an ambiguous word may mean (中国 → 地方: 中国)

    def loosened(self) -> Query | None:
        """This query with the suffixes 化・的・性 taken off its words (効率化 → 効率), for
        when nothing matches as written; None when no word ends in one."""
        groups: list[tuple[Term, ...]] = []
        for group in self.groups:
            kept = [u for u in (_unsuffixed(t) for t in group) if u is not None]
            if kept:
                groups.append(tuple(dict.fromkeys(kept)))
        if not groups or tuple(groups) == self.groups:
            return None
        return self.with_groups(tuple(groups))

    def with_groups(self, groups: tuple[tuple[Term, ...], ...]) -> Query:
        terms = tuple(dict.fromkeys(p for g in groups for t in g for p in (t.parts or (t,))))
        return Query(self.text, terms, groups, self.excluded, self.places, self.offers)

    @property
    def meili(self) -> str:
        return self.expansions()[0] if self.groups else ""

    def expansions(self) -> list[str]:
        """The Meilisearch query strings this query stands for: one, or one per choice
        among its OR alternatives (at most MAX_EXPANSIONS)."""
        tail = [f"-{t.meili()}" for t in self.excluded]
        out = []
        for choice in itertools.islice(itertools.product(*self.groups), MAX_EXPANSIONS):
            out.append(" ".join([*dict.fromkeys(t.meili() for t in choice), *tail]))
        return out or [" ".join(tail)]

    @property
    def shown(self) -> tuple[Term, ...]:
        """The terms a snippet can mark (readings are not in the normalized text)."""
        return tuple(t for t in self.terms if t.phrase or t.concept)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def alternatives(self) -> bool:
        return any(len(g) > 1 for g in self.groups)

    def without_place(self, place: Place) -> str:
        """The query text with one place word taken out (the chip's removal)."""
        words = self.text.split()
        if place.word in words:
            words.remove(place.word)
            return " ".join(words)
        return self.text.replace(place.word, "", 1).strip()


def _unsuffixed(t: Term) -> Term | None:
    if t.concept or t.reading or t.parts or t.phrase[-1] not in SUFFIXES:
        return t
    if len(t.phrase) > 1:
        return Term(phrase=t.phrase[:-1], label=t.label)
    return None  # a suffix standing alone (IT化 → it, 化): dropped


def parse_query(text: str, analyzer: Analyzer) -> Query:
    text = (text or "").strip()[:500]
    if not text:
        return Query("", ())
    clean = unicodedata.normalize("NFKC", text.translate(_QUOTES))
    clean = re.sub(r"\s*\|\s*", " | ", clean)  # 輸出｜越境EC
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    places: list[Place] = []
    offers: list[Place] = []
    join = False
    dropped: list[list[Term]] = []  # words that were only stop words (used if nothing else)
    last: tuple[int, str] = (0, "")  # where the last word's groups start, and the word
    for raw in _WORDS.findall(clean):
        if raw in _OR:
            join = bool(groups)
            if join and len(groups) - last[0] > 1:  # 後継者不足 OR …: the left word is one
                left = [g[0] for g in groups[last[0] :]]
                groups[last[0] :] = [[_as_one(left, last[1])]]
            continue
        negative = raw.startswith("-") and len(raw) > 1
        word = raw[1:] if negative else raw
        exact = word.startswith('"')
        word = word.strip('"').strip()
        if not word:
            continue
        if not negative and not exact and not join:
            found = analyzer.places.place(word)
            if found:
                places.extend(found)
                continue
            offer = analyzer.places.offer(word, clean)
            if offer is not None:
                offers.append(offer)
        if exact:
            terms = _phrase(word, analyzer)
        else:
            terms, unit_places = _word(word, analyzer, stop=not negative)
            if not negative:
                places.extend(unit_places)
            if not terms and not unit_places and not negative:
                dropped.append(_word(word, analyzer, stop=False)[0])
        if negative:
            excluded.extend(terms)
        elif join and terms:
            groups[-1].append(_as_one(terms, word))
        else:
            last = (len(groups), word)
            groups.extend([t] for t in terms)
        join = False
    if not groups and not places:
        groups = [[t] for terms in dropped for t in terms]
    content = [g for g in groups if any(not _lone_kana(t) for t in g)]
    groups = content or groups  # a lone kana (お of お願い) is asked for only if all there is
    frozen = tuple(tuple(dict.fromkeys(g)) for g in dict.fromkeys(tuple(g) for g in groups))
    query = Query(text, (), frozen, tuple(dict.fromkeys(excluded)), tuple(places), tuple(offers))
    return query.with_groups(frozen)


def _lone_kana(t: Term) -> bool:
    return len(t.phrase) == 1 and len(t.label) == 1 and is_kana(t.label)


def _as_one(terms: list[Term], word: str) -> Term:
    """An OR alternative is one term: a word of several terms asks for all of them."""
    return terms[0] if len(terms) == 1 else Term(parts=tuple(terms), label=word)


def _phrase(word: str, analyzer: Analyzer) -> list[Term]:
    """``"…"``: the exact sequence of the word's terms, synonyms not applied."""
    terms = tuple(analyzer.normalizer.terms(word))
    return [Term(phrase=terms, label=word)] if terms else []


def _word(word: str, analyzer: Analyzer, stop: bool) -> tuple[list[Term], list[Place]]:
    """One typed word (it may be a whole sentence) -> its terms, and the places named in it."""
    normalizer = analyzer.normalizer
    units = normalizer.units(word)
    if is_kana_word(word) and not (len(units) == 1 and normalizer.known(word)):
        key = reading_key(word)
        spelled = analyzer.vocabulary_readings.get(key)
        if spelled is not None and spelled != word:  # でじたるか: the vocabulary's デジタル化
            as_word, _ = _word(spelled, analyzer, stop)
            if as_word:
                return [replace(t, label=word) for t in as_word], []
        return [Term(reading=key, label=word)], []
    places: list[Place] = []
    kept: list[Unit] = []
    skip = False
    for i, unit in enumerate(units):
        if skip:
            skip = False
            continue
        surface = word[unit.start : unit.end]
        following = units[i + 1] if i + 1 < len(units) else None
        if following is not None and word[following.start : following.end] == "地方":
            found = analyzer.places.place(surface + "地方")
            if found:
                places.extend(found)
                skip = True
                continue
        found = analyzer.places.place(surface) if len(units) > 1 else ()
        if found:
            places.extend(found)
            continue
        kept.append(unit)
    if stop:
        kept = [u for u in (_trim(u, analyzer.stop_terms) for u in kept) if u is not None]
    if _unknown_compound(kept, word) and not analyzer.thesaurus.matches(kept):
        # 事業承経 = 事業 / 承 / 経: a word the dictionary cannot split into real words is
        # searched as written, not as loose one-character fragments
        terms = tuple(t.term for u in kept for t in u.tokens)
        return [Term(phrase=terms, label=word)], places
    return _terms(kept, word, analyzer), places


def _unknown_compound(units: list[Unit], word: str) -> bool:
    """Several units written together, two of them single characters (not suffixes)."""
    if len(units) < 3 or any(a.end != b.start for a, b in itertools.pairwise(units)):
        return False
    single = [
        u
        for u in units
        if u.end - u.start == 1 and word[u.start] not in SUFFIXES and not word[u.start].isascii()
    ]
    return len(single) >= 2


def _terms(units: list[Unit], word: str, analyzer: Analyzer) -> list[Term]:
    matches = {m.first: m for m in analyzer.thesaurus.matches(units)}
    tokens = flat(units)
    unit_of = [k for k, unit in enumerate(units) for _ in unit.tokens]
    terms: list[Term] = []
    phrase: list[str] = []  # the terms of one word not covered by a synonym
    start = 0

    def flush(end: int) -> None:
        if phrase:
            terms.append(Term(phrase=tuple(phrase), label=word[start:end]))
            phrase.clear()

    i = 0
    while i < len(tokens):
        match = matches.get(i)
        if match is not None:
            flush(tokens[i - 1].end if i else 0)
            label = word[tokens[match.first].start : tokens[match.last - 1].end]
            terms.append(Term(concept=match.concept, label=label))
            i = match.last
            continue
        if phrase and unit_of[i] != unit_of[i - 1]:
            flush(tokens[i - 1].end)
        if not phrase:
            start = tokens[i].start
        phrase.append(tokens[i].term)
        i += 1
    flush(tokens[-1].end if tokens else 0)
    return terms


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
