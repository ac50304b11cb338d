"""The `kb` command: a thin group over the core; turns KbError into messages and exit codes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from kb import meili
from kb.config import Settings, load_settings
from kb.errors import ContentError, KbError

F = TypeVar("F", bound=Callable[..., Any])


def _fail(exc: KbError) -> None:
    click.echo(f"エラー: {exc}", err=True)
    raise SystemExit(1)


def handles_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KbError as exc:
            _fail(exc)

    return wrapper  # type: ignore[return-value]


def content_option(func: F) -> F:
    return click.option(
        "--content",
        "content",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="事例フォルダ（既定: ./content または KB_CONTENT_DIR）",
    )(func)


def _settings(content: Path | None) -> Settings:
    return load_settings(**({"content_dir": content} if content else {}))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def main() -> None:
    """kb — 中小企業組合の事例データバンク。"""


# -- check ---------------------------------------------------------------------


def _format_error(err: ContentError, fmt: str) -> str:
    if fmt == "github":
        title = f"kb check: {err.field}" if err.field else "kb check"
        text = err.message + (f"（{err.hint}）" if err.hint else "")
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        loc = f"file={err.path}" + (f",line={err.line}" if err.line else "")
        return f"::error {loc},title={title}::{text}"
    return str(err)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "github", "json"]), default="text")
@content_option
@handles_errors
def check(paths: tuple[Path, ...], fmt: str, content: Path | None) -> None:
    """事例ファイルを検証する（問題があれば終了コード 1）。"""
    from kb.loader import load_cases
    from kb.taxonomy import load_taxonomy

    settings = _settings(content)
    try:
        taxonomy = load_taxonomy(settings.content_dir)
    except ContentError as exc:
        result_errors, cases = [exc], 0
    else:
        result = load_cases(
            settings.content_dir,
            taxonomy,
            max_bytes=settings.max_file_bytes,
            only=list(paths) if paths else None,
        )
        result_errors, cases = result.errors, len(result.cases)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"ok": not result_errors, "cases": cases, "errors": [e.to_dict() for e in result_errors]},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for err in result_errors:
            click.echo(_format_error(err, fmt))
        if result_errors:
            click.echo(f"{len(result_errors)} 件の問題があります（{cases} 件は正常）", err=True)
        else:
            click.echo(f"問題はありません（{cases} 件の事例）", err=True)
    if result_errors:
        raise SystemExit(1)


# -- index -----------------------------------------------------------------------


@main.command()
@click.option("--rebuild", is_flag=True, help="新しい索引を作って差し替える（失敗しても旧索引が残る）")
@content_option
@handles_errors
def index(rebuild: bool, content: Path | None) -> None:
    """content/ を検索索引に反映する（既定は差分のみ）。"""
    from indexer.build import Builder
    from indexer.documents import Analyzer
    from kb.loader import load_cases
    from kb.taxonomy import load_taxonomy

    settings = _settings(content)
    taxonomy = load_taxonomy(settings.content_dir)
    result = load_cases(settings.content_dir, taxonomy, max_bytes=settings.max_file_bytes)
    if result.errors:
        for err in result.errors:
            click.echo(str(err), err=True)
        click.echo(
            f"{len(result.errors)} 件の問題があるため索引を更新しません（`kb check` で確認できます）",
            err=True,
        )
        raise SystemExit(1)
    conn = meili.ensure(settings)
    builder = Builder(settings, conn, Analyzer.create(taxonomy))
    with click.progressbar(
        length=len(result.cases), label="索引作成", file=sys.stderr, show_pos=True
    ) as bar:
        run = builder.rebuild if rebuild else builder.sync
        report = run(result.cases, progress=bar.update)
    click.echo(
        f"追加 {report.added} / 更新 {report.updated} / 削除 {report.removed} / "
        f"変更なし {report.unchanged}（{report.seconds:.1f} 秒"
        + ("、全件再作成" if report.rebuilt else "")
        + "）"
    )


# -- search ----------------------------------------------------------------------


def make_searcher(settings: Settings) -> Any:
    from indexer.documents import Analyzer
    from kb.search import Searcher
    from kb.taxonomy import load_taxonomy

    conn = meili.ensure(settings)
    analyzer = Analyzer.create(load_taxonomy(settings.content_dir))
    return Searcher(meili.client(conn, settings.meili_timeout_s), settings.index_name, analyzer)


@main.command()
@click.argument("query", default="")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", help="絞り込み（繰り返し可）")
@click.option("--limit", type=int, default=10, show_default=True)
@click.option("--offset", type=int, default=0)
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力する")
@content_option
@handles_errors
def search(
    query: str, filters: tuple[str, ...], limit: int, offset: int, sort: str, as_json: bool,
    content: Path | None,
) -> None:
    """事例を検索する。"""
    import re
    from html import unescape

    settings = _settings(content)
    result = make_searcher(settings).search(
        query, list(filters), limit=limit, offset=offset, sort=sort
    )
    if as_json:
        keep = ("query", "total", "hits", "facets")
        out = {k: result[k] for k in keep}
        out["hits"] = [
            {k: h[k] for k in ("id", "title", "kind", "themes", "prefecture", "year", "visibility", "snippet")}
            for h in result["hits"]
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    note = "（すべての語を含む事例がないため、一部の語に一致した事例）" if result["relaxed"] else ""
    click.echo(f"{result['total']} 件{note}")
    for hit in result["hits"]:
        click.echo(f"\n{click.style(hit['title'], bold=True)}  [{hit['id']}]")
        click.echo(f"  {hit['prefecture']} / {hit['year']} 年度 / {', '.join(hit['themes'])}")
        text = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), fg="yellow"), hit["snippet"])
        click.echo("  " + unescape(text))


# -- serve -----------------------------------------------------------------------


@main.command()
@click.option("--host", default=None, help="待ち受けアドレス（既定: KB_HOST または 127.0.0.1）")
@click.option("--port", type=int, default=None, help="ポート（既定: KB_PORT または 8000）")
@click.option("--workers", type=int, default=1, show_default=True, help="ワーカープロセス数")
@content_option
@handles_errors
def serve(host: str | None, port: int | None, workers: int, content: Path | None) -> None:
    """Web アプリと API を起動する。"""
    import uvicorn

    settings = _settings(content)
    meili.ensure(settings)
    if content:
        os.environ["KB_CONTENT_DIR"] = str(content)  # for the worker processes
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


# -- meili -----------------------------------------------------------------------


@main.group("meili")
def meili_group() -> None:
    """kb が管理する Meilisearch を操作する。"""


@meili_group.command("install")
@handles_errors
def meili_install() -> None:
    """固定版の Meilisearch を取得し、ハッシュを検証する。"""
    click.echo(str(meili.install(load_settings())))


@meili_group.command("start")
@handles_errors
def meili_start() -> None:
    """Meilisearch を起動する（起動済みならそのまま）。"""
    conn = meili.start(load_settings())
    click.echo(f"起動しています: {conn.url}")


@meili_group.command("stop")
@handles_errors
def meili_stop() -> None:
    """Meilisearch を停止する。"""
    stopped = meili.stop(load_settings())
    click.echo("停止しました" if stopped else "起動していません")


@meili_group.command("status")
@handles_errors
def meili_status() -> None:
    """Meilisearch の状態を表示する。"""
    info = meili.status(load_settings())
    for key, value in info.items():
        click.echo(f"{key}: {value}")
    if not info.get("running"):
        raise SystemExit(3)


# -- commands that live in their own modules ---------------------------------------
# Each area registers its commands below with one line; keep this section last.
