"""kb.case: the Case schema on its own (the loader tests cover files, lines and paths)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kb.case import FIELDS, REQUIRED, Case, describe, did_you_mean
from kb.taxonomy import Taxonomy, load_taxonomy

CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy(CONTENT)


def base(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "aichi-2023-x", "title": "題", "summary": "要約です。", "themes": ["dx"],
        "prefecture": "愛知県", "year": 2023, "visibility": "public",
    }  # fmt: skip
    data.update(over)
    return data


def errors(tax: Taxonomy, **over: Any) -> list[tuple[str, str]]:
    try:
        Case.model_validate(base(**over), context={"taxonomy": tax})
    except ValidationError as exc:
        return [(".".join(str(x) for x in e["loc"]), describe(dict(e))) for e in exc.errors()]
    return []


def test_required_fields_are_the_contracts() -> None:
    assert set(REQUIRED) == {"id", "title", "summary", "themes", "prefecture", "year", "visibility"}
    assert "body" not in FIELDS and "attachments" in FIELDS


def test_valid_case_and_defaults(tax: Taxonomy) -> None:
    case = Case.model_validate(base(), context={"taxonomy": tax})
    assert case.kind == "case" and case.programs == [] and case.tags == [] and case.industry is None


def test_did_you_mean() -> None:
    assert did_you_mean("titel") == ["title"]
    assert did_you_mean("prefectur")[0] == "prefecture"
    assert did_you_mean("xyzzy") == []


@pytest.mark.parametrize(
    ("over", "field", "start"),
    [
        ({"title": "  "}, "title", "空にはできません"),
        ({"year": 2023.5}, "year", "整数で指定してください"),
        ({"year": True}, "year", "整数で指定してください"),
        ({"themes": "dx"}, "themes", "リストで指定してください"),
        ({"themes": ["dx", "ＤＸ"]}, "themes", "同じテーマが重複しています"),
        ({"prefecture": 13}, "prefecture", "文字列で指定してください"),
        ({"published": "2024/03/15"}, "published", "日付は YYYY-MM-DD"),
        ({"visibility": "Public"}, "visibility", "public か internal"),
        ({"id": "Aichi_2023"}, "id", "半角英小文字"),
        ({"id": "a" * 101}, "id", "100 文字以内で書いてください（指定値: 'aaaa"),  # a file name
        ({"kind": "事例"}, "kind", "種別は次のいずれか"),
        ({"organization_type": "協同組合"}, "organization_type", "組織形態は次のいずれか"),
        ({"programs": ["ものづくり"]}, "programs", "支援施策は次のいずれか"),
        (
            {"attachments": ["a/../../b.pdf"]},
            "attachments",
            "添付ファイルは事例ファイルからの相対パス",
        ),
    ],
)
def test_each_rule_says_what_is_wrong_in_japanese(
    tax: Taxonomy, over: dict[str, Any], field: str, start: str
) -> None:
    found = errors(tax, **over)
    assert len(found) == 1, found
    assert found[0][0] == field and found[0][1].startswith(start)


def test_vocabulary_messages_list_small_vocabularies(tax: Taxonomy) -> None:
    ((_, message),) = errors(tax, kind="report")
    assert message == "種別は次のいずれかで指定してください: case、qa、material（指定値: report）"


def test_folded_values_are_stored_canonical(tax: Taxonomy) -> None:
    case = Case.model_validate(
        base(themes=["ＤＸ", "ＢＣＰ"], industry="運輸業、郵便業", programs=["ＩＴ導入補助金"]),
        context={"taxonomy": tax},
    )
    assert case.themes == ["dx", "bcp"] and case.industry == "運輸業，郵便業"
    assert case.programs == ["IT導入補助金"]


@pytest.mark.parametrize(
    ("summary", "ok"),
    [
        ("一文。", True),
        ("一。二。三。", True),
        ("一。二。三。四。", False),
        ("一！二？三。四．", False),
        ("句点なし", True),
        # regression: full-width decimal points are not sentence ends
        ("売上は１．２倍、利益は１．５倍、客数は２．０倍になった。", True),
    ],
)
def test_summary_sentences(tax: Taxonomy, summary: str, ok: bool) -> None:
    assert (errors(tax, summary=summary) == []) is ok
