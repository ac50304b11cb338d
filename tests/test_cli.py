"""The `kb` command through click's CliRunner, against the session's Meilisearch."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb import meili, meili_server
from kb.cache import LoadCache
from kb.cli import main
from kb.config import ENV_NAMES, load_settings
from kb.errors import IndexingError
from kb.taxonomy import load_taxonomy
from tests.conftest import ROOT, ContentTree, case_text

# a body `kb check` accepts for kind "case" (its structure checks want these sections)
BODY = "## 背景\n背景。\n\n## 取組\n取組。\n\n## 成果\n成果。\n\n## 今後の課題\n課題。"
HIT_KEYS = {"id", "title", "kind", "themes", "theme_labels", "prefecture", "year", "visibility",
            "snippet"}  # fmt: skip


def cli_env(meili_data: Path, content: Path, index: str) -> dict[str, str | None]:
    env: dict[str, str | None] = {name: None for name in ENV_NAMES.values()}
    env.update(
        KB_DATA_DIR=str(meili_data),
        KB_INDEX=index,
        KB_CONTENT_DIR=str(content),
        KB_TOOLS_DIR=str(ROOT / ".tools"),
        KB_MEILI_TIMEOUT="60",
    )
    return env


def run(env: dict[str, str | None], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def drop(env: dict[str, str | None]) -> None:
    settings = load_settings(
        data_dir=env["KB_DATA_DIR"],
        tools_dir=env["KB_TOOLS_DIR"],
        meili_url=None,
        meili_master_key=None,
    )
    client = meili.client(meili_server.ensure(settings), 30)
    with contextlib.suppress(IndexingError):  # tests that never indexed have nothing to drop
        meili.wait_task(client, client.delete_index(str(env["KB_INDEX"])).task_uid, 30)


@pytest.fixture
def env(meili_data: Path, content: ContentTree) -> Iterator[dict[str, str | None]]:
    e = cli_env(meili_data, content.root, f"cli{uuid.uuid4().hex[:10]}")
    yield e
    drop(e)


@pytest.fixture(scope="module")
def search_env(
    meili_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str | None]]:
    """One small index for every read-only search test of this module."""
    tree = ContentTree(tmp_path_factory.mktemp("cli") / "content")
    tree.add("kyoto-dx", "## 背景\n京都府の組合でＤＸを進めた。", prefecture="京都府", year=2022)
    tree.add("aichi-bcp", "## 背景\n事業継続計画を策定した。", themes="bcp", year=2023)
    tree.add(
        "tokyo-inner",
        "## 背景\n東京都でＤＸの内部資料。",
        prefecture="東京都",
        visibility="internal",
    )
    e = cli_env(meili_data, tree.root, f"clis{uuid.uuid4().hex[:10]}")
    result = run(e, "index")
    assert result.exit_code == 0, result.output
    yield e
    drop(e)


# -- check -------------------------------------------------------------------------


def test_check_ok(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("fine", BODY)
    result = run(env, "check")
    assert result.exit_code == 0 and result.stdout == "", result.output
    assert "問題はありません（1 件の事例）" in result.stderr


def test_check_text_format(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("fine", BODY)
    content.add("typo", BODY, extra="titel: x\n")
    result = run(env, "check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/cases/typo.md:10: titel: 未知の項目です。もしかして「title」? "
        "(使える項目は README の「事例ファイルの書き方」を参照してください)"
    ]


def test_check_github_format(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("kyoto", BODY, prefecture="京都")
    result = run(env, "check", "--format", "github")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        "::error file=content/cases/kyoto.md,line=7,title=kb check: prefecture::"
    )
    assert "もしかして「京都府」" in line


def test_check_json_format(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("fine", BODY)
    content.add("bad", BODY, year=1800)
    result = run(env, "check", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["cases"] == 1
    (err,) = data["errors"]
    assert set(err) >= {"message", "path", "line", "field", "hint"}
    assert (err["path"], err["line"], err["field"]) == ("content/cases/bad.md", 8, "year")


def test_check_collects_every_problem_of_a_tree(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("good", BODY)
    content.add("b1", BODY, extra="titel: x\n")
    content.add("b2", year="二〇二三")  # type: ignore[arg-type]
    content.write("cases/b3.md", case_text("b3").encode("shift_jis"))
    content.write("cases/b4.md", b"\x00\x01binary")
    content.add("b5", body="")
    result = run(env, "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) >= 5
    assert {line.split(":")[0] for line in lines} == {f"content/cases/b{i}.md" for i in range(1, 6)}


def test_check_one_path(env: dict[str, str | None], content: ContentTree) -> None:
    good = content.add("good", BODY)
    bad = content.add("bad", BODY, year=1800)
    assert run(env, "check", str(good)).exit_code == 0
    result = run(env, "check", str(bad))
    assert result.exit_code == 1 and "content/cases/bad.md:8: year:" in result.stdout


def test_check_content_option_wins_over_env(
    env: dict[str, str | None], content: ContentTree, tmp_path: Path
) -> None:
    content.add("bad", BODY, year=1800)
    other = ContentTree(tmp_path / "other")
    other.add("good", BODY)
    assert run(env, "check").exit_code == 1
    assert run(env, "check", "--content", str(other.root)).exit_code == 0


def test_check_broken_taxonomy(env: dict[str, str | None], content: ContentTree) -> None:
    content.write("taxonomy.yml", "themes: [\n")
    result = run(env, "check")
    assert result.exit_code == 1 and "taxonomy.yml" in result.stdout


def test_invalid_setting_is_reported_with_its_key(env: dict[str, str | None]) -> None:
    result = run({**env, "KB_MAX_FILE_BYTES": "lots"}, "check")
    assert result.exit_code == 1 and "KB_MAX_FILE_BYTES" in result.stderr


# -- index -------------------------------------------------------------------------


def test_index_twice_then_rebuild(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("a")
    content.add("b")
    first = run(env, "index")
    assert first.exit_code == 0 and "追加 2 / 更新 0 / 削除 0 / 変更なし 0" in first.stdout
    second = run(env, "index")
    assert second.exit_code == 0 and "追加 0 / 更新 0 / 削除 0 / 変更なし 2" in second.stdout
    rebuilt = run(env, "index", "--rebuild")
    assert rebuilt.exit_code == 0 and "追加 2" in rebuilt.stdout and "全件再作成" in rebuilt.stdout


def test_index_refuses_invalid_content(env: dict[str, str | None], content: ContentTree) -> None:
    content.add("bad", year=1800)
    result = run(env, "index")
    assert result.exit_code == 1
    assert (
        "content/cases/bad.md:8: year:" in result.stderr and "索引を更新しません" in result.stderr
    )


def test_index_sends_an_edit_and_caches_what_was_valid(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("a", "## 背景\n共同倉庫を運営した。")
    bad = content.add("bad", year=1800)
    assert run(env, "index").exit_code == 1  # refused, but the valid file is cached
    taxonomy = load_taxonomy(content.root)
    cache = LoadCache(Path(str(env["KB_DATA_DIR"])), content.root, taxonomy.digest)
    assert list(cache.entries) == [str(content.root / "cases" / "a.md")]
    bad.unlink()
    assert "追加 1 / 更新 0" in run(env, "index").stdout
    content.add("a", "## 背景\n冷凍車を共同購入した。")
    edited = run(env, "index")
    assert edited.exit_code == 0 and "追加 0 / 更新 1 / 削除 0 / 変更なし 0" in edited.stdout
    found = json.loads(run(env, "search", "冷凍車", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["a"]


# -- search ------------------------------------------------------------------------


def test_search_json_shape(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "search", "ＤＸ", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "hits", "facets"}
    assert data["query"] == "ＤＸ" and data["total"] == 2
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
    hit = next(h for h in data["hits"] if h["id"] == "kyoto-dx")
    assert hit["prefecture"] == "京都府" and hit["year"] == 2022 and hit["themes"] == ["dx"]
    assert hit["theme_labels"] == ["DX・デジタル化"]  # beside the keys, which stay
    assert "<mark>ＤＸ</mark>" in hit["snippet"]
    assert data["facets"]["prefecture"] == {"京都府": 1, "東京都": 1}


def test_search_filters(search_env: dict[str, str | None]) -> None:
    result = run(
        search_env,
        "search",
        "",
        "--filter",
        "prefecture=京都府",
        "--filter",
        "prefecture=愛知県",
        "--json",
    )
    assert {h["id"] for h in json.loads(result.stdout)["hits"]} == {"kyoto-dx", "aichi-bcp"}
    result = run(search_env, "search", "ＤＸ", "--filter", "visibility=public", "--json")
    assert [h["id"] for h in json.loads(result.stdout)["hits"]] == ["kyoto-dx"]


def test_search_unknown_filter_value_lists_valid_ones(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "search", "組合", "--filter", "prefecture=京都")
    assert result.exit_code == 1 and result.stdout == ""
    assert "prefecture に '京都' という値はありません。もしかして「京都府」" in result.stderr
    assert "使える値: 北海道" in result.stderr


def test_search_text_output(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "search", "BCP")
    assert result.exit_code == 0
    assert result.stdout.startswith("1 件") and "[aichi-bcp]" in result.stdout
    assert "<mark>" not in result.stdout
    assert "愛知県 / 2023 年度 / BCP・防災\n" in result.stdout  # the theme's label, not its key


# -- meili -------------------------------------------------------------------------


def test_meili_status(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "meili", "status")
    assert result.exit_code == 0
    assert "状態: 起動中" in result.stdout and "バージョン: 1.21.0" in result.stdout
    assert "管理: kb が起動・停止" in result.stdout


def test_meili_status_when_not_running(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", tmp_path / "content", "x")
    result = run(env, "meili", "status")
    assert result.exit_code == 3 and "状態: 停止中" in result.stdout


def test_search_before_any_index_says_to_run_kb_index(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("a", BODY)
    result = run(env, "search", "組合")
    assert result.exit_code == 1
    assert "索引がまだありません" in result.stderr and "kb index" in result.stderr
