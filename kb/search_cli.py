"""`kb search`: search the index from the terminal (`--json` for scripts)."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import click

from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.cli import content_option, handles_errors, main
from kb.config import Settings, load_settings
from kb.results import notes
from kb.search import Searcher
from kb.taxonomy import load_taxonomy


def make_searcher(settings: Settings) -> Searcher:
    conn = meili_server.ensure(settings)
    analyzer = Analyzer.create(load_taxonomy(settings.content_dir))
    return Searcher(meili.client(conn, settings.meili_timeout_s), settings.index_name, analyzer)


@main.command(context_settings={"ignore_unknown_options": True})  # -建設 is a word
@click.argument("words", nargs=-1)
@click.option(
    "--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="絞り込み（繰り返し可）"
)
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力する")
@content_option
@handles_errors
def search(
    words: tuple[str, ...],
    filters: tuple[str, ...],
    limit: int,
    offset: int,
    sort: str,
    as_json: bool,
    content: Path | None,
) -> None:
    """事例を検索する（語は AND、語の間の OR はいずれか、-語 は除外、"…" は完全一致）。"""
    query = " ".join(words)
    settings = load_settings(**({"content_dir": content} if content else {}))
    result = make_searcher(settings).search(
        query, list(filters), limit=limit, offset=offset, sort=sort
    )
    if as_json:
        keep = (
            "query",
            "total",
            "full_total",
            "hits",
            "facets",
            "relaxed",
            "missing",
            "places",
            "offers",
            "excluded",
            "corrected",
            "suggestions",
        )
        out = {k: result[k] for k in keep}
        out["hits"] = [
            {
                k: h[k]
                for k in (
                    "id",
                    "title",
                    "kind",
                    "themes",
                    "theme_labels",
                    "prefecture",
                    "year",
                    "visibility",
                    "snippet",
                    "matched_all",
                    "missing_words",
                )
            }
            for h in result["hits"]
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{result['total']} 件")
    for note in notes(result):
        click.echo(note)
    for hit in result["hits"]:
        click.echo(f"\n{click.style(hit['title'], bold=True)}  [{hit['id']}]")
        if hit["missing_words"]:
            click.echo(
                "  （一部の語に一致: 「" + "」「".join(hit["missing_words"]) + "」を含みません）"
            )
        labels = "、".join(hit["theme_labels"])
        click.echo(f"  {hit['prefecture']} / {hit['year']} 年度 / {labels}")
        text = re.sub(
            r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), fg="yellow"), hit["snippet"]
        )
        click.echo("  " + unescape(text))
