"""The public portal (/public/…): featured first, theme and prefecture listings, search,
case pages, the search-only Meilisearch key, and the `featured` front-matter rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from meilisearch.errors import MeilisearchApiError

from kb import meili, meili_server
from kb.errors import SearchUnavailable
from kb.loader import load_cases
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree, Indexed, session_settings
from web.app import create_app
from web.portal import PUBLIC_FIELDS
from web.security import protect


@pytest.fixture(scope="module")
def site(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tree = ContentTree(tmp_path_factory.mktemp("public") / "content")
    tree.add("old-star", "## 背景\n注目の取組。共同受注を進めた。", title="注目事例", year=2019,
             extra="featured: true\norganization: 星組合\n")  # fmt: skip
    tree.add("new-plain", "## 背景\n共同受注の新しい事例。", title="新しい事例", year=2024)
    tree.add("kyoto-one", "## 背景\n京都の事例。", title="京都の事例", prefecture="京都府",
             themes="bcp", extra="published: 2024-03-15\ntags: [人材育成]\n")  # fmt: skip
    tree.add("hidden-one", "## 背景\n共同受注の内部事例。", title="内部", visibility="internal")
    tree.add("personal-one", "## 背景\n担当の山田太郎様（電話 03-1234-5678）に聞いた。",
             title="個人情報あり")  # fmt: skip
    tree.add("qa-one", "## 質問\n免税事業者との取引は。", title="質問の一つ", kind="qa",
             themes="invoice", prefecture="北海道", year=2022)  # fmt: skip
    tree.add("material-star", "## 手順\nSDGs宣言の手順。", title="注目の指導資料", kind="material",
             themes="sdgs", prefecture="北海道", year=2022, extra="featured: true\n")  # fmt: skip
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    app = create_app(ix.settings)
    protect(app)
    ix.http = TestClient(app)
    yield ix
    ix.drop()


def titles(html: str) -> list[str]:
    import re

    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a>', html)


def test_index_page_featured_then_recent_with_theme_and_prefecture_links(site: Any) -> None:
    page = site.http.get("/public/")
    assert page.status_code == 200
    featured, recent = page.text.split('id="recent-title"')
    recent = recent.split('id="themes-title"')[0]
    assert titles(featured) == ["注目の指導資料", "注目事例"]  # newest featured first
    assert set(titles(recent)) == {"新しい事例", "京都の事例"}  # success stories: no Q&A
    assert '<span class="kind kind-material">指導資料</span>' in featured
    assert 'href="/public/themes/dx"' in page.text and 'href="/public/themes/bcp"' in page.text
    assert "/public/prefectures/%E4%BA%AC%E9%83%BD%E5%BA%9C" in page.text  # 京都府
    assert "内部" not in page.text


def test_theme_listing_puts_featured_first(site: Any) -> None:
    page = site.http.get("/public/themes/dx")
    assert page.status_code == 200
    assert titles(page.text) == ["注目事例", "新しい事例"]  # featured beats the newer case
    assert "2 件" in page.text and "DX・デジタル化" in page.text


def test_prefecture_by_name_or_romaji(site: Any) -> None:
    for url in ("/public/prefectures/京都府", "/public/prefectures/kyoto"):
        page = site.http.get(url)
        assert page.status_code == 200 and titles(page.text) == ["京都の事例"]
    assert site.http.get("/public/prefectures/atlantis").status_code == 404
    assert site.http.get("/public/themes/no-such-theme").status_code == 404


def test_search_page_and_api(site: Any) -> None:
    page = site.http.get("/public/search", params={"q": "共同受注"})
    assert page.status_code == 200
    assert set(titles(page.text)) == {"注目事例", "新しい事例"}
    assert "<mark>" in page.text
    narrowed = site.http.get("/public/search", params={"q": "事例", "prefecture": "京都府"})
    assert titles(narrowed.text) == ["京都の事例"]
    api = site.http.get("/public/api/search", params={"q": "共同受注", "filter": "year=2024"})
    assert [h["id"] for h in api.json()["hits"]] == ["new-plain"]
    bad = site.http.get("/public/api/search", params={"filter": "prefecture=京都"})
    assert bad.status_code == 400 and "京都府" in bad.json()["error"]["message"]


def test_case_page_and_api_show_public_fields(site: Any) -> None:
    page = site.http.get("/public/cases/kyoto-one")
    assert page.status_code == 200
    assert "京都の事例" in page.text and "人材育成" in page.text and "2024年3月15日" in page.text
    body = site.http.get("/public/api/cases/kyoto-one").json()
    assert set(body) == set(PUBLIC_FIELDS)
    assert body["body"].startswith("## 背景")
    assert site.http.get("/public/api/cases/hidden-one").status_code == 404


def test_public_reads_use_a_search_only_key(site: Any) -> None:
    site.http.get("/public/")
    portal = site.http.app.state.portal
    key = portal.searcher().client.config.api_key
    master = meili_server.connection(site.settings)
    assert master is not None and key != master.key
    found = [k for k in site.client.get_keys({"limit": 1000}).results if k.key == key]
    assert found and found[0].actions == ["search"]
    assert found[0].indexes == [site.settings.index_name]
    with pytest.raises(MeilisearchApiError):
        portal.searcher().index.get_document("hidden-one")
    with pytest.raises(MeilisearchApiError):
        portal.searcher().client.get_keys()
    for url in ("/public/", "/public/search?q=x", "/public/cases/kyoto-one"):
        text = site.http.get(url).text
        assert key not in text and master.key not in text
    # the same key is found again, not created twice
    assert meili.search_key(site.client, site.settings.index_name) == key


def test_q_and_a_is_labelled_in_listings_but_never_in_the_api(site: Any) -> None:
    page = site.http.get("/public/themes/invoice")
    assert titles(page.text) == ["質問の一つ"]
    assert '<span class="kind kind-qa">質疑応答</span>' in page.text
    for url in ("/public/api/search?q=免税事業者", "/public/api/cases/qa-one"):
        assert '"kind"' not in site.http.get(url).text


def test_public_search_filters_theme_region_prefecture_year(site: Any) -> None:
    def found(**params: str) -> list[str]:
        return titles(site.http.get("/public/search", params=params).text)

    assert set(found(region="近畿")) == {"京都の事例"}
    assert set(found(region="北海道・東北")) == {"質問の一つ", "注目の指導資料"}
    assert found(year="2019") == ["注目事例"]
    assert found(theme="bcp", prefecture="京都府") == ["京都の事例"]
    page = site.http.get("/public/search", params={"q": "事例", "region": "近畿", "year": ""})
    assert "<option selected>近畿</option>" in page.text  # the form shows what is chosen
    assert 'class="chip" href="/public/search?q=%E4%BA%8B%E4%BE%8B"' in page.text  # removes it
    assert '<option value="2024">2024年度</option>' in page.text  # years that have cases
    assert 'href="/public/cases/kyoto-one?q=%E4%BA%8B%E4%BE%8B&amp;region=' in page.text
    for bad in ({"year": "20x"}, {"region": "月面"}, {"theme": "no-such"}):
        assert site.http.get("/public/search", params=bad).status_code in (400, 422)


def test_public_case_marks_the_search_words_and_links_back(site: Any) -> None:
    page = site.http.get("/public/cases/kyoto-one", params={"q": "京都", "region": "近畿"})
    assert '<h1 id="case-title"><mark>京都</mark>の事例</h1>' in page.text
    assert '<a href="/public/search?q=%E4%BA%AC%E9%83%BD&amp;region=' in page.text
    assert "<mark>" not in site.http.get("/public/cases/kyoto-one").text


def test_meilisearch_down_case_pages_come_from_the_files(
    site: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = site.http.app.state.portal

    def down() -> Any:
        raise SearchUnavailable(
            "検索サーバー（Meilisearch）が起動していません", hint="kb meili start"
        )

    monkeypatch.setattr(portal, "searcher", down)
    page = site.http.get("/public/cases/kyoto-one")
    assert page.status_code == 200
    assert "京都の事例" in page.text and "人材育成" in page.text and "2024年3月15日" in page.text
    assert "ただいま検索はご利用いただけません" in page.text
    api = site.http.get("/public/api/cases/kyoto-one")
    assert api.status_code == 200 and set(api.json()) == set(PUBLIC_FIELDS)
    for case_id in ("hidden-one", "no-such-case", "..%2f..%2fetc", "personal-one"):
        assert site.http.get(f"/public/cases/{case_id}").status_code == 404
    assert "共同受注の内部事例" not in site.http.get("/public/cases/hidden-one").text
    assert "山田" not in site.http.get("/public/cases/personal-one").text
    for url in ("/public/", "/public/search?q=x", "/public/themes/dx"):
        res = site.http.get(url)
        assert res.status_code == 503 and "ただいまご利用いただけません" in res.text
        assert "Meilisearch" not in res.text and "kb meili" not in res.text
    res = site.http.get("/public/api/search?q=x")
    assert res.status_code == 503 and res.json()["error"]["code"] == "search_unavailable"
    assert "Meilisearch" not in res.text and "kb meili" not in res.text


def test_featured_only_on_public_cases(content: ContentTree) -> None:
    content.add("ok-one", extra="featured: true\n")
    path = content.add("bad-one", visibility="internal", extra="featured: true\n")
    content.add("bad-two", extra="featured: yes please\n")
    result = load_cases(content.root, load_taxonomy(content.root), max_bytes=1_000_000)
    assert [c.id for c in result.cases] == ["ok-one"]
    by_file = {Path(str(e.path)).stem: e for e in result.errors}
    assert "公開事例" in by_file["bad-one"].message and by_file["bad-one"].field == "featured"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[by_file["bad-one"].line - 1].startswith("featured:")
    assert by_file["bad-two"].field == "featured"
