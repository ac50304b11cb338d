"""Search as instructors type it (issue 14), on a real index: several words ranked instead of
all-or-nothing, kana readings, place words as filters, spelling corrections and the query
syntax (-word, OR, "phrase")."""

from __future__ import annotations

import pytest

from kb.results import notes
from tests.conftest import ContentTree, Indexed, run_async, session_settings

# id -> (title, body, prefecture)
CASES = {
    "both": ("製麺組合の事業承継", "組合員の事業承継と脱炭素の取組を同時に進めた。", "香川県"),
    "succ-a": ("建設組合の事業承継", "後継者不足の組合員の事業承継を支援した。", "秋田県"),
    "succ-b": ("眼鏡組合の事業承継", "組合員の事業承継を税制の面から支援した。", "福井県"),
    "carbon": (
        "茶業組合の脱炭素",
        "共同工場で脱炭素と省エネルギー設備の更新に取り組んだ。",
        "静岡県",
    ),
    "common": ("組合の支援", "組合員の支援を行った。組合の会議を開いた。", "広島県"),
    "kana": ("組合の研修", "研修の前にそうした話をした。かなり長い説明があった。", "鳥取県"),
    "export": ("水産加工の輸出", "東南アジア向けの輸出と海外の展示会への出展。", "宮城県"),
    "china": ("宝飾の越境EC", "中国語に対応した越境ECサイトで中国の顧客に販売した。", "山梨県"),
    "tokyo-text": ("商店街の共同販促", "東京都の商店街と連携して共同販促を行った。", "宮城県"),
    "invoice": ("商店街のインボイス対応", "インボイス制度への対応を共同で進めた。", "大阪府"),
    "price": ("鋳物組合の価格転嫁", "原材料費の価格転嫁の交渉を支援した。", "愛知県"),
    "chem": ("化学品の品質管理", "製品の価格と原料の転化率を管理した。", "三重県"),
}


@pytest.fixture(scope="module")
def ix(meili_data, tmp_path_factory):
    content = ContentTree(tmp_path_factory.mktemp("ranking") / "content")
    for i, (name, (title, body, pref)) in enumerate(CASES.items()):
        content.add(name, f"## 背景\n{body}", title=title, prefecture=pref, year=2015 + i)
    index = Indexed(session_settings(meili_data, content.root))
    index.rebuild()
    yield index
    index.drop()


def test_every_word_first_then_cases_with_some_words(ix):
    result = ix.searcher.search("事業承継 脱炭素")
    ids = [h["id"] for h in result["hits"]]
    assert ids[0] == "both"
    assert set(ids[1:]) == {"succ-a", "succ-b", "carbon"}
    assert result["full_total"] == 1 and result["total"] == 4 and result["relaxed"]
    assert result["hits"][0]["matched_all"] and not result["hits"][0]["missing_words"]
    by_id = {h["id"]: h for h in result["hits"]}
    assert by_id["carbon"]["missing_words"] == ["事業承継"]
    assert by_id["succ-a"]["missing_words"] == ["脱炭素"]
    assert any("一部の語に一致" in n for n in notes(result))


def test_a_rare_word_outweighs_a_common_one(ix):
    # 組合員 is in nearly every case, 後継者 in one: 後継者 alone is shown, 組合員 alone is not
    result = ix.searcher.search("後継者がいない組合員への支援策")
    ids = [h["id"] for h in result["hits"]]
    assert ids == ["succ-a"]
    assert result["missing"] == ["支援策"]
    assert "「支援策」を含む事例はありません" in notes(result)


def test_relaxed_tail_never_matches_single_kana_or_fragments(ix):
    # だつたんそ is not read as the fragments だつ / た / そう of the "kana" case
    assert "kana" not in ix.ids("だつたんそ")
    # a lone kana next to a word is not asked for, and never found alone
    assert set(ix.ids("脱炭素 そ")) == {"both", "carbon"}


def test_paging_runs_from_full_matches_into_the_tail(ix):
    first = ix.searcher.search("事業承継 脱炭素", limit=2)
    second = ix.searcher.search("事業承継 脱炭素", limit=2, offset=2)
    ids = [h["id"] for h in first["hits"] + second["hits"]]
    assert ids[0] == "both" and len(set(ids)) == 4
    assert second["total"] == 4


def test_every_word_cases_lead_and_facets_count_the_whole_result(ix):
    # the case with both words is asked once, leads, and is excluded from the ranked search;
    # facets and totals are those of the whole result, one page at a time or all at once
    whole = ix.searcher.search("事業承継 脱炭素")
    assert sum(whole["facets"]["prefecture"].values()) == whole["total"] == 4
    assert whole["facets"]["prefecture"]["香川県"] == 1  # "both", counted once
    pages = [ix.searcher.search("事業承継 脱炭素", limit=2, offset=i) for i in (0, 2)]
    assert [h["id"] for p in pages for h in p["hits"]] == [h["id"] for h in whole["hits"]]
    assert all(p["total"] == 4 and p["facets"] == whole["facets"] for p in pages)
    assert [h["matched_all"] for p in pages for h in p["hits"]] == [True, False, False, False]


def test_async_search_gives_the_same_ranked_result(ix):
    sync = ix.searcher.search("事業承継 脱炭素")
    async_ = run_async(ix.searcher.asearch("事業承継 脱炭素"))
    assert [h["id"] for h in sync["hits"]] == [h["id"] for h in async_["hits"]]


@pytest.mark.parametrize("kana", ["じぎょうしょうけい", "ジギョウショウケイ"])
def test_kana_reading_finds_the_kanji_spelling(ix, kana):
    assert set(ix.ids(kana)) == {"both", "succ-a", "succ-b"}


def test_kana_reading_of_other_words(ix):
    assert ix.ids("かかくてんか") == ["price"]
    # "both" names 脱炭素 in its body only: the body's readings find it, after the case
    # with 脱炭素 in its title
    assert ix.ids("だつたんそ") == ["carbon", "both"]


@pytest.mark.parametrize(
    ("kana", "kanji"),
    [("だつたんそ", "脱炭素"), ("こうけいしゃ", "後継者"), ("コウケイシャ", "後継者"),
     ("しょうえねるぎー", "省エネルギー"), ("じぎょうしょうけい", "事業承継")],
)  # fmt: skip
def test_kana_query_finds_what_its_kanji_spelling_finds(ix, kana, kanji):
    # 後継者 and 省エネルギー stand only in a body; じぎょうしょうけい meets 事業 承継, two
    # neighbouring words, as one typed word
    assert set(ix.ids(kana)) == set(ix.ids(kanji)) != set()


def test_two_neighbouring_body_words_typed_as_one_kana_word(ix):
    # the "kana" case's body has 長い説明: ながいせつめい is one typed word, found through
    # the body's readings (naga i / setsumei side by side)
    assert ix.ids("ながいせつめい") == ["kana"]


def test_region_word_is_a_filter_with_a_removable_chip(ix):
    result = ix.searcher.search("事業承継 東北")
    assert [h["id"] for h in result["hits"]] == ["succ-a"]
    assert result["places"] == [
        {
            "field": "region",
            "value": "北海道・東北",
            "word": "東北",
            "label": "地域: 北海道・東北",
            "q": "事業承継",
        }
    ]


def test_prefecture_without_suffix_is_the_prefecture(ix):
    result = ix.searcher.search("福井 事業承継")
    assert [h["id"] for h in result["hits"]] == ["succ-b"]
    assert result["places"][0]["value"] == "福井県"


def test_area_word_filters_on_its_prefectures(ix):
    result = ix.searcher.search("北陸 事業承継")
    assert [h["id"] for h in result["hits"]] == ["succ-b"]
    assert (
        "「北陸」は地域の絞り込み（都道府県: 新潟県・富山県・石川県・福井県）として使いました"
        in notes(result)
    )


def test_region_alone_lists_the_region(ix):
    assert set(ix.ids("中国地方")) == {"common", "kana"}  # 広島県, 鳥取県


def test_prefecture_named_in_the_text_comes_after_cases_filed_there(ix):
    ids = ix.ids("東京都")
    assert ids == ["tokyo-text"]  # no case is filed under 東京都; one names it


def test_place_tier_finding_nothing_keeps_the_filed_cases_and_facets(ix):
    # no case names 静岡県 in its text: the cases filed there, counted in the facets
    result = ix.searcher.search("静岡県 脱炭素")
    assert [h["id"] for h in result["hits"]] == ["carbon"]
    assert result["total"] == 1 and not result["relaxed"]
    assert result["facets"]["prefecture"] == {"静岡県": 1}
    assert result["hits"][0]["matched_all"]


def test_china_with_export_words_means_the_country(ix):
    result = ix.searcher.search("中国 輸出")
    ids = [h["id"] for h in result["hits"]]
    assert "common" not in ids and "kana" not in ids  # 中国地方 cases are not the country
    assert set(ids) == {"export", "china"}
    assert result["offers"] == []


def test_china_alone_offers_the_region(ix):
    result = ix.searcher.search("中国")
    assert [h["id"] for h in result["hits"]] == ["china"]
    assert result["offers"][0]["value"] == "中国" and result["offers"][0]["q"] == ""


def test_typo_is_searched_as_corrected_and_said(ix):
    result = ix.searcher.search("インボス")
    assert [h["id"] for h in result["hits"]] == ["invoice"]
    assert result["corrected"] == [{"word": "インボス", "correction": "インボイス"}]
    assert "「インボス」に一致する事例がないため、「インボイス」で検索しました" in notes(result)
    typo = ix.searcher.search("事業承経")
    assert {h["id"] for h in typo["hits"]} == {"both", "succ-a", "succ-b"}
    assert "common" not in [h["id"] for h in typo["hits"]]


def test_few_results_get_a_maybe_suggestion(ix):
    # 価格 and 転化 both stand in "chem": one result, and the likelier spelling is offered
    result = ix.searcher.search("価格転化")
    assert result["hits"][0]["id"] == "chem" and result["full_total"] == 1
    assert result["suggestions"] == [{"q": "価格転嫁", "words": {"価格転化": "価格転嫁"}}]
    assert "もしかして: 価格転嫁" in notes(result)


def test_minus_excludes_and_or_takes_either(ix):
    assert set(ix.ids("事業承継 -税制")) == {"both", "succ-a"}
    assert set(ix.ids("輸出 OR 越境EC")) == {"export", "china"}
    result = ix.searcher.search("輸出 OR 越境EC")
    assert result["total"] == 2 and not result["relaxed"]


def test_an_or_query_counts_the_union_of_its_alternatives_before_ranking_them(ix):
    from kb.search import Multi

    first = next(ix.searcher._steps("輸出 OR 越境EC", []))
    # a count of the cases any alternative finds; no hits, bodies or facets (the ranked
    # search that follows shows them all together)
    assert isinstance(first, Multi) and first.body["federation"] == {"offset": 0, "limit": 0}
    assert len(first.body["queries"]) == 2 and first.body["queries"][0]["q"] == "輸出"
    assert all(q.get("limit") is None for q in first.body["queries"])
    result = ix.searcher.search("輸出 OR 越境EC")
    assert {h["id"] for h in result["hits"]} == {"export", "china"}
    assert result["full_total"] == 2
    assert result["facets"]["prefecture"] == {"宮城県": 1, "山梨県": 1}
    by_id = {h["id"]: h for h in result["hits"]}
    assert "<mark>越境EC</mark>" in by_id["china"]["snippet"]
    assert "<mark>輸出</mark>" in by_id["export"]["snippet"]
    # the first alternative found nowhere: the others still count, nothing is "corrected"
    nowhere = ix.searcher.search("宇宙 OR 越境EC")
    assert [h["id"] for h in nowhere["hits"]] == ["china"] and nowhere["corrected"] == []
    assert ix.ids("越境EC OR 宇宙") == ["china"]


def test_a_correction_is_not_searched_when_a_word_it_keeps_is_in_no_case(ix, monkeypatch):
    searcher = ix.searcher
    searched: list[str] = []
    run = searcher.run

    def recording(q, params):
        searched.append(q)
        return run(q, params)

    monkeypatch.setattr(searcher, "run", recording)
    searcher.counts.clear()
    # 宇宙開発 is in no case: インボイス 宇宙開発 cannot find anything, so it is not asked
    result = searcher.search("インボス 宇宙開発")
    assert not any("インボイス" in q for q in searched)
    assert result["corrected"] == [] and result["total"] == 0
    assert {"インボス", "宇宙"} <= set(result["missing"])
    # and it is still offered as 「もしかして」
    assert result["suggestions"][0]["words"] == {"インボス": "インボイス"}
    # a word the correction keeps that some case has: the corrected search is made
    searched.clear()
    found = searcher.search("インボス 商店街")
    assert any("インボイス" in q for q in searched)
    assert found["hits"][0]["id"] == "invoice" and found["full_total"] == 1
    assert found["corrected"] == [{"word": "インボス", "correction": "インボイス"}]


def test_quoted_phrase_is_exact(ix):
    assert ix.ids('"事業承継"') and set(ix.ids('"事業承継と脱炭素"')) == {"both"}


def test_word_counts_are_reused_and_a_zero_only_briefly(ix, monkeypatch):
    import kb.word_counts

    searcher = ix.searcher
    bodies: list[dict] = []
    multi = searcher.http.multi

    def recording(body):
        bodies.append(body)
        return multi(body)

    monkeypatch.setattr(searcher.http, "multi", recording)
    counting = lambda: [b for b in bodies if "federation" not in b]  # noqa: E731
    searcher.counts.clear()
    first = searcher.search("事業承継 脱炭素")
    assert len(counting()) == 1
    again = searcher.search("事業承継 脱炭素")
    assert len(counting()) == 1  # the words' counts were kept
    assert [h["id"] for h in again["hits"]] == [h["id"] for h in first["hits"]]
    # a word found nowhere: its 0 is asked again once ZERO_TTL_S has passed
    searcher.search("後継者がいない組合員への支援策")
    asked = len(counting())
    monkeypatch.setattr(kb.word_counts, "ZERO_TTL_S", -1.0)
    result = searcher.search("後継者がいない組合員への支援策")
    assert len(counting()) == asked + 1 and result["missing"] == ["支援策"]
    monkeypatch.setattr(kb.word_counts, "COUNTS_TTL_S", -1.0)
    searcher.search("事業承継 脱炭素")
    assert len(counting()) == asked + 2
