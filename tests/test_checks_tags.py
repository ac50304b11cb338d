"""Taxonomy hygiene of `kb check`: tags that are theme synonyms or spelling variants."""

from __future__ import annotations

from tests.conftest import ContentTree
from tests.test_checks_structure import CASE_BODY, check, messages


def test_clean_tags_pass(content: ContentTree) -> None:
    content.add("aichi-2023-a", CASE_BODY, extra="tags: [共同受注, 原価計算]\n")
    assert messages(check(content)[1], "taxonomy") == []


def test_tag_equal_to_a_theme_synonym(content: ContentTree) -> None:
    content.add("aichi-2023-a", CASE_BODY, themes="gx", extra="tags: [共同受注, ＤＸ]\n")
    code, findings = check(content)
    assert code == 0
    assert messages(findings, "taxonomy") == [
        (
            "タグ「ＤＸ」はテーマ「dx」（DX・デジタル化）と同じ意味です",
            "content/cases/aichi-2023-a.md",
            10,
        )
    ]
    assert findings[0]["field"] == "tags[1]"
    assert findings[0]["hint"] == "tags から「ＤＸ」を消してください（themes に dx を追加）"
    assert check(content, "--strict")[0] == 1


def test_width_and_okurigana_variants_get_the_canonical_spelling(content: ContentTree) -> None:
    content.add("aichi-2023-a", CASE_BODY, extra="tags: [ＩｏＴ活用, 打ち合わせ]\n")
    content.add("aichi-2023-b", CASE_BODY, extra="tags: [IoT活用, 打ち合わせ]\n")
    content.add("aichi-2023-c", CASE_BODY, extra="tags: [IoT活用, 打合せ]\n")
    found = messages(check(content)[1], "taxonomy")
    assert found == [
        ("タグ「ＩｏＴ活用」は「IoT活用」の表記ゆれです", "content/cases/aichi-2023-a.md", 10),
        ("タグ「打合せ」は「打ち合わせ」の表記ゆれです", "content/cases/aichi-2023-c.md", 10),
    ]


def test_same_tag_twice_in_one_case(content: ContentTree) -> None:
    content.add("aichi-2023-a", CASE_BODY, extra="tags: [IoT活用, ＩｏＴ活用]\n")
    assert messages(check(content)[1], "taxonomy") == [
        ("タグ「ＩｏＴ活用」は「IoT活用」と重複しています", "content/cases/aichi-2023-a.md", 10)
    ]
