"""The JSON API through authed(create_app(settings)) on the session's Meilisearch."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.config import load_settings
from tests.conftest import ContentTree, Indexed, authed, session_settings
from web.app import create_app

HIT_KEYS = {"id", "title", "kind", "themes", "prefecture", "year", "visibility", "snippet"}
ERROR_KEYS = {"code", "message", "path", "line", "field", "hint"}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> ContentTree:
    tree = ContentTree(tmp_path_factory.mktemp("api") / "content")
    tree.add("kyoto-dx", "## 背景\n京都府の組合でＤＸを進めた。", prefecture="京都府", year=2021)
    tree.add("aichi-dx", "## 背景\n愛知県でデジタル化に取り組んだ。", year=2023)
    tree.add("aichi-bcp", "## 背景\n事業継続計画を策定した。", themes="bcp", year=2022)
    tree.add(
        "tokyo-inner",
        "## 背景\n東京都のＤＸ内部資料。",
        prefecture="東京都",
        visibility="internal",
        year=2020,
    )
    return tree


@pytest.fixture(scope="module")
def client(meili_data: Path, tree: ContentTree) -> Iterator[TestClient]:
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    with authed(create_app(ix.settings)) as c:
        yield c
    ix.drop()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def down(tree: ContentTree) -> Iterator[TestClient]:
    settings = load_settings(
        content_dir=tree.root,
        meili_url=f"http://127.0.0.1:{closed_port()}",
        meili_master_key="x",
        meili_timeout_s=2,
    )
    with authed(create_app(settings)) as c:
        yield c


def ids(client: TestClient, **params: object) -> list[str]:
    r = client.get("/api/search", params=params)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return [h["id"] for h in r.json()["hits"]]


def assert_error(r: object, status: int, code: str) -> dict[str, object]:
    body = r.json()  # type: ignore[attr-defined]
    assert r.status_code == status  # type: ignore[attr-defined]
    assert set(body) == {"error", "status"} and body["status"] == status
    assert set(body["error"]) == ERROR_KEYS and body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


def test_search_shape(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "DX"})
    assert r.status_code == 200
    data = r.json()
    assert {"query", "total", "hits", "facets"} <= set(data)
    assert data["query"] == "DX" and data["total"] == 3
    assert all(set(h) >= HIT_KEYS for h in data["hits"])
    assert data["facets"]["themes"] == {"dx": 3}


def test_search_json_names_places_partial_matches_and_offers(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "DX 京都"}).json()
    assert [h["id"] for h in data["hits"]] == ["kyoto-dx"]
    assert data["places"] == [
        {"field": "prefecture", "value": "京都府", "word": "京都", "label": "都道府県: 京都府",
         "q": "DX"}
    ]  # fmt: skip
    partial = client.get("/api/search", params={"q": "事業継続計画 水害"}).json()
    assert partial["missing"] == ["水害"] and partial["relaxed"] is True
    assert partial["full_total"] == 0 and partial["hits"][0]["matched_all"] is False
    assert partial["hits"][0]["missing_words"] == ["水害"]
    china = client.get("/api/search", params={"q": "中国 DX"}).json()
    assert china["offers"][0]["value"] == "中国" and china["places"] == []
    typo = client.get("/api/search", params={"q": "デジタルか"}).json()
    assert {"suggestions", "corrected"} <= set(typo)


def test_search_filters_repeat_and_combine(client: TestClient) -> None:
    assert set(ids(client, q="DX", filter=["prefecture=京都府", "prefecture=愛知県"])) == {
        "kyoto-dx",
        "aichi-dx",
    }
    assert ids(client, q="DX", filter=["prefecture=愛知県", "year=2023"]) == ["aichi-dx"]
    assert ids(client, filter=["themes=bcp"]) == ["aichi-bcp"]


def test_search_limit_offset_sort(client: TestClient) -> None:
    newest = ids(client, sort="newest")
    assert ids(client, sort="oldest") == list(reversed(newest))
    assert ids(client, sort="newest", limit=2) == newest[:2]
    assert ids(client, sort="newest", limit=2, offset=2) == newest[2:4]
    r = client.get("/api/search", params={"limit": 1})
    assert r.json()["limit"] == 1 and r.json()["total"] == 4


def test_bad_filter_is_400_with_the_error_shape(client: TestClient) -> None:
    err = assert_error(
        client.get("/api/search", params={"filter": "prefecture=京都"}), 400, "bad_request"
    )
    assert err["field"] == "prefecture" and "京都府" in str(err["message"]) + str(err["hint"])
    err = assert_error(
        client.get("/api/search", params={"filter": "color=red"}), 400, "bad_request"
    )
    assert err["field"] == "filter"


@pytest.mark.parametrize(
    "params",
    [{"limit": "abc"}, {"limit": 101}, {"offset": -1}, {"sort": "random"}, {"q": "あ" * 501}],
)
def test_bad_paging_is_400_with_the_error_shape(
    client: TestClient, params: dict[str, object]
) -> None:
    err = assert_error(client.get("/api/search", params=params), 400, "bad_request")  # type: ignore[arg-type]
    assert err["field"] == next(iter(params))
    assert re.search("[ぁ-んァ-ン一-龥]", str(err["message"]))  # said in Japanese


def test_case_by_id(client: TestClient) -> None:
    r = client.get("/api/cases/kyoto-dx")
    assert r.status_code == 200
    doc = r.json()
    assert doc["id"] == "kyoto-dx" and doc["prefecture"] == "京都府" and "ＤＸ" in doc["body"]
    assert not [k for k in doc if k.endswith("_n")] and "hash" not in doc


@pytest.mark.parametrize("case_id", ["nothing-here", "Bad_ID", "x" * 300])
def test_unknown_case_is_404_with_the_error_shape(client: TestClient, case_id: str) -> None:
    err = assert_error(client.get(f"/api/cases/{case_id}"), 404, "not_found")
    assert err["message"] == "事例が見つかりません"


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["meilisearch"]["available"] is True
    assert r.json()["index"] and r.json()["meilisearch"]["managed"] is True
    # anyone (a load balancer) learns whether it works, not how it is set up
    outside = TestClient(client.app).get("/healthz")
    assert outside.status_code == 200 and outside.json() == {
        "status": "ok",
        "meilisearch": {"available": True},
        "watcher": {"enabled": False, "running": False},
    }


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/cases/{case_id}", "/healthz"} <= set(paths)
    for path in ("/api/search", "/public/api/search"):  # read by web.params, described by hand
        names = [p["name"] for p in paths[path]["get"]["parameters"]]
        assert names == ["q", "filter", "limit", "offset", "sort"]


def test_meilisearch_unreachable_is_503(down: TestClient) -> None:
    err = assert_error(down.get("/api/search", params={"q": "DX"}), 503, "search_unavailable")
    assert "Meilisearch" in str(err["message"])
    assert_error(down.get("/api/cases/kyoto-dx"), 503, "search_unavailable")
    r = down.get("/healthz")
    assert r.status_code == 503 and r.json()["meilisearch"]["available"] is False
    # a bad filter is still the client's fault, whatever the server's state
    assert_error(down.get("/api/search", params={"filter": "kind=nothing"}), 400, "bad_request")
