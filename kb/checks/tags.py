"""Taxonomy hygiene for free tags.

A tag that is a theme's key, label or synonym belongs in ``themes``; two tags that
are the same word up to width, okurigana or katakana variants (ＤＸ推進 / DX推進,
打合せ / 打ち合わせ) are reported with the canonical spelling: the one most cases
use, then the one already in NFKC form.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

from kb.case import Case
from kb.checks.finding import Finding
from kb.normalize import Normalizer
from kb.taxonomy import Taxonomy, fold

CHECK = "taxonomy"


class TagKeys:
    """The comparison key of a tag (its normalized terms), cached."""

    def __init__(self, normalizer: Normalizer) -> None:
        self._normalizer = normalizer
        self._cache: dict[str, str] = {}

    def __call__(self, tag: str) -> str:
        key = self._cache.get(tag)
        if key is None:
            key = "\u241f".join(self._normalizer.terms(tag)) or fold(tag)
            self._cache[tag] = key
        return key


def theme_synonyms(taxonomy: Taxonomy, keys: TagKeys) -> dict[str, str]:
    """Normalized key of every theme key, label and synonym -> theme key."""
    out: dict[str, str] = {}
    for theme in taxonomy.themes.values():
        for name in (theme.key, theme.label, *theme.synonyms):
            out.setdefault(keys(name), theme.key)
    return out


def canonical_spellings(cases: Sequence[Case], keys: TagKeys) -> dict[str, str]:
    """Tag key -> the spelling to use, for keys written more than one way."""
    counts: dict[str, Counter[str]] = {}
    for case in cases:
        for tag in case.tags:
            counts.setdefault(keys(tag), Counter())[tag] += 1
    out = {}
    for key, spellings in counts.items():
        if len(spellings) > 1:
            out[key] = min(
                spellings,
                key=lambda s: (-spellings[s], unicodedata.normalize("NFKC", s) != s, s),
            )
    return out


def check_tags(
    case: Case, taxonomy: Taxonomy, keys: TagKeys, synonyms: dict[str, str],
    canonical: dict[str, str],
) -> list[Finding]:  # fmt: skip
    """Warnings for one case's tags; ``canonical`` comes from the whole collection."""
    out: list[Finding] = []
    line = case.lines.get("tags")
    seen: dict[str, str] = {}
    for i, tag in enumerate(case.tags):
        key = keys(tag)
        field = f"tags[{i}]"
        theme = synonyms.get(key) or taxonomy.theme_for(tag)
        if theme is not None:
            label = taxonomy.theme_label(theme)
            listed = theme in case.themes
            out.append(Finding(
                "warning", CHECK, f"タグ「{tag}」はテーマ「{theme}」（{label}）と同じ意味です",
                case.source, line, None, field,
                f"tags から「{tag}」を消してください" + ("" if listed else f"（themes に {theme} を追加）"),
            ))  # fmt: skip
            continue
        if key in seen:
            out.append(Finding(
                "warning", CHECK, f"タグ「{tag}」は「{seen[key]}」と重複しています",
                case.source, line, None, field, f"tags から「{tag}」を消してください",
            ))  # fmt: skip
            continue
        seen[key] = tag
        best = canonical.get(key)
        if best is not None and best != tag:
            out.append(Finding(
                "warning", CHECK, f"タグ「{tag}」は「{best}」の表記ゆれです",
                case.source, line, None, field, f"「{best}」と書いてください",
            ))  # fmt: skip
    return out
