"""`kb token …`: API tokens for scripts (create, list, revoke); see kb.tokens."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from kb.cli import handles_errors, main
from kb.config import load_settings

if TYPE_CHECKING:
    from kb.tokens import TokenStore


def _tokens() -> TokenStore:
    """kb.tokens over the accounts file, imported on use (argon2 loads slowly)."""
    from kb.accounts import AccountStore
    from kb.tokens import TokenStore

    store = AccountStore.for_settings(load_settings())
    return TokenStore(lambda: store)


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t is not None else "無期限"


@main.group("token")
def token_group() -> None:
    """スクリプトから API を使うためのトークンを管理する。"""


@token_group.command("create")
@click.argument("name")
@click.option("--expires", "days", type=int, default=None, metavar="DAYS",
              help="有効期限（日数）。省略すると取り消すまで有効")  # fmt: skip
@handles_errors
def token_create(name: str, days: int | None) -> None:
    """トークンを作り、1 度だけ表示する（標準出力にはトークンだけを出す）。"""
    token, secret = _tokens().create(name, days)
    until = f"{_when(token.expires)} まで有効" if token.expires else "取り消すまで有効"
    click.echo(f"API トークン {name} を作成しました（{until}）。", err=True)
    click.echo("このトークンは今回しか表示しません。安全な場所に保存してください:", err=True)
    click.echo(secret)
    click.echo(f'使い方: curl -H "Authorization: Bearer {secret[:8]}…" '
               "http://127.0.0.1:8000/api/search?q=事業承継", err=True)  # fmt: skip


@token_group.command("list")
@handles_errors
def token_list() -> None:
    """トークンの一覧（名前・作成日時・有効期限・状態）を表示する。"""
    tokens = _tokens().all()
    if not tokens:
        click.echo("トークンはありません（`kb token create NAME` で作成します）", err=True)
        return
    width = max(8, *(len(t.name) for t in tokens))
    click.echo(f"{'名前':<{width - 2}}  作成日時          有効期限          状態")
    for t in tokens:
        state = "期限切れ" if t.expired else "有効"
        click.echo(f"{t.name:<{width}}  {_when(t.created)}  {_when(t.expires):<16}  {state}")


@token_group.command("revoke")
@click.argument("name")
@handles_errors
def token_revoke(name: str) -> None:
    """トークンを取り消す（以後そのトークンの API 呼び出しは 401 になる）。"""
    _tokens().revoke(name)
    click.echo(f"トークン {name} を取り消しました")
