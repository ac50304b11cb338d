"""The public portal's view of the index: public cases only, public fields only.

Every query goes through a Meilisearch key that can only search (never the master key),
and every query carries ``visibility = "public"`` added here. Clients may only narrow a
search with the fields in ``PUBLIC_FILTERS``; results are copied field by field from
``PUBLIC_FIELDS`` (a whitelist), and a hit that is not public is dropped even so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool

from kb import meili, meili_server
from kb.errors import QueryError, SearchUnavailable
from kb.filters import ALIASES
from kb.render import to_html
from kb.search import Searcher
from web.deps import Services

PUBLIC_FIELDS = [
    "id", "title", "summary", "themes", "prefecture", "industry", "organization",
    "organization_type", "programs", "tags", "year", "published", "body", "featured",
]  # fmt: skip
HIT_FIELDS = [
    "id", "title", "themes", "theme_labels", "prefecture", "year", "organization",
    "organization_type", "industry", "published", "snippet",
]  # fmt: skip
LIST_FIELDS = [f for f in PUBLIC_FIELDS if f != "body"]
PUBLIC_FILTERS = {
    "themes", "prefecture", "region", "industry", "organization_type", "programs", "year", "tags",
}  # fmt: skip
PUBLIC_SORTS = ("relevance", "newest", "oldest")
_PUBLIC = 'visibility = "public"'
MAX_FILTERS = 20


@dataclass(frozen=True)
class PortalUrls:
    """Links between portal pages: served by the app, or as files written by `kb build-site`."""

    root: str = "/public/"
    ext: str = ""
    css: str = "/static/kb.css"
    search: str | None = "/public/search"
    romaji: dict[str, str] | None = None  # static files are named by romaji, not kanji

    def home(self) -> str:
        return self.root + ("index.html" if self.ext else "")

    def case(self, case_id: str) -> str:
        return f"{self.root}cases/{case_id}{self.ext}"

    def theme(self, key: str) -> str:
        return f"{self.root}themes/{quote(key, safe='')}{self.ext}"

    def prefecture(self, name: str) -> str:
        slug = self.romaji.get(name, name) if self.romaji is not None else name
        return f"{self.root}prefectures/{quote(slug, safe='')}{self.ext}"


class Portal:
    """Public reads, through a search-only key created once per index with the master key."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    def searcher(self) -> Searcher:
        with self._lock:
            if self._searcher is None:
                svc = self.services
                conn = meili_server.connection(svc.settings)
                if conn is None:
                    svc.searcher()  # raises the right SearchUnavailable
                    raise SearchUnavailable("検索サーバーに接続できません")
                master = meili.client(conn, svc.settings.meili_timeout_s)
                key = meili.search_key(master, svc.settings.index_name)
                public = meili.Connection(conn.url, key, conn.managed)
                client = meili.client(public, svc.settings.meili_timeout_s)
                self._searcher = Searcher(client, svc.settings.index_name, svc.analyzer)
            return self._searcher

    def _call(self, fn: Any) -> Any:
        try:
            return fn(self.searcher())
        except SearchUnavailable:
            with self._lock:
                self._searcher = None
            raise

    async def _acall(self, fn: Any) -> Any:
        """``_call`` for a coroutine; only finding the server, when not cached, uses a thread."""
        try:
            return await fn(self._searcher or await run_in_threadpool(self.searcher))
        except SearchUnavailable:
            with self._lock:
                self._searcher = None
            raise

    # -- search -----------------------------------------------------------------------
    def check_filters(self, filters: list[str]) -> list[str]:
        if len(filters) > MAX_FILTERS:
            raise QueryError(f"絞り込みは {MAX_FILTERS} 個までです", field="filter")
        for item in filters:
            name = item.partition("=")[0].strip()
            if ALIASES.get(name, name) not in PUBLIC_FILTERS:
                raise QueryError(
                    f"絞り込み {item[:100]!r} は使えません",
                    field="filter",
                    hint="使える項目: " + ", ".join(sorted(PUBLIC_FILTERS)),
                )
        return filters

    def search(
        self, q: str, filters: list[str], *, limit: int = 20, offset: int = 0,
        sort: str = "relevance",
    ) -> dict[str, Any]:  # fmt: skip
        options = self._search_options(filters, limit, offset, sort)
        return self._public(self._call(lambda s: s.search(q, **options)), options)

    async def asearch(
        self, q: str, filters: list[str], *, limit: int = 20, offset: int = 0,
        sort: str = "relevance",
    ) -> dict[str, Any]:  # fmt: skip
        """``search`` from async code (the public JSON API): Meilisearch awaited, no thread."""
        options = self._search_options(filters, limit, offset, sort)
        return self._public(await self._acall(lambda s: s.asearch(q, **options)), options)

    def _search_options(
        self, filters: list[str], limit: int, offset: int, sort: str
    ) -> dict[str, Any]:
        if sort not in PUBLIC_SORTS:
            raise QueryError(f"並べ替え {sort[:50]!r} は使えません", field="sort")
        return {
            "filters": self.check_filters(filters), "limit": limit, "offset": offset,
            "sort": sort, "public_only": True, "facets": False,
        }  # fmt: skip

    @staticmethod
    def _public(result: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
        """Only public hits, only their public fields."""
        hits = [
            {k: h.get(k) for k in HIT_FIELDS}
            for h in result["hits"]
            if h.get("visibility") == "public"
        ]
        return {
            "query": result["query"],
            "total": result["total"],
            "hits": hits,
            "filters": result["filters"],
            "limit": options["limit"],
            "offset": options["offset"],
            "sort": options["sort"],
            "relaxed": result["relaxed"],
        }

    def listing(
        self,
        filters: list[str],
        *,
        limit: int = 50,
        offset: int = 0,
        featured_only: bool = False,
        facets: bool = False,
    ) -> dict[str, Any]:
        """Public cases matching ``filters``: featured first, then newest."""
        filters = self.check_filters(filters)

        def run(s: Searcher) -> dict[str, Any]:
            expr = [*s.parse_filters(filters).expression(), _PUBLIC]
            if featured_only:
                expr.append("featured = true")
            params = {
                "filter": expr, "limit": limit, "offset": offset,
                "sort": ["featured:desc", "year:desc", "published:desc"],
                "attributesToRetrieve": LIST_FIELDS,
            }  # fmt: skip
            if facets:
                params["facets"] = ["themes", "prefecture"]
            return _search(s, params)

        result = self._call(run)
        return {
            "total": result["estimatedTotalHits"],
            "hits": result["hits"],
            "facets": result.get("facetDistribution", {}),
        }

    def case(self, case_id: str) -> dict[str, Any]:
        """One public case (404 for unknown and internal ids alike)."""
        doc = self._call(lambda s: s.get(case_id, public_only=True))
        return {k: doc.get(k) for k in PUBLIC_FIELDS}


def _search(s: Searcher, params: dict[str, Any]) -> dict[str, Any]:
    params = {**params, "attributesToRetrieve": [*params["attributesToRetrieve"], "visibility"]}
    result = s.run("", params)  # kept-alive connection; errors become SearchUnavailable
    result["hits"] = [
        {k: h.get(k) for k in PUBLIC_FIELDS if k in h}
        for h in result["hits"]
        if h.get("visibility") == "public"
    ]
    return result


def _public_link(url: str) -> str | None:
    """Links in a public body: web and in-page links stay; relative ones (attachments) go."""
    if url.startswith(("http://", "https://", "mailto:", "#")):
        return None
    return "#"


def body_html(markdown: str) -> str:
    """A public body as HTML: images as their alt text (attachments are not public, and a
    remote image would report each reader to its host), relative links dropped."""
    return to_html(markdown or "", _public_link, images=False).html
