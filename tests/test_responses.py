"""web.responses: the orjson-rendered JSON response writes what Starlette's would."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse as StarletteJSON

from web.responses import JSONResponse

SAMPLE = {
    "query": "ＤＸ　価格転嫁",
    "hits": [{"id": "aichi-2023-a", "snippet": "<mark>ＤＸ</mark>で受発注…", "year": 2023}],
    "facets": {"themes": {"dx": 3}},
    "relaxed": False,
    "organization": None,
    "score": 0.5,
}


def test_same_bytes_as_starlette_compact_utf8():
    ours = JSONResponse(SAMPLE)
    assert ours.body == StarletteJSON(SAMPLE).body
    assert "価格転嫁".encode() in ours.body and b": " not in ours.body
    assert json.loads(ours.body) == SAMPLE
    assert ours.headers["content-type"] == "application/json"


def test_status_code_is_kept():
    assert JSONResponse({"error": {"code": "x"}}, status_code=503).status_code == 503
