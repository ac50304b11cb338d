"""kb.results: two disjoint answers joined, and what a result says in Japanese."""

from __future__ import annotations

from kb.results import facet_values, joined, notes, place_labels


def _answer(ids: list[str], total: int, prefs: dict[str, int], years: tuple[int, int]) -> dict:
    return {
        "hits": [{"id": i} for i in ids],
        "estimatedTotalHits": total,
        "facetDistribution": {"prefecture": prefs},
        "facetStats": {"year": {"min": years[0], "max": years[1]}},
        "processingTimeMs": 2,
    }


def test_joined_puts_the_first_answer_first_and_adds_counts() -> None:
    first = _answer(["a", "b"], 2, {"香川県": 2}, (2018, 2020))
    tail = _answer(["c"], 40, {"秋田県": 30, "香川県": 10}, (2015, 2019))
    both = joined(first, tail)
    assert [h["id"] for h in both["hits"]] == ["a", "b", "c"]
    assert both["estimatedTotalHits"] == 42
    assert both["facetDistribution"]["prefecture"] == {"秋田県": 30, "香川県": 12}
    assert list(both["facetDistribution"]["prefecture"]) == ["秋田県", "香川県"]  # by count
    assert both["facetStats"]["year"] == {"min": 2015, "max": 2020}
    assert both["processingTimeMs"] == 4
    assert facet_values(both, "prefecture") == ["秋田県", "香川県"]
    assert facet_values(both, "tags") == []


def test_notes_name_corrections_missing_words_partial_matches_and_places() -> None:
    result = {
        "corrected": [{"word": "インボス", "correction": "インボイス"}],
        "missing": ["支援策"],
        "relaxed": True,
        "full_total": 3,
        "places": [
            {"word": "北陸", "field": "prefecture", "value": v, "label": f"都道府県: {v}"}
            for v in ("新潟県", "富山県")
        ],
        "suggestions": [{"q": "価格転嫁", "words": {"価格転化": "価格転嫁"}}],
    }
    assert notes(result) == [
        "「インボス」に一致する事例がないため、「インボイス」で検索しました",
        "「支援策」を含む事例はありません",
        "すべての語を含む事例（3 件）の後に、一部の語に一致した事例を表示しています",
        "「北陸」は地域の絞り込み（都道府県: 新潟県・富山県）として使いました",
        "もしかして: 価格転嫁",
    ]
    assert place_labels(result) == {"北陸": "都道府県: 新潟県・富山県"}
    nothing_whole = notes({"relaxed": True, "full_total": 0})
    assert nothing_whole == [
        "すべての語を含む事例はありません。一部の語に一致した事例を表示しています"
    ]
    assert notes({"query": "組合", "total": 5}) == []
