"""The wall between internal and public, proved from the outside.

Internal cases carry canary strings in every field. Every public route, the public API,
error pages and the static site are hit with adversarial input; no answer may contain a
canary, an internal id or an internal-only field, and none may be a 500.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ContentTree, Indexed, session_settings
from web.app import create_app
from web.portal import HIT_FIELDS, PUBLIC_FIELDS
from web.security import protect
from web.site import build_site

CANARIES = ["KANARIA7731", "極秘売上高九億円", "canary-org-内部組合", "canary-tag-x9"]
INTERNAL_IDS = ["secret-kanaria-1", "secret-kanaria-2"]
PUBLIC_IDS = ["open-story-1", "open-story-2", "open-story-3"]
ATTACHMENT = "kanaria-attach.pdf"
INTERNAL_ONLY = ["visibility", "attachments", "source", "body_lines", "hash", "kind", "meta_n"]


def write_content(tree: ContentTree) -> None:
    c0, c1, c2, c3 = CANARIES
    tree.write(f"cases/{ATTACHMENT}", b"%PDF-1.4 canary")
    for i, case_id in enumerate(INTERNAL_IDS):
        tree.add(
            case_id,
            f"## 背景\n{c0} の組合で{c1}の事情があった。DX を進めた。\n\n## 成果\n{c0} 秘密の成果。",
            title=f"内部事例 {c0}",
            summary=f"{c1}について。",
            visibility="internal",
            themes="dx, bcp" if i else "dx",
            prefecture="愛知県",
            extra=f"organization: {c2}\ntags: [{c3}]\nattachments: [{ATTACHMENT}]\n"
            "organization_type: 事業協同組合\nindustry: 製造業\n",
        )
    for i, case_id in enumerate(PUBLIC_IDS):
        tree.add(
            case_id,
            "## 背景\n公開された成功事例。DX を進めた。\n\n## 成果\n売上が伸びた。",
            title=f"公開事例 {i}",
            themes="dx",
            prefecture="愛知県" if i else "京都府",
            extra="featured: true\n" if i == 2 else "",
        )


@pytest.fixture(scope="module")
def wall(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("wall")
    tree = ContentTree(root / "content")
    write_content(tree)
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    app = create_app(ix.settings)
    protect(app)
    ix.client_ = TestClient(app)
    ix.site = root / "site"
    build_site(ix.settings, ix.site)
    yield ix
    ix.drop()


def scrub(text: str, inputs: list[str]) -> str:
    """The answer without the request's own words echoed back (a query shown as typed)."""
    parts = [p.strip() for v in inputs for p in re.split(r"[=&]", v)]
    for value in sorted({*inputs, *parts}, key=len, reverse=True):
        if len(value) >= 3:
            for form in {value, html.escape(value), html.escape(value, quote=False),
                         json.dumps(value)[1:-1], quote(value), quote(value, safe="")}:  # fmt: skip
                text = text.replace(form, "")
    return text


def assert_no_leak(text: str, inputs: list[str] = ()) -> None:  # type: ignore[assignment]
    clean = scrub(text, list(inputs))
    for canary in [*CANARIES, ATTACHMENT, *INTERNAL_IDS, "内部資料", "内部事例"]:
        assert canary not in clean, f"{canary!r} leaked"


def check_json(body: Any) -> None:
    if isinstance(body, dict) and "hits" in body:
        for hit in body["hits"]:
            assert hit["id"] in PUBLIC_IDS
            assert set(hit) <= set(HIT_FIELDS), set(hit) - set(HIT_FIELDS)
    elif isinstance(body, dict) and "error" not in body:
        assert set(body) <= set(PUBLIC_FIELDS), set(body) - set(PUBLIC_FIELDS)
    for field in INTERNAL_ONLY:
        assert f'"{field}"' not in json.dumps(body), field


def get(wall: Any, url: str, inputs: list[str] = ()) -> Any:  # type: ignore[assignment]
    response = wall.client_.get(url, follow_redirects=False)
    assert response.status_code < 500, (url, response.status_code, response.text[:300])
    assert_no_leak(response.text, inputs)
    if response.headers.get("content-type", "").startswith("application/json"):
        check_json(response.json())
    return response


PAGES = ["/public", "/public/", "/public/themes/dx", "/public/themes/bcp", "/public/search",
         "/public/prefectures/愛知県", "/public/prefectures/aichi", "/public/api/search",
         *(f"/public/cases/{i}" for i in PUBLIC_IDS), *(f"/public/api/cases/{i}" for i in PUBLIC_IDS)]  # fmt: skip


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_show_public_cases_only(wall: Any, url: str) -> None:
    response = get(wall, url)
    assert response.status_code in (200, 308)


def test_listings_do_not_count_internal_cases(wall: Any) -> None:
    body = get(wall, "/public/api/search").json()
    assert body["total"] == len(PUBLIC_IDS)
    # the bcp theme has internal cases only: not offered, and empty when asked for
    assert "/public/themes/bcp" not in get(wall, "/public/").text
    assert "0 件" in get(wall, "/public/themes/bcp").text


QUERIES = [
    "KANARIA7731", "ＫＡＮＡＲＩＡ７７３１", "kanaria7731", "KANARIA\u200b7731", "極秘売上高九億円",
    "極秘", "秘密の成果", "canary-tag-x9", "内部組合", "visibility = internal OR visibility = public",
    '" OR visibility = "internal', "secret-kanaria-1", "*", "", " ", "\u202eKANARIA7731",
    "ＫＡＮＡＲＩＡ７７３１ OR 1=1", "K\u0301ANARIA7731", "КАNАRIА7731",
]  # fmt: skip


@pytest.mark.parametrize("q", QUERIES)
def test_search_never_finds_internal_cases(wall: Any, q: str) -> None:
    api = get(wall, "/public/api/search?q=" + quote(q), [q])
    assert api.status_code == 200
    assert all(h["id"] in PUBLIC_IDS for h in api.json()["hits"])
    page = get(wall, "/public/search?q=" + quote(q), [q])
    assert page.status_code == 200
    # the same query does find the internal case for an instructor: the content is there
    if q == "KANARIA7731":
        assert wall.ids(q) and set(wall.ids(q)) <= set(INTERNAL_IDS)


FILTERS = [
    "visibility=internal", "visibility = internal OR visibility = public", "kind=qa", "kind=case",
    'themes=dx OR visibility = "internal"', 'prefecture=愛知県" OR visibility = "internal',
    "year=2023 OR 1=1", "id=secret-kanaria-1", "featured=false", "themes=", "=", "themes",
    "ｖｉｓｉｂｉｌｉｔｙ=internal", "visibility\u200b=internal", " visibility =internal",
    "tags=canary-tag-x9", "organization=canary-org-内部組合", "source=x", "themes=dx\u0000",
    "prefecture=" + "愛" * 5000, "tags=" + "x" * 10_000,
]  # fmt: skip


@pytest.mark.parametrize("f", FILTERS)
def test_filter_injection_is_refused_or_harmless(wall: Any, f: str) -> None:
    response = get(wall, "/public/api/search?filter=" + quote(f), [f])
    assert response.status_code in (200, 400, 422)
    if response.status_code == 200:
        assert all(h["id"] in PUBLIC_IDS for h in response.json()["hits"])
    name = f.partition("=")[0].strip()
    if name in ("visibility", "kind", "id", "featured", "source", "organization"):
        assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        "sort=visibility:desc", "sort=newest;visibility", "sort=relevance%20OR%201", "limit=-1",
        "limit=1000000000", "limit=abc", "offset=99999999999999999999", "offset=-5",
        "kind=internal", "visibility=internal", "public_only=false", "filter=a&" * 30 + "q=x",
        "q=" + "あ" * 600, "q=%00%01%02", "q=%ff%fe", "page=0", "page=abc", "page=" + "9" * 30,
        "theme=bcp", "theme=dx%22%20OR%20visibility%3Dinternal", "prefecture=%3Cscript%3E",
    ],
)  # fmt: skip
def test_tampered_parameters(wall: Any, params: str) -> None:
    for base in ("/public/api/search?", "/public/search?"):
        response = get(wall, base + params, [params])
        assert response.status_code in (200, 400, 422)
        if response.status_code == 200 and base.startswith("/public/api"):
            assert all(h["id"] in PUBLIC_IDS for h in response.json()["hits"])


BAD_PATHS = [
    *INTERNAL_IDS, *(i.upper() for i in INTERNAL_IDS), "secret-kanaria-1.md", "secret-kanaria-1%00",
    "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..%2fsecret-kanaria-1", "secret-kanaria-1%2F",
    "secret%E2%80%8Bkanaria-1", "ｓｅｃｒｅｔ-kanaria-1", "x" * 5000, "%ff", "open-story-1%20",
    f"{ATTACHMENT}", "open-story-1%3B%20visibility%3Dinternal",
]  # fmt: skip


@pytest.mark.parametrize("path", BAD_PATHS)
def test_case_ids_internal_or_odd_are_just_not_found(wall: Any, path: str) -> None:
    unknown = wall.client_.get("/public/api/cases/no-such-case").json()
    for base in ("/public/cases/", "/public/api/cases/"):
        response = get(wall, base + path, [path])
        assert response.status_code in (404, 400, 422, 307, 308), (path, response.status_code)
    if path in INTERNAL_IDS:  # an internal case is indistinguishable from a missing one
        assert wall.client_.get("/public/api/cases/" + path).json() == unknown


@pytest.mark.parametrize(
    "url",
    [
        "/public/themes/..%2F..%2Fapi%2Fsearch",
        "/public/themes/%3Cscript%3E",
        "/public/themes/",
        "/public/prefectures/..",
        "/public/prefectures/%E6%84%9B",
        "/public/nope",
        "/public/%2e%2e/api/search",
        "/public/../api/search",
        "/static/../api/search",
        "/static/%2e%2e/%2e%2e/content/cases/secret-kanaria-1.md",
        "/public/cases/",
        "/public/api/cases/secret-kanaria-1/attachments/kanaria-attach.pdf",
        f"/cases/secret-kanaria-1/attachments/{ATTACHMENT}",
        "/cases/secret-kanaria-1",
        "/api/cases/secret-kanaria-1",
        "/api/search?q=KANARIA7731",
    ],
)
def test_error_pages_and_internal_routes_leak_nothing(wall: Any, url: str) -> None:
    anonymous = TestClient(wall.client_.app)
    response = anonymous.get(url, follow_redirects=False)
    assert response.status_code in (303, 307, 308, 400, 401, 404, 405, 422)
    assert_no_leak(response.text, [url])
    if response.is_redirect:
        assert_no_leak(response.headers["location"], [url])


def test_unsafe_methods_on_public_routes(wall: Any) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = wall.client_.request(method, "/public/api/search?filter=visibility=internal")
        assert response.status_code in (403, 405)
        assert_no_leak(response.text)


def test_static_site_output_has_public_cases_only(wall: Any) -> None:
    files = [p for p in wall.site.rglob("*") if p.is_file()]
    assert {p.stem for p in (wall.site / "cases").iterdir()} == set(PUBLIC_IDS)
    assert not (wall.site / "themes" / "bcp.html").exists()
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert_no_leak(text)
        assert ATTACHMENT not in path.name


ANY_FIELD = st.sampled_from(
    ["themes", "theme", "prefecture", "region", "year", "tags", "visibility", "kind", "id",
     "featured", "industry", "programs", "organization_type", "", "ｖｉｓｉｂｉｌｉｔｙ"]
)  # fmt: skip
VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["internal", "public", "dx", "愛知県", "2023", "1990..2100", *CANARIES]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.one_of(st.text(max_size=60), st.sampled_from(CANARIES)),
    filters=st.lists(st.tuples(ANY_FIELD, st.sampled_from(["=", " = ", "=="]), VALUE), max_size=4),
    sort=st.sampled_from(["relevance", "newest", "oldest", "visibility:asc", ""]),
)
def test_property_public_api_never_500_never_internal(
    wall: Any, q: str, filters: list[tuple[str, str, str]], sort: str
) -> None:
    params: list[tuple[str, str]] = [("q", q), ("sort", sort)]
    params += [("filter", f"{name}{op}{value}") for name, op, value in filters]
    response = wall.client_.get("/public/api/search", params=params)
    assert response.status_code in (200, 400, 422), response.text[:300]
    body = response.json()
    if response.status_code == 200:
        assert {h["id"] for h in body["hits"]} <= set(PUBLIC_IDS)
        check_json(body)
    assert_no_leak(response.text, [q, *(v for _, _, v in filters)])
