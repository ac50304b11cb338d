"""「新規事例」: a form for editors who are not developers. It checks each field with the
rules `kb new` uses (kb.fields), shows the file as the case page will look, and hands out
the Markdown file only when nothing is wrong, with or without JavaScript. Nothing is
written or published here."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from kb.checks.structure import SECTIONS
from kb.errors import QueryError
from kb.fields import BODY_PREFIX, BY_NAME, FIELDS, choices, read, section_names
from kb.render import to_html
from kb.scaffold import GUIDANCE, Review, review
from web.deps import Services, services
from web.responses import JSONResponse
from web.routes.cases import _meta_links

router = APIRouter()
_MULTI = {f.name for f in FIELDS if f.control == "checkboxes"}
_PICKED = ("radio", "checkboxes", "select")


async def _data(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        data = await request.json()
        if not isinstance(data, dict):
            raise QueryError("JSON のオブジェクトを送ってください")
        return data
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = [str(v) for v in form.getlist(key)]
        out[key] = values if key in _MULTI else values[-1]
    return out


def label(name: str) -> str:
    """What a field is called on the form (a body section: 本文「背景」)."""
    if name in BY_NAME:
        return BY_NAME[name].label
    return f"本文「{name.removeprefix(BODY_PREFIX)}」" if name.startswith(BODY_PREFIX) else "本文"


def _review(svc: Services, data: dict[str, Any]) -> Review:
    return review(read(data, svc.taxonomy), svc.taxonomy, svc.settings)


def _file(result: Review) -> str:
    """The file's name, once the fields it is made of are right."""
    if {"prefecture", "year"} & set(result.errors) or not result.draft.prefecture:
        return ""
    return f"{result.scaffold.id}.md"


def preview(request: Request, svc: Services, result: Review) -> str:
    """The draft as its case page will show it (the case page's own template)."""
    draft = result.draft
    if not draft.title:
        return '<p class="help">タイトルを入力すると、ここに事例ページでの見え方が出ます。</p>'
    doc: dict[str, Any] = {
        "id": result.scaffold.id, **{f.name: getattr(draft, f.name) for f in FIELDS},
        "published": str(draft.published) if draft.published else None,
        "year": draft.year or "—", "kind": draft.kind,
    }  # fmt: skip
    doc["summary"] = draft.summary or "（要約が未入力です）"
    missing = {"都道府県": not draft.prefecture, "年度": not draft.year, "テーマ": not draft.themes}
    # the case page's rows without their search links: a click would leave the form
    meta = [(name, [("（未入力）", "")] if missing.get(name) else [(v, "") for v, _ in values])
            for name, values in _meta_links(doc, svc)]  # fmt: skip
    body = result.scaffold.text.split("---\n", 2)[2]
    template = request.app.state.templates.get_template("_case_article.html")
    return str(
        template.render(
            doc=doc,
            rendered=to_html(body),
            meta=meta,
            attachments=[],
            edit_url="",
            taxonomy=svc.taxonomy,
            request=request,
        )
    )


def _page(
    request: Request, svc: Services, data: dict[str, Any], result: Review | None, status: int = 200
) -> Response:
    tax = svc.taxonomy
    kind = (result.draft.kind if result else None) or "case"
    sections = [
        (key, label, [(n, GUIDANCE[n], str(data.get(BODY_PREFIX + n, ""))) for n in SECTIONS[key]])
        for key, label in tax.kinds.items()
        if key in SECTIONS
    ]
    shown = dict(data)
    for f in FIELDS:  # a choice typed another way (質疑応答, 東京) is shown as the one picked
        if result and f.control in _PICKED and f.name not in result.errors:
            value = getattr(result.draft, f.name)
            shown[f.name] = value if value not in (None, "") else data.get(f.name, "")
    context = {
        "fields": [(f, choices(f, tax)) for f in FIELDS],
        "data": shown,
        "errors": result.errors if result else {},
        "notes": result.notes if result else [],
        "label": label,
        "sections": sections,
        "kind": kind,
        "file": _file(result) if result else "",
        "preview": preview(request, svc, result) if result else "",
    }
    return request.app.state.templates.TemplateResponse(
        request, "new.html", context, status_code=status
    )


@router.get("/new", response_model=None)
def new_page(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    """The empty form: nothing is said about fields nobody has filled in yet."""
    return _page(request, svc, {"kind": "case", "visibility": "internal"}, None)


@router.post("/new", response_model=None)
@router.post("/new/download", response_model=None)
async def submit(request: Request, svc: Annotated[Services, Depends(services)]) -> Response:
    """The form sent (with or without JavaScript): the file when every field is right,
    else the form again with a message next to each wrong field (422)."""
    data = await _data(request)
    result = _review(svc, data)
    if data.get("action") == "preview":
        return _page(request, svc, data, result)
    if not result.ok:
        return _page(request, svc, data, result, status=422)
    name = f"{result.scaffold.id}.md"
    return Response(
        result.scaffold.data,
        media_type="text/markdown; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
        },
    )


@router.post("/api/new/validate")
async def validate(request: Request, svc: Annotated[Services, Depends(services)]) -> JSONResponse:
    """Each field's message (by field name), the file and the preview, for the form's script."""
    data = await _data(request)
    result = _review(svc, data)
    values = {
        name: str(v) if name == "published" and v else v
        for name, v in read(data, svc.taxonomy).values.items()
    }
    return JSONResponse({
        "ok": result.ok,
        "errors": result.errors,
        "notes": result.notes,
        "values": values,
        "sections": list(section_names(result.draft.kind)),
        "id": result.scaffold.id,
        "file": _file(result),
        "markdown": result.scaffold.text,
        "preview": preview(request, svc, result),
        "labels": {k: label(k) for k in result.errors},
    })  # fmt: skip
