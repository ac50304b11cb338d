"""web.site / `kb build-site`: the static public portal."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.config import load_settings
from kb.errors import KbError
from tests.conftest import ContentTree
from web.site import build_site


@pytest.fixture
def tree(content: ContentTree) -> ContentTree:
    content.add("star", "## 背景\n注目。[資料](star.pdf) と [外部](https://example.jp/)",
                title="注目事例", year=2019, extra="featured: true\n")  # fmt: skip
    content.add("plain", "## 背景\n普通。", title="普通の事例", year=2024, prefecture="京都府")
    content.add("secret", "## 背景\nSECRET-CANARY", title="内部 SECRET-CANARY", themes="bcp",
                visibility="internal")  # fmt: skip
    return content


def build(tree: ContentTree, out: Path, **settings: object) -> None:
    build_site(load_settings(content_dir=tree.root, **settings), out, "https://example.jp/jirei/")


def test_pages_listings_index_and_sitemap(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tree, out)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert "cases/star.html" in files and "cases/plain.html" in files
    assert "cases/secret.html" not in files and "themes/bcp.html" not in files
    assert {"index.html", "sitemap.xml", "static/kb.css", "themes/dx.html"} <= set(files)
    assert {"prefectures/aichi.html", "prefectures/kyoto.html"} <= set(files)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("注目事例") < index.index("普通の事例")
    assert 'href="cases/star.html"' in index and 'href="static/kb.css"' in index
    assert 'role="search"' not in index  # no KB_PUBLIC_SEARCH_URL: no search box
    case = (out / "cases" / "star.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in case and 'href="../themes/dx.html"' in case
    assert 'href="https://example.jp/"' in case and 'href="star.pdf"' not in case
    locs = [e.text for e in ET.parse(out / "sitemap.xml").getroot().iter() if e.tag.endswith("loc")]
    assert "https://example.jp/jirei/cases/star.html" in locs
    assert all(loc and loc.startswith("https://example.jp/jirei/") for loc in locs)
    for path in out.rglob("*"):
        if path.is_file():
            assert "SECRET-CANARY" not in path.read_text(encoding="utf-8", errors="replace")


def test_search_box_points_to_the_configured_url(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tree, out, public_search_url="https://kb.example.jp/public/search")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'action="https://kb.example.jp/public/search"' in index and 'name="q"' in index


def test_rebuild_removes_cases_made_internal(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tree, out)
    tree.add("plain", "## 背景\n普通。", title="普通の事例", visibility="internal")
    build(tree, out)
    assert not (out / "cases" / "plain.html").exists()
    assert "普通の事例" not in (out / "index.html").read_text(encoding="utf-8")


def test_refuses_a_folder_it_did_not_make(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    out.mkdir()
    (out / "precious.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(KbError, match="kb build-site"):
        build(tree, out)
    assert (out / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_cli(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build-site", "--out", str(out), "--content", str(tree.root)]
    )
    assert result.exit_code == 0, result.output
    assert "2 件の公開事例" in result.output and (out / "index.html").exists()
    tree.add("broken", "本文", year="昔")  # type: ignore[arg-type]
    failed = CliRunner().invoke(
        main, ["build-site", "--out", str(out), "--content", str(tree.root)]
    )
    assert failed.exit_code == 1 and (out / "cases" / "star.html").exists()
