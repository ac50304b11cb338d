"""What to offer when a search finds nothing: filters to relax and the nearest taxonomy term."""

from __future__ import annotations

import asyncio
import difflib
from dataclasses import dataclass

from kb.search import Searcher
from kb.taxonomy import Taxonomy, fold
from web.facets import FIELD_LABELS, SearchState, value_label

_CUTOFF = 0.6


@dataclass
class Relaxation:
    label: str
    count: int
    url: str


@dataclass
class Term:
    label: str
    url: str


async def relaxations(
    searcher: Searcher, state: SearchState, taxonomy: Taxonomy
) -> list[Relaxation]:
    """Each active filter (and the query) with the number of results its removal would give."""
    raw = state.raw_filters()
    options: list[tuple[str, str, str, list[str]]] = []  # (label, url, q, filters) to count
    for i, (name, value) in enumerate(state.filters):
        label = f"{FIELD_LABELS.get(name, name)}: {value_label(taxonomy, name, value)}"
        options.append((label, state.without(name, value), state.q, raw[:i] + raw[i + 1 :]))
    if state.q and state.filters:
        url = SearchState(filters=state.filters, sort=state.sort).url()
        options.append((f"検索語「{state.q}」", url, "", raw))
    results = await asyncio.gather(  # the counts are asked all at once
        *(searcher.asearch(q, filters, limit=0, facets=False) for _, _, q, filters in options)
    )
    out = [
        Relaxation(label, result["total"], url)
        for (label, url, _, _), result in zip(options, results, strict=True)
        if result["total"]
    ]
    out.sort(key=lambda r: -r.count)
    return out


async def nearest_terms(searcher: Searcher, q: str, taxonomy: Taxonomy, n: int = 3) -> list[Term]:
    """Theme labels, synonyms, vocabulary values and tags spelled close to ``q``."""
    key = fold(q)
    if not key:
        return []
    # folded spelling -> (label, where it leads); URLs are made for the chosen few only
    candidates: dict[str, tuple[str, SearchState]] = {}
    for theme in taxonomy.themes.values():
        for name in (theme.label, *theme.synonyms):
            state = SearchState(filters=(("themes", theme.key),))
            candidates.setdefault(fold(name), (f"{name}（テーマ: {theme.label}）", state))
    for vocab in ("industries", "organization_types", "programs"):
        for value in taxonomy.vocab[vocab]:
            candidates.setdefault(fold(value), (value, SearchState(q=value)))
    for tag in await _tags(searcher):
        candidates.setdefault(fold(tag), (tag, SearchState(q=tag)))
    candidates.pop(key, None)
    close = difflib.get_close_matches(key, list(candidates), n=n, cutoff=_CUTOFF)
    return [Term(label, state.url()) for label, state in map(candidates.__getitem__, close)]


async def _tags(searcher: Searcher) -> list[str]:
    result = await searcher.arun("", {"limit": 0, "facets": ["tags"]})
    return list(result.get("facetDistribution", {}).get("tags", {}))
