"""kb.export and /api/search.csv: the whole result as Excel-ready CSV, behind the wall."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import kb.search
from kb.export import to_csv
from tests.conftest import ContentTree, Indexed, authed, session_settings
from web.app import create_app

HEADER = [
    "ID",
    "タイトル",
    "要約",
    "種別",
    "テーマ",
    "都道府県",
    "年度",
    "組織名",
    "公開範囲",
    "URL",
]


def rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_to_csv_bom_crlf_quotes_and_no_formulas() -> None:
    text = to_csv(["a", "b"], [["=1+1", "改行\nあり"], ["-2", '引用"符'], ["@x", None]])
    assert text.startswith("\ufeffa,b\r\n")
    assert rows(text) == [["a", "b"], ["'=1+1", "改行\nあり"], ["'-2", '引用"符'], ["'@x", ""]]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> ContentTree:
    tree = ContentTree(tmp_path_factory.mktemp("export") / "content")
    tree.add("aichi-dx", "## 背景\n愛知県でＤＸを進めた。", title="=HYPERLINK(\"x\")",
             themes="dx, bcp", year=2023, extra="organization: 愛知県〇〇協同組合\n")  # fmt: skip
    tree.add("kyoto-dx", "## 背景\n京都府でＤＸ、その2。", prefecture="京都府", year=2021,
             summary="京都の事例です。")  # fmt: skip
    tree.add("tokyo-dx-qa", "## 背景\nＤＸの質問。", kind="qa", prefecture="東京都", year=2022)
    tree.add("osaka-gx", "## 背景\n脱炭素の取組。", themes="gx", prefecture="大阪府", year=2020)
    tree.add("secret-dx", "## 背景\n内部のＤＸ資料。", prefecture="東京都", year=2024,
             visibility="internal")  # fmt: skip
    return tree


@pytest.fixture(scope="module")
def client(meili_data: Path, tree: ContentTree) -> Iterator[TestClient]:
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    with authed(create_app(ix.settings)) as c:
        yield c
    ix.drop()


def test_csv_of_a_search_has_every_column_in_japanese(client: TestClient) -> None:
    response = client.get("/api/search.csv", params={"q": "ＤＸ", "sort": "newest"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="kb-search-')
    assert response.headers["x-total-count"] == "4" and response.headers["x-exported-count"] == "4"
    assert response.headers["x-kb-truncated"] == "false"
    table = rows(response.content.decode("utf-8"))
    assert table[0] == HEADER
    assert [r[0] for r in table[1:]] == ["secret-dx", "aichi-dx", "tokyo-dx-qa", "kyoto-dx"]
    assert table[2] == [
        "aichi-dx", "'=HYPERLINK(\"x\")", "テスト用の事例です。", "事例", "DX・デジタル化、BCP・防災",
        "愛知県", "2023", "愛知県〇〇協同組合", "公開", "http://testserver/cases/aichi-dx",
    ]  # fmt: skip
    assert table[1][8] == "内部" and table[3][3] == "質疑応答"


def test_filters_and_the_api_agree(client: TestClient) -> None:
    params = {"q": "ＤＸ", "filter": ["kind=case", "prefecture=京都府"]}
    api = client.get("/api/search", params=params).json()
    table = rows(client.get("/api/search.csv", params=params).text)
    assert [r[0] for r in table[1:]] == [h["id"] for h in api["hits"]] == ["kyoto-dx"]
    everything = rows(client.get("/api/search.csv").text)
    assert len(everything) == 1 + 5
    bad = client.get("/api/search.csv", params={"filter": "color=red"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "filter"


def test_the_whole_result_is_paged_through(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kb.search, "EXPORT_PAGE", 2)  # 5 hits: three pages
    table = rows(client.get("/api/search.csv", params={"sort": "oldest"}).text)
    assert [r[6] for r in table[1:]] == ["2020", "2021", "2022", "2023", "2024"]
    monkeypatch.setattr(kb.search, "MAX_TOTAL_HITS", 3)  # beyond the index's maxTotalHits
    response = client.get("/api/search.csv", params={"sort": "oldest"})
    assert len(rows(response.text)) == 1 + 3
    assert response.headers["x-total-count"] == "5" and response.headers["x-exported-count"] == "3"
    assert response.headers["x-kb-truncated"] == "true"


def test_a_loosened_search_exports_what_it_shows(client: TestClient) -> None:
    api = client.get("/api/search", params={"q": "脱炭素 存在しない語"}).json()
    assert api["relaxed"] and [h["id"] for h in api["hits"]] == ["osaka-gx"]
    table = rows(client.get("/api/search.csv", params={"q": "脱炭素 存在しない語"}).text)
    assert [r[0] for r in table[1:]] == ["osaka-gx"]


@pytest.mark.parametrize("q", ["質問 脱炭素", "脱炭素 OR 質問"])
def test_a_ranked_search_exports_its_cases_in_the_order_it_shows_them(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    # no case has both words: the cases with one of them, ranked, as the page shows them
    # (the export searched any of the words in Meilisearch's own order before); OR: either
    api = client.get("/api/search", params={"q": q}).json()
    shown = [h["id"] for h in api["hits"]]
    assert sorted(shown) == ["osaka-gx", "tokyo-dx-qa"]
    assert api["relaxed"] == ("OR" not in q)
    table = rows(client.get("/api/search.csv", params={"q": q}).text)
    assert [r[0] for r in table[1:]] == shown
    # paged through, the export is the same list
    monkeypatch.setattr(kb.search, "EXPORT_PAGE", 1)
    response = client.get("/api/search.csv", params={"q": q})
    assert [r[0] for r in rows(response.text)[1:]] == shown
    assert response.headers["x-total-count"] == str(api["total"])


def test_search_page_links_the_csv_of_its_query(client: TestClient) -> None:
    page = client.get("/", params={"q": "ＤＸ", "filter": "kind=case", "sort": "newest", "page": 1})
    assert (
        '<a href="/api/search.csv?q=%EF%BC%A4%EF%BC%B8&amp;filter=kind%3Dcase&amp;sort=newest"'
        " download>CSVでダウンロード（3 件）</a>" in page.text
    )
    fragment = client.get("/search/results", params={"q": "ＤＸ"})
    assert "/api/search.csv?q=%EF%BC%A4%EF%BC%B8" in fragment.text
    none = client.get("/", params={"q": "存在しない語です"})
    assert "CSVでダウンロード" not in none.text


def test_search_page_says_when_the_csv_is_cut(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.routes.search

    monkeypatch.setattr(web.routes.search, "MAX_TOTAL_HITS", 3)
    page = client.get("/", params={"q": "ＤＸ"})
    assert " download>CSVでダウンロード（先頭 3 件）</a>" in page.text


def test_anonymous_users_get_no_csv(client: TestClient) -> None:
    with TestClient(client.app) as anonymous:
        for headers in ({"accept": "application/json"}, {"accept": "text/csv"}):
            response = anonymous.get("/api/search.csv", headers=headers, follow_redirects=False)
            assert response.status_code in (303, 401)
            assert "secret-dx" not in response.text and "aichi-dx" not in response.text
