"""Place words in a query: region and prefecture names act as filters, not as words.

東北, 九州, 中国地方, 関西 … become the region filter and 福井, 福井県, 東京 … the prefecture
filter (shown as a chip the user can remove). 中国 alone is ambiguous (the country or the
region): it stays a word, and unless the query is about export or overseas business, the
region is offered as a filter instead of applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.taxonomy import Taxonomy

# region names as people type them -> the taxonomy's region
REGION_WORDS = {
    "北海道・東北": "北海道・東北",
    "東北": "北海道・東北",
    "東北地方": "北海道・東北",
    "関東": "関東",
    "関東地方": "関東",
    "中部": "中部",
    "中部地方": "中部",
    "近畿": "近畿",
    "近畿地方": "近畿",
    "関西": "近畿",
    "関西地方": "近畿",
    "中国地方": "中国",
    "四国": "四国",
    "四国地方": "四国",
    "九州": "九州・沖縄",
    "九州地方": "九州・沖縄",
    "九州・沖縄": "九州・沖縄",
}
# areas that are not one region of the taxonomy: their prefectures
AREAS = {
    "北陸": ("新潟県", "富山県", "石川県", "福井県"),
    "東海": ("岐阜県", "静岡県", "愛知県", "三重県"),
    "甲信越": ("山梨県", "長野県", "新潟県"),
    "山陰": ("鳥取県", "島根県"),
    "山陽": ("岡山県", "広島県", "山口県"),
    "首都圏": ("東京都", "神奈川県", "埼玉県", "千葉県"),
    "南九州": ("熊本県", "宮崎県", "鹿児島県"),
    "北九州": ("福岡県", "佐賀県", "長崎県", "大分県"),
}
AMBIGUOUS = {"中国": "中国"}  # the country, or the region (中国地方)
# words that make 中国 the country
ABROAD = ("輸出", "輸入", "海外", "越境", "貿易", "外国", "国際", "インバウンド", "訪日", "中国語")


@dataclass(frozen=True)
class Place:
    """A place word of the query and the filter it stands for."""

    field: str  # "region" or "prefecture"
    value: str
    word: str  # as typed

    @property
    def label(self) -> str:
        return f"{'地域' if self.field == 'region' else '都道府県'}: {self.value}"


class Places:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.words: dict[str, Place] = {}
        self.areas: dict[str, tuple[Place, ...]] = {}
        for word, region in REGION_WORDS.items():
            self.words[word] = Place("region", region, word)
        for word, prefectures in AREAS.items():
            for suffix in ("", "地方", "地域"):
                self.areas[word + suffix] = tuple(
                    Place("prefecture", p, word + suffix) for p in prefectures
                )
        for name in taxonomy.vocab["prefectures"]:
            if name == "全国":
                continue
            self.words[name] = Place("prefecture", name, name)
            short = name[:-1] if name.endswith(("県", "府")) or name == "東京都" else ""
            if len(short) >= 2:
                self.words.setdefault(short, Place("prefecture", name, short))

    def place(self, word: str) -> tuple[Place, ...]:
        """The filters a place word stands for (several prefectures for 北陸, 東海 …)."""
        found = self.words.get(word)
        if found is not None:
            return (Place(found.field, found.value, word),)
        return self.areas.get(word, ())

    def offer(self, word: str, text: str) -> Place | None:
        """The region an ambiguous word may mean (中国), unless ``text`` says it is abroad."""
        region = AMBIGUOUS.get(word)
        if region is None or any(w in text for w in ABROAD):
            return None
        return Place("region", region, word)
