"""kb.places: region and prefecture words of a query stand for filters; 中国 is offered."""

from __future__ import annotations

import pytest

from kb.places import Place, Places
from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def places() -> Places:
    return Places(load_taxonomy(CONTENT))


@pytest.mark.parametrize(
    ("word", "field", "value"),
    [
        ("東北", "region", "北海道・東北"),
        ("東北地方", "region", "北海道・東北"),
        ("関西", "region", "近畿"),
        ("九州", "region", "九州・沖縄"),
        ("中国地方", "region", "中国"),
        ("福井県", "prefecture", "福井県"),
        ("福井", "prefecture", "福井県"),  # without 県
        ("京都", "prefecture", "京都府"),  # without 府
        ("東京", "prefecture", "東京都"),
        ("北海道", "prefecture", "北海道"),
    ],
)
def test_region_and_prefecture_words(places: Places, word: str, field: str, value: str) -> None:
    assert places.place(word) == (Place(field, value, word),)


def test_areas_stand_for_their_prefectures(places: Places) -> None:
    hokuriku = places.place("北陸")
    assert [p.value for p in hokuriku] == ["新潟県", "富山県", "石川県", "福井県"]
    assert {p.field for p in hokuriku} == {"prefecture"} and {p.word for p in hokuriku} == {"北陸"}
    assert [p.value for p in places.place("東海地方")] == ["岐阜県", "静岡県", "愛知県", "三重県"]
    assert places.place("山陰地域")[0].word == "山陰地域"


def test_other_words_and_the_ambiguous_china_are_no_filter(places: Places) -> None:
    assert places.place("事業承継") == () and places.place("全国") == ()
    assert places.place("中国") == ()  # the country or the region: it stays a word


def test_china_is_offered_as_the_region_unless_the_query_is_about_abroad(places: Places) -> None:
    offered = places.offer("中国", "中国 事業承継")
    assert offered == Place("region", "中国", "中国") and offered.label == "地域: 中国"
    assert places.offer("中国", "中国 輸出") is None
    assert places.offer("中国", "中国語 のサイト") is None
    assert places.offer("東北", "東北 事業承継") is None  # only ambiguous words are offered
    assert Place("prefecture", "福井県", "福井").label == "都道府県: 福井県"
