"""Related cases: the same themes or tags and similar words, at most five, never the case itself.

The title and tags of a case become a loose query (any of its words may match),
filtered to cases sharing a theme or a tag; Meilisearch's ranking score is
then nudged by how many themes and tags each candidate shares.
"""

from __future__ import annotations

from typing import Any

from kb.filters import quote
from kb.query import parse_query
from kb.search import Searcher
from kb.thesaurus import is_concept

LIMIT = 5
_CANDIDATES = 30
_SHARED_WEIGHT = 0.15  # per shared theme or tag, on top of a ranking score in 0..1
_TITLE_WEIGHT = 0.5  # times the Jaccard similarity of the two titles' terms
_FIELDS = ["id", "title", "kind", "themes", "tags", "prefecture", "year", "organization"]
# title_n: a candidate's title as indexed (its terms, then its concept tokens), so the titles
# are compared without analysing each candidate's title again
_RETRIEVE = [*_FIELDS, "title_n"]


def related(searcher: Searcher, doc: dict[str, Any], limit: int = LIMIT) -> list[dict[str, Any]]:
    """Up to ``limit`` cases close to ``doc`` (a document from ``Searcher.get``), best first."""
    themes = list(doc.get("themes") or [])
    tags = list(doc.get("tags") or [])
    shared = [f"themes = {quote(t)}" for t in themes] + [f"tags = {quote(t)}" for t in tags]
    if not shared or limit <= 0:
        return []
    query = parse_query(" ".join([doc.get("title", ""), *tags]), searcher.analyzer)
    params: dict[str, Any] = {
        "limit": _CANDIDATES,
        "filter": [" OR ".join(shared)],
        "attributesToRetrieve": _RETRIEVE,
        "matchingStrategy": "frequency",
        "showRankingScore": True,
        "locales": ["jpn"],
    }
    hits = [] if query.empty else _search(searcher, query.meili, params)
    seen = {doc.get("id")}
    title_terms = _terms(searcher, doc.get("title", ""))
    picked = _rank(searcher, hits, doc, title_terms, seen, use_score=True)
    if len(picked) < limit:  # cases sharing a theme or tag but none of the words
        fill = {**params, "sort": ["year:desc"], "showRankingScore": False}
        picked += _rank(searcher, _search(searcher, "", fill), doc, title_terms, seen, False)
    return [{k: hit.get(k) for k in _FIELDS} for hit in picked[:limit]]


def _terms(searcher: Searcher, text: str) -> set[str]:
    return set(searcher.analyzer.normalizer.terms(text))


def _title_terms(searcher: Searcher, hit: dict[str, Any]) -> set[str]:
    """A candidate's title terms: its indexed ``title_n`` without the concept tokens, or the
    title analysed when the document has none."""
    line = hit.get("title_n")
    if not isinstance(line, str):
        return _terms(searcher, hit.get("title", ""))
    return {t for t in line.split() if not is_concept(t)}


def _rank(
    searcher: Searcher,
    hits: list[dict[str, Any]],
    doc: dict[str, Any],
    title_terms: set[str],
    seen: set[Any],
    use_score: bool,
) -> list[dict[str, Any]]:
    themes, tags = set(doc.get("themes") or []), set(doc.get("tags") or [])
    scored = []
    for rank, hit in enumerate(hits):
        if hit["id"] in seen:
            continue
        seen.add(hit["id"])
        overlap = len(themes & set(hit.get("themes") or [])) + len(
            tags & set(hit.get("tags") or [])
        )
        other = _title_terms(searcher, hit)
        similar = len(title_terms & other) / len(title_terms | other) if title_terms | other else 0
        base = float(hit.get("_rankingScore", 0.0)) if use_score else 0.0
        score = base + _SHARED_WEIGHT * overlap + _TITLE_WEIGHT * similar
        scored.append((-score, rank, hit))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [hit for _, _, hit in scored]


def _search(searcher: Searcher, q: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return list(searcher.run(q, params)["hits"])
