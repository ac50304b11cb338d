"""The public portal's view of the index: public cases only, public fields only.

Every query goes through a Meilisearch key that can only search (never the master key),
and every query carries ``visibility = "public"`` added here. Clients may only narrow a
search with the fields in ``PUBLIC_FILTERS``; results are copied field by field from
``PUBLIC_FIELDS`` (a whitelist), and a hit that is not public is dropped even so.
The HTML pages also get ``kind`` (for the 事例 / 質疑応答 / 指導資料 label); the JSON API
never does.

When Meilisearch is down, a public case page is read from its file on disk (the same
loader and the same ``visibility: public`` rule); listings and searches answer 503.

The front page (``front_page``) is composed here for both the app and `kb build-site`:
featured cards of any kind, then the newest success stories (kind ``case``; Q&A and
guidance material only when featured), themes and a region grid.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool

from kb import meili, meili_server
from kb.case import ID_PATTERN, Case
from kb.casefiles import case_files
from kb.errors import NotFoundError, QueryError, SearchUnavailable
from kb.filters import ALIASES
from kb.loader import load_one
from kb.publishing import personal_data
from kb.render import to_html
from kb.search import Searcher
from kb.taxonomy import REGIONS, Taxonomy
from web.deps import Services

PUBLIC_FIELDS = [
    "id", "title", "summary", "themes", "prefecture", "industry", "organization",
    "organization_type", "programs", "tags", "year", "published", "body", "featured",
]  # fmt: skip
HIT_FIELDS = [
    "id", "title", "themes", "theme_labels", "prefecture", "year", "organization",
    "organization_type", "industry", "published", "snippet",
]  # fmt: skip
PAGE_ONLY = "kind"  # shown on the HTML pages as a label, never sent by the JSON API
LIST_FIELDS = [f for f in PUBLIC_FIELDS if f != "body"] + [PAGE_ONLY]
PUBLIC_FILTERS = {
    "themes", "prefecture", "region", "industry", "organization_type", "programs", "year", "tags",
}  # fmt: skip
PUBLIC_SORTS = ("relevance", "newest", "oldest")
_PUBLIC = 'visibility = "public"'
_SUCCESS = 'kind = "case" OR featured = true'  # 新着の成功事例: Q&A and material only if featured
MAX_FILTERS = 20
FEATURED = 6
RECENT = 9


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

    def asset(self, name: str) -> str:
        """A file next to the style sheet (the favicon)."""
        return self.css.rsplit("/", 1)[0] + "/" + name

    def searching(self, **params: str) -> str | None:
        """The search page with these parameters (None for a static site without search)."""
        if self.search is None:
            return None
        kept = [(k, v) for k, v in params.items() if v]
        return self.search + ("?" + urlencode(kept) if kept else "")


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
            searcher = self._searcher or await run_in_threadpool(self.searcher)
            async with self.services.gate:  # one bound for the worker's searches
                return await fn(searcher)
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
        sort: str = "relevance", page: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Public hits; ``page``: for an HTML page (hits with their kind)."""
        options = self._search_options(filters, limit, offset, sort)
        return self._public(self._call(lambda s: s.search(q, **options)), options, page=page)

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
    def _public(
        result: dict[str, Any], options: dict[str, Any], page: bool = False
    ) -> dict[str, Any]:
        """Only public hits, only their public fields (and their kind, for a page)."""
        fields = [*HIT_FIELDS, PAGE_ONLY] if page else HIT_FIELDS
        hits = [
            {k: h.get(k) for k in fields} for h in result["hits"] if h.get("visibility") == "public"
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
        success_only: bool = False,
        facets: bool = False,
    ) -> dict[str, Any]:
        """Public cases matching ``filters``: featured first, then newest (for HTML pages)."""
        filters = self.check_filters(filters)

        def run(s: Searcher) -> dict[str, Any]:
            expr = [*s.parse_filters(filters).expression(), _PUBLIC]
            if featured_only:
                expr.append("featured = true")
            if success_only:
                expr.append(_SUCCESS)
            params = {
                "filter": expr, "limit": limit, "offset": offset,
                "sort": ["featured:desc", "year:desc", "published:desc"],
                "attributesToRetrieve": LIST_FIELDS,
            }  # fmt: skip
            if facets:
                params["facets"] = ["themes", "prefecture", "year"]
            return _search(s, params)

        result = self._call(run)
        return {
            "total": result["estimatedTotalHits"],
            "hits": result["hits"],
            "facets": result.get("facetDistribution", {}),
        }

    def case(self, case_id: str, *, page: bool = False) -> dict[str, Any]:
        """One public case (404 for unknown and internal ids alike); ``page``: with its kind.

        When Meilisearch cannot be reached, the case is read from its file instead; a page's
        result then has ``offline: True`` (the page says that search is unavailable)."""
        fields = [*PUBLIC_FIELDS, PAGE_ONLY] if page else PUBLIC_FIELDS
        try:
            doc = self._call(lambda s: s.get(case_id, public_only=True))
        except SearchUnavailable:
            view = case_from_files(self.services, case_id)
            return {k: view.get(k) for k in fields} | ({"offline": True} if page else {})
        return {k: doc.get(k) for k in fields}


def public_view(case: Case) -> dict[str, Any]:
    """The public fields of a public case, and its kind (a whitelist: nothing else)."""
    if case.visibility != "public":  # pragma: no cover - callers filter first
        raise ValueError("internal case")
    view = {name: getattr(case, name) for name in PUBLIC_FIELDS if name != "body"}
    view["published"] = case.published.isoformat() if case.published else None
    view["body"] = case.body
    view[PAGE_ONLY] = case.kind
    return view


def case_from_files(svc: Services, case_id: str) -> dict[str, Any]:
    """A public case read from its file (``ID.md``), for when the index cannot be asked.

    Unknown, invalid, internal and withheld (personal data) cases are all the same 404;
    so is an id two files share.
    """
    missing = NotFoundError("事例が見つかりません", hint="URL の事例 ID を確認してください")
    if not re.fullmatch(ID_PATTERN, case_id or "") or len(case_id) > 200:
        raise missing
    settings = svc.settings
    name = f"{case_id}.md"
    paths = [p for p in case_files(settings.cases_dir) if p.name == name]
    if len(paths) != 1:
        raise missing
    loaded = load_one(paths[0], settings.content_dir, svc.taxonomy, settings.max_file_bytes)
    if not isinstance(loaded, Case) or loaded.visibility != "public" or loaded.id != case_id:
        raise missing
    if personal_data(loaded):  # withheld, as the index and `kb build-site` do (kb.publishing)
        raise missing
    return public_view(loaded)


def front_page(
    taxonomy: Taxonomy,
    featured: list[dict[str, Any]],
    recent: list[dict[str, Any]],
    theme_counts: dict[str, int],
    pref_counts: dict[str, int],
    total: int,
) -> dict[str, Any]:
    """The front page's context: featured cards, newest success stories (not repeating a
    featured one), theme tiles and the region grid (public counts; empty ones left out)."""
    shown = {c["id"] for c in featured}
    themes = [
        (key, t.label, t.description, theme_counts[key])
        for key, t in taxonomy.themes.items()
        if theme_counts.get(key)
    ]
    regions = []
    for region in REGIONS:
        prefs = [
            (name, pref_counts[name])
            for name in taxonomy.prefectures
            if pref_counts.get(name) and taxonomy.region_of(name) == region
        ]
        if prefs:
            regions.append((region, sum(n for _, n in prefs), prefs))
    return {
        "featured": featured,
        "recent": [c for c in recent if c["id"] not in shown][:RECENT],
        "themes": themes,
        "top_themes": sorted(themes, key=lambda t: -t[3])[:6],
        "regions": regions,
        "total": total,
    }


def _search(s: Searcher, params: dict[str, Any]) -> dict[str, Any]:
    params = {**params, "attributesToRetrieve": [*params["attributesToRetrieve"], "visibility"]}
    result = s.run("", params)  # kept-alive connection; errors become SearchUnavailable
    result["hits"] = [
        {k: h.get(k) for k in (*PUBLIC_FIELDS, PAGE_ONLY) if k in h}
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
