"""Searches sent to Meilisearch over kept-alive connections.

The official client opens a new ``requests`` session and TCP connection for every call,
which costs several milliseconds per search, more than Meilisearch's own work on a
2,000-case index. A search is the one call on the hot path, so it goes through the
standard library's ``http.client`` instead: one connection per thread, kept open, each
request written in one piece (headers and body), TCP_NODELAY set. That measured half the
CPU of a urllib3 pool here. Bodies go through orjson: an answer carries the text of every
hit (about 80 KB for 20 hits), which the standard ``json`` module read in 0.27 ms and
orjson in 0.12 ms. Everything else (indexing, settings, tasks, keys) keeps using the
official client.

The JSON search routes are ``async`` and use ``AsyncSearchClient``: the same request on
asyncio streams, kept-alive connections pooled per event loop, the response parsed by
httptools (the C parser uvicorn uses; h11 cost 0.15-0.3 ms more per search). Handing each
search to a worker thread and back cost the app about a fifth of its CPU per request under
load (thread wake-ups, the GIL passed back and forth). aiohttp and httpx write a request's
head and body separately and then waited about 40 ms per search for Meilisearch's delayed
ACK, so the request is written in one piece here as well.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import threading
import urllib.parse
import weakref
from typing import Any

import httptools
import orjson

from kb.errors import SearchUnavailable

UNREACHABLE_HINT = "しばらく待ってからもう一度試してください。続く場合は管理者へ"


class SearchClient:
    """``POST /indexes/{uid}/search`` (and ``/multi-search``) on one Meilisearch server; safe
    to share by threads."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout_s
        self._local = threading.local()
        self._headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def search(self, index_uid: str, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """One search; Meilisearch's errors and unreachable servers become SearchUnavailable."""
        return _answer(*self._post(*_search_request(self._prefix, index_uid, q, params)))

    def multi(self, body: dict[str, Any]) -> dict[str, Any]:
        """One ``POST /multi-search`` (several searches, or one federated search)."""
        return _answer(*self._post(f"{self._prefix}/multi-search", orjson.dumps(body)))

    def _post(self, path: str, body: bytes) -> tuple[int, bytes]:
        # A kept-alive connection the server has closed meanwhile fails on first use:
        # searches are idempotent, so that one is retried once on a fresh connection.
        for attempt in range(2):
            conn, reused = self._connection()
            try:
                conn.request("POST", path, body=body, headers=self._headers)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                if reused and attempt == 0:
                    continue
                raise SearchUnavailable(
                    "検索サーバー（Meilisearch）に接続できません", hint=UNREACHABLE_HINT
                ) from exc
            if resp.will_close:
                conn.close()
                self._local.conn = None
            return resp.status, data
        raise AssertionError("unreachable")

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self._timeout)
        try:
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            conn.close()
            raise SearchUnavailable(
                "検索サーバー（Meilisearch）に接続できません", hint=UNREACHABLE_HINT
            ) from exc
        self._local.conn = conn
        return conn, False


class AsyncSearchClient:
    """``POST /indexes/{uid}/search`` from async code: one pool of kept-alive connections
    per event loop (a test client may run the app on several loops in turn)."""

    MAX_IDLE = 32  # connections kept per loop; more concurrent searches open and close theirs

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._ssl else 80)
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout_s
        host = self._host if parts.port is None else f"{self._host}:{self._port}"
        self._head = f"Host: {host}\r\nContent-Type: application/json\r\n" + (
            f"Authorization: Bearer {api_key}\r\n" if api_key else ""
        )
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[_Stream]] = (
            weakref.WeakKeyDictionary()
        )

    async def search(self, index_uid: str, q: str, params: dict[str, Any]) -> dict[str, Any]:
        """One search; Meilisearch's errors and unreachable servers become SearchUnavailable."""
        return await self._post(*_search_request(self._prefix, index_uid, q, params))

    async def multi(self, body: dict[str, Any]) -> dict[str, Any]:
        """One ``POST /multi-search`` (several searches, or one federated search)."""
        return await self._post(f"{self._prefix}/multi-search", orjson.dumps(body))

    async def _post(self, path: str, body: bytes) -> dict[str, Any]:
        request = (
            f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        idle = self._idle.setdefault(asyncio.get_running_loop(), [])
        # A kept-alive connection the server has closed meanwhile fails on first use:
        # searches are idempotent, so that one is retried once on a fresh connection, and
        # the other idle ones, as old, are dropped with it.
        for attempt in range(2):
            stream = idle.pop() if idle and attempt == 0 else None
            reused = stream is not None
            try:
                async with asyncio.timeout(self._timeout):
                    if stream is None:
                        stream = await _Stream.open(self._host, self._port, self._ssl)
                    status, raw = await stream.exchange(request)
            except asyncio.CancelledError:  # the client went away: drop the half-read answer
                if stream is not None:
                    stream.close()
                raise
            except (OSError, TimeoutError, EOFError, httptools.HttpParserError) as exc:
                if stream is not None:
                    stream.close()
                if reused and not isinstance(exc, TimeoutError):
                    while idle:
                        idle.pop().close()
                    continue
                raise SearchUnavailable(
                    "検索サーバー（Meilisearch）に接続できません", hint=UNREACHABLE_HINT
                ) from exc
            if stream.keep_alive and len(idle) < self.MAX_IDLE:
                idle.append(stream)
            else:
                stream.close()
            return _answer(status, raw)
        raise AssertionError("unreachable")


class _Stream:
    """One connection: asyncio streams for the bytes, httptools (llhttp, the parser uvicorn
    uses) for the response's framing: Content-Length or chunked, keep-alive or not."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.keep_alive = False
        self._parser = httptools.HttpResponseParser(self)  # one per connection, like uvicorn's
        self._status = 0
        self._body: list[bytes] = []
        self._complete = False

    @classmethod
    async def open(cls, host: str, port: int, tls: ssl.SSLContext | None) -> _Stream:
        reader, writer = await asyncio.open_connection(host, port, ssl=tls)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Write ``request`` (head and body, one piece) and read the whole response."""
        self.writer.write(request)
        self._body, self._complete = [], False
        while not self._complete:
            data = await self.reader.read(1 << 20)
            if not data:
                raise EOFError("Meilisearch closed the connection before answering")
            self._parser.feed_data(data)
        return self._status, b"".join(self._body)

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self._status = self._parser.get_status_code()
        self.keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self._complete = True

    def close(self) -> None:
        self.writer.close()


def _search_request(
    prefix: str, index_uid: str, q: str, params: dict[str, Any]
) -> tuple[str, bytes]:
    """Path and JSON body of one search."""
    path = f"{prefix}/indexes/{urllib.parse.quote(index_uid, safe='')}/search"
    return path, orjson.dumps({"q": q, **params})


def _answer(status: int, raw: bytes) -> dict[str, Any]:
    """Meilisearch's answer as a dict, or its error as SearchUnavailable."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SearchUnavailable(
            f"検索サーバーの応答を読めません（HTTP {status}）", hint=UNREACHABLE_HINT
        ) from exc
    if status >= 400 or not isinstance(data, dict):
        raise api_error(data if isinstance(data, dict) else {}, status)
    return data


def api_error(data: dict[str, Any], status: int) -> SearchUnavailable:
    """Meilisearch's error body (``{"message", "code", ...}``) as a SearchUnavailable."""
    code = data.get("code")
    if code == "index_not_found":
        return SearchUnavailable("索引がまだありません", hint="`kb index` を実行してください")
    message = data.get("message") or f"HTTP {status}"
    return SearchUnavailable(f"検索サーバーのエラー: {message}")
