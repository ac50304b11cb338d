"""Request dependencies: settings, the analyzer and a Searcher bound to the live server."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.config import Settings
from kb.errors import SearchUnavailable
from kb.search import Searcher
from kb.taxonomy import Taxonomy, load_taxonomy
from web.admission import SearchGate


@dataclass
class Services:
    """What the app builds once: settings, taxonomy, analyzer; the connection is re-resolved
    whenever Meilisearch was unreachable, so the app recovers by itself when it is back."""

    settings: Settings
    taxonomy: Taxonomy
    analyzer: Analyzer
    gate: SearchGate
    _searcher: Searcher | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        taxonomy = load_taxonomy(settings.content_dir)
        return cls(
            settings, taxonomy, Analyzer.create(taxonomy), SearchGate(settings.search_concurrency)
        )

    def searcher(self) -> Searcher:
        with self._lock:
            if self._searcher is None:
                conn = meili_server.connection(self.settings)
                if conn is None:
                    raise SearchUnavailable(
                        "検索サーバー（Meilisearch）が起動していません",
                        hint="`kb meili start` または `make run` で起動してください",
                    )
                client = meili.client(conn, self.settings.meili_timeout_s)
                self._searcher = Searcher(client, self.settings.index_name, self.analyzer)
            return self._searcher

    def forget(self) -> None:
        """Drop the cached connection (after a failure) so the next request looks again."""
        with self._lock:
            self._searcher = None

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self.searcher(), *args, **kwargs)
        except SearchUnavailable:
            self.forget()
            raise

    async def acall(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """``call`` for an async Searcher method, one of ``gate``'s searches at once.
        Finding the server may block (files, a health probe), so only that step, when
        nothing is cached, runs in a thread."""
        try:
            searcher = self._searcher or await run_in_threadpool(self.searcher)
            async with self.gate:
                return await fn(searcher, *args, **kwargs)
        except SearchUnavailable:
            self.forget()
            raise


async def services(request: Request) -> Services:
    # async: FastAPI runs a plain ``def`` dependency in its thread pool, a hop per request
    return request.app.state.services
