"""The search page (/) and its fragment (/search/results): every parameter and error path."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from kb.errors import SearchUnavailable
from kb.search import Searcher
from tests.conftest import authed
from web.app import create_app

CASES = [
    (
        "aichi-price",
        "鋳物組合の価格転嫁交渉",
        "price-pass-through",
        "愛知県",
        2023,
        "製造業",
        "case",
    ),
    ("aichi-dx", "受発注のデジタル化", "dx", "愛知県", 2021, "製造業", "case"),
    ("miyagi-succession", "後継者不足と事業承継", "succession", "宮城県", 2022, "建設業", "case"),
    ("tokyo-dx", "商店街のキャッシュレス化", "dx", "東京都", 2024, "卸売業，小売業", "case"),
    ("zenkoku-invoice-qa", "インボイス制度の質問", "invoice", "全国", 2023, "建設業", "qa"),
]


def add_cases(content, extra: int = 0):
    for cid, title, theme, pref, year, industry, kind in CASES:
        content.add(
            cid,
            f"## 背景\n{title}について組合で取り組んだ。",
            title=title,
            themes=theme,
            prefecture=pref,
            year=year,
            kind=kind,
            extra=f"industry: {industry}\norganization_type: 事業協同組合\n",
        )
    for i in range(extra):
        content.add(f"bulk-{i:02d}", "## 背景\n共同受注の取組。", title=f"共同受注 {i}", year=2019)


@pytest.fixture
def client(content, indexed):
    add_cases(content)
    ix = indexed()
    with authed(create_app(ix.settings)) as c:
        yield c


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<h3 class="hit-title"><a href="/cases/([a-z0-9-]+)[?"]', html)


def test_empty_query_lists_everything_newest_first(client):
    res = client.get("/")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert hit_ids(res.text)[0] == "tokyo-dx"
    assert "5 件" in res.text
    assert 'action="/" method="get"' in res.text  # the form works without JavaScript
    assert '<label for="q"' in res.text and '<label for="sort"' in res.text


def test_query_highlights_and_shows_metadata(client):
    res = client.get("/", params={"q": "価格転嫁"})
    assert hit_ids(res.text) == ["aichi-price"]
    assert "<mark>価格転嫁</mark>" in res.text
    assert "愛知県" in res.text and "2023年度" in res.text
    assert 'href="/themes/price-pass-through">価格転嫁</a>' in res.text
    assert re.search(r"（\d+\.\d{3} 秒）", res.text)
    assert "「価格転嫁」の検索結果" in res.text


def test_snippet_is_escaped_but_marks_render(content, indexed):
    content.add("xss", "## 背景\n<script>alert(1)</script> 価格転嫁の話。", title="<b>題</b>")
    with authed(create_app(indexed().settings)) as c:
        res = c.get("/", params={"q": "価格転嫁"})
    assert "<script>alert(1)" not in res.text
    assert "&lt;b&gt;題&lt;/b&gt;" in res.text


def test_facets_have_japanese_labels_regions_and_counts(client):
    html = client.get("/").text
    assert re.search(
        r"<span class=\"label\">DX・デジタル化</span>.*?<span class=\"n\">2<", html, re.S
    )
    # region headings are links that filter on the region
    region = '<p class="region"><a href="/?filter=region%3D{}" data-nav>{}</a></p>'
    assert (
        region.format("%E5%8C%97%E6%B5%B7%E9%81%93%E3%83%BB%E6%9D%B1%E5%8C%97", "北海道・東北")
        in html
    )
    assert region.format("%E5%85%A8%E5%9B%BD", "全国") in html
    assert (
        html.index("北海道・東北")
        < html.index("data-nav>関東</a></p>")
        < html.index("data-nav>中部</a></p>")
    )
    for label in ("テーマ", "都道府県", "業種", "組織形態", "種別", "年度"):
        assert f"<summary>{label}</summary>" in html
    assert "質疑応答" in html  # kind label from the taxonomy


def test_filter_narrows_and_shows_chip_and_clear_all(client):
    res = client.get("/", params=[("filter", "themes=dx")])
    assert sorted(hit_ids(res.text)) == ["aichi-dx", "tokyo-dx"]
    assert 'class="chip" href="/#results"' in res.text
    assert "テーマ: DX・デジタル化" in res.text
    assert "すべて解除" in res.text
    # the other values of the same field keep their counts (disjunctive), other fields narrow
    assert re.search(r"事業承継</span> <span class=\"n\">1<", res.text)
    assert "宮城県" not in res.text.split('id="facet-prefecture"')[1].split("</details>")[0]


def test_two_filters_or_within_field_and_across_fields(client):
    params = [
        ("filter", "themes=dx"),
        ("filter", "themes=succession"),
        ("filter", "prefecture=愛知県"),
    ]
    res = client.get("/", params=params)
    assert hit_ids(res.text) == ["aichi-dx"]
    assert res.text.count('class="chip"') == 3


def test_facet_links_toggle_and_reset_page(client):
    html = client.get("/", params=[("q", "組合"), ("filter", "themes=dx"), ("page", "1")]).text
    assert 'href="/?q=%E7%B5%84%E5%90%88#results"' in html  # chip removes the filter, keeps q
    assert "filter=themes%3Ddx&amp;filter=prefecture%3D%E6%84%9B%E7%9F%A5%E7%9C%8C" in html


def test_year_range_form_redirects_to_canonical_url(client):
    res = client.get(
        "/", params={"q": "組合", "year_from": "2023", "year_to": "2021"}, follow_redirects=False
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/?q=%E7%B5%84%E5%90%88&filter=year%3D2021..2023"
    page = client.get(res.headers["location"])
    assert sorted(hit_ids(page.text)) == [
        "aichi-dx",
        "aichi-price",
        "miyagi-succession",
        "zenkoku-invoice-qa",
    ]
    assert "年度: 2021〜2023年度" in page.text
    cleared = client.get(
        "/",
        params=[("filter", "year=2021..2023"), ("year_from", ""), ("year_to", "")],
        follow_redirects=False,
    )
    assert cleared.headers["location"] == "/"


def test_sort_newest_and_oldest(client):
    assert hit_ids(client.get("/", params={"sort": "newest"}).text)[0] == "tokyo-dx"
    assert hit_ids(client.get("/", params={"sort": "oldest"}).text)[0] == "aichi-dx"
    html = client.get("/", params={"sort": "newest"}).text
    assert '<option value="newest" selected>' in html


def test_pagination_has_stable_urls(content, indexed):
    add_cases(content, extra=21)
    with authed(create_app(indexed().settings)) as c:
        first = c.get("/")
        second = c.get("/", params={"page": 2})
    assert len(hit_ids(first.text)) == 20
    assert 'href="/?page=2#results"' in first.text and 'rel="next"' in first.text
    assert len(hit_ids(second.text)) == 6
    assert 'aria-current="page">2<' in second.text and 'href="/#results" data-nav' in second.text
    assert set(hit_ids(first.text)).isdisjoint(hit_ids(second.text))


def test_page_past_the_end_says_so(client):
    res = client.get("/", params={"page": 3})
    assert res.status_code == 200
    assert "このページには結果がありません" in res.text


def test_no_results_suggests_filters_to_remove_with_counts(client):
    res = client.get("/", params=[("q", "価格転嫁"), ("filter", "prefecture=東京都")])
    assert hit_ids(res.text) == []
    assert "条件に一致する事例は見つかりませんでした" in res.text
    assert "都道府県: 東京都 を外す</a>（1 件）" in res.text
    assert "検索語「価格転嫁」 を外す</a>（1 件）" in res.text


def test_no_results_suggests_nearest_taxonomy_term(client):
    label = client.app.state.services.taxonomy.themes["export"].label  # 海外展開・輸出
    res = client.get("/", params={"q": label[:-1] + "入"})  # one character off, no case has it
    assert "条件に一致する事例は見つかりませんでした" in res.text
    assert "もしかして" in res.text and f"（テーマ: {label}）" in res.text
    assert 'href="/?filter=themes%3Dexport#results"' in res.text


def test_relaxed_results_say_so(client):
    res = client.get("/", params={"q": "価格転嫁 宇宙開発"})
    assert hit_ids(res.text) == ["aichi-price"]
    assert "すべての語を含む事例はありません。一部の語に一致した事例を表示しています" in res.text


def test_region_heading_filters_and_marks_itself_current(client):
    res = client.get("/", params=[("filter", "region=北海道・東北")])
    assert hit_ids(res.text) == ["miyagi-succession"]
    assert 'aria-current="true">北海道・東北</a>' in res.text
    assert "地域: 北海道・東北" in res.text  # the chip


def test_place_word_is_a_chip_that_removes_the_word(client):
    res = client.get("/", params={"q": "事業承継 東北"})
    assert hit_ids(res.text) == ["miyagi-succession"]
    assert "「東北」は地域の絞り込み（地域: 北海道・東北）として使いました" in res.text
    chip = re.search(r'<a class="chip" href="([^"]+)">地域: 北海道・東北', res.text)
    assert chip and chip.group(1) == "/?q=%E4%BA%8B%E6%A5%AD%E6%89%BF%E7%B6%99"  # q=事業承継


def test_china_alone_offers_the_region_as_a_chip(client):
    res = client.get("/", params={"q": "中国"})
    assert "地方: 中国 で絞り込む" in res.text
    assert 'href="/?filter=region%3D%E4%B8%AD%E5%9B%BD"' in res.text


def test_partial_matches_are_marked_below_full_ones(client):
    res = client.get("/", params={"q": "価格転嫁 デジタル化"})
    assert hit_ids(res.text)[:2] in (["aichi-price", "aichi-dx"], ["aichi-dx", "aichi-price"])
    assert "一部の語に一致（「デジタル化」を含みません）" in res.text
    assert "一部の語に一致（「価格転嫁」を含みません）" in res.text


def test_typo_is_corrected_and_said(client):
    res = client.get("/", params={"q": "インボス"})
    assert hit_ids(res.text) == ["zenkoku-invoice-qa"]
    assert "「インボス」に一致する事例がないため、「インボイス」で検索しました" in res.text


def test_fragment_is_the_results_region_with_canonical_url(client):
    res = client.get("/search/results", params=[("q", "受発注"), ("filter", "theme=DX")])
    assert res.status_code == 200
    assert "<html" not in res.text
    assert 'data-url="/?q=%E5%8F%97%E7%99%BA%E6%B3%A8&amp;filter=themes%3Ddx"' in res.text
    assert "data-filters='[\"themes=dx\"]'" in res.text
    assert hit_ids(res.text) == ["aichi-dx"]
    ranged = client.get("/search/results", params={"year_from": "2024", "year_to": ""})
    assert hit_ids(ranged.text) == ["tokyo-dx"]
    assert 'data-url="/?filter=year%3D2024.."' in ranged.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter": "colour=red"}, "絞り込み"),
        ({"filter": "prefecture=京都"}, "京都府"),
        ({"filter": "year=abcd"}, "年度"),
        ({"sort": "random"}, "パラメータが正しくありません"),
        ({"page": "0"}, "パラメータが正しくありません"),
        ({"page": "x"}, "パラメータが正しくありません"),
        ({"q": "あ" * 501}, "パラメータが正しくありません"),
        ({"year_from": "20x3"}, "パラメータが正しくありません"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/search/results"])
def test_bad_parameters_are_a_japanese_400_page(client, path, params, message):
    res = client.get(path, params=params, headers={"accept": "text/html"})
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("text/html")
    assert message in res.text and "検索に戻る" in res.text


def test_meilisearch_down_is_a_japanese_503_page_and_recovers(client):
    down = SearchUnavailable("検索サーバー（Meilisearch）に接続できません")
    with (  # the page searches from a thread, the API from the event loop
        mock.patch.object(Searcher, "search", side_effect=down),
        mock.patch.object(Searcher, "asearch", side_effect=down),
    ):
        res = client.get("/", params={"q": "価格転嫁"}, headers={"accept": "text/html"})
        api = client.get("/api/search", params={"q": "価格転嫁"})
    assert res.status_code == 503
    assert "検索サーバーに接続できません" in res.text and "<html" in res.text
    assert api.status_code == 503 and api.json()["error"]["message"].startswith("検索サーバー")
    assert client.get("/", params={"q": "価格転嫁"}).status_code == 200


def test_unreachable_server_is_503(make_settings, content):
    add_cases(content)
    settings = make_settings(
        content_dir=content.root,
        meili_url="http://127.0.0.1:9",
        meili_master_key="k",
        meili_timeout_s=2.0,
    )
    with authed(create_app(settings)) as c:
        res = c.get("/")
    assert res.status_code == 503
    assert "検索サーバーに接続できません" in res.text


def test_static_assets_are_served(client):
    for path in ("/static/kb.css", "/static/print.css", "/static/search.js"):
        assert client.get(path).status_code == 200
    assert "AbortController" in client.get("/static/search.js").text
