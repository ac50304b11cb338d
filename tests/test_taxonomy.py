"""kb.taxonomy: vocabularies, folding, suggestions, and the shipped taxonomy's contents."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.errors import ContentError
from kb.taxonomy import Vocabulary, fold, load_taxonomy

CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def tax():  # type: ignore[no-untyped-def]
    return load_taxonomy(CONTENT)


def test_fold_unifies_width_case_commas_and_spaces() -> None:
    assert fold("卸売業,小売業") == fold("卸売業，小売業") == fold("卸売業、小売業")
    assert fold("新規輸出1万者支援プログラム") == fold("新規輸出１万者支援プログラム")
    assert fold("ＤＸ") == fold("dx") == fold(" D X ")


def test_shipped_vocabularies_match_the_contract(tax) -> None:  # type: ignore[no-untyped-def]
    assert list(tax.themes) == [
        "dx", "gx", "price-pass-through", "sdgs", "succession", "restructuring",
        "productivity", "bcp", "labor", "export", "regional", "startup", "invoice",
    ]  # fmt: skip
    assert len(tax.vocab["prefectures"]) == 48 and "全国" in tax.vocab["prefectures"]
    assert len(tax.vocab["industries"]) == 20
    for value in ("製造業", "卸売業，小売業", "サービス業（他に分類されないもの）", "医療，福祉"):
        assert value in tax.vocab["industries"]
    assert set(tax.kinds) == {"case", "qa", "material"}
    assert "新規輸出１万者支援プログラム" in tax.vocab["programs"]
    assert len(tax.synonym_groups) >= 30


def test_canonical_and_suggest(tax) -> None:  # type: ignore[no-untyped-def]
    assert tax.vocab["industries"].canonical("卸売業,小売業") == "卸売業，小売業"
    assert (
        tax.vocab["programs"].canonical("新規輸出1万者支援プログラム")
        == "新規輸出１万者支援プログラム"
    )
    assert tax.vocab["prefectures"].canonical("京都") is None
    assert tax.vocab["prefectures"].suggest("京都")[0] == "京都府"
    assert tax.vocab["industries"].suggest("製造")[0] == "製造業"
    assert tax.vocab["prefectures"].suggest("zzzz") == []


def test_theme_for_accepts_key_label_and_synonym(tax) -> None:  # type: ignore[no-untyped-def]
    assert tax.theme_for("ＤＸ") == "dx"
    assert tax.theme_for("価格転嫁") == "price-pass-through"
    assert tax.theme_for("事業継続計画") == "bcp"
    assert tax.theme_for("なにか") is None
    assert tax.theme_label("dx") == "DX・デジタル化" and tax.region_of("京都府") == "近畿"


def test_vocabulary_contains_only_canonical_spelling() -> None:
    vocab = Vocabulary("x", ["卸売業，小売業"])
    assert "卸売業，小売業" in vocab and "卸売業,小売業" not in vocab and len(vocab) == 1


def test_editors_extend_a_vocabulary_in_the_file(tmp_path: Path) -> None:
    text = (CONTENT / "taxonomy.yml").read_text(encoding="utf-8")
    text = text.replace("programs:\n", "programs:\n  - 架空の補助金\n", 1)
    (tmp_path / "taxonomy.yml").write_text(text, encoding="utf-8")
    assert "架空の補助金" in load_taxonomy(tmp_path).vocab["programs"]


def test_digest_changes_with_either_file(tmp_path: Path) -> None:
    for name in ("taxonomy.yml", "synonyms.yml"):
        (tmp_path / name).write_bytes((CONTENT / name).read_bytes())
    before = load_taxonomy(tmp_path).digest
    with (tmp_path / "synonyms.yml").open("a", encoding="utf-8") as f:
        f.write("\n# comment\n")
    assert load_taxonomy(tmp_path).digest != before


def test_broken_taxonomy_files_are_content_errors(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        load_taxonomy(tmp_path)
    assert info.value.message == "ファイルがありません"
    (tmp_path / "taxonomy.yml").write_text("themes: [a\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_taxonomy(tmp_path)
    assert info.value.message.startswith("YAML の書式エラー") and info.value.line == 2
    (tmp_path / "taxonomy.yml").write_text("themes: {}\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_taxonomy(tmp_path)
    assert info.value.field == "themes"


def test_synonym_group_of_one_word_is_refused(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yml").write_bytes((CONTENT / "taxonomy.yml").read_bytes())
    (tmp_path / "synonyms.yml").write_text(
        "groups:\n  - [BCP, 事業継続計画]\n  - [ひとつ]\n", encoding="utf-8"
    )
    with pytest.raises(ContentError) as info:
        load_taxonomy(tmp_path)
    assert info.value.message.startswith("2 番目のグループ") and info.value.field == "groups"


def test_broader_terms_are_read_and_bad_ones_refused(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yml").write_bytes((CONTENT / "taxonomy.yml").read_bytes())
    syn = tmp_path / "synonyms.yml"
    syn.write_text("broader:\n  外国人材: [技能実習生, 特定技能]\n", encoding="utf-8")
    assert load_taxonomy(tmp_path).broader == {"外国人材": ("技能実習生", "特定技能")}
    for bad in ("broader: [外国人材, 技能実習生]\n", "broader:\n  外国人材: []\n",
                "broader:\n  外国人材: 技能実習生\n"):  # fmt: skip
        syn.write_text(bad, encoding="utf-8")
        with pytest.raises(ContentError) as info:
            load_taxonomy(tmp_path)
        assert info.value.field == "broader" and info.value.hint
    assert load_taxonomy(CONTENT).broader["外国人材"]  # the shipped file has some
