"""Synonym groups as concepts: BCP = 事業継続計画, DX = デジタルトランスフォーメーション.

Each group (a theme's synonyms from taxonomy.yml, or a group from
synonyms.yml; groups sharing a term are merged) becomes one *concept token*
such as ``kbc0007``. Documents carry the concept tokens of the synonyms they
contain; a query replaces a synonym by its concept token, so any member finds
every other. A match starts where a word (C unit) starts and may end inside it: 太陽光発電 is
found in 太陽光発電設備 and スマホ in スマホアプリ, but 再構築 is not taken from システム再構築.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.normalize import Normalizer, Token, Unit
from kb.taxonomy import Taxonomy

PREFIX = "kbc"


@dataclass(frozen=True, slots=True)
class Match:
    first: int  # index of the first token (in flat(units))
    last: int  # index after the last token
    concept: str


class Thesaurus:
    def __init__(self, groups: Iterable[Sequence[str]], normalizer: Normalizer) -> None:
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
        digest = hashlib.sha256(repr(sorted(self.concept_of.items())).encode())
        self.digest = digest.hexdigest()[:16]

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


def flat(units: Sequence[Unit]) -> list[Token]:
    """The tokens of ``units`` in order (Match indices point into this list)."""
    return [t for u in units for t in u.tokens]


def build_thesaurus(taxonomy: Taxonomy, normalizer: Normalizer) -> Thesaurus:
    groups: list[Sequence[str]] = [t.synonyms for t in taxonomy.themes.values() if t.synonyms]
    groups.extend(taxonomy.synonym_groups)
    return Thesaurus(groups, normalizer)


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
