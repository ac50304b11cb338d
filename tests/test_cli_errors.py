"""No traceback reaches a user from any `kb` command (issue 15): every command, listed from
the click group itself, runs against an unreachable Meilisearch; those that need it answer a
Japanese message and a non-zero exit code, the others just do their work."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from kb.cli import main
from tests.conftest import ROOT, TEST_PASSWORD, ContentTree

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NEEDS_MEILI = "needs"  # must fail: a Japanese message and a non-zero exit code
WORKS = "works"  # needs no Meilisearch: must do its work (exit code 0)
DECLINES = "declines"  # refuses as it should (a Japanese message, non-zero exit code)

NEW = "--title 新しい事例 --summary 要約です。 --kind case --themes dx --prefecture 愛知県"
NEW += " --year 2024 --visibility internal"

# command path -> (arguments after it, expectation, stdin). A new command fails
# test_every_command_is_covered until it is added here.
COMMANDS: dict[str, tuple[list[str], str, str | None]] = {
    "check": ([], WORKS, None),
    "index": ([], NEEDS_MEILI, None),
    "index --rebuild": (["--rebuild"], NEEDS_MEILI, None),
    "search": (["組合"], NEEDS_MEILI, None),
    "search --json": (["組合", "--json"], NEEDS_MEILI, None),
    "serve": ([], WORKS, None),  # starts (web.server.run stubbed) and warns: 503s until back
    "preview": (["{case}"], WORKS, None),  # uvicorn.run stubbed
    "new": (NEW.split(), WORKS, None),
    "import": (["{case}", "--dry-run"], WORKS, None),  # reads and converts: no Meilisearch
    "build-site": (["--out", "{tmp}/site"], WORKS, None),
    "bench corpus": (["--count", "3", "--out", "{tmp}/corpus"], WORKS, None),
    "meili install": ([], WORKS, None),
    "meili start": ([], DECLINES, None),  # an external Meilisearch is not kb's to start
    "meili stop": ([], DECLINES, None),
    "meili status": ([], DECLINES, None),
    "stats": ([], NEEDS_MEILI, None),
    "stats --from-files": (["--from-files"], WORKS, None),
    "user add": (["yamada", "--password-stdin"], WORKS, TEST_PASSWORD + "\n"),
    "user list": ([], WORKS, None),
    "user passwd": (["nobody", "--password-stdin"], DECLINES, TEST_PASSWORD + "\n"),
    "user remove": (["nobody", "--yes"], DECLINES, None),
    "user ensure-admin": ([], WORKS, None),
    "token create": (["ci-bot", "--expires", "30"], WORKS, None),
    "token list": ([], WORKS, None),
    "token revoke": (["nobody"], DECLINES, None),
}


def leaf_commands(group: click.Group, prefix: str = "") -> Iterator[str]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from leaf_commands(command, f"{prefix}{name} ")
        else:
            yield prefix + name


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once it is closed


@pytest.fixture
def dead(tmp_path: Path) -> dict[str, str]:
    tree = ContentTree(tmp_path / "content")
    for id, topic, visibility in [("aichi-2023-one", "共同受注", "public"),
                                  ("tokyo-2024-two", "事業承継", "internal")]:  # fmt: skip
        body = (f"## 背景\n{topic}の課題があった。\n\n## 取組\n{topic}の勉強会を開いた。\n\n"
                f"## 成果\n{topic}が進んだ。\n\n## 今後の課題\n{topic}を続ける。")  # fmt: skip
        tree.add(id, body, title=f"{topic}の事例", visibility=visibility)
    return {
        "KB_DATA_DIR": str(tmp_path / "data"),
        "KB_CONTENT_DIR": str(tree.root),
        "KB_TOOLS_DIR": str(ROOT / ".tools"),
        "MEILI_URL": f"http://127.0.0.1:{closed_port()}",
        "MEILI_MASTER_KEY": "a-master-key-of-enough-length",
        "KB_MEILI_TIMEOUT_S": "3",
    }


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env, input=stdin)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output, result.output
    # CliRunner keeps an escaped exception instead of printing it: there must be none
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        result.output,
    )


def test_every_command_is_covered() -> None:
    listed = set(leaf_commands(main))
    covered = {name.split(" --")[0] for name in COMMANDS}
    assert listed == covered, f"add these to COMMANDS: {sorted(listed - covered)}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_against_an_unreachable_meilisearch(
    name: str, dead: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    # the two long-running servers are not started; everything before them runs for real
    monkeypatch.setattr("web.server.run", lambda *a, **kw: started.append(a))
    monkeypatch.setattr("uvicorn.run", lambda *a, **kw: started.append(a))
    extra, expectation, stdin = COMMANDS[name]
    case = Path(dead["KB_CONTENT_DIR"]) / "cases" / "aichi-2023-one.md"
    args = [a.format(tmp=tmp_path, case=case) for a in extra]
    result = run(name.split(" --")[0].split() + args, dead, stdin)
    assert_no_traceback(result)
    if expectation == WORKS:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code != 0, result.output
        assert JAPANESE.search(result.output), result.output
    if name == "serve":
        assert started and "Meilisearch" in result.output and "503" in result.output
    if expectation == NEEDS_MEILI:
        assert "Meilisearch" in result.output or "検索サーバー" in result.output


def test_an_unexpected_error_is_one_japanese_line_with_the_details_in_a_file(
    dead: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("kb.checks.run_checks", broken)
    result = run(["check"], dead)
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert "予期しないエラーが発生しました: ZeroDivisionError: a bug" in result.output
    saved = re.search(r"詳細を (\S+) に書き出しました", result.output)
    assert saved, result.output
    details = Path(saved.group(1))
    assert "Traceback" in details.read_text(encoding="utf-8")
    details.unlink()


def test_meilisearch_dying_in_the_middle_of_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb index --rebuild` while the (managed) Meilisearch dies: a Japanese message and exit
    code 1, no traceback, and the live index as it was once the server is back."""
    from kb import meili, meili_server
    from kb.config import load_settings

    tree = ContentTree(tmp_path / "content")
    for i in range(30):
        body = f"## 背景\n課題{i}。\n\n## 取組\n取組{i}。\n\n## 成果\n成果{i}。\n\n## 今後の課題\n次{i}。"
        tree.add(f"aichi-2023-case-{i}", body, title=f"事例その{i}")
    env = {"KB_DATA_DIR": str(tmp_path / "data"), "KB_CONTENT_DIR": str(tree.root),
           "KB_TOOLS_DIR": str(ROOT / ".tools"), "KB_MEILI_TIMEOUT_S": "10"}  # fmt: skip
    settings = load_settings(data_dir=tmp_path / "data", content_dir=tree.root,
                             tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None)  # fmt: skip
    monkeypatch.delenv("MEILI_URL", raising=False)
    meili_server.start(settings)
    try:
        first = run(["index"], env)
        assert first.exit_code == 0, first.output
        waited = [0]
        original = meili.wait_task

        def dies_after_two_tasks(*args: Any, **kwargs: Any) -> Any:
            task = original(*args, **kwargs)
            waited[0] += 1
            if waited[0] == 2:  # the build index exists and has its settings: kill the server
                meili_server.stop(settings)
            return task

        monkeypatch.setattr(meili, "wait_task", dies_after_two_tasks)
        result = run(["index", "--rebuild"], env)
        assert_no_traceback(result)
        assert result.exit_code == 1, result.output
        assert "Meilisearch" in result.output and JAPANESE.search(result.output)
        monkeypatch.setattr(meili, "wait_task", original)
        conn = meili_server.start(settings)
        live = meili.client(conn).index(settings.index_name)
        assert live.get_stats().number_of_documents == 30
        assert live.get_settings()["filterableAttributes"]  # still the index kb built
    finally:
        meili_server.stop(settings)
