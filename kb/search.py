"""Query + filters -> Meilisearch request; hits -> results with snippets.

Filters are parsed in kb.filters: nothing a client sends is passed raw into a
Meilisearch filter. Public searches get the ``visibility = "public"`` filter added
here, whatever the request says.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any, NamedTuple, TypedDict, Unpack

import meilisearch

from indexer.documents import Analyzer
from indexer.settings import BODY, FACETS, MAX_TOTAL_HITS, RETRIEVE
from kb.case import ID_PATTERN
from kb.errors import NotFoundError, QueryError
from kb.filters import Filters, parse_filters, quote
from kb.meili_http import AsyncSearchClient, SearchClient
from kb.query import Query, parse_query
from kb.snippet import snippet

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # hits a search may skip
SORTS = {
    "relevance": [],
    "newest": ["year:desc", "published:desc"],
    "oldest": ["year:asc", "published:asc"],
}


# An export pages through the whole result this many hits at a time, up to the index's
# pagination.maxTotalHits (indexer.settings), which no search can go beyond.
EXPORT_PAGE = 1000
EXPORT_FIELDS = [
    "id", "title", "summary", "kind", "themes", "prefecture", "year", "organization",
    "visibility",
]  # fmt: skip


class _Found(NamedTuple):
    """A search's first answer and how it was asked (after any loosening)."""

    query: Query
    filters: Filters
    params: dict[str, Any]
    result: dict[str, Any]
    relaxed: bool


class SearchOptions(TypedDict, total=False):
    """The keyword options of ``Searcher.search`` and ``asearch`` (defaults in ``_steps``)."""

    limit: int
    offset: int
    sort: str
    public_only: bool
    facets: bool


class Searcher:
    def __init__(self, client: meilisearch.Client, index_name: str, analyzer: Analyzer) -> None:
        self.client = client
        self.index = client.index(index_name)
        self.index_name = index_name
        config = client.config
        timeout = float(config.timeout or 30)
        self.http = SearchClient(config.url, config.api_key, timeout)
        self.ahttp = AsyncSearchClient(config.url, config.api_key, timeout)
        self.analyzer = analyzer
        self.taxonomy = analyzer.taxonomy

    def parse_filters(self, raw: list[str]) -> Filters:
        """``FIELD=VALUE`` strings -> Filters (see kb.filters)."""
        return parse_filters(raw, self.taxonomy)

    # -- search ----------------------------------------------------------------
    def search(
        self, q: str = "", filters: list[str] | None = None, **options: Unpack[SearchOptions]
    ) -> dict[str, Any]:
        """Hits with snippets, facet counts and paging: the JSON of `kb search --json`."""
        steps = self._steps(q, filters, **options)
        try:
            request = next(steps)
            while True:
                request = steps.send(self.run(*request))
        except StopIteration as done:
            return done.value

    async def asearch(
        self, q: str = "", filters: list[str] | None = None, **options: Unpack[SearchOptions]
    ) -> dict[str, Any]:
        """``search`` for async code: the same steps, Meilisearch awaited, no thread."""
        steps = self._steps(q, filters, **options)
        try:
            request = next(steps)
            while True:
                request = steps.send(await self.arun(*request))
        except StopIteration as done:
            return done.value

    def _steps(
        self,
        q: str,
        filters: list[str] | None,
        *,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        public_only: bool = False,
        facets: bool = True,
    ) -> Generator[tuple[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
        """A search without I/O: yields each Meilisearch request (query, params), is sent its
        answer, and returns the shaped result, so sync and async callers share every rule."""
        if not 0 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit は 0〜{MAX_LIMIT} で指定してください", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise QueryError(f"offset は 0〜{MAX_OFFSET} で指定してください", field="offset")
        found = yield from self._find(
            q, filters, limit=limit, offset=offset, sort=sort, public_only=public_only,
            facets=facets,
        )  # fmt: skip
        return self._shape(found, limit, offset, sort)

    def _find(
        self,
        q: str,
        filters: list[str] | None,
        *,
        limit: int,
        offset: int,
        sort: str,
        public_only: bool,
        facets: bool,
        retrieve: list[str] | None = None,
    ) -> Generator[tuple[str, dict[str, Any]], dict[str, Any], _Found]:
        """The first page of a search, loosened when nothing matches, and how it was asked."""
        if sort not in SORTS:
            raise QueryError(
                f"並べ替え {sort!r} は使えません", field="sort", hint="relevance / newest / oldest"
            )
        parsed = self.parse_filters(filters or [])
        query = parse_query(q, self.analyzer)
        expr = parsed.expression()
        if public_only:
            expr.append('visibility = "public"')
        params: dict[str, Any] = {
            "limit": limit,
            "offset": offset,
            "filter": expr,
            "attributesToRetrieve": retrieve or (RETRIEVE if query.empty else RETRIEVE + BODY),
            "locales": ["jpn"],
            "matchingStrategy": "all",
        }
        if facets:
            params["facets"] = FACETS
        sort_rules = SORTS["newest"] if query.empty and sort == "relevance" else SORTS[sort]
        if sort_rules:
            params["sort"] = sort_rules
        result = yield query.meili, params
        relaxed = False
        # Nothing found: every word without its suffix 化・的・性 (効率化 → 効率), then any of
        # the words; the snippets mark what was found.
        loose = query.loosened() if result["estimatedTotalHits"] == 0 else None
        if loose is not None:
            result = yield loose.meili, params
            if result["estimatedTotalHits"] > 0:
                query, relaxed = loose, True
        fewer = loose or query  # a suffix alone (ロボット化 → ロボット, 化) matches nothing useful
        if result["estimatedTotalHits"] == 0 and len(fewer.terms) > 1:
            anyword = {**params, "matchingStrategy": "frequency"}
            result = yield fewer.meili, anyword
            if result["estimatedTotalHits"] > 0:
                query, relaxed, params = fewer, True, anyword
        return _Found(query, parsed, params, result, relaxed)

    async def aexport(
        self, q: str, filters: list[str] | None, *, sort: str = "relevance",
        public_only: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Every hit of a search (up to ``MAX_TOTAL_HITS``), the export fields only, paged
        through Meilisearch ``EXPORT_PAGE`` at a time; no snippets, no facets."""
        steps = self._export_steps(q, filters, sort=sort, public_only=public_only)
        try:
            request = next(steps)
            while True:
                request = steps.send(await self.arun(*request))
        except StopIteration as done:
            return done.value

    def _export_steps(
        self, q: str, filters: list[str] | None, *, sort: str, public_only: bool
    ) -> Generator[tuple[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
        found = yield from self._find(
            q, filters, limit=EXPORT_PAGE, offset=0, sort=sort, public_only=public_only,
            facets=False, retrieve=EXPORT_FIELDS,
        )  # fmt: skip
        hits = list(found.result["hits"])
        last = len(hits)
        while last == EXPORT_PAGE and len(hits) < MAX_TOTAL_HITS:
            page = yield found.query.meili, {**found.params, "offset": len(hits)}
            last = len(page["hits"])
            hits.extend(page["hits"])
        total = found.result["estimatedTotalHits"]
        return {
            "query": found.query.text,
            "total": max(total, len(hits)),
            "hits": hits[:MAX_TOTAL_HITS],
            # Meilisearch counts no further than maxTotalHits: reaching it means "maybe more"
            "truncated": total >= MAX_TOTAL_HITS,
            "relaxed": found.relaxed,
        }

    def run(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """One raw Meilisearch search on this index, its errors as SearchUnavailable."""
        return self.http.search(self.index_name, q, params)

    async def arun(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """``run`` for async code."""
        return await self.ahttp.search(self.index_name, q, params)

    def _shape(self, found: _Found, limit: int, offset: int, sort: str) -> dict[str, Any]:
        query, filters, result, relaxed = found.query, found.filters, found.result, found.relaxed
        hits = []
        for hit in result["hits"]:
            hits.append(
                {
                    "id": hit["id"],
                    "title": hit["title"],
                    "kind": hit["kind"],
                    "themes": hit["themes"],
                    "theme_labels": [self.taxonomy.theme_label(t) for t in hit["themes"]],
                    "prefecture": hit["prefecture"],
                    "year": hit["year"],
                    "visibility": hit["visibility"],
                    "snippet": snippet(hit, query, self.analyzer),
                    "organization": hit.get("organization"),
                    "organization_type": hit.get("organization_type"),
                    "industry": hit.get("industry"),
                    "published": hit.get("published"),
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
            "processing_time_ms": result.get("processingTimeMs", 0),
        }

    def get(self, case_id: str, *, public_only: bool = False) -> dict[str, Any]:
        """One indexed case by id (404 for unknown ids, and for internal ones when public).

        Asked as a search filtered on the id: the kept-alive connection, and all that a
        search-only key may do."""
        if not re.fullmatch(ID_PATTERN, case_id or "") or len(case_id) > 200:
            raise NotFoundError("事例が見つかりません", hint="URL の事例 ID を確認してください")
        expr = [f"id = {quote(case_id)}"]
        if public_only:
            expr.append('visibility = "public"')
        hits = self.run("", {"filter": expr, "limit": 1})["hits"]
        found = hits[0] if hits else {}
        if found.get("id") != case_id or (public_only and found.get("visibility") != "public"):
            raise NotFoundError("事例が見つかりません", hint="URL の事例 ID を確認してください")
        return {
            k: v
            for k, v in found.items()
            if not k.endswith(("_n", "_marks")) and k not in _INTERNAL_KEYS
        }


_INTERNAL_KEYS = {"hash"}
