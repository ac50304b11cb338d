"""kb.fields: the rules the 新規事例 form and `kb new` share, and the words they use."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kb.fields import FIELDS, FieldError, choices, parse, parse_date, parse_year, read
from kb.taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
DEVELOPER_TEXT = re.compile(r"content/|taxonomy\.yml|\.md\b|指定値|キー|\[|\]|None")


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy(ROOT / "content")


@pytest.mark.parametrize(
    ("typed", "year"),
    [("2024", 2024), ("２０２４", 2024), ("２０２４年", 2024), ("2024年度", 2024), ("令和6", 2024),
     ("令和6年度", 2024), ("令和６年", 2024), ("R6", 2024), ("r6", 2024), ("令和元年度", 2019),
     ("平成30", 2018), ("H30年度", 2018), ("平成31年", 2019), (" 令和 7 ", 2025)],
)  # fmt: skip
def test_years_western_and_japanese(typed: str, year: int) -> None:
    assert parse_year(typed) == year


@pytest.mark.parametrize(
    ("typed", "message"),
    [("1980", "年度は 1990〜2100 年の間で書いてください（入力: 1980）"),
     ("平成元年", "年度は 1990〜2100 年の間で書いてください（入力: 平成元年）"),
     ("令和0", "令和0 という年はありません"), ("平成40", "平成40 という年はありません"),
     ("元年", "「元年」には令和か平成を付けてください（例: 令和元年）"),
     ("去年", "年度は 2024 のような西暦か、令和6・平成30 のような和暦で書いてください")],
)  # fmt: skip
def test_wrong_years_are_explained(typed: str, message: str) -> None:
    with pytest.raises(FieldError) as err:
        parse_year(typed)
    assert err.value.message == message


def test_dates() -> None:
    assert parse_date("2024-03-15") == parse_date("2024/3/15") == date(2024, 3, 15)
    assert parse_date("令和6年3月15日") == parse_date("２０２４年３月１５日") == date(2024, 3, 15)
    with pytest.raises(FieldError, match="2024-02-30 という日付はありません"):
        parse_date("2024-02-30")
    with pytest.raises(FieldError, match="公開日は 2024-03-15 のように"):
        parse_date("3月15日")


def test_labels_are_accepted_for_keys(tax: Taxonomy) -> None:
    by = {f.name: f for f in FIELDS}
    assert [parse(by["kind"], v, tax) for v in ("事例", "質疑応答", "指導資料", "qa", "Q&A")] == [
        "case", "qa", "material", "qa", "qa"]  # fmt: skip
    assert [parse(by["visibility"], v, tax) for v in ("公開", "内部", "public", "非公開")] == [
        "public", "internal", "public", "internal"]  # fmt: skip
    assert parse(by["themes"], "事業承継、ＤＸ, dx　BCP", tax) == ["succession", "dx", "bcp"]
    assert parse(by["prefecture"], "東京", tax) == "東京都"
    assert parse(by["industry"], "製造業", tax) == "製造業"
    assert parse(by["tags"], "価格交渉、共同受注 価格交渉", tax) == ["価格交渉", "共同受注"]
    assert parse(by["programs"], [], tax) == [] and parse(by["published"], "", tax) is None


def test_choices_come_from_the_taxonomy(tax: Taxonomy) -> None:
    by = {f.name: f for f in FIELDS}
    assert ("succession", "事業承継") in choices(by["themes"], tax)
    assert choices(by["kind"], tax) == [
        ("case", "事例"),
        ("qa", "質疑応答"),
        ("material", "指導資料"),
    ]
    assert choices(by["visibility"], tax) == [
        ("internal", "内部（指導員のみ）"),
        ("public", "公開"),
    ]
    assert len(choices(by["prefecture"], tax)) == 48
    assert ("IT導入補助金", "IT導入補助金") in choices(by["programs"], tax)
    assert choices(by["title"], tax) == []


def test_every_message_is_for_people(tax: Taxonomy) -> None:
    wrong = {"title": "", "summary": "一。二。三。四。", "kind": "case study", "themes": "ロボット",
             "prefecture": "大坂府", "year": "去年", "visibility": "secret", "industry": "製造",
             "organization_type": "組合", "programs": ["補助金X"], "published": "昨日", "slug": "漢字"}  # fmt: skip
    entry = read(wrong, tax)
    assert set(entry.errors) == set(wrong)
    for name, message in entry.errors.items():
        assert not DEVELOPER_TEXT.search(message), (name, message)
    assert entry.errors["themes"].startswith(
        "「ロボット」というテーマはありません。次から選んでください: DX・デジタル化、"
    )
    assert (
        entry.errors["industry"] == "「製造」は業種の一覧にありません。もしかして「製造業」ですか?"
    )


def test_required_fields_say_what_to_do(tax: Taxonomy) -> None:
    entry = read({}, tax)
    assert entry.errors == {
        "title": "タイトルを入力してください", "summary": "要約を入力してください",
        "kind": "種別を選んでください", "themes": "テーマを1つ以上選んでください",
        "prefecture": "都道府県を選んでください", "year": "年度を入力してください",
        "visibility": "公開範囲を選んでください",
    }  # fmt: skip
