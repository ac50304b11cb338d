"""Synonym groups as concepts: BCP = 事業継続計画, DX = デジタルトランスフォーメーション.

Each group (a theme's synonyms from taxonomy.yml, or a group from
synonyms.yml; groups sharing a term are merged) becomes one *concept token*
such as ``kbc0007``. Documents carry the concept tokens of the synonyms they
contain; a query replaces a synonym by its concept token, so any member finds
every other. A match starts where a word (C unit) starts and may end inside it: 太陽光発電 is
found in 太陽光発電設備 and スマホ in スマホアプリ, but 再構築 is not taken from システム再構築.

Broader terms (synonyms.yml ``broader``) go one way: a document naming 技能実習生 also
carries the concept token of 外国人材, so a search for 外国人材 finds it, while a search for
技能実習生 still finds only cases that name it (or its synonyms).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kb.normalize import Normalizer, Token, Unit
from kb.taxonomy import Taxonomy

PREFIX = "kbc"


def is_concept(token: str) -> bool:
    """Whether a token of a normalized line is a concept token (``kbc0007``), not a term."""
    return token.startswith(PREFIX) and token[len(PREFIX) :].isdigit()


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # index of the first token (in flat(units))
    last: int  # index after the last token
    concept: str


class Thesaurus:
    def __init__(
        self,
        groups: Iterable[Sequence[str]],
        normalizer: Normalizer,
        broader: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        broader = broader or {}
        # a broader term outside every group is a concept of its own
        groups = [*groups, *([term] for term in broader)]
        # union-find over normalized variants so overlapping groups merge
        parent: dict[tuple[str, ...], tuple[str, ...]] = {}

        def find(x: tuple[str, ...]) -> tuple[str, ...]:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        self.labels: dict[tuple[str, ...], str] = {}
        for group in groups:
            variants = []
            for term in group:
                key = tuple(normalizer.terms(term))
                if key:
                    variants.append(key)
                    parent.setdefault(key, key)
                    self.labels.setdefault(key, term)
            for other in variants[1:]:
                parent[find(other)] = find(variants[0])
        roots = sorted({find(k) for k in parent})
        concept_of_root = {root: f"{PREFIX}{i:04d}" for i, root in enumerate(roots)}
        self.concept_of: dict[tuple[str, ...], str] = {k: concept_of_root[find(k)] for k in parent}
        self.members: dict[str, list[str]] = {}
        for key, concept in sorted(self.concept_of.items()):
            self.members.setdefault(concept, []).append(self.labels[key])
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for key in self.concept_of:
            by_first.setdefault(key[0], []).append(key)
        self._by_first = {k: sorted(v, key=len, reverse=True) for k, v in by_first.items()}
        self._narrower = self._narrower_phrases(broader, normalizer)
        state = (sorted(self.concept_of.items()), sorted(self._narrower.items()))
        self.digest = hashlib.sha256(repr(state).encode()).hexdigest()[:16]

    def _narrower_phrases(
        self, broader: Mapping[str, Sequence[str]], normalizer: Normalizer
    ) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """First term -> (phrase, broader concept) for every phrase that carries a broader
        concept into a document: the broader term itself, its narrower terms with their
        synonyms, and theirs in turn (災害 > 自然災害 > 地震)."""
        key_of = {term: tuple(normalizer.terms(term)) for term in broader}
        keys_of_concept: dict[str, list[tuple[str, ...]]] = {}
        for key, concept in self.concept_of.items():
            keys_of_concept.setdefault(concept, []).append(key)
        below: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        for term, narrower in broader.items():
            found = below.setdefault(key_of[term], set())
            for n in narrower:
                key = tuple(normalizer.terms(n))
                synonyms = keys_of_concept.get(self.concept_of.get(key, ""))
                found.update(synonyms or ([key] if key else []))
        changed = True
        while changed:  # narrower terms of narrower terms, to a fixed point
            changed = False
            for found in below.values():
                more = set().union(*(below.get(k, set()) for k in found)) - found
                if more:
                    found |= more
                    changed = True
        out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for key, found in below.items():
            if not key:
                continue
            concept = self.concept_of[key]
            for phrase in sorted({key, *keys_of_concept[concept], *found}):
                out.setdefault(phrase[0], []).append((phrase, concept))
        return out

    def concept(self, term: str, normalizer: Normalizer) -> str | None:
        return self.concept_of.get(tuple(normalizer.terms(term)))

    def matches(self, units: Sequence[Unit]) -> list[Match]:
        """Longest synonym matches in ``units``, as token ranges of ``flat(units)``.

        A synonym must start where a word starts (太陽光発電 in 太陽光発電設備, スマホ in
        スマホアプリ) but may end inside it; none starts inside a word (再構築 in システム再構築).
        """
        tokens = flat(units)
        terms = [t.term for t in tokens]
        starts: set[int] = set()
        pos = 0
        for unit in units:
            starts.add(pos)
            pos += len(unit.tokens)
        found: list[Match] = []
        i = 0
        while i < len(terms):
            best: Match | None = None
            if i in starts:
                for key in self._by_first.get(terms[i], ()):
                    end = i + len(key)
                    if tuple(terms[i:end]) == key:
                        best = Match(i, end, self.concept_of[key])
                        break
            if best is None:
                i += 1
            else:
                found.append(best)
                i = best.last
        return found

    def document_matches(self, units: Sequence[Unit]) -> list[Match]:
        """``matches`` plus each broader concept wherever one of its phrases stands, at any
        term (as a phrase search would find it): what a document carries, so a search for
        a broader term also finds cases naming only a narrower one. Queries use ``matches``:
        a narrower term still finds only its own cases."""
        found = self.matches(units)
        if not self._narrower:
            return found
        have = {(m.first, m.last, m.concept) for m in found}
        terms = [t.term for t in flat(units)]
        for i, term in enumerate(terms):
            for phrase, concept in self._narrower.get(term, ()):
                end = i + len(phrase)
                if (i, end, concept) not in have and tuple(terms[i:end]) == phrase:
                    have.add((i, end, concept))
                    found.append(Match(i, end, concept))
        return found


def flat(units: Sequence[Unit]) -> list[Token]:
    """The tokens of ``units`` in order (Match indices point into this list)."""
    return [t for u in units for t in u.tokens]


def build_thesaurus(taxonomy: Taxonomy, normalizer: Normalizer) -> Thesaurus:
    groups: list[Sequence[str]] = [t.synonyms for t in taxonomy.themes.values() if t.synonyms]
    groups.extend(taxonomy.synonym_groups)
    return Thesaurus(groups, normalizer, taxonomy.broader)


def theme_concepts(
    taxonomy: Taxonomy, thesaurus: Thesaurus, normalizer: Normalizer
) -> dict[str, str]:
    """Theme key -> the concept token of its synonyms (so DX finds cases themed dx)."""
    out = {}
    for key, theme in taxonomy.themes.items():
        for syn in theme.synonyms:
            concept = thesaurus.concept(syn, normalizer)
            if concept:
                out[key] = concept
                break
    return out
