"""The content contract (issue §1) through kb.loader: every rule with a failing and a
passing example, checking the Japanese message, the path, the line and the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.errors import ContentError
from kb.loader import LoadResult, load_cases
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree, case_text

# In case_text's layout: line 1 is ---, then id, title, summary, kind, themes,
# prefecture, year, visibility on lines 2-9, extra fields from line 10.
LINE = {"id": 2, "title": 3, "summary": 4, "kind": 5, "themes": 6, "prefecture": 7, "year": 8}
EXTRA = 10


def load(content: ContentTree, max_bytes: int = 1_000_000, **kw: object) -> LoadResult:
    return load_cases(content.root, load_taxonomy(content.root), max_bytes=max_bytes, **kw)  # type: ignore[arg-type]


def only_error(content: ContentTree, name: str, **kw: object) -> ContentError:
    result = load(content, **kw)  # type: ignore[arg-type]
    errors = [e for e in result.errors if e.path and e.path.endswith(f"cases/{name}.md")]
    assert len(errors) == 1, [str(e) for e in result.errors]
    return errors[0]


def replace_line(content: ContentTree, id: str, old: str, new: str) -> None:
    path = content.root / "cases" / f"{id}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_valid_case_loads_with_defaults_and_digest(content: ContentTree) -> None:
    content.add("aichi-ok", extra="tags: [共同受注]\npublished: 2024-03-15\n")
    result = load(content)
    assert result.ok and [c.id for c in result.cases] == ["aichi-ok"]
    case = result.cases[0]
    assert case.kind == "case" and case.themes == ["dx"] and case.year == 2023
    assert case.source == "content/cases/aichi-ok.md"
    assert len(case.digest) == 64 and case.lines["title"] == LINE["title"]
    assert str(case.published) == "2024-03-15"


def test_missing_required_field(content: ContentTree) -> None:
    content.add("miss")
    replace_line(content, "miss", "title: テスト事例\n", "")
    err = only_error(content, "miss")
    assert (err.field, err.message) == ("title", "必須項目がありません")
    assert err.path == "content/cases/miss.md"
    assert err.line == 9  # the closing fence, where the field should go
    assert err.hint and "タイトル" in err.hint


def test_unknown_field_suggests_the_known_one(content: ContentTree) -> None:
    content.add("typo", extra="titel: 別名\n")
    err = only_error(content, "typo")
    assert err.field == "titel" and err.line == EXTRA
    assert err.message == "未知の項目です。もしかして「title」?"


def test_unknown_field_without_a_close_match_has_no_guess(content: ContentTree) -> None:
    content.add("odd", extra="zzz: 1\n")
    err = only_error(content, "odd")
    assert err.field == "zzz" and err.message == "未知の項目です"


def test_loader_fields_cannot_be_written_in_front_matter(content: ContentTree) -> None:
    content.add("sneaky", extra="body: 本文\n")
    err = only_error(content, "sneaky")
    assert err.field == "body" and err.line == EXTRA and "書けません" in err.message


def test_year_in_kanji_is_a_type_error(content: ContentTree) -> None:
    content.add("kanji-year", year="二〇二三")  # type: ignore[arg-type]
    err = only_error(content, "kanji-year")
    assert err.field == "year" and err.line == LINE["year"]
    assert err.message.startswith("整数で指定してください") and "二〇二三" in err.message


@pytest.mark.parametrize(("year", "ok"), [(1989, False), (1990, True), (2100, True), (2101, False)])
def test_year_range(content: ContentTree, year: int, ok: bool) -> None:
    content.add("y", year=year)
    result = load(content)
    assert result.ok is ok
    if not ok:
        assert result.errors[0].field == "year"
        assert "1990〜2100" in result.errors[0].message


def test_year_as_quoted_string_is_refused(content: ContentTree) -> None:
    content.add("quoted", year='"2023"')  # type: ignore[arg-type]
    assert only_error(content, "quoted").field == "year"


def test_themes_as_string_is_a_type_error(content: ContentTree) -> None:
    content.add("str-themes")
    replace_line(content, "str-themes", "themes: [dx]", "themes: dx")
    err = only_error(content, "str-themes")
    assert err.field == "themes" and err.line == LINE["themes"]
    assert err.message.startswith("リストで指定してください")


def test_empty_themes_is_refused(content: ContentTree) -> None:
    content.add("no-themes", themes="")
    err = only_error(content, "no-themes")
    assert err.field == "themes" and err.message == "1つ以上指定してください（指定値: []）"


def test_prefecture_outside_vocabulary_suggests_full_name(content: ContentTree) -> None:
    content.add("kyoto", prefecture="京都")
    err = only_error(content, "kyoto")
    assert err.field == "prefecture" and err.line == LINE["prefecture"]
    assert err.message.startswith("都道府県は次のいずれかで指定してください")
    assert "もしかして「京都府」" in err.message  # the likeliest guess comes first


def test_industry_outside_vocabulary_suggests(content: ContentTree) -> None:
    content.add("seizo", extra="industry: 製造\n")
    err = only_error(content, "seizo")
    assert err.field == "industry" and err.line == EXTRA
    assert "業種" in err.message and "もしかして「製造業」" in err.message


def test_theme_given_as_label_suggests_the_key(content: ContentTree) -> None:
    content.add("label", themes="価格転嫁")
    err = only_error(content, "label")
    assert err.field == "themes" and err.line == LINE["themes"]
    assert (
        err.message
        == "テーマはキーで指定してください（指定値: 価格転嫁）。もしかして「price-pass-through」?"
    )


def test_unknown_theme_and_kind_and_visibility(content: ContentTree) -> None:
    content.add("bad-theme", themes="dx, nonsense")
    content.add("bad-kind", kind="report")
    content.add("bad-vis", visibility="secret")
    errors = {Path(e.path or "").stem: e for e in load(content).errors}
    assert errors["bad-theme"].field == "themes" and "テーマ" in errors["bad-theme"].message
    assert errors["bad-kind"].field == "kind" and "種別" in errors["bad-kind"].message
    assert errors["bad-vis"].message.startswith("public か internal")


def test_width_and_punctuation_variants_are_stored_canonical(content: ContentTree) -> None:
    content.add(
        "folded",
        themes="ＤＸ, Price-Pass-Through",
        prefecture="京都府",
        extra="industry: 卸売業,小売業\norganization_type: 事業協同組合\n"
        "programs: [新規輸出1万者支援プログラム, ＩＴ導入補助金]\n",
    )
    result = load(content)
    assert result.ok, [str(e) for e in result.errors]
    case = result.cases[0]
    assert case.themes == ["dx", "price-pass-through"]
    assert case.industry == "卸売業，小売業"
    assert case.programs == ["新規輸出１万者支援プログラム", "IT導入補助金"]


def test_duplicate_ids_name_both_files(content: ContentTree) -> None:
    content.add("twin")
    content.write("cases/sub/twin.md", case_text("twin"))
    result = load(content)
    assert len(result.errors) == 1 and len(result.cases) == 1
    err = result.errors[0]
    assert err.field == "id" and err.line == LINE["id"] and "重複" in err.message
    named = {err.path, err.message.split("（")[1].split(" と同じ")[0]}
    assert named == {"content/cases/twin.md", "content/cases/sub/twin.md"}


def test_id_must_equal_file_name(content: ContentTree) -> None:
    content.write("cases/other-name.md", case_text("the-id"))
    err = only_error(content, "other-name")
    assert err.field == "id" and err.line == LINE["id"]
    assert err.message == "id とファイル名が一致しません（id: the-id、ファイル名: other-name.md）"


def test_id_must_be_a_slug(content: ContentTree) -> None:
    content.write("cases/Bad_Id.md", case_text("Bad_Id"))
    result = load(content)
    assert [e.field for e in result.errors] == ["id"]
    assert result.errors[0].message.startswith("半角英小文字・数字とハイフンで書いてください")


def test_attachments_must_exist(content: ContentTree) -> None:
    content.write("cases/files/plan.pdf", b"%PDF-1.4")
    content.add("att-ok", extra="attachments: [files/plan.pdf]\n")
    content.add("att-missing", extra="attachments: [files/plan.pdf, files/none.pdf]\n")
    result = load(content)
    assert [c.id for c in result.cases] == ["att-ok"]
    (err,) = result.errors
    assert err.field == "attachments[1]" and err.line == EXTRA
    assert err.message == "添付ファイルが見つかりません: files/none.pdf"


@pytest.mark.parametrize("target", ["../../x", "/etc/passwd", "files/../../../x"])
def test_attachment_traversal_is_refused(content: ContentTree, target: str) -> None:
    content.add("escape", extra=f"attachments: ['{target}']\n")
    err = only_error(content, "escape")
    assert err.field == "attachments" and err.line == EXTRA
    assert ".. を含めないでください" in err.message and err.hint and "相対パス" in err.hint


def test_attachment_symlink_out_of_content_is_refused(content: ContentTree, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    os.symlink(outside, content.root / "cases" / "link.txt")
    content.add("linked", extra="attachments: [link.txt]\n")
    assert only_error(content, "linked").field == "attachments[0]"


@pytest.mark.parametrize("body", ["", "   \n\n", "<!-- 下書き -->\n"])
def test_empty_body_is_refused(content: ContentTree, body: str) -> None:
    content.add("empty", body=body)
    err = only_error(content, "empty")
    assert (err.field, err.message, err.line) == ("body", "本文が空です", 11)


def test_summary_of_more_than_three_sentences(content: ContentTree) -> None:
    content.add("three", summary="一文目。二文目！三文目？")
    content.add("four", summary="一文目。二文目。三文目。四文目。")
    result = load(content)
    assert [c.id for c in result.cases] == ["three"]
    (err,) = result.errors
    assert err.field == "summary" and err.line == LINE["summary"]
    assert err.message == "要約は1〜3文にしてください（4 文あります）"


def test_shift_jis_file_is_refused_with_its_line(content: ContentTree) -> None:
    content.write("cases/sjis.md", case_text("sjis").encode("shift_jis"))
    err = only_error(content, "sjis")
    assert err.message == "UTF-8 ではない文字コードで保存されています"
    assert err.line == LINE["title"]  # the first non-ASCII byte
    assert err.hint and "UTF-8" in err.hint


def test_utf8_bom_and_crlf_are_accepted(content: ContentTree) -> None:
    text = case_text("bom").replace("\n", "\r\n")
    content.write("cases/bom.md", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load(content).ok


def test_binary_file_named_md_is_refused(content: ContentTree) -> None:
    content.write("cases/image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    err = only_error(content, "image")
    assert err.message == "テキストではなくバイナリファイルです" and err.line == 3


def test_python_yaml_tag_is_refused_and_not_executed(content: ContentTree, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    content.add(
        "tagged", extra=f'organization: !!python/object/apply:os.system ["touch {marker}"]\n'
    )
    content.add("echo", extra='organization: !!python/object/apply:os.system ["echo"]\n')
    result = load(content)
    assert not marker.exists()
    assert len(result.errors) == 2 and not result.cases
    for err in result.errors:
        assert err.message.startswith("使えない YAML タグです") and err.line == EXTRA
        assert err.hint and "YAML タグは読み込みません" in err.hint


def test_yaml_bomb_is_refused(content: ContentTree) -> None:
    lines = ["---", "id: bomb", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    content.write("cases/bomb.md", "\n".join([*lines, "---", "本文", ""]))
    err = only_error(content, "bomb")
    assert err.message == "YAML のアンカー/エイリアス（&, *）は使えません" and err.line == 3


def test_malformed_yaml_reports_the_file_line(content: ContentTree) -> None:
    content.add("broken", extra="tags: [閉じ忘れ\norganization: 組合\n")
    err = only_error(content, "broken")
    assert err.message.startswith("YAML の書式エラー")
    assert err.line == EXTRA + 1  # where the parser gave up, counted in the file


def test_missing_fence_and_unclosed_front_matter(content: ContentTree) -> None:
    content.write("cases/nofence.md", "# 見出しだけ\n本文\n")
    content.write("cases/unclosed.md", "---\nid: unclosed\n本文\n")
    errors = {Path(e.path or "").stem: e for e in load(content).errors}
    assert errors["nofence"].line == 1 and "front matter" in errors["nofence"].message
    assert "閉じる" in errors["unclosed"].message


def test_duplicate_key_is_refused(content: ContentTree) -> None:
    content.add("dupkey", extra="title: 二つ目\n")
    err = only_error(content, "dupkey")
    assert (
        err.field == "title" and err.line == EXTRA and err.message == "同じ項目が2回書かれています"
    )


def test_file_over_the_size_limit(content: ContentTree) -> None:
    content.add("small")
    content.add("large", body="あ" * 2000)
    result = load(content, max_bytes=2000)
    assert [c.id for c in result.cases] == ["small"]
    (err,) = result.errors
    assert err.path == "content/cases/large.md" and err.message.startswith("ファイルが大きすぎます")
    assert err.hint and "KB_MAX_FILE_BYTES" in err.hint


def test_every_problem_of_a_tree_is_reported_at_once(content: ContentTree) -> None:
    content.add("good")
    content.add("b1", extra="titel: x\n", prefecture="京都")  # two problems in one file
    content.add("b2", year="二〇二三")  # type: ignore[arg-type]
    content.write("cases/b3.md", case_text("b3").encode("shift_jis"))
    content.add("b4", body="")
    content.write("cases/b5.md", case_text("other"))
    result = load(content)
    assert [c.id for c in result.cases] == ["good"]
    assert len(result.errors) >= 6
    assert {Path(e.path or "").stem for e in result.errors} == {"b1", "b2", "b3", "b4", "b5"}


def test_only_checks_the_given_files_but_knows_the_others(content: ContentTree) -> None:
    first = content.add("one")
    content.add("two", year=1800)
    result = load(content, only=[first])
    assert result.ok and [c.id for c in result.cases] == ["one"]
    # duplicates are found across the whole tree, even when checking one file
    content.write("cases/sub/one.md", case_text("one"))
    dup = load(content, only=[first])
    assert [e.field for e in dup.errors] == ["id"] and "重複" in dup.errors[0].message


def test_only_with_another_spelling_of_the_same_path(
    content: ContentTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # regression: an absolute path next to a relative content dir was loaded twice
    # and reported as a duplicate of itself
    path = content.add("single")
    monkeypatch.chdir(content.root.parent)
    tax = load_taxonomy(Path("content"))
    result = load_cases(Path("content"), tax, max_bytes=10_000, only=[path.resolve()])
    assert result.ok and [c.id for c in result.cases] == ["single"]


def test_error_text_format(content: ContentTree) -> None:
    content.add("typo", extra="titel: x\n")
    err = only_error(content, "typo")
    assert str(err) == (
        "content/cases/typo.md:10: titel: 未知の項目です。もしかして「title」? "
        "(使える項目は README の「事例ファイルの書き方」を参照してください)"
    )


def test_parallel_loading_gives_the_same_result(content, monkeypatch) -> None:
    """Large trees are loaded on every core; the result must not depend on it."""
    import kb.loader as loader_module
    from kb.loader import load_cases
    from kb.taxonomy import load_taxonomy

    for i in range(12):
        content.add(f"aichi-2023-p{i}", f"## 背景\n本文{i}。", prefecture="愛知県")
    content.add("aichi-2023-bad", "## 背景\n本文。", prefecture="愛知")
    content.add("aichi-2023-p3", "## 背景\n重複。")  # overwrites p3 with the same id: fine
    (content.root / "cases" / "dup").mkdir()
    (content.root / "cases" / "dup" / "aichi-2023-p1.md").write_text(
        (content.root / "cases" / "aichi-2023-p1.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    taxonomy = load_taxonomy(content.root)
    sequential = load_cases(content.root, taxonomy, max_bytes=10**6)
    monkeypatch.setattr(loader_module, "_PARALLEL_MIN", 1)
    parallel = load_cases(content.root, taxonomy, max_bytes=10**6)
    assert [c.id for c in parallel.cases] == [c.id for c in sequential.cases]
    assert [str(e) for e in parallel.errors] == [str(e) for e in sequential.errors]
    assert any("重複" in e.message for e in parallel.errors)
    assert any("愛知県" in e.message for e in parallel.errors)
