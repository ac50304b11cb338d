"""Query + filters -> Meilisearch request; hits -> results with snippets.

Filter values are parsed against the taxonomy and field lists: nothing a
client sends is passed raw into a Meilisearch filter. Public searches get the
``visibility = "public"`` filter added here, whatever the request says.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError

from indexer.documents import Analyzer
from indexer.settings import BODY, FACETS, RETRIEVE
from kb.errors import NotFoundError, QueryError, SearchUnavailable
from kb.meili_http import AsyncSearchClient, SearchClient, api_error
from kb.query import Query, parse_query
from kb.snippet import snippet
from kb.taxonomy import REGIONS, Vocabulary

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # hits a search may skip
SORTS = {
    "relevance": [],
    "newest": ["year:desc", "published:desc"],
    "oldest": ["year:asc", "published:asc"],
}
# public name -> (document field, vocabulary or None for free text)
FILTER_FIELDS = {
    "themes": "themes",
    "prefecture": "prefectures",
    "region": None,
    "industry": "industries",
    "organization_type": "organization_types",
    "programs": "programs",
    "kind": "kinds",
    "year": None,
    "visibility": None,
    "tags": None,
}
ALIASES = {"theme": "themes", "program": "programs", "tag": "tags", "pref": "prefecture"}
_YEAR = re.compile(r"^\s*(\d{4})?\s*(?:(\.\.|-|〜|~)\s*(\d{4})?)?\s*$")


@dataclass
class Filters:
    values: dict[str, list[str]] = field(default_factory=dict)
    year_range: tuple[int | None, int | None] | None = None

    def expression(self) -> list[str]:
        parts = []
        for name, values in self.values.items():
            ors = " OR ".join(f"{name} = {_quote(v)}" for v in values)
            parts.append(f"({ors})")
        if self.year_range:
            lo, hi = self.year_range
            if lo is not None:
                parts.append(f"year >= {lo}")
            if hi is not None:
                parts.append(f"year <= {hi}")
        return parts

    def pairs(self) -> list[tuple[str, str]]:
        out = [(k, v) for k, vs in self.values.items() for v in vs]
        if self.year_range:
            lo, hi = self.year_range
            out.append(("year", f"{lo or ''}..{hi or ''}" if lo != hi else str(lo)))
        return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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

    # -- filters ---------------------------------------------------------------
    def parse_filters(self, raw: list[str]) -> Filters:
        """``FIELD=VALUE`` strings -> Filters; same field ORs, different fields AND."""
        out = Filters()
        for item in raw:
            name, sep, value = item.partition("=")
            name = ALIASES.get(name.strip(), name.strip())
            value = value.strip()
            if not sep or name not in FILTER_FIELDS:
                raise QueryError(
                    f"絞り込み {item!r} は使えません",
                    field="filter",
                    hint="FIELD=VALUE の形で、FIELD は " + ", ".join(FILTER_FIELDS),
                )
            if not value:
                raise QueryError(
                    f"絞り込み {name} の値が空です", field=name, hint="値を指定してください"
                )
            if name == "year":
                out.year_range = self._year(value, out.year_range)
                continue
            canonical = self._canonical(name, value)
            bucket = out.values.setdefault(name, [])
            if canonical not in bucket:
                bucket.append(canonical)
        return out

    def _year(self, value: str, current: Any) -> tuple[int | None, int | None]:
        m = _YEAR.match(value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        if not m or not (m.group(1) or m.group(3)):
            raise QueryError(
                f"年度 {value!r} を読めません",
                field="year",
                hint="2023 または 2019..2023 の形で指定してください",
            )
        lo = int(m.group(1)) if m.group(1) else None
        hi = int(m.group(3)) if m.group(3) else (lo if not m.group(2) else None)
        if current:  # a second year filter widens the range
            lo = min(x for x in (lo, current[0]) if x is not None) if lo and current[0] else None
            hi = max(x for x in (hi, current[1]) if x is not None) if hi and current[1] else None
        return (lo, hi)

    def _canonical(self, name: str, value: str) -> str:
        vocab_name = FILTER_FIELDS[name]
        if name == "tags":
            return value[:100]
        if name == "themes":
            key = self.taxonomy.theme_for(value)
            if key:
                return key
        if name == "visibility":
            vocab = Vocabulary("visibility", ["public", "internal"])
        elif name == "region":
            vocab = Vocabulary("region", list(REGIONS))
        else:
            assert vocab_name is not None
            vocab = self.taxonomy.vocab[vocab_name]
        canonical = vocab.canonical(value)
        if canonical is None:
            guess = vocab.suggest(value)
            raise QueryError(
                f"{name} に {value!r} という値はありません"
                + (f"。もしかして「{'」「'.join(guess)}」?" if guess else ""),
                field=name,
                hint="使える値: " + "、".join(vocab.values),
            )
        return canonical

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
        if sort not in SORTS:
            raise QueryError(
                f"並べ替え {sort!r} は使えません", field="sort", hint="relevance / newest / oldest"
            )
        if not 0 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit は 0〜{MAX_LIMIT} で指定してください", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise QueryError(f"offset は 0〜{MAX_OFFSET} で指定してください", field="offset")
        parsed = self.parse_filters(filters or [])
        query = parse_query(q, self.analyzer)
        expr = parsed.expression()
        if public_only:
            expr.append('visibility = "public"')
        params: dict[str, Any] = {
            "limit": limit,
            "offset": offset,
            "filter": expr,
            "attributesToRetrieve": RETRIEVE if query.empty else RETRIEVE + BODY,
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
        if result["estimatedTotalHits"] == 0 and len(query.terms) > 1:
            result = yield query.meili, {**params, "matchingStrategy": "frequency"}
            relaxed = result["estimatedTotalHits"] > 0
        return self._shape(query, parsed, result, relaxed, limit, offset, sort)

    def run(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """One raw Meilisearch search on this index, its errors as SearchUnavailable."""
        return self.http.search(self.index_name, q, params)

    async def arun(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """``run`` for async code."""
        return await self.ahttp.search(self.index_name, q, params)

    def _shape(
        self,
        query: Query,
        filters: Filters,
        result: dict[str, Any],
        relaxed: bool,
        limit: int,
        offset: int,
        sort: str,
    ) -> dict[str, Any]:
        hits = []
        for hit in result["hits"]:
            hits.append(
                {
                    "id": hit["id"],
                    "title": hit["title"],
                    "kind": hit["kind"],
                    "themes": hit["themes"],
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
        """One indexed case by id (404 for unknown ids, and for internal ones when public)."""
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case_id or "") or len(case_id) > 200:
            raise NotFoundError("事例が見つかりません", hint="URL の事例 ID を確認してください")
        try:
            doc = dict(self.index.get_document(case_id))
        except MeilisearchApiError as exc:
            if exc.code != "document_not_found":
                raise api_error({"code": exc.code, "message": exc.message}, 500) from exc
            doc = {}
        except MeilisearchError as exc:
            raise SearchUnavailable("検索サーバー（Meilisearch）に接続できません") from exc
        if not doc or (public_only and doc.get("visibility") != "public"):
            raise NotFoundError("事例が見つかりません", hint="URL の事例 ID を確認してください")
        return {
            k: v
            for k, v in doc.items()
            if not k.endswith(("_n", "_marks")) and k not in _INTERNAL_KEYS
        }


_INTERNAL_KEYS = {"hash"}
