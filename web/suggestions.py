"""What to offer when a search finds nothing: filters to relax and the nearest taxonomy term."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from meilisearch.errors import MeilisearchError

from kb.errors import SearchUnavailable
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


def relaxations(searcher: Searcher, state: SearchState, taxonomy: Taxonomy) -> list[Relaxation]:
    """Each active filter (and the query) with the number of results its removal would give."""
    out = []
    raw = state.raw_filters()
    for i, (name, value) in enumerate(state.filters):
        rest = raw[:i] + raw[i + 1 :]
        total = searcher.search(state.q, rest, limit=0, facets=False)["total"]
        if total:
            label = f"{FIELD_LABELS.get(name, name)}: {value_label(taxonomy, name, value)}"
            out.append(Relaxation(label, total, state.without(name, value)))
    if state.q and state.filters:
        total = searcher.search("", raw, limit=0, facets=False)["total"]
        if total:
            url = SearchState(filters=state.filters, sort=state.sort).url()
            out.append(Relaxation(f"検索語「{state.q}」", total, url))
    out.sort(key=lambda r: -r.count)
    return out


def nearest_terms(searcher: Searcher, q: str, taxonomy: Taxonomy, n: int = 3) -> list[Term]:
    """Theme labels, synonyms, vocabulary values and tags spelled close to ``q``."""
    key = fold(q)
    if not key:
        return []
    candidates: dict[str, Term] = {}
    for theme in taxonomy.themes.values():
        for name in (theme.label, *theme.synonyms):
            url = SearchState(filters=(("themes", theme.key),)).url()
            candidates.setdefault(fold(name), Term(f"{name}（テーマ: {theme.label}）", url))
    for vocab in ("industries", "organization_types", "programs"):
        for value in taxonomy.vocab[vocab]:
            candidates.setdefault(fold(value), Term(value, SearchState(q=value).url()))
    for tag in _tags(searcher):
        candidates.setdefault(fold(tag), Term(tag, SearchState(q=tag).url()))
    candidates.pop(key, None)
    close = difflib.get_close_matches(key, list(candidates), n=n, cutoff=_CUTOFF)
    return [candidates[c] for c in close]


def _tags(searcher: Searcher) -> list[str]:
    try:
        result = searcher.index.search("", {"limit": 0, "facets": ["tags"]})
    except MeilisearchError as exc:
        raise SearchUnavailable("検索サーバー（Meilisearch）に接続できません") from exc
    return list(result.get("facetDistribution", {}).get("tags", {}))
