"""`kb build-site`: the public portal as static HTML any web server can host.

Reads the content files (not the index), keeps ``visibility: public`` cases only and
renders them with the portal's own templates (web/templates/public), so the static
site and ``/public/`` show the same thing. The site is built in a fresh folder and
swapped in, so a case made internal since the last build cannot linger in the output.
A public case with personal data (kb.publishing) is left out and reported; the command
then exits non-zero. Every page carries a Content-Security-Policy meta tag (nothing is
loaded from another site) and shows images as their alt text.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import click
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kb.checks.finding import Finding
from kb.cli import content_option, handles_errors, main
from kb.config import Settings, load_settings
from kb.errors import ContentErrors, KbError
from kb.loader import load_cases
from kb.publishing import personal_data
from kb.taxonomy import Taxonomy, load_taxonomy
from web.templating import configure

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
MARKER = ".kb-site"


@dataclass
class SiteReport:
    out: Path
    cases: int
    pages: int
    withheld: dict[str, list[Finding]]  # public cases left out (personal data): source -> why


def site_csp(search: str | None) -> str:
    """The pages' Content-Security-Policy: only the site's own files (images also inline
    ``data:``), no script, and forms sent only to the configured search."""
    if search is None:
        action = "'none'"
    else:
        parts = urlsplit(search)
        action = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'self'"
    return "; ".join([
        "default-src 'self'", "img-src 'self' data:", "style-src 'self'", "script-src 'none'",
        "object-src 'none'", "base-uri 'none'", f"form-action {action}",
    ])  # fmt: skip


def _order(cases: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        cases,
        key=lambda c: (not c["featured"], -c["year"], c["published"] or "", c["id"]),
    )


def build_site(settings: Settings, out: Path, base_url: str = "") -> SiteReport:
    from web.portal import PortalUrls, body_html, public_view

    taxonomy = load_taxonomy(settings.content_dir)
    result = load_cases(settings.content_dir, taxonomy, max_bytes=settings.max_file_bytes)
    if result.errors:
        raise ContentErrors(result.errors)
    public = [c for c in result.cases if c.visibility == "public"]
    withheld = {c.source: found for c in public if (found := personal_data(c))}
    cases = _order(public_view(c) for c in public if c.source not in withheld)
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise KbError(
            f"{out} は空でなく、kb build-site の出力先でもありません",
            hint="空のフォルダか、以前 kb build-site で作ったフォルダを指定してください",
        )
    romaji = {p.name: p.romaji for p in taxonomy.prefectures.values()}
    search = settings.public_search_url or None
    csp = site_csp(search)
    env = configure(
        Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=False,
        )
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    pages: list[str] = []

    def write(rel: str, template: str, **context: Any) -> None:
        depth = rel.count("/")
        root = "../" * depth
        urls = PortalUrls(root=root, ext=".html", css=f"{root}static/kb.css", search=search,
                          romaji=romaji)  # fmt: skip
        html = env.get_template(template).render(
            urls=urls, theme_label=taxonomy.theme_label, kinds=taxonomy.kinds, csp=csp, **context
        )
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        pages.append(rel)

    try:
        _write_pages(write, cases, taxonomy, romaji, body_html)
        (tmp / "static").mkdir()
        for name in ("kb.css", "favicon.svg", "favicon.ico"):
            shutil.copy(STATIC / name, tmp / "static" / name)
        (tmp / "sitemap.xml").write_text(_sitemap(pages, base_url), encoding="utf-8")
        (tmp / MARKER).write_text("built by kb build-site\n", encoding="utf-8")
        tmp.chmod(0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SiteReport(out, len(cases), len(pages), dict(sorted(withheld.items())))


def _write_pages(
    write: Any, cases: list[dict[str, Any]], taxonomy: Taxonomy, romaji: dict[str, str],
    body_html: Any,
) -> None:  # fmt: skip
    for case in cases:
        write(f"cases/{case['id']}.html", "public/case.html", case=case,
              body_html=body_html(case["body"]), description=case["summary"])  # fmt: skip
    theme_counts = {k: sum(k in c["themes"] for c in cases) for k in taxonomy.themes}
    for key, theme in taxonomy.themes.items():
        if theme_counts[key]:
            listed = [c for c in cases if key in c["themes"]]
            write(f"themes/{key}.html", "public/list.html", heading=theme.label,
                  lead=theme.description, cases=listed, total=len(listed))  # fmt: skip
    pref_counts = {p: sum(c["prefecture"] == p for c in cases) for p in taxonomy.prefectures}
    for name, n in pref_counts.items():
        if n:
            listed = [c for c in cases if c["prefecture"] == name]
            write(f"prefectures/{romaji.get(name, name)}.html", "public/list.html",
                  heading=f"{name}の事例", cases=listed, total=n)  # fmt: skip
    from web.portal import FEATURED, front_page

    featured = [c for c in cases if c["featured"]][:FEATURED]
    success = [c for c in cases if c["kind"] == "case" or c["featured"]]  # as the app's front page
    recent = sorted(success, key=lambda c: (-c["year"], c["id"]))
    write("index.html", "public/index.html",
          **front_page(taxonomy, featured, recent, theme_counts, pref_counts, len(cases)))  # fmt: skip


def _sitemap(pages: list[str], base_url: str) -> str:
    base = base_url.rstrip("/") + "/" if base_url else ""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']  # fmt: skip
    for rel in sorted(pages):
        lines.append(f"  <url><loc>{escape(base + quote(rel))}</loc></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


@main.command("build-site")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="出力先フォルダ（空か、以前の出力先）")  # fmt: skip
@click.option("--base-url", default="", help="公開する URL（sitemap.xml の絶対 URL に使う）")
@content_option
@handles_errors
def build_site_command(out: Path, base_url: str, content: Path | None) -> None:
    """公開事例のポータルを静的 HTML として書き出す。"""
    settings = load_settings(**({"content_dir": content} if content else {}))
    if not base_url:
        click.echo("注意: --base-url がないため sitemap.xml の URL は相対パスです", err=True)
    report = build_site(settings, out, base_url)
    click.echo(
        f"{report.cases} 件の公開事例、{report.pages} ページを {report.out} に書き出しました"
    )
    if report.withheld:
        for findings in report.withheld.values():
            for finding in findings:
                click.echo(f"エラー: {finding}", err=True)
        click.echo(
            f"公開事例 {len(report.withheld)} 件に個人情報の可能性があるため、書き出しませんでした",
            err=True,
        )
        raise SystemExit(1)
