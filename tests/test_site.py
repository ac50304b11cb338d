"""web.site / `kb build-site`: the static public portal."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
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


def test_front_page_like_the_app(tree: ContentTree, tmp_path: Path) -> None:
    tree.add("a-question", "## 質問\n質問の本文。", title="よくある質問", kind="qa", year=2025,
             extra="published: 2025-04-01\n")  # fmt: skip
    out = tmp_path / "site"
    build(tree, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    recent = index.split('id="recent-title"')[1].split('id="themes-title"')[0]
    assert "普通の事例" in recent and "よくある質問" not in recent  # success stories only
    assert '<span class="kind kind-qa">' not in index
    assert 'class="region-tile"' in index and 'href="prefectures/kyoto.html"' in index
    assert 'href="static/favicon.svg"' in index and (out / "static" / "favicon.ico").exists()
    question = (out / "cases" / "a-question.html").read_text(encoding="utf-8")
    assert '<span class="kind kind-qa">質疑応答</span>' in question
    assert "2025年4月1日" in question and "2025-04-01" not in question


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


def test_every_page_has_a_csp_and_no_remote_image(tree: ContentTree, tmp_path: Path) -> None:
    tree.add("tracked", "## 背景\n写真 ![現場](https://tracker.example/pixel.gif?case=1) あり。\n"
             "<!-- 活用した支援施策も含めて具体的に書きます。 -->\n共同受注を始めた。",
             title="画像のある事例")  # fmt: skip
    out = tmp_path / "site"
    build(tree, out, public_search_url="https://kb.example.jp/public/search")
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 5
    for path in pages:
        html = path.read_text(encoding="utf-8")
        head = html.split("</head>")[0]
        metas = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert len(metas) == 1, path
        assert head.index("Content-Security-Policy") < head.index("<link")  # before any load
        policy = {d.split(" ")[0]: d.split(" ")[1:] for d in unescape(metas[0]).split("; ")}
        assert policy["default-src"] == ["'self'"] and policy["img-src"] == ["'self'", "data:"]
        assert policy["script-src"] == ["'none'"]
        assert policy["form-action"] == ["https://kb.example.jp"]
        assert "tracker.example" not in html and "<img" not in html
        assert "支援施策" not in html and "&lt;!--" not in html
    case = (out / "cases" / "tracked.html").read_text(encoding="utf-8")
    assert "写真 現場 あり。" in case and "共同受注を始めた。" in case


def test_form_action_without_a_search_box(tree: ContentTree, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(tree, out)
    assert "form-action 'none'" in unescape((out / "index.html").read_text(encoding="utf-8"))


def test_public_case_with_personal_data_is_left_out(tree: ContentTree, tmp_path: Path) -> None:
    path = tree.add("leaky", "## 背景\n担当者の携帯は 090-1234-5678、\nメールは a.b@example.jp です。",
                    title="個人情報のある事例")  # fmt: skip
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build-site", "--out", str(out), "--content", str(tree.root)]
    )
    assert result.exit_code == 1
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index("担当者の携帯は 090-1234-5678、") + 1
    assert f"content/cases/leaky.md:{at}:" in result.stderr and "090-1234-5678" in result.stderr
    assert (
        f"content/cases/leaky.md:{at + 1}:" in result.stderr and "a.b@example.jp" in result.stderr
    )
    assert "公開事例 1 件に個人情報の可能性があるため、書き出しませんでした" in result.stderr
    assert "2 件の公開事例" in result.stdout  # the others are published
    assert not (out / "cases" / "leaky.html").exists() and (out / "cases" / "star.html").exists()
    for page in out.rglob("*"):
        if page.is_file():
            text = page.read_text(encoding="utf-8", errors="replace")
            assert "090-1234-5678" not in text and "個人情報のある事例" not in text
    tree.add("leaky", "## 背景\n担当者に連絡した。", title="個人情報のある事例")
    fixed = CliRunner().invoke(main, ["build-site", "--out", str(out), "--content", str(tree.root)])
    assert fixed.exit_code == 0 and (out / "cases" / "leaky.html").exists()
