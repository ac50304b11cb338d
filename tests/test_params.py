"""web.params: a search URL's parameters, and their errors in the usual shape."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from kb.errors import QueryError
from web.params import MAX_QUERY, SearchParams, search_params


def request(query: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": query.encode()})


def test_defaults_and_values() -> None:
    assert search_params(request("")) == SearchParams("", [], 20, 0, "relevance")
    got = search_params(
        request(
            "q=%EF%BC%A4%EF%BC%B8&filter=themes%3Ddx&filter=year%3D2024&limit=5&offset=10&sort=newest"
        )
    )
    assert got == SearchParams("ＤＸ", ["themes=dx", "year=2024"], 5, 10, "newest")
    assert search_params(request("limit=&sort=")) == SearchParams("", [], 20, 0, "relevance")


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=abc", "limit"), ("offset=1.5", "offset"), ("q=" + "a" * (MAX_QUERY + 1), "q")],
)
def test_bad_values_name_the_parameter(query: str, field: str) -> None:
    with pytest.raises(QueryError) as info:
        search_params(request(query))
    assert info.value.field == field and info.value.hint
