"""The `kb` command: a thin group over the core; turns KbError into messages and exit codes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ClassVar, NoReturn, TypeVar

import click

from kb import cli_text
from kb.config import Settings, load_settings
from kb.errors import KbError

cli_text.install()  # before the decorators below: some of click's texts are read by them

F = TypeVar("F", bound=Callable[..., Any])


def _fail(exc: KbError) -> NoReturn:
    click.echo(f"エラー: {exc}", err=True)
    raise SystemExit(1)


def _unexpected(exc: Exception) -> NoReturn:
    """The last line of defence: an error no core code turned into a KbError still reaches
    the user as one Japanese message (the traceback goes to a file for whoever debugs it)."""
    import tempfile
    import traceback

    from meilisearch.errors import MeilisearchError

    if isinstance(exc, MeilisearchError):
        _fail(KbError(
            f"Meilisearch との通信に失敗しました: {exc}",
            hint="`kb meili status` で Meilisearch の状態を確認し、もう一度実行してください。"
                 "索引の更新なら、失敗しても今の索引はそのまま残ります",
        ))  # fmt: skip
    if isinstance(exc, OSError):
        _fail(KbError(
            f"ファイルまたはネットワークのエラー: {exc.strerror or exc}",
            path=exc.filename, hint="パスと権限を確認してください",
        ))  # fmt: skip
    with tempfile.NamedTemporaryFile(
        "w", prefix="kb-error-", suffix=".txt", delete=False, encoding="utf-8"
    ) as f:
        traceback.print_exception(exc, file=f)
    _fail(KbError(
        f"予期しないエラーが発生しました: {type(exc).__name__}: {exc}",
        hint=f"詳細を {f.name} に書き出しました。管理者に連絡する際に添えてください",
    ))  # fmt: skip


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
        metavar="DIR",
        help="事例フォルダ（既定: ./content または KB_CONTENT_DIR）",
    )(func)


def _settings(content: Path | None) -> Settings:
    return load_settings(**({"content_dir": content} if content else {}))


class _Commands(click.Group):
    """The `kb` group; commands living in their own modules are imported only when named
    (or listed by --help): `kb index` and `kb check` start without loading them."""

    # command name -> (module, its command object; None: the module decorates ``main``)
    LAZY: ClassVar[dict[str, tuple[str, str | None]]] = {
        "new": ("kb.new_cli", "new"),
        "bench": ("kb.corpus", "bench_group"),
        "build-site": ("web.site", None),
        "user": ("kb.users_cli", None),
        "token": ("kb.tokens_cli", None),
        "meili": ("kb.meili_cli", None),
        "search": ("kb.search_cli", None),
        "stats": ("kb.stats_cli", None),
        "import": ("kb.import_cli", None),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def invoke(self, ctx: click.Context) -> Any:
        """Every command's errors as Japanese messages and exit codes, never a traceback."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # click's own: usage errors, --help, Ctrl+C
        except KbError as exc:
            _fail(exc)
        except Exception as exc:
            _unexpected(exc)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.LAZY:
            import importlib

            module, attr = self.LAZY[cmd_name]
            loaded = importlib.import_module(module)
            if attr is not None:
                self.add_command(getattr(loaded, attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def main() -> None:
    """kb — 中小企業組合の事例データバンク。"""


# -- check ---------------------------------------------------------------------


def _format_finding(item: Any, fmt: str) -> str:
    if fmt == "github":
        level = "warning" if item.severity == "warning" else "error"
        title = f"kb check: {item.field}" if item.field else "kb check"
        text = item.message + (f"（{item.hint}）" if item.hint else "")
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        loc = f"file={item.path}" + (f",line={item.line}" if item.line else "")
        loc += f",col={item.column}" if item.line and item.column else ""
        return f"::{level} {loc},title={title}::{text}"
    return str(item)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    help="出力形式（github: Actions の注釈、json: ツール向け）",
)
@click.option("--strict", is_flag=True, help="警告もエラーとして扱う（CI 用）")
@click.option(
    "--changed-since",
    "ref",
    metavar="REF",
    help="git の REF 以降に変わったファイルだけを個別に検証する（重複の検出は全件が対象）",
)
@content_option
@handles_errors
def check(
    paths: tuple[Path, ...], fmt: str, strict: bool, ref: str | None, content: Path | None
) -> None:  # fmt: skip
    """事例ファイルを検証する（エラーがあれば終了コード 1）。"""
    from kb.changes import changed_files
    from kb.checks import run_checks

    settings = _settings(content)
    only: list[Path] | None = list(paths) if paths else None
    if ref is not None:
        only = (only or []) + changed_files(ref, settings.content_dir)
    report = run_checks(settings, only=only, strict=strict)
    errors, warnings = report.errors, report.warnings
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "cases": report.cases,
                    "errors": [f.to_dict() for f in errors],
                    "warnings": [f.to_dict() for f in warnings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for item in report.findings:
            click.echo(_format_finding(item, fmt))
        summary = f"エラー {len(errors)} 件、警告 {len(warnings)} 件（正常に読めた事例 {report.cases} 件）"
        click.echo(summary if report.findings else f"問題はありません（{report.cases} 件の事例）",
                   err=True)  # fmt: skip
    if errors:
        raise SystemExit(1)


# -- index -----------------------------------------------------------------------


@main.command()
@click.option(
    "--rebuild", is_flag=True, help="新しい索引を作って差し替える（失敗しても旧索引が残る）"
)
@content_option
@handles_errors
def index(rebuild: bool, content: Path | None) -> None:
    """content/ を検索索引に反映する（既定は差分のみ）。

    問題のある事例ファイルがあっても、ほかの変更は反映します。問題のあるファイルの事例は前回の
    内容のまま残し（visibility: public と読めないものは公開を取り下げ）、ファイル名を挙げて
    終了コード 1 で終わります。
    """
    from indexer.build import open_builder
    from kb.casefiles import case_files, require_cases_dir
    from kb.errors import ContentError
    from kb.loader import load_for_index
    from kb.taxonomy import load_taxonomy

    settings = _settings(content)

    def waiting(holder: str) -> None:
        click.echo(
            f"索引は {holder} が更新中です。終わるまで待ちます"
            f"（最大 {settings.index_lock_wait_s:g} 秒、KB_INDEX_LOCK_WAIT）",
            err=True,
        )

    if rebuild:  # straight from the files, streamed: memory stays flat at any size
        taxonomy = load_taxonomy(settings.content_dir)
        unreadable: list[str] = []
        files = case_files(require_cases_dir(settings.content_dir), unreadable)
        if unreadable:  # the cases in it would be missing from the new index
            raise ContentError(
                "フォルダを読めないため、全件再作成はしません（索引は変更していません）",
                path=unreadable[0],
                hint="フォルダの読み取り権限を確認してください（`kb index` は読めるものだけを反映します）",
            )
        builder = open_builder(settings, taxonomy, on_wait=waiting)
        with click.progressbar(
            length=len(files), label="索引作成（全件）", file=sys.stderr, show_pos=True
        ) as bar:
            report = builder.rebuild_files(files, taxonomy, progress=bar.update)
        _report(report)
        failed = _problems(builder.streamed.errors if builder.streamed else [])
        _withheld(builder)
        if failed:
            raise SystemExit(1)
        return
    # the changed documents go out first; recording what was validated can wait
    taxonomy, result = load_for_index(settings, save_cache=False)
    try:
        builder = open_builder(settings, taxonomy, on_wait=waiting)
        with click.progressbar(
            length=len(result.cases), label="索引作成", file=sys.stderr, show_pos=True
        ) as bar:
            report = builder.sync(
                result.cases, progress=bar.update, broken=result.broken, complete=result.complete
            )
    finally:
        result.save_cache()
    _report(report)
    failed = _problems(result.errors)
    _withheld(builder)
    if failed:
        raise SystemExit(1)


def _problems(errors: list[Any]) -> bool:
    """Name every problem (the valid changes were applied); True if there was any."""
    if not errors:
        return False
    for err in errors:
        click.echo(str(err), err=True)
    click.echo(
        f"{len(errors)} 件の問題があります。問題のあるファイルの事例は前回の内容のまま索引に残し"
        "（visibility: public と読めないものは公開を取り下げ）、ほかの変更は反映しました"
        "（`kb check` で確認できます）",
        err=True,
    )
    return True


def _withheld(builder: Any) -> None:
    """Every public case the index holds back for personal data (kb.publishing): an error."""
    from kb.checks.personal import HINT as PERSONAL_HINT
    from kb.publishing import withheld

    cases = withheld(builder.client.index(builder.name))
    if not cases:
        return
    for lines in cases.values():
        for line in lines:
            click.echo(line, err=True)
    click.echo(
        f"公開事例 {len(cases)} 件に個人情報の可能性があるため、内部限りとして索引しました"
        f"（直すまで公開ポータルと公開 API には出ません。{PERSONAL_HINT}）",
        err=True,
    )
    raise SystemExit(1)


def _report(report: Any) -> None:
    click.echo(
        f"追加 {report.added} / 更新 {report.updated} / 削除 {report.removed} / "
        f"変更なし {report.unchanged}（{report.seconds:.1f} 秒"
        + ("、全件再作成" if report.rebuilt else "")
        + "）"
        + (f"。前回の内容のまま {report.kept} 件" if report.kept else "")
        + (f"（うち公開を取り下げ {report.withdrawn} 件）" if report.withdrawn else "")
    )


# -- serve -----------------------------------------------------------------------


@main.command()
@click.option("--host", default=None, help="待ち受けアドレス（既定: KB_HOST または 127.0.0.1）")
@click.option("--port", type=int, default=None, help="ポート（既定: KB_PORT または 8000）")
@click.option("--workers", type=int, default=1, show_default=True, help="ワーカープロセス数")
@click.option("--watch", is_flag=True, help="事例ファイルの保存を監視して索引を更新する")
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="リクエストごとのログを出す／出さない（既定: KB_ACCESS_LOG または出す）",
)
@content_option
@handles_errors
def serve(
    host: str | None,
    port: int | None,
    workers: int,
    watch: bool,
    access_log: bool | None,
    content: Path | None,
) -> None:
    """Web アプリと API を起動する。"""
    from kb import meili, meili_server
    from web.server import check_port, run

    settings = _settings(content)
    check_port(host or settings.host, port or settings.port, "--port" if port else "KB_PORT")
    conn = meili_server.ensure(settings)
    if not meili.healthy(conn):  # serve anyway: searches answer 503 until it is back
        click.echo(
            f"警告: Meilisearch（{conn.url}）に接続できません。起動はしますが、"
            "接続できるまで検索は「検索サーバーに接続できません」（503）になります",
            err=True,
        )
    if watch:
        from kb.watch import Watcher

        Watcher(settings).start()
        click.echo(f"{settings.content_dir} の変更を監視しています", err=True)
    if content:
        os.environ["KB_CONTENT_DIR"] = str(content)  # for the worker processes
    log = settings.access_log if access_log is None else access_log
    run(host or settings.host, port or settings.port, workers, access_log=log)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--port", type=int, default=8001, show_default=True)
@content_option
@handles_errors
def preview(path: Path, port: int, content: Path | None) -> None:
    """1件の事例ファイルを表示し、保存するたびに再表示する（索引は不要）。"""
    import uvicorn

    from kb.preview import create_preview_app
    from web.server import check_port

    settings = _settings(content)
    check_port("127.0.0.1", port, "--port")
    click.echo(
        f"http://127.0.0.1:{port}/ で {path} をプレビューしています（Ctrl+C で終了）", err=True
    )
    uvicorn.run(
        create_preview_app(settings, path), host="127.0.0.1", port=port, log_level="warning"
    )
