"""The `kb` command through click's CliRunner, against the session's Meilisearch."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
HIT_KEYS = {
    *(
        "id",
        "title",
        "kind",
        "themes",
        "theme_labels",
        "prefecture",
        "year",
        "visibility",
        "snippet",
    ),
    *("matched_all", "missing_words"),
}
SEARCH_KEYS = {
    *("query", "total", "full_total", "hits", "facets", "relaxed", "missing", "places"),
    *("offers", "excluded", "corrected", "suggestions"),
}


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


def test_index_names_invalid_content_and_exits_1(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("bad", year=1800)
    result = run(env, "index")
    assert result.exit_code == 1
    assert "content/cases/bad.md:8: year:" in result.stderr and "前回の内容のまま" in result.stderr


def test_index_sends_an_edit_and_caches_what_was_valid(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("a", "## 背景\n共同倉庫を運営した。")
    bad = content.add("bad", year=1800)
    first = run(env, "index")
    assert first.exit_code == 1 and "追加 1 / 更新 0" in first.stdout  # the valid file went in
    taxonomy = load_taxonomy(content.root)
    cache = LoadCache(Path(str(env["KB_DATA_DIR"])), content.root, taxonomy.digest)
    assert list(cache.entries) == [str(content.root / "cases" / "a.md")]
    bad.unlink()
    assert "追加 0 / 更新 0 / 削除 0 / 変更なし 1" in run(env, "index").stdout
    content.add("a", "## 背景\n冷凍車を共同購入した。")
    edited = run(env, "index")
    assert edited.exit_code == 0 and "追加 0 / 更新 1 / 削除 0 / 変更なし 0" in edited.stdout
    found = json.loads(run(env, "search", "冷凍車", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["a"]


def public_ids(env: dict[str, str | None]) -> list[str]:
    from indexer.documents import Analyzer
    from kb.search import Searcher

    settings = load_settings(
        data_dir=env["KB_DATA_DIR"], tools_dir=env["KB_TOOLS_DIR"], meili_url=None,
        meili_master_key=None, index_name=env["KB_INDEX"], content_dir=env["KB_CONTENT_DIR"],
    )  # fmt: skip
    client = meili.client(meili_server.ensure(settings), 30)
    searcher = Searcher(
        client,
        settings.index_name,
        Analyzer.create(load_taxonomy(content_dir=settings.content_dir)),
    )
    return sorted(h["id"] for h in searcher.search("", [], public_only=True, limit=50)["hits"])


@pytest.mark.parametrize("rebuild", [False, True])
def test_a_withdrawal_beside_a_broken_file_takes_effect(
    env: dict[str, str | None], content: ContentTree, rebuild: bool
) -> None:
    """Issue 15: a withdrawal (public -> internal) did not take effect while another case
    file was invalid; now the valid change goes in and the broken file is named."""
    content.add("a")
    content.add("b")
    content.add("c")
    assert run(env, "index").exit_code == 0 and public_ids(env) == ["a", "b", "c"]
    content.add("a", visibility="internal")  # a valid withdrawal
    content.add("b", year=1800)  # broken, still public: its last good version stays
    (content.root / "cases" / "c.md").write_text("---\nid: c\ntitle: [\n---\n")  # unparseable
    result = run(env, "index", *(["--rebuild"] if rebuild else []))
    assert result.exit_code == 1
    assert "content/cases/b.md" in result.stderr and "content/cases/c.md" in result.stderr
    assert "前回の内容のまま 2 件（うち公開を取り下げ 1 件）" in result.stdout
    assert public_ids(env) == ["b"]  # a withdrawn; c unparseable: treated as internal
    found = json.loads(run(env, "search", "", "--json").stdout)
    assert sorted(h["id"] for h in found["hits"]) == ["a", "b", "c"]  # nothing deleted


def test_index_refuses_a_missing_cases_folder(
    env: dict[str, str | None], content: ContentTree
) -> None:
    content.add("a")
    assert run(env, "index").exit_code == 0
    (content.root / "cases").rename(content.root / "moved")
    for args in (["index"], ["index", "--rebuild"]):
        result = run(env, *args)
        assert result.exit_code == 1 and "事例フォルダがありません" in result.stderr
        assert "content/cases" in result.stderr
    checked = run(env, "check")
    assert checked.exit_code == 1 and "content/cases: 事例フォルダがありません" in checked.stdout
    (content.root / "moved").rename(content.root / "cases")
    found = json.loads(run(env, "search", "", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["a"]  # the index was never emptied


def test_links_and_unreadable_files_are_findings_not_tracebacks(
    env: dict[str, str | None], content: ContentTree, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    content.add("a")
    outside = tmp_path / "secret.md"
    outside.write_text(case_text("outside"), encoding="utf-8")
    cases = content.root / "cases"
    (cases / "x").mkdir()
    (cases / "x" / "link.md").symlink_to(cases / "gone.md")  # dangling
    (cases / "outside.md").symlink_to(outside)  # out of the content folder
    locked = content.add("locked")
    real = Path.read_bytes

    def refuse(self: Path) -> bytes:  # tests run as root: chmod 000 would not stop a read
        if self.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    checked = run(env, "check")
    assert checked.exit_code == 1
    assert "content/cases/x/link.md" in checked.stdout and "リンク先がない" in checked.stdout
    assert "content/cases/outside.md" in checked.stdout and "外を指す" in checked.stdout
    assert "content/cases/locked.md" in checked.stdout and "読めません" in checked.stdout
    for args in (["index"], ["index", "--rebuild"]):
        result = run(env, *args)
        assert result.exit_code == 1 and "リンク先がない" in result.stderr
        assert "追加 1" in result.stdout or "変更なし 1" in result.stdout
    found = json.loads(run(env, "search", "", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["a"]  # the outside file was never read
    assert locked.exists()


def test_an_unreadable_folder_deletes_nothing(
    env: dict[str, str | None], content: ContentTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    content.add("a")
    content.write("cases/sub/b.md", case_text("b"))
    assert run(env, "index").exit_code == 0
    real = os.scandir

    def refuse(path: Any = ".") -> Any:  # tests run as root: chmod 000 would not stop it
        if str(path).endswith("/sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    result = run(env, "index")
    assert result.exit_code == 1 and "フォルダを読めません" in result.stderr
    assert "content/cases/sub" in result.stderr and "削除 0" in result.stdout
    rebuilt = run(env, "index", "--rebuild")
    assert rebuilt.exit_code == 1 and "全件再作成はしません" in rebuilt.stderr
    checked = run(env, "check")
    assert checked.exit_code == 1 and "content/cases/sub: フォルダを読めません" in checked.stdout
    monkeypatch.undo()
    found = json.loads(run(env, "search", "", "--json").stdout)
    assert sorted(h["id"] for h in found["hits"]) == ["a", "b"]


def test_rebuild_when_meilisearch_dies_midway(
    env: dict[str, str | None], content: ContentTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meilisearch.errors import MeilisearchCommunicationError
    from meilisearch.index import Index

    content.add("a", "## 背景\n共同倉庫を運営した。")
    assert run(env, "index").exit_code == 0
    content.add("b")

    real = Index.add_documents

    def dies(self: Index, *args: Any, **kwargs: Any) -> Any:
        if "__build_" in self.uid:  # the server goes away while the build is being sent
            raise MeilisearchCommunicationError("Connection refused")  # what the client raises
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Index, "add_documents", dies)
    result = run(env, "index", "--rebuild")  # catch_exceptions=False: a traceback fails here
    assert result.exit_code == 1
    assert "Meilisearch との接続が切れました" in result.stderr and "Traceback" not in result.stderr
    monkeypatch.undo()
    found = json.loads(run(env, "search", "倉庫", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["a"]  # the live index is intact


# -- search ------------------------------------------------------------------------


def test_search_json_shape(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "search", "ＤＸ", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == SEARCH_KEYS
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


def test_search_takes_several_unquoted_words(search_env: dict[str, str | None]) -> None:
    result = run(search_env, "search", "ＤＸ", "組合", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "ＤＸ 組合" and data["hits"][0]["id"] == "kyoto-dx"
    assert data["hits"][0]["matched_all"] is True


def test_search_text_names_partial_matches_places_and_corrections(
    search_env: dict[str, str | None],
) -> None:
    partial = run(search_env, "search", "事業継続計画", "水害")
    assert partial.exit_code == 0
    assert "「水害」を含む事例はありません" in partial.stdout
    place = run(search_env, "search", "ＤＸ", "京都")
    assert "「京都」は地域の絞り込み（都道府県: 京都府）として使いました" in place.stdout
    assert "[kyoto-dx]" in place.stdout and "[tokyo-inner]" not in place.stdout
    excluded = json.loads(run(search_env, "search", "ＤＸ", "-京都", "--json").stdout)
    assert [h["id"] for h in excluded["hits"]] == ["tokyo-inner"]
    assert excluded["excluded"] == ["京都"]


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
