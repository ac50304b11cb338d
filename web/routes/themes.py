"""Theme pages: the index of every theme (``/themes``) and one theme's landing page
(``/themes/{key}``: description, count, newest cases, who and where)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kb.errors import NotFoundError
from kb.search import Searcher
from web.deps import Services, services
from web.facets import SearchState

router = APIRouter()
NEWEST = 8
TOP = 6


@router.get("/themes", response_model=None)
async def themes_index(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    taxonomy = svc.taxonomy
    result = await svc.acall(Searcher.asearch, "", [], limit=0)
    counts = result["facets"].get("themes", {})
    themes = [(key, theme, counts.get(key, 0)) for key, theme in taxonomy.themes.items()]
    context = {"themes": themes, "total": result["total"], "taxonomy": taxonomy}
    return request.app.state.templates.TemplateResponse(request, "themes.html", context)


@router.get("/themes/{key}", response_model=None)
async def theme_page(
    key: str, request: Request, svc: Annotated[Services, Depends(services)]
) -> Response:
    taxonomy = svc.taxonomy
    theme_key = taxonomy.theme_for(key)
    if theme_key is None:
        raise NotFoundError(
            f"テーマ「{key}」はありません", hint="使えるテーマ: " + "、".join(taxonomy.themes)
        )
    theme = taxonomy.themes[theme_key]
    result = await svc.acall(
        Searcher.asearch, "", [f"themes={theme_key}"], limit=NEWEST, sort="newest"
    )
    state = SearchState(filters=(("themes", theme_key),))

    def top(name: str) -> list[tuple[str, int, str]]:
        counts = sorted(result["facets"].get(name, {}).items(), key=lambda kv: -kv[1])[:TOP]
        return [(v, n, state.with_filters([*state.filters, (name, v)]).url()) for v, n in counts]

    context = {
        "theme": theme,
        "result": result,
        "search_url": state.url(),
        "org_types": top("organization_type"),
        "prefectures": top("prefecture"),
        "taxonomy": taxonomy,
    }
    return request.app.state.templates.TemplateResponse(request, "theme.html", context)
