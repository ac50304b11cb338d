"""`kb new`: asks for each missing or wrong field until it is right (kb.fields' rules, the
same as the 新規事例 form's), then writes the file kb.scaffold builds."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from kb.checks.structure import PLACEHOLDER
from kb.errors import KbError
from kb.fields import BY_NAME, FIELDS, Field, FieldError, choices, parse, read
from kb.scaffold import review
from kb.taxonomy import Taxonomy

# what the option's help says where the form's words (選びます …) do not fit a command line
_CLI_HELP = {
    "kind": "事例・質疑応答・指導資料（case / qa / material でも可）",
    "themes": "テーマのラベルかキーを読点・カンマ区切りで（例: 事業承継,dx）",
    "visibility": "公開 か 内部（public / internal でも可）",
    "organization_type": "例: 事業協同組合（任意）",
    "industry": "例: 製造業（任意）",
    "programs": "支援施策の名前を読点・カンマ区切りで（任意）",
}


def _prompt_text(f: Field, taxonomy: Taxonomy) -> str:
    if f.name in ("kind", "visibility"):
        return f"{f.label}（{' / '.join(label for _, label in choices(f, taxonomy))}）"
    if f.name == "themes":
        labels = "、".join(label for _, label in choices(f, taxonomy))
        return f"{f.label}（{labels} から選び、読点で区切る）"
    return f"{f.label}（{f.help}）"


_DEFAULTS = {"kind": "事例", "visibility": "内部"}


def _ask(f: Field, taxonomy: Taxonomy) -> Any:
    """Ask for ``f`` until the answer is right (every mistake said, then asked again)."""
    default = str(date.today().year) if f.name == "year" else _DEFAULTS.get(f.name)
    while True:
        try:
            raw = click.prompt(_prompt_text(f, taxonomy), default=default,
                               show_default=default is not None)  # fmt: skip
        except click.Abort:
            if sys.stdin is not None and sys.stdin.isatty():
                raise
            raise KbError(
                f"入力できる端末がないため、{f.label}を尋ねられません",
                field=f.name,
                hint=f"{f.flag} で指定してください（必須: "
                + " ".join(x.flag for x in FIELDS if x.required)
                + "）",
            ) from None
        try:
            return parse(f, raw, taxonomy)
        except FieldError as exc:
            click.echo(f"  {exc.message}", err=True)


def _field_options(func: Any) -> Any:
    for f in reversed(FIELDS):
        func = click.option(f.flag, f.name, default=None, metavar="TEXT",
                            help=f"{f.label}: {_CLI_HELP.get(f.name, f.help)}")(func)  # fmt: skip
    return func


@click.command("new")
@_field_options
@click.option("--stdout", "to_stdout", is_flag=True, help="ファイルを書かずに内容を表示する")
@click.option(
    "--content", type=click.Path(path_type=Path, file_okay=False), default=None, metavar="DIR",
    help="事例フォルダ（既定: ./content または KB_CONTENT_DIR）",
)  # fmt: skip
def new(to_stdout: bool, content: Path | None, **given: str | None) -> None:
    """新しい事例ファイルをひな形から作る（足りない項目は対話で尋ねる）。

    種別・公開範囲は日本語（事例・質疑応答・指導資料、公開・内部）でも、年度は和暦
    （令和6、R6、平成30）でも書けます。間違った項目はその場で尋ね直します。
    """
    from kb.config import load_settings
    from kb.taxonomy import load_taxonomy

    try:
        settings = load_settings(**({"content_dir": content} if content else {}))
        taxonomy = load_taxonomy(settings.content_dir)
        interactive = sys.stdin is not None and sys.stdin.isatty()
        data: dict[str, Any] = {}
        wrong = []
        for f in FIELDS:
            if given.get(f.name) is None:
                continue
            try:
                data[f.name] = parse(f, given[f.name], taxonomy)
            except FieldError as exc:
                click.echo(f"{f.flag}: {exc.message}", err=True)
                wrong.append(f)
        if wrong and not interactive:
            raise KbError(f"{len(wrong)} 個の項目が正しくないため作成しませんでした",
                          hint="上の説明に沿って直してください")  # fmt: skip
        for f in FIELDS:
            if f.name not in data and (f.required or f in wrong):
                data[f.name] = _ask(f, taxonomy)
        entry = read(data, taxonomy)
        result = review(entry, taxonomy, settings)
        if not result.ok:
            for name, message in result.errors.items():
                label = BY_NAME[name].label if name in BY_NAME else "本文"
                click.echo(f"{label}: {message}", err=True)
            raise KbError(f"{len(result.errors)} 件の問題があるため作成しませんでした")
        scaffold = result.scaffold
        if to_stdout:
            click.echo(scaffold.text, nl=False)
            return
        path = settings.cases_dir / scaffold.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(scaffold.text)
    except FileExistsError as exc:  # pragma: no cover - the id is chosen to be unused
        click.echo(f"エラー: すでにあります: {exc.filename}", err=True)
        raise SystemExit(1) from exc
    except KbError as exc:
        click.echo(f"エラー: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"作成しました: {path}")
    click.echo(f"各見出しの「{PLACEHOLDER}」を本文に書き換え、`kb check {path}` で確認してください")
