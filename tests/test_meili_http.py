"""kb.meili_http: kept-alive searches against the real Meilisearch, and their failures."""

from __future__ import annotations

import http.client
import socket
import threading
from unittest import mock

import pytest

from kb import meili_server
from kb.errors import SearchUnavailable
from kb.meili_http import SearchClient


@pytest.fixture
def ix(content, indexed):
    content.add("dx-a", "## 背景\nＤＸで受発注を電子化した。", title="受発注のＤＸ")
    content.add("bcp-b", "## 背景\n事業継続計画を作った。", title="組合のＢＣＰ")
    return indexed()


def _client(ix) -> SearchClient:
    conn = meili_server.ensure(ix.settings)
    return SearchClient(conn.url, conn.key, 10)


def test_search_returns_meilisearch_answer_and_reuses_the_connection(ix):
    client = _client(ix)
    first = client.search(ix.settings.index_name, "", {"limit": 10, "sort": ["year:desc"]})
    sock = client._local.conn.sock
    second = client.search(ix.settings.index_name, "", {"limit": 1})
    assert {h["id"] for h in first["hits"]} == {"dx-a", "bcp-b"}
    assert len(second["hits"]) == 1 and second["estimatedTotalHits"] == 2
    assert client._local.conn.sock is sock  # kept alive, not reopened
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_a_connection_closed_meanwhile_is_retried_once(ix):
    client = _client(ix)
    client.search(ix.settings.index_name, "", {"limit": 1})
    client._local.conn.sock.close()  # as if the server had dropped the idle connection
    again = client.search(ix.settings.index_name, "", {"limit": 1})
    assert again["estimatedTotalHits"] == 2


def test_unknown_index_and_bad_parameters_are_search_unavailable(ix):
    client = _client(ix)
    with pytest.raises(SearchUnavailable, match="索引がまだありません") as missing:
        client.search("no-such-index", "", {})
    assert "kb index" in (missing.value.hint or "")
    with pytest.raises(SearchUnavailable, match=r"検索サーバーのエラー: .*nosuchfield"):
        client.search(ix.settings.index_name, "", {"filter": "nosuchfield = 1"})


def test_server_down_is_search_unavailable_with_a_hint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nobody listens
    client = SearchClient(f"http://127.0.0.1:{port}", "key", 2)
    with pytest.raises(SearchUnavailable, match="接続できません") as err:
        client.search("kb", "", {})
    assert err.value.hint


def test_a_failing_request_on_a_fresh_connection_is_not_retried(ix):
    client = _client(ix)
    calls = []

    def fail(*args, **kwargs):
        calls.append(1)
        raise ConnectionResetError("reset")

    with (
        mock.patch.object(http.client.HTTPConnection, "request", fail),
        pytest.raises(SearchUnavailable),
    ):
        client.search(ix.settings.index_name, "", {})
    assert calls == [1]


def test_an_answer_that_is_not_json_is_search_unavailable():
    # a proxy's HTML error page in place of Meilisearch, say
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = SearchClient(f"http://127.0.0.1:{server.getsockname()[1]}", None, 5)

        def answer() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                body = b"<html>502 Bad Gateway</html>"
                head = f"HTTP/1.1 502 Bad Gateway\r\nContent-Length: {len(body)}\r\n\r\n"
                conn.sendall(head.encode() + body)

        thread = threading.Thread(target=answer)
        thread.start()
        with pytest.raises(SearchUnavailable, match=r"応答を読めません（HTTP 502）") as err:
            client.search("kb", "", {})
        thread.join()
    assert err.value.hint
