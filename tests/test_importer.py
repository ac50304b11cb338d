"""`kb import` through the CLI: every file type, bad inputs, re-import, updates, --force."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.docgen import write_docx, write_pdf, write_pptx, write_xlsx
from kb import frontmatter
from kb.attachments import AttachmentTexts
from kb.casefiles import case_files
from kb.checks import run_checks
from kb.config import load_settings
from kb.loader import load_file
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree
from tests.test_cli import cli_env, drop, run


@pytest.fixture
def env(meili_data: Path, content: ContentTree) -> Iterator[dict[str, str | None]]:
    e = cli_env(meili_data, content.root, f"imp{uuid.uuid4().hex[:10]}")
    yield e
    drop(e)


def _inbox(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    write_pdf(d / "bcp_2023.pdf", ["令和５年度　事業継続計画（ＢＣＰ）の手引き",
              "愛知県の組合が事業継続計画を作成した。"], title="ＢＣＰの手引き")  # fmt: skip
    (d / "sub").mkdir(exist_ok=True)
    write_docx(
        d / "sub" / "dx.docx", ["長野県の組合でデジタル化を進めた。"], title="デジタル化の事例"
    )
    write_xlsx(d / "price.xlsx", {"価格転嫁": [["項目", "値"], ["原材料", "上昇"]]})
    write_pptx(d / "slides.pptx", [("脱炭素の進め方", ["CO2排出量を算定する"])])
    (d / "memo.txt").write_text("事業承継の相談メモ\n平成30年に始めた。\n", encoding="utf-8")
    (d / "note.md").write_text("# インボイス制度\n\n適格請求書を保存する。\n", encoding="utf-8")
    (d / "page.html").write_text("<h1>組合設立</h1><p>組合の設立を支援した。</p>", encoding="utf-8")
    return d


def _settings(env: dict[str, str | None]):
    return load_settings(content_dir=env["KB_CONTENT_DIR"], data_dir=env["KB_DATA_DIR"])


def test_every_type_becomes_a_valid_case_with_its_original(env, content, tmp_path) -> None:
    inbox = _inbox(tmp_path / "inbox")
    result = run(env, "import", str(inbox))
    assert result.exit_code == 0, result.output
    assert "取り込み 7 件 / 更新 0 件 / 取り込み済み 0 件 / 失敗 0 件" in result.output
    cases = case_files(content.root / "cases")
    assert len(cases) == 7  # the attached note.md is not a case
    pdf_case = content.root / "cases/aichi/aichi-2023-material-bcp-2023.md"
    fm = frontmatter.parse(pdf_case.read_text(encoding="utf-8"), pdf_case)
    assert fm.data["title"] == "ＢＣＰの手引き"
    assert (fm.data["year"], fm.data["prefecture"], fm.data["themes"]) == (2023, "愛知県", ["bcp"])
    assert fm.data["kind"] == "material" and fm.data["visibility"] == "internal"
    assert fm.data["imported"]["file"] == "bcp_2023.pdf"
    rel = fm.data["attachments"][0]
    assert (pdf_case.parent / rel).read_bytes() == (inbox / "bcp_2023.pdf").read_bytes()
    assert "愛知県の組合が事業継続計画を作成した。" in fm.body
    docx_case = next(p for p in cases if "dx" in p.name)
    assert "imported:\n  file: sub/dx.docx" in docx_case.read_text(encoding="utf-8")
    # what could not be guessed is said, and left to the editor
    assert "要確認: 年度" in result.output
    # `kb index` will find the attachments' text converted already: nothing to read again
    texts = AttachmentTexts(_settings(env).data_dir, content.root, 10**8)
    case = load_file(pdf_case, content.root, load_taxonomy(content.root), 10**6)
    (att,) = texts.of_case(case.source, case.attachments)
    assert "愛知県の組合が事業継続計画を作成した。" in att.pages[0]
    assert texts.reads == 0
    report = run_checks(_settings(env))
    assert report.ok, [str(f) for f in report.errors]
    assert any("推定できなかった項目" in f.message for f in report.warnings)
    strict = run_checks(_settings(env), strict=True)
    assert not strict.ok  # the editor still has to look at them


def test_bad_files_are_reported_and_the_run_goes_on(env, content, tmp_path) -> None:
    inbox = tmp_path / "bad"
    inbox.mkdir()
    write_pdf(inbox / "secret.pdf", ["秘密"], password="pw")
    write_pdf(inbox / "scan.pdf", image_only=True)
    (inbox / "broken.xlsx").write_bytes(b"not a zip")
    (inbox / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (inbox / "big.txt").write_text("大" * 20_000, encoding="utf-8")
    (inbox / "ok.txt").write_text("愛知県の組合の事業承継。令和２年度。", encoding="utf-8")
    env = {**env, "KB_MAX_DOCUMENT_BYTES": "50000"}
    result = run(env, "import", str(inbox))
    assert result.exit_code == 1
    out = result.output
    assert "secret.pdf: パスワードで保護（暗号化）された PDF です" in out
    assert "scan.pdf: 文字情報がありません" in out
    assert "broken.xlsx: Excel ファイルとして読めません" in out
    assert "photo.jpg: この種類のファイルは取り込めません" in out
    assert "big.txt: ファイルが大きすぎます" in out
    assert "取り込み 1 件 / 更新 0 件 / 取り込み済み 0 件 / 失敗 5 件" in out
    assert len(case_files(content.root / "cases")) == 1


def test_same_content_again_is_skipped(env, content, tmp_path) -> None:
    inbox = _inbox(tmp_path / "inbox")
    assert run(env, "import", str(inbox)).exit_code == 0
    before = {p: p.read_bytes() for p in (content.root / "cases").rglob("*") if p.is_file()}
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    (copy / "renamed.pdf").write_bytes((inbox / "bcp_2023.pdf").read_bytes())
    result = run(env, "import", str(inbox), str(copy))
    assert "取り込み 0 件 / 更新 0 件 / 取り込み済み 8 件 / 失敗 0 件" in result.output
    after = {p: p.read_bytes() for p in (content.root / "cases").rglob("*") if p.is_file()}
    assert after == before


def test_changed_file_updates_body_and_keeps_front_matter_edits(env, content, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    doc = write_docx(inbox / "guide.docx", ["長野県の組合でデジタル化を進めた。"], title="旧版")
    assert run(env, "import", str(inbox)).exit_code == 0
    (case,) = case_files(content.root / "cases")
    text = case.read_text(encoding="utf-8")
    edited = text.replace("title: 旧版", "title: 編集者が直した題名").replace(
        "visibility: internal", "visibility: public"
    )
    case.write_text(edited, encoding="utf-8")
    write_docx(doc, ["長野県の組合でデジタル化を進めた。", "改訂で追加した段落。"], title="新版")
    result = run(env, "import", str(inbox))
    assert "取り込み 0 件 / 更新 1 件" in result.output, result.output
    new = case.read_text(encoding="utf-8")
    assert "title: 編集者が直した題名" in new and "visibility: public" in new
    assert "改訂で追加した段落。" in new
    fm = frontmatter.parse(new, case)
    attached = case.parent / fm.data["attachments"][0]
    assert attached.read_bytes() == doc.read_bytes()
    assert run(env, "import", str(inbox)).output.count("取り込み済み 1 件") == 1
    assert run_checks(_settings(env)).ok


def test_edited_body_is_not_replaced_without_force(env, content, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    doc = write_docx(inbox / "guide.docx", ["最初の版。"])
    run(env, "import", "--prefecture", "愛知県", "--themes", "dx", str(inbox))
    (case,) = case_files(content.root / "cases")
    case.write_text(case.read_text(encoding="utf-8") + "\n編集者の追記。\n", encoding="utf-8")
    write_docx(doc, ["二番目の版。"])
    result = run(env, "import", str(inbox))
    assert result.exit_code == 1
    assert "本文が取り込み後に編集されているため更新しません" in result.output
    assert "編集者の追記。" in case.read_text(encoding="utf-8")
    forced = run(env, "import", "--force", str(inbox))
    assert "更新 1 件" in forced.output
    assert "二番目の版。" in case.read_text(encoding="utf-8")


def test_dry_run_writes_nothing(env, content, tmp_path) -> None:
    inbox = _inbox(tmp_path / "inbox")
    result = run(env, "import", "--dry-run", str(inbox))
    assert "（試行のため何も書いていません）取り込み 7 件" in result.output
    assert not list((content.root / "cases").rglob("*"))


def test_kind_case_gets_its_sections_and_passes_check(env, content, tmp_path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "## 元の見出し\n愛知県の組合で価格転嫁に取り組んだ。令和4年度。\n", encoding="utf-8"
    )
    result = run(env, "import", "--kind", "case", "--visibility", "public", str(path))
    assert result.exit_code == 0, result.output
    (case,) = case_files(content.root / "cases")
    body = frontmatter.parse(case.read_text(encoding="utf-8"), case).body
    assert (
        body.index("## 背景") < body.index("## 元資料の本文") < body.index("価格転嫁に取り組んだ")
    )
    report = run_checks(_settings(env))
    assert report.ok, [str(f) for f in report.errors]
    assert any("未記入" in f.message for f in report.warnings)


def test_wrong_flags_stop_before_any_file(env, content, tmp_path) -> None:
    inbox = _inbox(tmp_path / "inbox")
    result = run(env, "import", "--prefecture", "愛知", str(inbox))
    assert result.exit_code == 1 and "都道府県 '愛知' はありません" in result.output
    assert "愛知県" in result.output
    result = run(env, "import", "--themes", "dx,nothing", str(inbox))
    assert result.exit_code == 1 and "テーマ 'nothing' はありません" in result.output
    assert not list((content.root / "cases").rglob("*"))


def test_existing_file_is_not_overwritten_without_force(env, content, tmp_path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("愛知県の事業承継。令和2年度。", encoding="utf-8")
    target = content.root / "cases/aichi/attachments/aichi-2020-material-x/x.txt"
    target.parent.mkdir(parents=True)
    target.write_text("editor's own file", encoding="utf-8")
    result = run(env, "import", str(path))
    assert result.exit_code == 1 and "同じ名前のファイルが content/ にあります" in result.output
    assert target.read_text(encoding="utf-8") == "editor's own file"
