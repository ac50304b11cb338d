"""The search page (``/``) and its results fragment (``/search/results``) for as-you-type."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from indexer.settings import MAX_TOTAL_HITS
from kb.results import notes, place_labels
from kb.search import Searcher
from web.deps import Services, services
from web.facets import (
    FACET_LABELS,
    MAX_PAGE,
    PAGE_SIZE,
    SORT_LABELS,
    Chip,
    SearchState,
    chips,
    facet_groups,
    pager,
    with_year_range,
)
from web.suggestions import nearest_terms, relaxations

router = APIRouter()

Q = Annotated[str, Query(max_length=500, description="検索語")]
Filters = Annotated[list[str], Query(description="FIELD=VALUE（繰り返し可）")]
Sort = Annotated[str, Query(pattern="^(relevance|newest|oldest)$")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Year = Annotated[str | None, Query(max_length=4, pattern=r"^\d{0,4}$")]
RELAXED_NOTICE = "すべての語を含む事例はありません。一部の語に一致した事例を表示しています"


@dataclass(frozen=True)
class SearchParams:
    """The URL parameters shared by the search page and its results fragment.

    The year range form's ``year_from``/``year_to`` are folded into a ``year=`` filter.
    """

    q: str
    filters: list[str]
    sort: str
    page: int
    year_range: bool


async def search_params(
    q: Q = "",
    filter: Filters = [],  # noqa: B006 - FastAPI copies the default per request
    sort: Sort = "relevance",
    page: Page = 1,
    year_from: Year = None,
    year_to: Year = None,
) -> SearchParams:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, a hop per request
    year_range = year_from is not None or year_to is not None
    filters = with_year_range(filter, year_from or "", year_to or "") if year_range else filter
    return SearchParams(q, filters, sort, page, year_range)


Params = Annotated[SearchParams, Depends(search_params)]


# The page and its fragment are async like the JSON search: Meilisearch is awaited on the
# event loop, not from FastAPI's thread pool, and a page's searches go out together.


@router.get("/", response_model=None)
async def search_page(
    request: Request, svc: Annotated[Services, Depends(services)], p: Params
) -> Response:
    """The search page; a year range from the form is redirected to its canonical URL."""
    if p.year_range:
        state = SearchState(q=p.q.strip(), filters=tuple(_pairs(p.filters)), sort=p.sort)
        return RedirectResponse(state.url(), status_code=303)
    context = await _context(svc, p.q, p.filters, p.sort, p.page)
    return request.app.state.templates.TemplateResponse(request, "search.html", context)


@router.get("/search/results", response_model=None)
async def search_results(
    request: Request, svc: Annotated[Services, Depends(services)], p: Params
) -> Response:
    """The results region of the search page alone, fetched by the page's script."""
    context = await _context(svc, p.q, p.filters, p.sort, 1 if p.year_range else p.page)
    return request.app.state.templates.TemplateResponse(request, "_results.html", context)


def _pairs(filters: list[str]) -> list[tuple[str, str]]:
    return [(k.strip(), v.strip()) for k, _, v in (f.partition("=") for f in filters)]


async def _context(
    svc: Services, q: str, filters: list[str], sort: str, page: int
) -> dict[str, Any]:
    offset = (page - 1) * PAGE_SIZE
    result = await svc.acall(
        Searcher.asearch, q, filters, limit=PAGE_SIZE, offset=offset, sort=sort
    )
    state = SearchState(
        q=result["query"],
        filters=tuple((f["field"], f["value"]) for f in result["filters"]),
        sort=sort,
        page=page,
    )
    # each filtered field's counts as if it were not set (pick another value: OR), all at once
    raw = state.raw_filters()
    names = sorted(state.fields() & set(FACET_LABELS))
    others = await asyncio.gather(
        *(
            svc.acall(
                Searcher.asearch,
                state.q,
                [f for f, (k, _) in zip(raw, state.filters, strict=True) if k != name],
                limit=0,
                sort=sort,
            )
            for name in names
        )
    )
    disjunctive = {
        name: other["facets"].get(name, {}) for name, other in zip(names, others, strict=True)
    }
    taxonomy = svc.taxonomy
    context: dict[str, Any] = {
        "state": state,
        "result": result,
        "groups": facet_groups(state, result, disjunctive, taxonomy),
        "chips": chips(state, taxonomy),
        "pager": pager(state, result["total"]),
        "sorts": SORT_LABELS,
        "taxonomy": taxonomy,
        "relaxed_notice": RELAXED_NOTICE,
        "notes": [n for n in notes(result) if not n.startswith("もしかして")],
        # place words of the query applied as filters: removing the chip removes the word
        "place_chips": [
            Chip(label, SearchState(q=q, filters=state.filters, sort=sort).url())
            for (label, q) in dict.fromkeys(
                (place_labels(result)[p["word"]], p["q"]) for p in result["places"]
            )
        ],
        "offers": [
            Chip(
                f"地方: {o['value']}",
                SearchState(
                    q=o["q"], filters=(*state.filters, (o["field"], o["value"])), sort=sort
                ).url(),
            )
            for o in result["offers"]
        ],
        "spelling": [
            Chip(s["q"], SearchState(q=s["q"], filters=state.filters, sort=sort).url())
            for s in result["suggestions"]
        ],
        "relax": [],
        "nearest": [],
        "canonical_url": state.url(),
        # the whole result as CSV: the same query, filters and sort, no page
        "csv_url": replace(state, page=1).url("/api/search.csv"),
        "export_max": MAX_TOTAL_HITS,
    }
    if result["total"] == 0:
        context["relax"] = await svc.acall(relaxations, state, taxonomy)
        if state.q:
            context["nearest"] = await svc.acall(nearest_terms, state.q, taxonomy)
    return context
