"""収集状況 (``/stats``): the collection against the plan, as charts; its figures as JSON and
CSV (``/api/stats``, ``/api/stats.csv``). Internal: behind the login wall like every page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kb.export import MEDIA_TYPE
from kb.stats import Stats, afrom_index
from kb.targets import check_targets
from web.charts import charts
from web.deps import Services, services
from web.responses import JSONResponse

router = APIRouter()
Svc = Annotated[Services, Depends(services)]


async def _figures(svc: Services) -> tuple[Stats, int]:
    """The figures and how many problems content/targets.yml has (its targets then unused)."""
    targets, problems = check_targets(svc.settings.content_dir, svc.taxonomy)
    return await svc.acall(afrom_index, targets), len(problems)


@router.get("/stats", response_model=None)
async def stats_page(request: Request, svc: Svc) -> Response:
    figures, problems = await _figures(svc)
    context = {"stats": figures, "target_problems": problems, **charts(figures)}
    return request.app.state.templates.TemplateResponse(request, "stats.html", context)


@router.get("/api/stats")
async def api_stats(svc: Svc) -> JSONResponse:
    """The 収集状況 figures: counts by kind, theme, region, prefecture, year; progress."""
    figures, _ = await _figures(svc)
    return JSONResponse(figures.to_dict())


@router.get("/api/stats.csv")
async def api_stats_csv(svc: Svc) -> Response:
    """The same figures as CSV (UTF-8 with BOM, for Excel)."""
    figures, _ = await _figures(svc)
    name = f"kb-stats-{datetime.now():%Y%m%d}.csv"
    return Response(
        figures.to_csv().encode("utf-8"),
        media_type=MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
