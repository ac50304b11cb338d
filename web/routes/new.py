"""「新規事例」: a form that builds the file `kb new` would write, validates it with the
rules of `kb check` and offers it as a download. Nothing is written or published."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kb.checks import check_draft
from kb.render import to_html
from kb.scaffold import Draft, Scaffold, build
from web.deps import Services, services

router = APIRouter()
FIELDS = ("title", "summary", "kind", "themes", "prefecture", "year", "visibility", "slug")


async def _draft(request: Request) -> Draft:
    if request.headers.get("content-type", "").startswith("application/json"):
        data: dict[str, Any] = await request.json()
    else:
        form = await request.form()
        data = {k: form.get(k, "") for k in FIELDS if k != "themes"}
        data["themes"] = [str(v) for v in form.getlist("themes")]
    return Draft.from_form({k: data.get(k, "") for k in FIELDS})


def _scaffold(svc: Services, draft: Draft) -> Scaffold:
    return build(draft, svc.taxonomy, svc.settings.content_dir)


@router.get("/new", response_model=None)
def new_page(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    """The empty form with the taxonomy as pick lists."""
    tax = svc.taxonomy
    context = {
        "themes": [(t.key, t.label) for t in tax.themes.values()],
        "prefectures": list(tax.prefectures),
        "kinds": list(tax.kinds.items()),
    }
    return request.app.state.templates.TemplateResponse(request, "new.html", context)


@router.post("/api/new/validate")
async def validate(request: Request, svc: Annotated[Services, Depends(services)]) -> dict[str, Any]:
    """The draft's file, its `kb check` findings and a rendered preview of its body."""
    draft = await _draft(request)
    made = _scaffold(svc, draft)
    findings = check_draft(svc.settings, svc.taxonomy, made.rel, made.text)
    body = made.text.split("---\n", 2)[2]
    return {
        "id": made.id,
        "path": f"content/cases/{made.rel}",
        "markdown": made.text,
        "preview": to_html(body).html,
        "ok": not any(f.severity == "error" for f in findings),
        "findings": [{**f.to_dict(), "text": str(f)} for f in findings],
    }


@router.post("/new/download")
async def download(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    """Exactly the bytes `kb new` writes for the same inputs."""
    made = _scaffold(svc, await _draft(request))
    name = f"{made.id}.md"
    return Response(
        made.data,
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
        },
    )
