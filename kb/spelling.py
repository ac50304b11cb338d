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

    @cached_property
    def words(self) -> dict[str, str]:
        """Folded spelling -> the word as the taxonomy writes it."""
        tax = self.analyzer.taxonomy
        names: list[str] = []
        for theme in tax.themes.values():
            names += [theme.label, *theme.synonyms]
        for group in tax.synonym_groups:
            names += list(group)
        names += list(tax.broader)
        for vocab in ("industries", "organization_types", "programs"):
            names += list(tax.vocab[vocab])
        out = {_key(n): n for n in names if len(n) >= 2}
        for name in names:  # and the words they are made of (インボイス of インボイス制度)
            for unit in self.analyzer.normalizer.units(name):
                part = name[unit.start : unit.end]
                if len(part) >= MIN_CHARS:
                    out.setdefault(_key(part), part)
        return out

    def corrections(self, query: Query, tags: Iterable[str] = ()) -> dict[str, str]:
        """Typed word -> the close vocabulary word, for the words that have one."""
        known = dict(self.words)
        for tag in tags:
            known.setdefault(_key(tag), tag)
        skip = {p.word for p in query.places}
        out: dict[str, str] = {}
        for word in query.text.split():
            plain = word.lstrip("-").strip('"')
            key = _key(plain)
            if len(plain) < MIN_CHARS or plain in skip or key in known or plain == "OR":
                continue
            best = _closest(key, known)
            if best is not None:
                out[plain] = known[best]
        return out


def _closest(key: str, known: dict[str, str]) -> str | None:
    """The most similar known spelling (ties: more characters in the same places)."""
    matcher = difflib.SequenceMatcher(b=key)
    scored = []
    for other in known:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() < CUTOFF or matcher.quick_ratio() < CUTOFF:
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
