"""`kb meili …`: the managed Meilisearch (install, start, stop, status)."""

from __future__ import annotations

import click

from kb.cli import handles_errors, main
from kb.config import Settings, load_settings
from kb.errors import MeiliSetupError


def _managed() -> Settings:
    """The settings, when kb manages the Meilisearch (not with MEILI_URL set)."""
    settings = load_settings()
    if settings.external:
        raise MeiliSetupError(
            f"MEILI_URL（{settings.meili_url}）の外部 Meilisearch を使う設定なので、"
            "kb は Meilisearch を起動・停止しません",
            hint="外部の Meilisearch はそのサーバー側で起動・停止してください。"
            "kb に管理させるなら MEILI_URL と MEILI_MASTER_KEY を外します",
        )
    return settings


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

    conn = meili_server.start(_managed())
    click.echo(f"起動しています: {conn.url}")


@meili_group.command("stop")
@handles_errors
def meili_stop() -> None:
    """Meilisearch を停止する。"""
    from kb import meili_server

    stopped = meili_server.stop(_managed())
    click.echo("停止しました" if stopped else "起動していません")


@meili_group.command("status")
@handles_errors
def meili_status() -> None:
    """Meilisearch の状態を表示する。"""
    from kb import meili_server

    settings = load_settings()
    info = meili_server.status(settings)
    shown = {
        "状態": "起動中" if info["running"] else "停止中",
        "URL": info["url"] or "—",
        "プロセス ID": info["pid"] or "—",
        "バージョン": info["version"] or "—",
        "管理": "kb が起動・停止" if info["managed"] else "外部（MEILI_URL）",
        "実行ファイル": info["binary"] or "—",
    }
    for label, value in shown.items():
        click.echo(f"{label}: {value}")
    if not info.get("running"):
        if settings.external:
            click.echo(f"Meilisearch（{settings.meili_url}）に接続できません", err=True)
        else:
            click.echo("Meilisearch は起動していません（`kb meili start` で起動します）", err=True)
        raise SystemExit(3)
