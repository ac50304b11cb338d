"""`kb user …`: manage instructor accounts (add, list, remove, passwd, ensure-admin)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from kb.cli import handles_errors, main
from kb.config import load_settings
from kb.errors import ConfigError, KbError

if TYPE_CHECKING:
    from kb.accounts import AccountStore


def _accounts() -> ModuleType:
    """kb.accounts, imported on use: argon2 loads slowly and other commands never need it."""
    from kb import accounts

    return accounts


def _store() -> AccountStore:
    return _accounts().AccountStore.for_settings(load_settings())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return _accounts().check_password(line.rstrip("\r\n"))
    if sys.stdin is sys.__stdin__ and not (
        sys.stdin and sys.stdin.isatty()
    ):  # getpass would echo it
        raise _accounts().AccountError(
            "入力できる端末がないため、パスワードを尋ねられません",
            field="password",
            hint="--password-stdin を付けて、標準入力の 1 行で渡してください",
        )
    # click says a mismatch itself, in Japanese (kb.cli_text), and asks again
    value: str = click.prompt(
        "パスワード", hide_input=True, confirmation_prompt="パスワード（確認）"
    )
    return _accounts().check_password(value)


@main.group("user")
def user_group() -> None:
    """指導員アカウントを管理する。"""


@user_group.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="管理者にする")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の 1 行から読む")
@handles_errors
def user_add(name: str, admin: bool, password_stdin: bool) -> None:
    """アカウントを作る（パスワードは 2 回尋ねる）。"""
    store = _store()
    _accounts().check_name(name)
    account = store.add(name, _read_password(password_stdin), admin=admin)
    click.echo(f"ユーザー {account.name} を作成しました" + ("（管理者）" if account.admin else ""))


@user_group.command("list")
@handles_errors
def user_list() -> None:
    """アカウントの一覧を表示する。"""
    accounts = _store().all()
    if not accounts:
        click.echo("アカウントはありません（`kb user add NAME` で作成します）", err=True)
        return
    width = max(len("ユーザー名") * 2, *(len(a.name) for a in accounts))
    click.echo(f"{'ユーザー名':<{width - len('ユーザー名')}}  権限    作成日時（UTC）")
    for account in accounts:
        role = "管理者" if account.admin else "指導員"
        click.echo(f"{account.name:<{width}}  {role}  {account.created}")


@user_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="確認しない")
@handles_errors
def user_remove(name: str, yes: bool) -> None:
    """アカウントを削除する（そのユーザーのセッションもすべて終了する）。"""
    if not yes:
        click.confirm(f"ユーザー {name} を削除しますか?", abort=True)
    ended = _store().remove(name)
    click.echo(f"ユーザー {name} を削除しました" + _ended(ended))


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="パスワードを標準入力の 1 行から読む")
@handles_errors
def user_passwd(name: str, password_stdin: bool) -> None:
    """パスワードを変える（2 回尋ねる）。そのユーザーのセッションはすべて終了する。"""
    store = _store()
    if store.get(name) is None:
        raise _accounts().unknown_account(name)
    ended = store.passwd(name, _read_password(password_stdin))
    click.echo(f"ユーザー {name} のパスワードを変更しました" + _ended(ended))


def _ended(sessions: int) -> str:
    return f"（ログイン中だったセッション {sessions} 件を終了しました）" if sessions else ""


@user_group.command("ensure-admin")
@handles_errors
def user_ensure_admin() -> None:
    """アカウントが 1 つもなければ admin を作り、パスワードを 1 度だけ表示する
    （KB_ADMIN_PASSWORD_FILE があれば、そのファイルのパスワードで作り、表示しない）。"""
    settings = load_settings()
    given = _password_file(settings.admin_password_file)
    password = _accounts().AccountStore.for_settings(settings).ensure_admin(password=given)
    if password is None:
        return
    if given is not None:
        click.echo(
            "指導員アカウント admin を作成しました（パスワードは KB_ADMIN_PASSWORD_FILE のもの）。"
        )
        return
    click.echo("指導員アカウント admin を作成しました。パスワード（この 1 回だけ表示します）:")
    click.echo(f"    {password}")
    click.echo("`kb user passwd admin` で変更できます。")


def _password_file(path: Path | None) -> str | None:
    """The first line of KB_ADMIN_PASSWORD_FILE (a Docker secret, for instance), if set."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"KB_ADMIN_PASSWORD_FILE を読めません: {exc}",
            path=path,
            hint="パスワードを 1 行だけ書いた UTF-8 のファイルを指定してください（Docker の secret など）",
        ) from exc
    lines = text.splitlines()
    try:
        return _accounts().check_password(lines[0] if lines else "")
    except KbError as exc:
        raise ConfigError(
            f"KB_ADMIN_PASSWORD_FILE: {exc.message}", path=path, hint=exc.hint
        ) from exc
