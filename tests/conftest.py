"""Shared fixtures: one real Meilisearch for the session, started by the same code path
the app uses (kb.meili_server.start) on a free loopback port in a temp dir, plus helpers
to write small content trees and index them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import textwrap
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from indexer.build import Builder
from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.config import Settings, load_settings
from kb.loader import load_cases
from kb.search import Searcher
from kb.taxonomy import load_taxonomy

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def pytest_report_header() -> list[str]:
    return [f"kb content: {CONTENT}"]


@pytest.fixture(scope="session")
def meili_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir holding the session's managed Meilisearch."""
    data = tmp_path_factory.mktemp("meili-data")
    settings = load_settings(
        data_dir=data, tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None
    )
    try:
        meili.find_binary(settings)
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"NO MEILISEARCH BINARY ({exc}); run `make setup`")
    meili_server.start(settings)
    yield data
    meili_server.stop(settings)


@pytest.fixture
def make_settings(meili_data: Path, tmp_path: Path) -> Callable[..., Settings]:
    """Settings bound to the session server, with a fresh index name per test."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": meili_data,
            "tools_dir": ROOT / ".tools",
            "meili_url": None,
            "meili_master_key": None,
            "content_dir": tmp_path / "content",
            "index_name": f"t{uuid.uuid4().hex[:12]}",
            "meili_timeout_s": 60.0,
        }
        values.update(overrides)
        return load_settings(**values)

    return make


CASE_TEMPLATE = """\
---
id: {id}
title: {title}
summary: {summary}
kind: {kind}
themes: [{themes}]
prefecture: {prefecture}
year: {year}
visibility: {visibility}
{extra}---

{body}
"""


def case_text(
    id: str,
    body: str = "## 背景\n本文。",
    *,
    title: str = "テスト事例",
    summary: str = "テスト用の事例です。",
    kind: str = "case",
    themes: str = "dx",
    prefecture: str = "愛知県",
    year: int = 2023,
    visibility: str = "public",
    extra: str = "",
) -> str:
    return CASE_TEMPLATE.format(
        id=id, title=title, summary=summary, kind=kind, themes=themes, prefecture=prefecture,
        year=year, visibility=visibility, extra=extra, body=textwrap.dedent(body).strip(),
    )  # fmt: skip


class ContentTree:
    """A content folder in a temp dir with the project's real taxonomy and synonyms."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "cases").mkdir(parents=True, exist_ok=True)
        for name in ("taxonomy.yml", "synonyms.yml"):
            shutil.copy(CONTENT / name, root / name)

    def add(self, id: str, body: str = "## 背景\n本文。", **fields: Any) -> Path:
        path = self.root / "cases" / f"{id}.md"
        path.write_text(case_text(id, body, **fields), encoding="utf-8")
        return path

    def write(self, rel: str, data: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        return path


@pytest.fixture
def content(tmp_path: Path) -> ContentTree:
    return ContentTree(tmp_path / "content")


class Indexed:
    """An index built from a ContentTree on the session server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.taxonomy = load_taxonomy(settings.content_dir)
        self.analyzer = Analyzer.create(self.taxonomy)
        self.conn = meili_server.ensure(settings)
        self.client = meili.client(self.conn, settings.meili_timeout_s)
        self.builder = Builder(settings, self.conn, self.analyzer)
        self.searcher = Searcher(self.client, settings.index_name, self.analyzer)

    def cases(self) -> list[Any]:
        result = load_cases(
            self.settings.content_dir, self.taxonomy, max_bytes=self.settings.max_file_bytes
        )
        assert result.ok, [str(e) for e in result.errors]
        return result.cases

    def rebuild(self) -> Any:
        return self.builder.rebuild(self.cases())

    def sync(self) -> Any:
        return self.builder.sync(self.cases())

    def ids(self, q: str, *filters: str, **kw: Any) -> list[str]:
        return [h["id"] for h in self.searcher.search(q, list(filters), **kw)["hits"]]

    def drop(self) -> None:
        task = self.client.delete_index(self.settings.index_name)
        meili.wait_task(self.client, task.task_uid, 30)


def session_settings(meili_data: Path, content_dir: Path, **overrides: Any) -> Settings:
    """Settings bound to the session server with a fresh index name (for module fixtures)."""
    values: dict[str, Any] = {
        "data_dir": meili_data,
        "tools_dir": ROOT / ".tools",
        "meili_url": None,
        "meili_master_key": None,
        "content_dir": content_dir,
        "index_name": f"t{uuid.uuid4().hex[:12]}",
        "meili_timeout_s": 60.0,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def indexed(
    content: ContentTree, make_settings: Callable[..., Settings]
) -> Iterator[Callable[[], Indexed]]:
    made: list[Indexed] = []

    def build() -> Indexed:
        ix = Indexed(make_settings(content_dir=content.root))
        ix.rebuild()
        made.append(ix)
        return ix

    yield build
    for ix in made:
        ix.drop()


# -- instructor login (issue 4) --------------------------------------------------------------
TEST_USER, TEST_PASSWORD = "instructor", "correct horse battery staple"


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: Playwright's sync API leaves an event loop
    running in the main thread once a browser test has run."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def login(client: Any, settings: Settings | None = None, name: str = TEST_USER) -> str:
    """Create ``name`` in the app's account store if needed and log ``client`` in; returns the
    CSRF token its later POSTs must carry (form field ``csrf_token`` or ``X-CSRF-Token``):
    the session's, not the login form's."""
    import re

    store = client.app.state.auth.store
    if store.get(name) is None:  # e.g. tests of web.auth on the session data dir
        store.add(name, TEST_PASSWORD)
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, page.text[:500]
    form = {"name": name, "password": TEST_PASSWORD, "csrf_token": match.group(1), "next": "/"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return session_token(client)


def session_token(client: Any) -> str:
    """The CSRF token of ``client``'s session (its forms carry it, e.g. the logout button)."""
    import re

    page = client.get("/account/sessions")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert page.status_code == 200 and match, page.text[:500]
    return match.group(1)


def authed(app: Any) -> Any:
    """A TestClient for ``app`` logged in as the test instructor (accounts in a temp dir, never
    the data dir); its POSTs carry the CSRF token, so internal-route tests read as before."""
    from fastapi.testclient import TestClient

    temp_accounts(app)
    client = TestClient(app)
    client.headers["X-CSRF-Token"] = login(client)
    return client


def temp_accounts(app: Any) -> None:
    """Give ``app`` an account store in a temp dir holding the test instructor."""
    import tempfile

    from kb.accounts import AccountStore

    store = AccountStore(Path(tempfile.mkdtemp(prefix="kb-accounts-")) / "a.db")
    store.add(TEST_USER, TEST_PASSWORD)
    app.state.auth.store = store


def browser_login(page: Any) -> None:
    """Log a Playwright page in from the login form it was sent to (see temp_accounts)."""
    page.wait_for_url("**/login**")
    page.fill("#login-name", TEST_USER)
    page.fill("#login-password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
