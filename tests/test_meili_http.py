"""kb.meili_http: kept-alive searches (sync and async) against the real Meilisearch, and
their failures."""

from __future__ import annotations

import asyncio
import http.client
import socket
import threading
from unittest import mock

import pytest

from kb import meili_server
from kb.errors import SearchUnavailable
from kb.meili_http import AsyncSearchClient, SearchClient, _Stream
from tests.conftest import run_async


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


def _federated(index: str) -> dict:
    return {
        "federation": {"limit": 10},
        "queries": [
            {"indexUid": index, "q": "受発注", "federationOptions": {"weight": 1.0}},
            {"indexUid": index, "q": "", "federationOptions": {"weight": 0.5}},
        ],
    }


def test_multi_search_counts_and_federates_on_the_same_connection(ix):
    client = _client(ix)
    index = ix.settings.index_name
    counts = client.multi({"queries": [{"indexUid": index, "q": "計画", "limit": 0}]})
    assert counts["results"][0]["estimatedTotalHits"] == 1
    sock = client._local.conn.sock
    merged = client.multi(_federated(index))
    assert merged["hits"][0]["id"] == "dx-a" and merged["estimatedTotalHits"] == 2
    assert merged["hits"][0]["_federation"]["queriesPosition"] == 0
    assert client._local.conn.sock is sock
    with pytest.raises(SearchUnavailable):
        client.multi({"queries": [{"indexUid": "nope-index", "q": ""}]})


def test_async_multi_search_federates(ix):
    client = _async_client(ix)
    merged = run_async(client.multi(_federated(ix.settings.index_name)))
    assert [h["id"] for h in merged["hits"]] == ["dx-a", "bcp-b"]


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


# -- async ---------------------------------------------------------------------------


def _async_client(ix) -> AsyncSearchClient:
    conn = meili_server.ensure(ix.settings)
    return AsyncSearchClient(conn.url, conn.key, 10)


def test_async_search_returns_the_answer_and_reuses_the_connection(ix):
    client = _async_client(ix)
    index = ix.settings.index_name

    async def two() -> tuple[dict, dict, list, list]:
        first = await client.search(index, "", {"limit": 10, "sort": ["year:desc"]})
        pool = list(client._idle[asyncio.get_running_loop()])
        second = await client.search(index, "", {"limit": 1})
        return first, second, pool, list(client._idle[asyncio.get_running_loop()])

    first, second, pool, after = run_async(two())
    assert {h["id"] for h in first["hits"]} == {"dx-a", "bcp-b"}
    assert len(second["hits"]) == 1 and second["estimatedTotalHits"] == 2
    assert len(pool) == 1 and after == pool  # kept alive, not reopened
    sock = pool[0].writer.get_extra_info("socket")
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    # a later event loop (another test client, say) opens its own connection
    assert run_async(client.search(index, "", {"limit": 1}))["estimatedTotalHits"] == 2


def test_async_connection_closed_meanwhile_is_retried_once(ix):
    client = _async_client(ix)
    index = ix.settings.index_name

    async def run() -> tuple[dict, object, list]:
        await client.search(index, "", {"limit": 1})
        pool = client._idle[asyncio.get_running_loop()]
        dropped = pool[0]
        dropped.writer.transport.abort()  # as if the server had dropped the idle connection
        return await client.search(index, "", {"limit": 1}), dropped, list(pool)

    again, dropped, pool = run_async(run())
    assert again["estimatedTotalHits"] == 2
    assert len(pool) == 1 and pool[0] is not dropped


def test_async_failure_on_a_fresh_connection_is_not_retried(ix):
    client = _async_client(ix)
    calls = []

    async def fail(self, *args):
        calls.append(1)
        raise ConnectionResetError("reset")

    with mock.patch.object(_Stream, "exchange", fail), pytest.raises(SearchUnavailable) as err:
        run_async(client.search(ix.settings.index_name, "", {}))
    assert calls == [1] and err.value.hint


def test_async_unknown_index_and_bad_parameters_are_search_unavailable(ix):
    client = _async_client(ix)
    with pytest.raises(SearchUnavailable, match="索引がまだありません"):
        run_async(client.search("no-such-index", "", {}))
    with pytest.raises(SearchUnavailable, match=r"検索サーバーのエラー: .*nosuchfield"):
        run_async(client.search(ix.settings.index_name, "", {"filter": "nosuchfield = 1"}))


def test_async_server_down_is_search_unavailable_with_a_hint():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens once the block ends
    client = AsyncSearchClient(f"http://127.0.0.1:{port}", "key", 2)
    with pytest.raises(SearchUnavailable, match="接続できません") as err:
        run_async(client.search("kb", "", {}))
    assert err.value.hint


async def _serve_once(answer: bytes | None) -> tuple[asyncio.Server, int]:
    """A one-shot HTTP server that reads a request and writes ``answer`` (None: nothing)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answer is None:
            await asyncio.sleep(1)
        else:
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def _against(answer: bytes | None, timeout: float = 5) -> dict:
    async def run() -> dict:
        server, port = await _serve_once(answer)
        async with server:
            client = AsyncSearchClient(f"http://127.0.0.1:{port}", None, timeout)
            return await client.search("kb", "", {})

    return run_async(run())


def test_async_reads_a_chunked_answer():
    body = b'{"hits": [], "estimatedTotalHits": 0}'
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, body[:10], len(body) - 10, body[10:])
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    assert _against(head + chunked) == {"hits": [], "estimatedTotalHits": 0}


def test_async_answer_that_is_not_json_is_search_unavailable():
    body = b"<html>502 Bad Gateway</html>"
    head = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\n\r\n" % len(body)
    with pytest.raises(SearchUnavailable, match=r"応答を読めません（HTTP 502）"):
        _against(head + body)


def test_async_silent_server_times_out_as_search_unavailable():
    with pytest.raises(SearchUnavailable, match="接続できません"):
        _against(None, timeout=0.3)


def test_async_cancelled_search_closes_its_connection():
    async def run() -> tuple[bool, list]:
        server, port = await _serve_once(None)  # never answers
        async with server:
            client = AsyncSearchClient(f"http://127.0.0.1:{port}", None, 5)
            opened: list[_Stream] = []
            real_open = _Stream.open

            async def track(*args):
                opened.append(await real_open(*args))
                return opened[-1]

            with mock.patch.object(_Stream, "open", track):
                task = asyncio.create_task(client.search("kb", "", {}))
                await asyncio.sleep(0.2)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            return opened[0].writer.is_closing(), client._idle[asyncio.get_running_loop()]

    closing, idle = run_async(run())
    assert closing and idle == []  # not left open, not put back for the next search


def test_async_several_stale_connections_cost_one_retry(ix):
    client = _async_client(ix)
    index = ix.settings.index_name

    async def run() -> tuple[dict, list]:
        await asyncio.gather(*(client.search(index, "", {"limit": 1}) for _ in range(3)))
        pool = client._idle[asyncio.get_running_loop()]
        assert len(pool) == 3  # three searches at once: three connections kept
        for stream in pool:  # as if Meilisearch had closed them all while idle
            stream.writer.transport.abort()
        return await client.search(index, "", {"limit": 1}), list(pool)

    again, pool = run_async(run())
    assert again["estimatedTotalHits"] == 2
    assert len(pool) == 1 and not pool[0].writer.is_closing()
