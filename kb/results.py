"""A search's answer as kb shows it: Meilisearch hits -> results with snippets, two disjoint
answers added together, and what a result says about its query, in Japanese."""

from __future__ import annotations

from typing import Any

from indexer.documents import Analyzer
from kb.filters import Filters
from kb.places import Place
from kb.query import Query
from kb.snippet import attachment_snippet, body_matches, snippet


def shape(
    query: Query,
    filters: Filters,
    result: dict[str, Any],
    analyzer: Analyzer,
    *,
    relaxed: bool,
    limit: int,
    offset: int,
    sort: str,
) -> dict[str, Any]:
    """The JSON of a search (`kb search --json`, `/api/search`) from Meilisearch's answer."""
    taxonomy = analyzer.taxonomy
    hits = []
    for hit in result["hits"]:
        attached = None if body_matches(hit, query) else attachment_snippet(hit, query)
        hits.append(
            {
                "id": hit["id"],
                "title": hit["title"],
                "kind": hit["kind"],
                "themes": hit["themes"],
                "theme_labels": [taxonomy.theme_label(t) for t in hit["themes"]],
                "prefecture": hit["prefecture"],
                "year": hit["year"],
                "visibility": hit["visibility"],
                "snippet": snippet(hit, query, analyzer),
                "organization": hit.get("organization"),
                "organization_type": hit.get("organization_type"),
                "industry": hit.get("industry"),
                "published": hit.get("published"),
                # where the words were found when only an attachment has them
                "attachment": attached[1] if attached else None,
            }
        )
    return {
        "query": query.text,
        "total": result["estimatedTotalHits"],
        "hits": hits,
        "facets": result.get("facetDistribution", {}),
        "facet_stats": result.get("facetStats", {}),
        "filters": [{"field": k, "value": v} for k, v in filters.pairs()],
        "limit": limit,
        "offset": offset,
        "sort": sort,
        "relaxed": relaxed,
        "places": [{**_place(p), "q": query.without_place(p)} for p in query.places],
        "offers": [{**_place(p), "q": query.without_place(p)} for p in query.offers],
        "excluded": [t.label or t.key for t in query.excluded],
        "processing_time_ms": result.get("processingTimeMs", 0),
    }


def joined(first: dict[str, Any], tail: dict[str, Any]) -> dict[str, Any]:
    """One Meilisearch answer of two disjoint ones: ``first``'s hits, then ``tail``'s; totals
    added, facet counts added value by value (sorted by count, as the index sorts them),
    year ranges joined."""
    facets: dict[str, dict[str, int]] = {}
    for part in (first, tail):
        for name, values in part.get("facetDistribution", {}).items():
            into = facets.setdefault(name, {})
            for value, n in values.items():
                into[value] = into.get(value, 0) + n
    stats: dict[str, dict[str, float]] = {}
    for part in (first, tail):
        for name, st in part.get("facetStats", {}).items():
            have = stats.get(name)
            stats[name] = (
                dict(st)
                if have is None
                else {"min": min(have["min"], st["min"]), "max": max(have["max"], st["max"])}
            )
    return {
        **tail,
        "hits": [*first["hits"], *tail["hits"]],
        "estimatedTotalHits": first["estimatedTotalHits"] + tail["estimatedTotalHits"],
        "facetDistribution": {
            name: dict(sorted(values.items(), key=lambda kv: -kv[1]))
            for name, values in facets.items()
        },
        "facetStats": stats,
        "processingTimeMs": first.get("processingTimeMs", 0) + tail.get("processingTimeMs", 0),
    }


def facet_values(answer: dict[str, Any], name: str) -> list[str]:
    """The values of one facet in a Meilisearch answer, most frequent first."""
    return list(answer.get("facetDistribution", {}).get(name, {}))


def notes(result: dict[str, Any]) -> list[str]:
    """What the result says about the query, in Japanese: corrections, words found nowhere,
    partial matches, place filters and offers (the web page, `kb search`)."""
    out = []
    for fix in result.get("corrected", []):
        out.append(
            f"「{fix['word']}」に一致する事例がないため、「{fix['correction']}」で検索しました"
        )
    missing = result.get("missing", [])
    if missing:
        out.append("「" + "」「".join(missing) + "」を含む事例はありません")
    if result.get("relaxed"):
        full = result.get("full_total", 0)
        out.append(
            f"すべての語を含む事例（{full} 件）の後に、一部の語に一致した事例を表示しています"
            if full
            else "すべての語を含む事例はありません。一部の語に一致した事例を表示しています"
        )
    for word, label in place_labels(result).items():
        out.append(f"「{word}」は地域の絞り込み（{label}）として使いました")
    for s in result.get("suggestions", []):
        out.append(f"もしかして: {s['q']}")
    return out


def place_labels(result: dict[str, Any]) -> dict[str, str]:
    """Place word -> what it filters on (北陸 → 都道府県: 新潟県・富山県・石川県・福井県)."""
    by_word: dict[str, list[dict[str, str]]] = {}
    for p in result.get("places", []):
        by_word.setdefault(p["word"], []).append(p)
    return {
        word: ps[0]["label"] if len(ps) == 1 else ps[0]["label"].split(":")[0] + ": "
        + "・".join(p["value"] for p in ps)
        for word, ps in by_word.items()
    }  # fmt: skip


def _place(p: Place) -> dict[str, str]:
    return {"field": p.field, "value": p.value, "word": p.word, "label": p.label}
