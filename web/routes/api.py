"""The JSON API: /api/search (and its CSV, /api/search.csv), /api/cases/{id}, /healthz."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kb import meili, meili_server
from kb.export import MEDIA_TYPE, search_csv
from kb.search import Searcher
from kb.watch import read_status
from web.deps import Services, services
from web.params import EXPORT_PARAMETERS, SEARCH_PARAMETERS, search_params
from web.responses import JSONResponse

router = APIRouter()


@router.get("/api/search", openapi_extra=SEARCH_PARAMETERS)
async def api_search(request: Request) -> JSONResponse:
    """Search cases: same JSON as `kb search --json`, plus paging and timing fields."""
    svc = await services(request)
    q, filters, limit, offset, sort = search_params(request)
    # A JSONResponse, not a dict: FastAPI would validate and re-encode the dict.
    result = await svc.acall(Searcher.asearch, q, filters, limit=limit, offset=offset, sort=sort)
    return JSONResponse(result)


@router.get("/api/search.csv", openapi_extra=EXPORT_PARAMETERS)
async def api_search_csv(request: Request) -> Response:
    """The whole result of a search as CSV (UTF-8 with BOM, for Excel): the same ``q``,
    ``filter`` and ``sort`` as /api/search, every hit up to the index's maxTotalHits."""
    svc = await services(request)
    q, filters, _limit, _offset, sort = search_params(request)
    result = await svc.acall(Searcher.aexport, q, filters, sort=sort)
    case_url = str(request.base_url).rstrip("/") + "/cases/{id}"
    name = f"kb-search-{datetime.now():%Y%m%d-%H%M}.csv"
    headers = {
        "content-disposition": f'attachment; filename="{name}"',
        "x-total-count": str(result["total"]),
        "x-exported-count": str(len(result["hits"])),
        "x-kb-truncated": "true" if result["truncated"] else "false",
    }
    body = search_csv(result["hits"], svc.taxonomy, case_url)
    return Response(body.encode("utf-8"), media_type=MEDIA_TYPE, headers=headers)


@router.get("/api/cases/{case_id}")
def api_case(case_id: str, svc: Annotated[Services, Depends(services)]) -> JSONResponse:
    """One case with its front matter and Markdown body (``theme_labels`` beside ``themes``)."""
    doc = svc.call(Searcher.get, case_id)
    doc["theme_labels"] = [svc.taxonomy.theme_label(t) for t in doc.get("themes") or []]
    return JSONResponse(doc)


@router.get("/healthz")
def healthz(request: Request, svc: Annotated[Services, Depends(services)]) -> Any:
    """Liveness plus Meilisearch status (503 when the search server is down) and the
    watcher's state (`kb serve --watch`: "degraded" while it is stopped or failing).

    Open to anyone (load balancers, monitoring), so without a login it says only whether
    things work: the index name and the watcher's last error (which may name a case file)
    are for signed-in users."""
    conn = meili_server.connection(svc.settings)
    healthy = conn is not None and meili.healthy(conn)
    watcher = read_status(svc.settings)
    failing = watcher["enabled"] and (
        not watcher["running"] or (watcher["last_error_at"] or "") > (watcher["last_sync"] or "")
    )
    body: dict[str, Any] = {
        "status": "ok" if healthy and not failing else "degraded",
        "meilisearch": {"available": healthy},
        "watcher": {"enabled": watcher["enabled"], "running": watcher["running"]},
    }
    if getattr(request.state, "user", None) is not None:
        body["meilisearch"]["managed"] = not svc.settings.external
        body["index"] = svc.settings.index_name
        body["watcher"] = watcher
    return JSONResponse(body, status_code=200 if healthy else 503)
