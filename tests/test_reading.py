"""kb.reading: kana readings as ASCII keys, the same for either script and common variants."""

from __future__ import annotations

import pytest

from kb.reading import (
    is_kana,
    is_kana_word,
    katakana,
    reading_key,
    reading_tokens,
    rendaku_keys,
)


@pytest.mark.parametrize(
    ("kana", "key"),
    [
        ("ジギョウショウケイ", "jigyoushoukei"),
        ("じぎょうしょうけい", "jigyoushoukei"),  # hiragana: the same key
        ("ｼﾞｷﾞｮｳｼｮｳｹｲ", "jigyoushoukei"),  # half-width katakana
        ("カカクテンカ", "kakakutenka"),
        ("ダツタンソ", "datsutanso"),
        ("ギノウジッシュウセイ", "ginoujisshuusei"),  # small ッ doubles, ュ after シ
        ("チョウセイ", "chousei"),
        ("ヂ", "ji"),  # ぢ/じ and づ/ず give the same key
        ("ヅ", "zu"),
        ("サーバー", "saabaa"),  # the long-vowel mark is its vowel
        ("サアバア", "saabaa"),
        ("ファイル", "fairu"),  # small vowels after a consonant
        ("ヴ", "bu"),
    ],
)
def test_reading_keys(kana: str, key: str) -> None:
    assert reading_key(kana) == key


def test_katakana_and_kana_words() -> None:
    assert katakana("じぎょう") == "ジギョウ"
    assert is_kana("ものづくり") and is_kana("インボイス") and not is_kana("事業承継")
    assert is_kana_word("ひきつぎ") and is_kana_word("ｲﾝﾎﾞｲｽ")  # width folded first
    assert not is_kana_word("そう")  # shorter than MIN_KANA: too ambiguous
    assert not is_kana_word("ひき継ぎ")


def test_reading_tokens_are_each_word_and_its_runs() -> None:
    assert reading_tokens(["ジギョウ", "ショウケイ"]) == ["jigyou", "jigyoushoukei", "shoukei"]
    assert reading_tokens(["ア", "イ", "ウ", "エ"], span=2) == [
        "a",
        "ai",
        "i",
        "iu",
        "u",
        "ue",
        "e",
    ]


def test_rendaku_keys_voice_one_kana_after_the_first_two() -> None:
    keys = rendaku_keys(["ヒトデ", "フソク"])
    assert keys[0] == "hitodefusoku"
    assert "hitodebusoku" in keys  # 人手不足 as people type it: ひとでぶそく
    assert "bitodefusoku" not in keys  # the first two kana stay as read
