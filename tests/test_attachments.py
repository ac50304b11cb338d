"""Attachments are searched: their text extracted at index time (cached by content hash),
normalised like the body, and a hit found only there says which file and page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.docgen import write_docx, write_pdf
from indexer.build import Builder
from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.attachments import AttachmentTexts
from kb.checks import run_checks
from kb.loader import load_cases
from kb.search import Searcher
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree, authed
from tests.test_cli import cli_env, drop, run
from web.app import create_app

BODY = "## 背景\n電力料金が上がった。\n\n## 取組\n価格交渉をした。\n\n## 成果\n合意した。\n\n## 今後の課題\n継続する。"


def _tree(content: ContentTree) -> None:
    (content.root / "cases/aichi/attachments").mkdir(parents=True)
    write_pdf(
        content.root / "cases/aichi/attachments/plan.pdf",
        ["一ページ目は表紙です。"],
        more_pages=[["ビオトープの整備計画を組合員に説明した。"]],
    )
    write_docx(
        content.root / "cases/aichi/attachments/memo.docx", ["議事録：共同購買の単価を決めた。"]
    )
    write_pdf(content.root / "cases/aichi/attachments/scan.pdf", image_only=True)
    content.add("aichi-2023-plan", BODY,
                extra="attachments: [attachments/plan.pdf, attachments/memo.docx]\n")  # fmt: skip
    (content.root / "cases/aichi-2023-plan.md").rename(
        content.root / "cases/aichi/aichi-2023-plan.md"
    )


class Index:
    def __init__(self, settings, data: Path) -> None:
        self.settings = settings
        self.taxonomy = load_taxonomy(settings.content_dir)
        self.data = data  # the attachments' cache of this test alone
        self.texts = AttachmentTexts(data, settings.content_dir, 10**8)
        self.analyzer = Analyzer.create(self.taxonomy, attachments=self.texts)
        conn = meili_server.ensure(settings)
        self.client = meili.client(conn, 60)
        self.builder = Builder(settings, conn, self.analyzer)
        self.searcher = Searcher(self.client, settings.index_name, Analyzer.create(self.taxonomy))

    def cases(self):
        return load_cases(self.settings.content_dir, self.taxonomy, max_bytes=10**6).cases


@pytest.fixture
def ix(content: ContentTree, make_settings, tmp_path) -> Iterator[Index]:
    _tree(content)
    index = Index(make_settings(content_dir=content.root), tmp_path / "data")
    index.builder.rebuild(index.cases())
    yield index
    meili.wait_task(index.client, index.client.delete_index(index.settings.index_name).task_uid, 30)


def test_word_only_in_an_attachment_is_found_with_file_and_page(ix: Index) -> None:
    result = ix.searcher.search("ビオトープ")
    (hit,) = result["hits"]
    assert hit["id"] == "aichi-2023-plan"
    assert hit["snippet"].startswith("［添付ファイル plan.pdf 2ページ］ ")
    assert "<mark>ビオトープ</mark>の整備計画" in hit["snippet"]
    assert hit["attachment"] == {"file": "attachments/plan.pdf", "page": 2, "unit": "ページ"}
    # the same Japanese normalisation as the body: half-width katakana finds it too
    assert [h["id"] for h in ix.searcher.search("ﾋﾞｵﾄｰﾌﾟ")["hits"]] == ["aichi-2023-plan"]
    docx_hit = ix.searcher.search("共同購買")["hits"][0]
    assert docx_hit["snippet"].startswith("［添付ファイル memo.docx］ ")


def test_public_searches_do_not_look_in_attachments(ix: Index) -> None:
    # the case is public, its attachments are not published with it
    assert ix.searcher.search("ビオトープ", public_only=True)["total"] == 0
    assert ix.searcher.search("価格交渉", public_only=True)["total"] == 1


def test_public_ranked_searches_do_not_look_in_attachments(ix: Index) -> None:
    # two words, one only in an attachment: the ranked path (counts, then a federated search)
    # must keep to the public fields as the plain public search does
    inside = ix.searcher.search("ビオトープ 価格交渉")
    assert [(h["id"], h["matched_all"]) for h in inside["hits"]] == [("aichi-2023-plan", True)]
    public = ix.searcher.search("ビオトープ 価格交渉", public_only=True)
    assert [h["id"] for h in public["hits"]] == ["aichi-2023-plan"]
    (hit,) = public["hits"]
    assert hit["matched_all"] is False
    assert "ビオトープ" in hit["missing_words"]
    assert "ビオトープ" in public["missing"]


def test_word_in_the_body_keeps_the_body_snippet(ix: Index) -> None:
    (hit,) = ix.searcher.search("価格交渉")["hits"]
    assert hit["attachment"] is None
    assert "<mark>価格交渉</mark>" in hit["snippet"] and "添付" not in hit["snippet"]


def test_unchanged_attachments_are_not_read_again(ix: Index) -> None:
    ix.texts.save()
    fresh = AttachmentTexts(ix.data, ix.settings.content_dir, 10**8)
    (case,) = ix.cases()
    texts = fresh.of_case(case.source, ["attachments/plan.pdf"])
    assert texts[0].pages[1] == "ビオトープの整備計画を組合員に説明した。"
    assert fresh.reads == 0  # neither hashed nor extracted: (size, mtime) and the cached text


def test_changed_attachment_is_sent_again(ix: Index) -> None:
    report = ix.builder.sync(ix.cases())
    assert (report.updated, report.unchanged) == (0, 1)
    write_pdf(ix.settings.content_dir / "cases/aichi/attachments/plan.pdf", ["差し替えた資料。"],
              more_pages=[["ため池の改修計画を説明した。"]])  # fmt: skip
    report = ix.builder.sync(ix.cases())
    assert report.updated == 1
    assert [h["id"] for h in ix.searcher.search("ため池")["hits"]] == ["aichi-2023-plan"]
    assert ix.searcher.search("ビオトープ")["total"] == 0


def test_check_warns_about_an_attachment_without_text(content: ContentTree, make_settings) -> None:
    _tree(content)
    case = content.root / "cases/aichi/aichi-2023-plan.md"
    case.write_text(case.read_text(encoding="utf-8").replace(
        "attachments/memo.docx]", "attachments/memo.docx, attachments/scan.pdf]"), encoding="utf-8")  # fmt: skip
    report = run_checks(make_settings(content_dir=content.root))
    assert report.ok
    (warning,) = [f for f in report.warnings if f.check == "attachments"]
    assert warning.field == "attachments[2]"
    assert "scan.pdf から文字を取り出せません: 文字情報がありません" in warning.message


def test_kb_index_searches_attachments_and_the_page_links_the_file(
    meili_data: Path, content: ContentTree
) -> None:
    _tree(content)
    env = cli_env(meili_data, content.root, f"att{uuid.uuid4().hex[:10]}")
    try:
        assert run(env, "index").exit_code == 0
        second = run(env, "index")
        assert "変更なし 1" in second.output
        # an attachment changed, its case file did not (the case comes from the load cache)
        plan = content.root / "cases/aichi/attachments/plan.pdf"
        write_pdf(plan, ["表紙。"], more_pages=[["ため池の改修計画。"], ["ビオトープの整備計画。"]])
        assert "更新 1" in run(env, "index").output
        settings = ix_settings(env)
        client = authed(create_app(settings))
        page = client.get("/", params={"q": "ビオトープ"})
        assert "［添付ファイル plan.pdf 3ページ］" in page.text
        assert (
            'href="/cases/aichi-2023-plan/attachments/attachments/plan.pdf" download>plan.pdf</a>'
            in page.text
        )
        case = client.get("/cases/aichi-2023-plan")
        assert 'href="/cases/aichi-2023-plan/attachments/attachments/plan.pdf"' in case.text
    finally:
        drop(env)


def ix_settings(env):
    from kb.config import load_settings

    return load_settings(**{k.lower().removeprefix("kb_"): v for k, v in {
        "content_dir": env["KB_CONTENT_DIR"], "data_dir": env["KB_DATA_DIR"],
        "index_name": env["KB_INDEX"], "tools_dir": env["KB_TOOLS_DIR"],
    }.items()})  # fmt: skip
