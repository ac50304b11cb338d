"""Personal-data rule of `kb check`: public cases only, warnings with the span, errors under --strict."""

from __future__ import annotations

import pytest

from kb.checks.personal import check_personal
from tests.conftest import ContentTree
from tests.test_checks_structure import CASE_BODY, check, messages


def found(line: str) -> list[tuple[str, int]]:
    return [(f.message, f.column or 0) for f in check_personal([line], shown="x.md")]


@pytest.mark.parametrize(
    ("line", "label", "span"),
    [
        ("連絡先は052-123-4567まで。", "電話番号", "052-123-4567"),
        ("電話（０５２）１２３－４５６７", "電話番号", "（０５２）１２３－４５６７"),
        ("携帯 09012345678 へ", "電話番号", "09012345678"),
        ("メールは info@kumiai.example.jp へ", "メールアドレス", "info@kumiai.example.jp"),
        ("〒460-0008 にある", "郵便番号", "〒460-0008"),
        ("名古屋市中区栄三丁目1番2号に事務所", "番地までの住所", "名古屋市中区栄三丁目1番2号"),
        ("千代田区神田１－２－３の会館", "番地までの住所", "千代田区神田１－２－３"),
        ("理事長の山田太郎氏が説明した", "個人名", "山田太郎氏"),
        ("担当の田中さんに聞いた", "個人名", "田中さん"),
        ("鈴木様より寄付", "個人名", "鈴木様"),
    ],
)
def test_each_kind_of_personal_data(line: str, label: str, span: str) -> None:
    assert found(line) == [
        (f"個人情報の可能性があります（{label}）: 「{span}」", line.index(span) + 1)
    ]


@pytest.mark.parametrize(
    "line",
    [
        "皆さんのご協力により、お客様の満足度が上がった。",
        "組合員Ｃ社の担当者が説明した。",
        "令和５年度は組合員２２社中１８社が合意し、売上は3,500万円、前年比12.5％増。",
        "県内1番の規模で、市の中心部にある。",
        "2024-03-15 に公開、電話で相談を受けた。",
        "〇〇氏が就任した。",
    ],
)
def test_ordinary_text_is_not_flagged(line: str) -> None:
    assert found(line) == []


def test_public_case_warns_and_strict_fails(content: ContentTree) -> None:
    content.add(
        "aichi-2023-pii",
        CASE_BODY.replace("成果が出た。", "詳細は山田太郎氏（052-123-4567）まで。"),
    )
    code, findings = check(content)
    assert code == 0
    shown = "content/cases/aichi-2023-pii.md"
    assert messages(findings, "personal-data") == [
        ("個人情報の可能性があります（個人名）: 「山田太郎氏」", shown, 19),
        ("個人情報の可能性があります（電話番号）: 「052-123-4567」", shown, 19),
    ]
    assert {f["severity"] for f in findings} == {"warning"}
    code, findings = check(content, "--strict")
    assert code == 1
    assert {f["severity"] for f in findings} == {"error"}


def test_internal_case_is_not_checked(content: ContentTree) -> None:
    content.add(
        "aichi-2023-internal",
        CASE_BODY.replace("成果が出た。", "詳細は山田太郎氏（052-123-4567）まで。"),
        visibility="internal",
    )
    code, findings = check(content, "--strict")
    assert code == 0
    assert messages(findings, "personal-data") == []


def test_front_matter_is_checked_too(content: ContentTree) -> None:
    content.add("aichi-2023-sum", CASE_BODY, summary="問合せは info@kumiai.example.jp まで。")
    assert messages(check(content)[1], "personal-data") == [
        ("個人情報の可能性があります（メールアドレス）: 「info@kumiai.example.jp」",
         "content/cases/aichi-2023-sum.md", 4),
    ]  # fmt: skip


def test_matches_are_found_per_line_whatever_the_other_lines_hold() -> None:
    lines = [
        "連絡先",
        "052-123-4567",  # a number at a line edge: the lookarounds see the line, not the text
        "0120",
        "山田太郎氏",
        "電話（０５２）",
        "１２３－４５６７ 皆さん",
    ]
    got = [(f.line, f.column, f.message) for f in check_personal(lines, shown="x.md")]
    assert got == [
        (2, 1, "個人情報の可能性があります（電話番号）: 「052-123-4567」"),
        (4, 1, "個人情報の可能性があります（個人名）: 「山田太郎氏」"),
    ]
    assert check_personal(["組合の事業。", "売上は前年比１２％増。"], shown="x.md") == []
