"""kb.cli_text: click's own messages come out in Japanese, whatever the locale says."""

from __future__ import annotations

import ast
import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb import cli_text
from kb.cli import main


def kb(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=input, env={"LANG": "C"}, prog_name="kb")
    return result.exit_code, result.output


def click_msgids() -> set[str]:
    """Every string click passes to gettext/ngettext, read from the installed sources."""
    found: set[str] = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if named and node.func.id in ("_", "ngettext"):  # type: ignore[attr-defined]
                found |= {a.value for a in node.args[:2] if isinstance(a, ast.Constant)}  # type: ignore[attr-defined]
    return found


def test_every_translated_message_is_still_one_of_clicks() -> None:
    ids = click_msgids()
    catalog = {*cli_text.CATALOG, *cli_text.PLURALS, *cli_text._PLURAL_OF}
    assert catalog - ids == set()  # a click upgrade renamed one: translate the new text
    # the ones people meet are all covered
    assert {"Error: {message}", "Aborted!", "Usage:", "No such command {name!r}.",
            "Missing argument", "Invalid value for {param_hint}: {message}",
            "Error: The two entered values do not match.", "Show this message and exit.",
            "Got unexpected extra argument ({args})"} <= catalog  # fmt: skip


def test_translations_keep_the_placeholders() -> None:
    for source, text in [*cli_text.CATALOG.items(), *cli_text.PLURALS.items()]:
        assert sorted(_fields(source)) == sorted(_fields(text)), source


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f] if "{" in text else []


def test_usage_errors_are_japanese() -> None:
    code, out = kb("nosuch")
    assert code == 2
    assert (
        out
        == "使い方: kb [OPTIONS] COMMAND [ARGS]...\n「kb --help」で使い方を表示できます。\n\nエラー: 'nosuch' というコマンドはありません。\n"
    )
    code, out = kb("check", "--format", "xml")
    assert (
        "エラー: '--format' の値が正しくありません: 'xml' は使えません。使える値: 'text', 'github', 'json'"
        in out
    )
    code, out = kb("user", "remove", "a", "b")
    assert "エラー: 余分な引数があります（b）" in out
    code, out = kb("user", "remove")
    assert "エラー: 引数がありません 'NAME'" in out or "エラー: 引数がありません" in out
    code, out = kb("check", "--nope")
    assert "エラー: '--nope' というオプションはありません。" in out
    assert "Error" not in out and "Usage" not in out


def test_help_is_japanese() -> None:
    code, out = kb("--help")
    assert code == 0
    assert out.startswith("使い方: kb ")
    assert "オプション:" in out and "コマンド:" in out and "この説明を表示して終了する" in out
    assert "token" in out  # the API tokens' group is listed


def test_aborted_and_confirmation_messages_are_japanese(tmp_path: Path) -> None:
    env = {"KB_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    result = runner.invoke(main, ["user", "remove", "someone"], input="n\n", env=env)
    assert result.exit_code == 1 and "中断しました。" in result.output
    assert "Aborted" not in result.output
    result = runner.invoke(
        main, ["user", "add", "tanaka"], input="long enough pw\ndifferent pw!!\n", env=env
    )
    assert "エラー: 2 回の入力が一致しません。もう一度入力してください。" in result.output
    assert "do not match" not in result.output


def test_busy_port_is_named_with_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve"], env={"KB_PORT": str(port), "KB_DATA_DIR": str(tmp_path)}
        )
        assert result.exit_code == 1
        assert f"エラー: ポート {port} は使用中です。KB_PORT で変更できます" in result.output
        result = CliRunner().invoke(
            main, ["serve", "--port", str(port)], env={"KB_DATA_DIR": str(tmp_path)}
        )
        assert f"ポート {port} は使用中です。--port で変更できます" in result.output


@pytest.mark.parametrize("args", [["user", "list"], ["token", "list"]])
def test_lists_say_when_empty(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, args, env={"KB_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0 and "ありません" in result.output
