"""Query + filters -> Meilisearch request; hits -> results with snippets.

Filters are parsed in kb.filters: nothing a client sends is passed raw into a
Meilisearch filter. Public searches get the ``visibility = "public"`` filter added
here, whatever the request says.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict, Unpack

import meilisearch

from indexer.documents import Analyzer
from indexer.settings import (
    ATTACHMENT,
    BODY,
    FACETS,
    MAX_TOTAL_HITS,
    PUBLIC_SEARCHABLE,
    RETRIEVE,
)
from kb.case import ID_PATTERN
from kb.errors import NotFoundError, QueryError
from kb.filters import Filters, parse_filters, quote
from kb.meili_http import AsyncSearchClient, SearchClient
from kb.query import Query, Term, parse_query
from kb.ranking import Plan, count_requests, counting, federated, tail_groups, union
from kb.ranking import plan as make_plan
from kb.results import facet_values, joined, shape
from kb.snippet import body_matches
from kb.spelling import Speller, apply_corrections
from kb.word_counts import WordCounts

MAX_LIMIT = 100
MAX_OFFSET = 10_000  # hits a search may skip
SUGGEST_BELOW = 3  # 「もしかして」 is looked for when a search finds fewer cases than this
PARSED_KEPT = 2048  # parsed queries a Searcher keeps (Sudachi's analysis of the same text)
TAGS_TTL_S = 60.0  # how long the index's tags are reused as spelling vocabulary
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
    """A page of a search and what it was asked as (after any loosening or correction)."""

    query: Query
    filters: Filters
    result: dict[str, Any]
    relaxed: bool
    full: int = 0  # hits with every word
    plan: Plan | None = None  # how the hits beyond every word were ranked (kb.ranking)
    corrected: dict[str, str] = {}  # noqa: RUF012 - typed word -> the spelling searched
    fixes: dict[str, str] | None = None  # spellings looked up (None: not yet)


@dataclass(frozen=True)
class Multi:
    """A ``/multi-search`` request of ``Searcher._steps`` (counts, or a federated search)."""

    body: dict[str, Any]


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
        self.speller = Speller(analyzer)
        self._tag_cache: dict[bool, tuple[float, list[str]]] = {}
        self._parsed: dict[str, Query] = {}
        self.counts = WordCounts()  # the words' hit counts, kept a while (kb.word_counts)

    def parse_query(self, q: str) -> Query:
        """``kb.query.parse_query`` with this searcher's analyzer, kept per text: a query is
        a pure function of its text and the taxonomy, and a Searcher lives as long as both
        (the same words come back with each filter, page and sort of one search)."""
        found = self._parsed.get(q)
        if found is None:
            if len(self._parsed) >= PARSED_KEPT:
                self._parsed.clear()
            found = self._parsed[q] = parse_query(q, self.analyzer)
        return found

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
                if isinstance(request, Multi):
                    request = steps.send(self.http.multi(request.body))
                else:
                    request = steps.send(self.run(*request))
        except StopIteration as done:
            return done.value

    async def asearch(
        self, q: str = "", filters: list[str] | None = None, **options: Unpack[SearchOptions]
    ) -> dict[str, Any]:
        """``search`` for async code: the same steps, Meilisearch awaited, no thread."""
        return await self._adrive(self._steps(q, filters, **options))

    async def _adrive(self, steps: Generator[Any, Any, dict[str, Any]]) -> dict[str, Any]:
        """Run ``steps`` (a search without I/O) against Meilisearch, awaiting each request."""
        try:
            request = next(steps)
            while True:
                if isinstance(request, Multi):
                    request = steps.send(await self.ahttp.multi(request.body))
                else:
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
    ) -> Generator[Any, Any, dict[str, Any]]:
        """A search without I/O: yields each Meilisearch request (query, params), or a
        ``Multi`` (a /multi-search body), is sent its answer, and returns the shaped result,
        so sync and async callers share every rule."""
        if not 0 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit は 0〜{MAX_LIMIT} で指定してください", field="limit")
        if not 0 <= offset <= MAX_OFFSET:
            raise QueryError(f"offset は 0〜{MAX_OFFSET} で指定してください", field="offset")
        found = yield from self._find(
            q, filters, limit=limit, offset=offset, sort=sort, public_only=public_only,
            facets=facets,
        )  # fmt: skip
        # hits whose words are not in the body: their attachments' text, in one more request
        need = [
            h["id"]
            for h in found.result["hits"]
            if h.get("has_attach_text") and not public_only and not body_matches(h, found.query)
        ]
        if need:
            ids = ", ".join(quote(i) for i in need)
            more = yield (
                "",
                {
                    "filter": [f"id IN [{ids}]"],
                    "limit": len(need),
                    "attributesToRetrieve": ["id", *ATTACHMENT],
                },
            )
            by_id = {h["id"]: h for h in more["hits"]}
            for h in found.result["hits"]:
                h.update(by_id.get(h["id"], {}))
        out = shape(
            found.query, found.filters, found.result, self.analyzer,
            relaxed=found.relaxed, limit=limit, offset=offset, sort=sort,
        )  # fmt: skip
        query, fixes = found.query, found.fixes
        out["full_total"] = found.full
        out["missing"] = found.plan.missing if found.plan else []
        out["corrected"] = [{"word": w, "correction": c} for w, c in found.corrected.items()]
        lacking = {h["id"]: h.get("_lacking", []) for h in found.result["hits"]}
        for hit in out["hits"]:
            hit["missing_words"] = lacking.get(hit["id"], [])
            hit["matched_all"] = not hit["missing_words"]
        out["suggestions"] = []
        if out["total"] < SUGGEST_BELOW and query.groups and not found.corrected:
            if fixes is None:
                tags = yield from self._tags(public_only)
                fixes = self.speller.corrections(query, tags)
            if fixes:
                out["suggestions"] = [{"q": apply_corrections(query.text, fixes), "words": fixes}]
        return out

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
    ) -> Generator[Any, Any, _Found]:
        """A page of a search and how it was asked: loosened, or a word spelled close to the
        index's vocabulary corrected, when nothing matches; ranked by kb.ranking beyond the
        cases with every word when they do not fill the page."""
        if sort not in SORTS:
            raise QueryError(
                f"並べ替え {sort!r} は使えません", field="sort", hint="relevance / newest / oldest"
            )
        parsed = self.parse_filters(filters or [])
        query = self.parse_query(q)
        expr = parsed.expression()
        if public_only:
            expr.append('visibility = "public"')
        where = expr + place_filter(query)
        params: dict[str, Any] = {
            "limit": limit,
            "offset": offset,
            "filter": where,
            "attributesToRetrieve": retrieve or (RETRIEVE if query.empty else RETRIEVE + BODY),
            "locales": ["jpn"],
            "matchingStrategy": "all",
        }
        if facets:
            params["facets"] = FACETS
        if public_only:  # attachments are for instructors: the public never searches them
            params["attributesToSearchOn"] = PUBLIC_SEARCHABLE
        sort_rules = SORTS["newest"] if query.empty and sort == "relevance" else SORTS[sort]
        if sort_rules:
            params["sort"] = sort_rules
        result = yield from self._first(query, params)
        relaxed = False
        # Nothing found: every word without its suffix 化・的・性 (効率化 → 効率).
        loose = query.loosened() if result["estimatedTotalHits"] == 0 else None
        if loose is not None:
            answer = yield from self._first(loose, params)
            if answer["estimatedTotalHits"] > 0:
                query, relaxed, result = loose, True, answer
        corrected: dict[str, str] = {}
        fixes: dict[str, str] | None = None
        if result["estimatedTotalHits"] == 0 and query.groups:
            # Nothing at all: a word spelled close to the index's vocabulary (インボス →
            # インボイス) is searched as corrected, and the correction is shown.
            tags = yield from self._tags(public_only)
            fixes = self.speller.corrections(query, tags)
            if fixes:
                fixed = self.parse_query(apply_corrections(query.text, fixes))
                hopeless = yield from self._kept_missing(query, fixed, expr, params)
                answer = {"estimatedTotalHits": 0}
                if not hopeless:
                    fixed_params = {**params, "filter": expr + place_filter(fixed)}
                    answer = yield from self._first(fixed, fixed_params)
                if answer["estimatedTotalHits"] > 0:
                    query, result, where = fixed, answer, expr + place_filter(fixed)
                    params = {**params, "filter": where}
                    corrected, fixes = fixes, {}
        full = result["estimatedTotalHits"]
        plan: Plan | None = None
        several = len(query.groups) > 1 and bool(tail_groups(query))
        if query.alternatives or (full < offset + limit and (several or query.places)):
            # not enough cases with every word: one federated search ranks every word, the
            # place named in the text, then the words' subsets by weight (kb.ranking)
            place_text = _with_place_words(query, self.analyzer) if query.places else None
            # one /multi-search of counts: the words' (their weights) and the place words
            # searched as words (a tier that finds nothing costs no federated query)
            requests = count_requests(query, expr) if several else []
            in_text = [(e, expr) for e in place_text.expansions()] if place_text else []
            counts = place_hits = None
            if requests or in_text:
                search_on = params.get("attributesToSearchOn")
                found_n = yield from self._word_counts(requests + in_text, search_on)
                counts = found_n[: len(requests)] or None
                place_hits = found_n[len(requests) :]
            # The cases with every word are in hand (or their ids are, one request away):
            # they lead, and the ranked search looks only for the others, excluded by id, from
            # the page position where they end (a query with OR alternatives has several
            # every-word searches: all of it is ranked together).
            tail_only = full > 0 and not query.alternatives
            plan = make_plan(
                query, where, place_text, expr, counts, 0 if tail_only else full, place_hits
            )
            first = result
            page = params
            if tail_only:
                if offset == 0:  # all `full` of them are on this page
                    ids = [h["id"] for h in first["hits"]]
                else:
                    only_ids = {
                        **params, "offset": 0, "limit": full, "attributesToRetrieve": ["id"],
                    }  # fmt: skip
                    only_ids.pop("facets", None)
                    ids = [h["id"] for h in (yield query.meili, only_ids)["hits"]]
                others = f"id NOT IN [{', '.join(quote(i) for i in ids)}]"
                plan.queries = [(q1, [*w1, others], wt) for q1, w1, wt in plan.queries]
                start = max(offset, full)
                page = {**params, "offset": start - full, "limit": offset + limit - start}
            if not plan.queries:  # nothing to rank (no case has every word): no request
                result = {**result, "hits": [], "facetDistribution": {}, "facetStats": {}}
                per_hit: list[list[str]] = []
                if tail_only:
                    result = first
                    per_hit = [[] for _ in first["hits"]]
            elif len(plan.queries) == 1:
                # one query: the same hits, order and facets as a plain search
                q1, where1, _ = plan.queries[0]
                result = yield q1, {**page, "filter": where1}
                per_hit = [plan.lacking[0] for _ in result["hits"]]
            else:
                body = federated(self.index_name, plan, page, FACETS if facets else None)
                result = yield Multi(body)
                per_hit = [
                    plan.lacking[h["_federation"]["queriesPosition"]] for h in result["hits"]
                ]
            if tail_only and plan.queries:
                result = joined(first, result)
                per_hit = [[] for _ in first["hits"]] + per_hit
            for hit, words in zip(result["hits"], per_hit, strict=True):
                hit["_lacking"] = plan.missing + [w for w in words if w not in plan.missing]
            result["hits"].sort(key=lambda h: bool(h["_lacking"]))  # every word first
            relaxed = relaxed or any(h["_lacking"] for h in result["hits"])
        return _Found(query, parsed, result, relaxed, full, plan, corrected, fixes)

    async def aexport(
        self, q: str, filters: list[str] | None, *, sort: str = "relevance",
        public_only: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Every hit of a search (up to ``MAX_TOTAL_HITS``), the export fields only, in the
        order the search pages show them (the cases with every word, then the ranked ones
        with some), ``EXPORT_PAGE`` at a time; no snippets, no facets."""
        return await self._adrive(
            self._export_steps(q, filters, sort=sort, public_only=public_only)
        )

    def _export_steps(
        self, q: str, filters: list[str] | None, *, sort: str, public_only: bool
    ) -> Generator[Any, Any, dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        first: _Found | None = None
        page_full = True
        while page_full and len(hits) < MAX_TOTAL_HITS:
            found = yield from self._find(
                q, filters, limit=EXPORT_PAGE, offset=len(hits), sort=sort,
                public_only=public_only, facets=False, retrieve=EXPORT_FIELDS,
            )  # fmt: skip
            first = first or found
            hits.extend(found.result["hits"])
            page_full = len(found.result["hits"]) == EXPORT_PAGE
        assert first is not None
        total = first.result["estimatedTotalHits"]
        return {
            "query": first.query.text,
            "total": max(total, len(hits)),
            "hits": hits[:MAX_TOTAL_HITS],
            # Meilisearch counts no further than maxTotalHits: reaching it means "maybe more"
            "truncated": total >= MAX_TOTAL_HITS,
            "relaxed": first.relaxed,
        }

    def _first(self, query: Query, params: dict[str, Any]) -> Generator[Any, Any, dict[str, Any]]:
        """The search for the cases with every word. An OR query's are all ranked together
        afterwards (kb.ranking), so only how many there are is asked: the union of its
        alternatives, in one federated count (a search for its first alternative alone
        would miss the others)."""
        if not query.alternatives:
            return (yield query.meili, params)
        answer = yield Multi(union(self.index_name, query.expansions(), params))
        return {"hits": [], "estimatedTotalHits": answer["estimatedTotalHits"]}

    def _kept_missing(
        self, query: Query, fixed: Query, expr: list[str], params: dict[str, Any]
    ) -> Generator[Any, Any, bool]:
        """Whether a word the spelling correction leaves as typed is in no case, so that the
        corrected search cannot find anything (特定技能 技能実習 → 特定技能人材 技能実習 when
        no case has 技能実習). Asked with the word counts the ranked search weighs by (the
        same requests, so they are reused there); nothing is asked for a one-word query."""
        groups = tail_groups(query)
        if not any(g in fixed.groups for g in groups):
            return False
        found_n = yield from self._word_counts(
            count_requests(query, expr), params.get("attributesToSearchOn")
        )
        at = 0
        for group in groups:
            if group in fixed.groups and not any(found_n[at : at + len(group)]):
                return True
            at += len(group)
        return False

    def _word_counts(
        self, requests: list[tuple[str, list[str]]], search_on: list[str] | None
    ) -> Generator[Any, Any, list[int]]:
        """The hit counts of ``requests`` (kb.ranking.count_requests): kept ones, or one
        ``/multi-search`` of them."""
        found_n = self.counts.get(requests, search_on)
        if found_n is None:
            answer = yield Multi(counting(self.index_name, requests, search_on))
            found_n = [r["estimatedTotalHits"] for r in answer["results"]]
            self.counts.put(requests, search_on, found_n)
        return found_n

    def _tags(self, public_only: bool) -> Generator[Any, Any, list[str]]:
        """The index's tags (public cases' only for the public side), part of the spelling
        vocabulary: asked once a minute at most, not on every search that finds little."""
        now = time.monotonic()
        cached = self._tag_cache.get(public_only)
        if cached is None or now - cached[0] > TAGS_TTL_S:
            where = ['visibility = "public"'] if public_only else []
            answer = yield "", {"limit": 0, "facets": ["tags"], "filter": where}
            cached = self._tag_cache[public_only] = (now, facet_values(answer, "tags"))
        return cached[1]

    def run(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """One raw Meilisearch search on this index, its errors as SearchUnavailable."""
        return self.http.search(self.index_name, q, params)

    async def arun(self, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """``run`` for async code."""
        return await self.ahttp.search(self.index_name, q, params)

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


# stored for searching and snippets, not part of a case as pages and the API show it
_INTERNAL_KEYS = {"hash", "has_attach_text", "reading", "body_reading", *ATTACHMENT}


def place_filter(query: Query) -> list[str]:
    """The query's place words as filter expressions (values of one field ORed)."""
    by_field: dict[str, list[str]] = {}
    for p in query.places:
        by_field.setdefault(p.field, []).append(p.value)
    return [
        "(" + " OR ".join(f"{name} = {quote(v)}" for v in dict.fromkeys(values)) + ")"
        for name, values in by_field.items()
    ]


def _with_place_words(query: Query, analyzer: Analyzer) -> Query:
    """``query`` with its place words searched as words (東京都 named in a case's text)."""
    extra = tuple(
        (Term(phrase=terms, label=p.word),)
        for p in query.places
        if (terms := tuple(analyzer.normalizer.terms(p.word)))
    )
    return query.with_groups(query.groups + extra)
