"""`kb preview PATH`: one case file rendered as it will look, reloaded on every save.

A small app of its own (no index needed): the page shows the rendered body, the
front matter and every `kb check` finding for the file; a script polls the
file's version and reloads the page when the editor saves.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kb.checks.runner import check_draft
from kb.config import Settings
from kb.errors import KbError
from kb.frontmatter import parse
from kb.render import to_html
from kb.taxonomy import load_taxonomy

_SCRIPT = """
let seen = null;
async function poll() {
  try {
    const r = await fetch('/version', {cache: 'no-store'});
    const v = (await r.json()).version;
    if (seen !== null && v !== seen) location.reload();
    seen = v;
  } catch (e) { /* the preview server is restarting */ }
  setTimeout(poll, 1000);
}
poll();
"""


def _version(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_mtime_ns}-{st.st_size}"


def render_page(settings: Settings, path: Path) -> str:
    """The preview page for ``path`` (HTML, everything escaped)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    cases_dir = settings.cases_dir.resolve()
    try:
        rel = str(path.resolve().relative_to(cases_dir))
    except ValueError:
        rel = path.name
    taxonomy = load_taxonomy(settings.content_dir)
    findings = check_draft(settings, taxonomy, rel, text)
    items = "".join(
        f"<li class='{f.severity}'>{escape(f.location() or rel)}: "
        f"{escape(f.field + ': ' if f.field else '')}{escape(f.message)}"
        f"{escape('（' + f.hint + '）') if f.hint else ''}</li>"
        for f in findings
    )
    try:
        fm = parse(text, path)
        title = str(fm.data.get("title", path.name))
        meta = "".join(
            f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>" for k, v in fm.data.items()
        )
        body = to_html(fm.body).html
    except KbError as exc:
        title, meta, body = path.name, "", f"<p>{escape(str(exc))}</p>"
    status = (
        f"<ul class='findings'>{items}</ul>" if findings else "<p class='ok'>問題はありません</p>"
    )
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>プレビュー: {escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem;line-height:1.7}}
.error{{color:#a00}}.warning{{color:#7a5200}}.ok{{color:#060}}dt{{font-weight:bold}}
dl{{display:grid;grid-template-columns:10rem 1fr;gap:.2rem 1rem}}</style></head>
<body><p>プレビュー（保存すると自動で更新されます）: {escape(str(path))}</p>
<h1>{escape(title)}</h1>
<h2>kb check</h2>{status}
<h2>項目</h2><dl>{meta}</dl>
<h2>本文</h2><article>{body}</article>
<script src="/preview.js"></script></body></html>"""


def create_preview_app(settings: Settings, path: Path) -> FastAPI:
    app = FastAPI(title="kb preview", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        if not path.exists():
            return HTMLResponse(f"<p>ファイルがありません: {escape(str(path))}</p>", 404)
        return HTMLResponse(render_page(settings, path))

    @app.get("/version")
    def version() -> JSONResponse:
        return JSONResponse({"version": _version(path)})

    @app.get("/preview.js")
    def script() -> Response:
        return Response(_SCRIPT, media_type="text/javascript")

    return app
