"""The public success-story portal (/public/…) and its JSON API (/public/api/…).

Anonymous. Everything goes through web.portal.Portal: public cases, public fields, a
search-only key. Parameters are few and typed; anything unknown in a filter is a 400.
The search page narrows by the public facets only: theme, region, prefecture, year.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from indexer.settings import MAX_TOTAL_HITS
from kb.errors import NotFoundError
from kb.taxonomy import REGIONS, Taxonomy
from web.highlight import mark_html, mark_text, query_words
from web.params import SEARCH_PARAMETERS, search_params
from web.portal import FEATURED, RECENT, Portal, PortalUrls, body_html, front_page
from web.responses import JSONResponse

router = APIRouter()
URLS = PortalUrls()
PER_PAGE = 20
Text = Annotated[str, Query(max_length=200)]
Year = Annotated[str, Query(max_length=4, pattern=r"^(\d{4})?$")]
SEARCH_KEYS = ("q", "theme", "region", "prefecture", "year")  # what a search page keeps


async def portal(request: Request) -> Portal:
    return request.app.state.portal


Dep = Annotated[Portal, Depends(portal)]


def _render(request: Request, name: str, **context: Any) -> Response:
    tax = request.app.state.services.taxonomy
    return request.app.state.templates.TemplateResponse(
        request, name, {"urls": URLS, "theme_label": tax.theme_label, "kinds": tax.kinds, **context}
    )


@router.get("/public", include_in_schema=False)
def public_root() -> Response:
    return RedirectResponse("/public/", status_code=308)


@router.get("/public/", include_in_schema=False)
def public_index(request: Request, p: Dep) -> Response:
    tax = request.app.state.services.taxonomy
    featured = p.listing([], limit=FEATURED, featured_only=True)["hits"]
    recent = p.listing([], limit=FEATURED + RECENT, success_only=True)["hits"]
    everything = p.listing([], limit=0, facets=True)
    facets = everything["facets"]
    context = front_page(
        tax, featured, recent, facets.get("themes", {}), facets.get("prefecture", {}),
        everything["total"],
    )  # fmt: skip
    return _render(request, "public/index.html", **context)


def _page_links(request: Request, page: int, total: int) -> tuple[str | None, str | None]:
    def at(n: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        return request.url.path + "?" + urlencode([*params, ("page", str(n))])

    prev_url = at(page - 1) if page > 1 else None
    next_url = at(page + 1) if page * PER_PAGE < min(total, MAX_TOTAL_HITS) else None
    return prev_url, next_url


def _listing(request: Request, p: Portal, filters: list[str], page: int, **ctx: Any) -> Response:
    result = p.listing(filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    prev_url, next_url = _page_links(request, page, result["total"])
    return _render(
        request, "public/list.html", cases=result["hits"], total=result["total"],
        prev_url=prev_url, next_url=next_url, **ctx,
    )  # fmt: skip


Page = Annotated[int, Query(ge=1, le=250)]


@router.get("/public/themes/{key}", include_in_schema=False)
def public_theme(request: Request, key: str, p: Dep, page: Page = 1) -> Response:
    tax = request.app.state.services.taxonomy
    theme = tax.themes.get(key)
    if theme is None:
        raise NotFoundError(
            "テーマが見つかりません", hint="トップページのテーマ一覧から選んでください"
        )
    return _listing(
        request, p, [f"themes={key}"], page, heading=theme.label, lead=theme.description
    )


@router.get("/public/prefectures/{name}", include_in_schema=False)
def public_prefecture(request: Request, name: str, p: Dep, page: Page = 1) -> Response:
    tax = request.app.state.services.taxonomy
    by_romaji = {pref.romaji: pref.name for pref in tax.prefectures.values()}
    canonical = name if name in tax.prefectures else by_romaji.get(name)
    if canonical is None:
        raise NotFoundError("地域が見つかりません", hint="トップページの地域一覧から選んでください")
    return _listing(request, p, [f"prefecture={canonical}"], page, heading=f"{canonical}の事例")


@router.get("/public/search", include_in_schema=False)
def public_search(
    request: Request, p: Dep, q: Text = "", theme: Text = "", region: Text = "",
    prefecture: Text = "", year: Year = "", page: Page = 1,
) -> Response:  # fmt: skip
    tax = request.app.state.services.taxonomy
    chosen = {"theme": theme, "region": region, "prefecture": prefecture, "year": year}
    names = {"theme": "themes", "region": "region", "prefecture": "prefecture", "year": "year"}
    filters = [f"{names[k]}={v}" for k, v in chosen.items() if v]
    result = p.search(q, filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, page=True)
    prev_url, next_url = _page_links(request, page, result["total"])
    heading = f"「{q}」の検索結果" if q.strip() else "事例を探す"
    here = {"q": q, **chosen}
    labels = {
        "theme": tax.theme_label(theme) if theme else "",
        "region": region, "prefecture": prefecture, "year": f"{year}年度" if year else "",
    }  # fmt: skip
    chips = [(labels[k], URLS.searching(**{**here, k: ""})) for k in chosen if chosen[k]]
    years = sorted(p.listing([], limit=0, facets=True)["facets"].get("year", {}), reverse=True)
    by_region = [
        (r, [name for name in tax.prefectures if tax.region_of(name) == r]) for r in REGIONS
    ]
    back = urlencode(
        [(k, v) for k, v in here.items() if v] + ([("page", str(page))] if page > 1 else [])
    )
    return _render(
        request, "public/list.html", cases=result["hits"], total=result["total"], q=q,
        heading=heading, relaxed=result["relaxed"], prev_url=prev_url, next_url=next_url,
        search_form={"chosen": chosen, "years": years, "regions": by_region,
                     "themes": [(k, t.label) for k, t in tax.themes.items()]},
        chips=chips, case_query=back,
    )  # fmt: skip


def _back_to_search(request: Request, taxonomy: Taxonomy) -> tuple[str | None, list[str]]:
    """The search a public case was opened from (its link carries the search's parameters):
    the link back, and the words to mark."""
    params = request.query_params
    kept = [(k, params[k][:200]) for k in (*SEARCH_KEYS, "page") if params.get(k)]
    if not kept:
        return None, []
    return f"{URLS.search}?{urlencode(kept)}", query_words(params.get("q", "")[:200], taxonomy)


@router.get("/public/cases/{case_id}", include_in_schema=False)
def public_case(request: Request, case_id: str, p: Dep) -> Response:
    case = p.case(case_id, page=True)
    back, words = _back_to_search(request, request.app.state.services.taxonomy)
    return _render(
        request, "public/case.html", case=case, description=case["summary"],
        body_html=mark_html(body_html(case["body"]), words),
        summary_html=mark_text(case["summary"] or "", words), back_url=back,
        title_html=mark_text(case["title"] or "", words),
        offline=case.get("offline", False),
    )  # fmt: skip


# -- JSON ----------------------------------------------------------------------------------


@router.get("/public/api/search", tags=["public"], openapi_extra=SEARCH_PARAMETERS)
async def public_api_search(request: Request, p: Dep) -> JSONResponse:
    """Search the public cases (public fields only; filters on public fields only)."""
    q, filters, limit, offset, sort = search_params(request)
    return JSONResponse(await p.asearch(q, filters, limit=limit, offset=offset, sort=sort))


@router.get("/public/api/cases/{case_id}", tags=["public"])
def public_api_case(case_id: str, p: Dep) -> JSONResponse:
    """One public case with its public fields and Markdown body."""
    return JSONResponse(p.case(case_id))
