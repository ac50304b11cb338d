"""`kb meili …`: the managed Meilisearch (install, start, stop, status)."""

from __future__ import annotations

import click

from kb.cli import handles_errors, main
from kb.config import load_settings


@main.group("meili")
def meili_group() -> None:
    """kb が管理する Meilisearch を操作する。"""


@meili_group.command("install")
@handles_errors
def meili_install() -> None:
    """固定版の Meilisearch を取得し、ハッシュを検証する。"""
    from kb import meili

    click.echo(str(meili.install(load_settings())))


@meili_group.command("start")
@handles_errors
def meili_start() -> None:
    """Meilisearch を起動する（起動済みならそのまま）。"""
    from kb import meili_server

    conn = meili_server.start(load_settings())
    click.echo(f"起動しています: {conn.url}")


@meili_group.command("stop")
@handles_errors
def meili_stop() -> None:
    """Meilisearch を停止する。"""
    from kb import meili_server

    stopped = meili_server.stop(load_settings())
    click.echo("停止しました" if stopped else "起動していません")


@meili_group.command("status")
@handles_errors
def meili_status() -> None:
    """Meilisearch の状態を表示する。"""
    from kb import meili_server

    info = meili_server.status(load_settings())
    for key, value in info.items():
        click.echo(f"{key}: {value}")
    if not info.get("running"):
        raise SystemExit(3)
