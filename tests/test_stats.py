"""kb.stats: what counts as an electronic file, the figures from the index and from the files
(they agree), `kb stats` in every format, and the 収集状況 page and its JSON/CSV routes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kb.cli import main
from kb.loader import load_cases
from kb.stats import electronic_files, from_cases, from_index
from kb.targets import load_targets
from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT, ContentTree, Indexed, session_settings
from tests.test_cli import cli_env, drop
from web.app import create_app
from web.charts import tiles

TARGETS = """\
plan: テスト計画
electronic_files: 8
kinds:
  qa: 2
themes:
  dx: 4
  gx: 1
"""


def test_electronic_files_are_attachments_or_material_itself() -> None:
    assert electronic_files("case", []) == 0
    assert electronic_files("qa", []) == 0
    assert electronic_files("material", []) == 1  # written straight in Markdown
    assert electronic_files("material", ["a.pdf"]) == 1  # an imported original
    assert electronic_files("case", ["a.xlsx", "b.pptx"]) == 2


def build_tree(tree: ContentTree) -> None:
    tree.write("cases/files/a.pdf", b"%PDF-1.4 x")
    tree.write("cases/files/b.xlsx", b"PK x")
    tree.write("targets.yml", TARGETS)
    att = "attachments: [files/a.pdf, files/b.xlsx]\n"
    tree.add("aichi-a", themes="dx, bcp", prefecture="愛知県", year=2021, extra=att)
    tree.add("kyoto-b", themes="dx", prefecture="京都府", year=2023, visibility="internal")
    tree.add("tokyo-c", kind="qa", themes="dx", prefecture="東京都", year=2023)
    tree.add("zenkoku-d", kind="material", themes="gx", prefecture="全国", year=2019)
    tree.add("hokkaido-e", kind="material", themes="gx", prefecture="北海道", year=2023,
             extra="attachments: [files/a.pdf]\n")  # fmt: skip


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> ContentTree:
    tree = ContentTree(tmp_path_factory.mktemp("stats") / "content")
    build_tree(tree)
    return tree


@pytest.fixture(scope="module")
def ix(meili_data: Path, tree: ContentTree) -> Iterator[Indexed]:
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    yield ix
    ix.drop()


def test_figures_from_the_index(ix: Indexed, tree: ContentTree) -> None:
    stats = from_index(ix.searcher, load_targets(tree.root, ix.taxonomy))
    assert stats.source == "index" and stats.plan == "テスト計画"
    assert stats.total == 5
    assert stats.electronic_files == 4  # 2 attachments + a material + an imported material
    assert [(k.label, k.count) for k in stats.kinds] == [
        ("事例", 2),
        ("質疑応答", 1),
        ("指導資料", 2),
    ]
    themes = {t.key: (t.label, t.count) for t in stats.themes}
    assert themes["dx"] == ("DX・デジタル化", 3) and themes["gx"] == ("GX・脱炭素", 2)
    assert themes["sdgs"] == ("SDGs", 0) and len(themes) == 13  # every theme, zeros too
    regions = {r.key: r.count for r in stats.regions}
    assert regions == {"北海道・東北": 1, "関東": 1, "中部": 1, "近畿": 1, "中国": 0, "四国": 0,
                       "九州・沖縄": 0, "全国": 1}  # fmt: skip
    assert len(stats.prefectures) == 48
    aichi = next(p for p in stats.prefectures if p.key == "愛知県")
    assert (aichi.count, aichi.group) == (1, "中部")
    # every year from the first to the last, gaps as zeros
    assert [(y.label, y.count) for y in stats.years] == [
        ("2019年度", 1), ("2020年度", 0), ("2021年度", 1), ("2022年度", 0), ("2023年度", 3)
    ]  # fmt: skip
    progress = {p.key: (p.label, p.count, p.target, p.shown_percent) for p in stats.progress}
    assert progress == {
        "electronic_files": ("電子ファイル", 4, 8, "50.0"),
        "kind:qa": ("質疑応答", 1, 2, "50.0"),
        "theme:dx": ("事例（DX・デジタル化）", 2, 4, "50.0"),  # kind case only: not the Q&A
        "theme:gx": ("事例（GX・脱炭素）", 0, 1, "0.0"),  # materials are not case studies
    }


def test_files_and_index_agree(ix: Indexed, tree: ContentTree) -> None:
    targets = load_targets(tree.root, ix.taxonomy)
    from_files = from_cases(ix.cases(), ix.taxonomy, targets)
    from_ix = from_index(ix.searcher, targets)
    assert from_files.source == "files"
    assert {**from_files.to_dict(), "source": "index"} == from_ix.to_dict()


def test_sample_content_files_and_index_agree(meili_data: Path) -> None:
    ix = Indexed(session_settings(meili_data, CONTENT))
    try:
        ix.rebuild()
        tax = load_taxonomy(CONTENT)
        targets = load_targets(CONTENT, tax)
        result = load_cases(CONTENT, tax, max_bytes=ix.settings.max_file_bytes)
        files = from_cases(result.cases, tax, targets).to_dict()
        index = from_index(ix.searcher, targets).to_dict()
        assert {**files, "source": "index"} == index
        assert index["total"] == len(result.cases)
        assert sum(t["count"] for t in index["kind"]) == index["total"]
    finally:
        ix.drop()


def test_tiles_shade_by_count(ix: Indexed, tree: ContentTree) -> None:
    stats = from_index(ix.searcher, load_targets(tree.root, ix.taxonomy))
    regions = dict(tiles(stats.prefectures))
    assert next(iter(regions)) == "北海道・東北" and len(regions["関東"]) == 7
    tokyo = next(t for t in regions["関東"] if t.name == "東京都")
    assert (tokyo.count, tokyo.level) == (1, 4)  # the most (all have 1): darkest
    assert next(t for t in regions["関東"] if t.name == "千葉県").level == 0
    assert tokyo.url == "/?filter=prefecture%3D%E6%9D%B1%E4%BA%AC%E9%83%BD"


# -- kb stats --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(meili_data: Path, tree: ContentTree, ix: Indexed) -> Iterator[dict[str, str | None]]:
    e = cli_env(meili_data, tree.root, ix.settings.index_name)
    yield e


def run(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["stats", *args], env=env)
    return result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr


def test_cli_text_uses_japanese_labels(env: dict[str, str | None]) -> None:
    code, out, _ = run(env)
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "収集状況（検索索引から集計） — テスト計画"
    assert lines[1] == "登録件数 5 件、電子ファイル 4 件"
    assert "  電子ファイル                 4 /      8    50.0%" in lines  # aligned on width
    assert "  事例（DX・デジタル化）       2 /      4    50.0%" in lines
    assert "■ テーマごとの件数" in lines and "  DX・デジタル化       3" in lines
    assert "■ 年度ごとの件数" in lines and "  2023年度       3" in lines
    assert "dx" not in out.replace("DX", "")  # keys never shown, labels are


def test_cli_json_and_from_files_agree(env: dict[str, str | None]) -> None:
    code, out, _ = run(env, "--format", "json")
    assert code == 0
    index = json.loads(out)
    code, out, _ = run(env, "--format", "json", "--from-files")
    files = json.loads(out)
    assert index["source"] == "index" and files["source"] == "files"
    assert {**files, "source": "index"} == index
    assert index["progress"][0] == {
        "key": "electronic_files", "label": "電子ファイル", "count": 4, "target": 8,
        "percent": 50.0,
    }  # fmt: skip


def test_cli_csv_has_bom_header_and_a_row_per_figure(env: dict[str, str | None]) -> None:
    code, out, _ = run(env, "--format", "csv")
    assert code == 0
    assert out.startswith("\ufeff区分,キー,名称,件数,目標,達成率(%)\r\n")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[1] == ["合計", "total", "登録件数", "5", "", ""]
    assert ["進捗", "theme:dx", "事例（DX・デジタル化）", "2", "4", "50.0"] in rows
    assert ["テーマ", "theme:gx", "GX・脱炭素", "2", "", ""] in rows
    assert ["都道府県", "prefecture:愛知県", "愛知県", "1", "", ""] in rows
    assert len(rows) == 1 + 2 + 4 + 3 + 13 + 8 + 48 + 5


def test_cli_from_files_counts_valid_files_and_warns(tmp_path: Path) -> None:
    tree = ContentTree(tmp_path / "content")
    build_tree(tree)
    tree.write("cases/broken.md", "---\nid: broken\n---\n本文\n")
    e = cli_env(tmp_path, tree.root, f"x{uuid.uuid4().hex[:8]}")
    code, out, err = run(e, "--from-files")
    assert code == 0
    assert "登録件数 5 件" in out
    assert "警告: 1 件のファイルに問題があるため数えていません（`kb check` で確認できます）" in err


def test_cli_bad_targets_is_a_japanese_error(env: dict[str, str | None], tmp_path: Path) -> None:
    tree = ContentTree(tmp_path / "content")
    tree.write("targets.yml", "electronic_files: many\n")
    code, _, err = run({**env, "KB_CONTENT_DIR": str(tree.root)}, "--from-files")
    assert code == 1
    assert err.startswith("エラー: content/targets.yml:1: electronic_files: 整数で指定してください")


def test_cli_index_missing_is_reported(env: dict[str, str | None]) -> None:
    missing = {**env, "KB_INDEX": f"none{uuid.uuid4().hex[:8]}"}
    code, _, err = run(missing)
    assert code == 1 and err.startswith("エラー: ")
    drop(missing)


# -- the 収集状況 page --------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(ix: Indexed) -> Iterator[TestClient]:
    from tests.conftest import authed

    with authed(create_app(ix.settings)) as c:
        yield c


def test_stats_page_shows_figures_as_text_and_svg(client: TestClient) -> None:
    page = client.get("/stats")
    assert page.status_code == 200
    text = page.text
    assert '<a href="/stats">収集状況</a>' in text  # in the header
    assert "<h1>収集状況</h1>" in text and "テスト計画" in text
    assert "登録 <strong>5</strong> 件（事例 2 件・質疑応答 1 件・指導資料 2 件）" in text
    assert '<span class="goal-figure">4 / 8 件（50.0%）</span>' in text
    assert "<title>事例（DX・デジタル化）: 2 / 4 件（50.0%）</title>" in text
    assert '<rect class="goal-fill" x="0" y="0" width="50.0%"' in text
    assert "<title>DX・デジタル化: 3 件</title>" in text  # the longest theme bar
    assert '<a class="bar-label" href="/?filter=themes%3Ddx">DX・デジタル化</a>' in text
    assert "<script" not in text  # drawn without JavaScript
    assert 'style="' not in text  # nothing for the CSP to weigh


def test_stats_page_without_targets_or_with_bad_ones(meili_data: Path, ix: Indexed,
                                                     tmp_path: Path) -> None:  # fmt: skip
    from tests.conftest import authed

    tree = ContentTree(tmp_path / "content")
    settings = ix.settings.model_copy(update={"content_dir": tree.root})
    with authed(create_app(settings)) as c:
        text = c.get("/stats").text
        assert "目標が設定されていません" in text and "<strong>5</strong>" in text
        tree.write("targets.yml", "kinds: {qa: zero}\n")
        text = c.get("/stats").text
        assert "content/targets.yml に 1 件の問題があるため、目標は表示していません" in text


def test_api_stats_json_and_csv(client: TestClient, env: dict[str, str | None]) -> None:
    data = client.get("/api/stats").json()
    _, out, _ = run(env, "--format", "json")
    assert data == json.loads(out)
    response = client.get("/api/stats.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="kb-stats-')
    _, out, _ = run(env, "--format", "csv")
    assert response.content.decode("utf-8") == out


def test_stats_need_a_login(ix: Indexed) -> None:
    with TestClient(create_app(ix.settings)) as anonymous:
        page = anonymous.get("/stats", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        for path in ("/api/stats", "/api/stats.csv"):
            response = anonymous.get(path, headers={"accept": "application/json"})
            assert response.status_code == 401 and "登録件数" not in response.text
