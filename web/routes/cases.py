"""Case pages (``/cases/{id}``) and their attachments (only files the case lists)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from kb.casefiles import source_file
from kb.errors import NotFoundError
from kb.related import related
from kb.render import to_html
from kb.search import Searcher
from web.deps import Services, services
from web.facets import MAX_PAGE, SORT_LABELS, SearchState
from web.highlight import mark_html, mark_text, query_words
from web.portal import MAX_FILTERS
from web.templating import japanese_date

router = APIRouter()

_TYPE_LABELS = {
    "text/plain": "テキスト",
    "text/csv": "CSV",
    "application/pdf": "PDF",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "image/png": "PNG 画像",
    "image/jpeg": "JPEG 画像",
}


def case_file(svc: Services, doc: dict[str, Any]) -> Path:
    """The case's Markdown file on disk (``source`` is relative to the content folder's parent)."""
    return source_file(str(doc.get("source", "")), svc.settings.content_dir)


def attachment_path(svc: Services, doc: dict[str, Any], rel: str) -> Path:
    """The file for ``rel`` if the case lists it and it lies inside the content folder."""
    if rel not in (doc.get("attachments") or []):
        raise NotFoundError(
            "添付ファイルが見つかりません", hint="事例ページの添付ファイル一覧から開いてください"
        )
    root = svc.settings.content_dir.resolve()
    target = (case_file(svc, doc).parent / rel).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise NotFoundError("添付ファイルが見つかりません", hint="管理者に連絡してください")
    return target


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _attachments(svc: Services, doc: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for rel in doc.get("attachments") or []:
        try:
            path = attachment_path(svc, doc, rel)
        except NotFoundError:
            out.append({"name": Path(rel).name, "url": "", "size": "", "type": "見つかりません"})
            continue
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append(
            {
                "name": path.name,
                "url": f"/cases/{doc['id']}/attachments/{quote(rel)}",
                "size": _size(path.stat().st_size),
                "type": _TYPE_LABELS.get(mime, mime),
            }
        )
    return out


def _meta_links(doc: dict[str, Any], svc: Services) -> list[tuple[str, list[tuple[str, str]]]]:
    """(label, [(value, search url)]) rows for the metadata panel."""
    tax = svc.taxonomy

    def link(name: str, value: Any) -> tuple[str, str]:
        return (str(value), SearchState(filters=((name, str(value)),)).url())

    rows: list[tuple[str, list[tuple[str, str]]]] = []
    if doc.get("organization"):
        rows.append(("組織", [(doc["organization"], SearchState(q=doc["organization"]).url())]))
    if doc.get("organization_type"):
        rows.append(("組織形態", [link("organization_type", doc["organization_type"])]))
    rows.append(("都道府県", [link("prefecture", doc["prefecture"])]))
    if doc.get("industry"):
        rows.append(("業種", [link("industry", doc["industry"])]))
    themes = [(tax.theme_label(t), f"/themes/{t}") for t in doc.get("themes") or []]
    rows.append(("テーマ", themes))
    if doc.get("programs"):
        rows.append(("支援施策", [link("programs", p) for p in doc["programs"]]))
    rows.append(
        ("年度", [(f"{doc['year']}年度", SearchState(filters=(("year", str(doc["year"])),)).url())])
    )
    if doc.get("published"):
        rows.append(("公開日", [(japanese_date(doc["published"]), "")]))
    rows.append(
        (
            "種別",
            [
                (
                    tax.kinds.get(doc["kind"], doc["kind"]),
                    SearchState(filters=(("kind", doc["kind"]),)).url(),
                )
            ],
        )
    )
    if doc.get("tags"):
        rows.append(("タグ", [link("tags", t) for t in doc["tags"]]))
    return rows


def from_search(request: Request) -> SearchState | None:
    """The search a case was opened from (its result links carry ``q``, ``filter``, ``sort``,
    ``page``), for the breadcrumb back and the marked words; None when opened otherwise."""
    params = request.query_params
    filters = [f for f in params.getlist("filter")[:MAX_FILTERS] if "=" in f and len(f) <= 200]
    if not any(k in params for k in ("q", "filter", "sort", "page")):
        return None
    sort = params.get("sort", "relevance")
    page = params.get("page", "1")
    return SearchState(
        q=params.get("q", "")[:500].strip(),
        filters=tuple((k.strip(), v.strip()) for k, _, v in (f.partition("=") for f in filters)),
        sort=sort if sort in SORT_LABELS else "relevance",
        page=int(page) if page.isdigit() and 0 < int(page) <= MAX_PAGE else 1,
    )


@router.get("/cases/{case_id}", response_model=None)
def case_page(
    case_id: str, request: Request, svc: Annotated[Services, Depends(services)]
) -> Response:
    doc = svc.call(Searcher.get, case_id)
    back = from_search(request)
    words = query_words(back.q, svc.taxonomy) if back else []
    listed = set(doc.get("attachments") or [])

    def rewrite(url: str) -> str | None:
        return f"/cases/{doc['id']}/attachments/{quote(url)}" if url in listed else None

    rendered = to_html(str(doc.get("body", "")), rewrite)
    edit = svc.settings.edit_url
    context = {
        "doc": doc,
        "rendered": rendered,
        "body_html": mark_html(rendered.html, words),
        "summary_html": mark_text(str(doc.get("summary", "")), words),
        "title_html": mark_text(str(doc.get("title", "")), words),
        "back": back,
        "meta": _meta_links(doc, svc),
        "attachments": _attachments(svc, doc),
        "related": svc.call(related, doc),
        "edit_url": edit.replace("{path}", quote(str(doc.get("source", "")))) if edit else "",
        "taxonomy": svc.taxonomy,
    }
    return request.app.state.templates.TemplateResponse(request, "case.html", context)


@router.get("/cases/{case_id}/attachments/{rel:path}", response_model=None)
def attachment(case_id: str, rel: str, svc: Annotated[Services, Depends(services)]) -> Response:
    """Download one attachment; anything not in the case's front matter is a 404."""
    doc = svc.call(Searcher.get, case_id)
    path = attachment_path(svc, doc, rel)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if mime.startswith("text/"):
        mime += "; charset=utf-8"
    return FileResponse(
        path,
        media_type=mime,
        filename=path.name,
        headers={"X-Content-Type-Options": "nosniff"},
    )
