"""Browser fixtures: Debian's Chromium through Playwright, and the app served by uvicorn
in a thread on a free port against an index built from a small fixture tree.

Without Chromium (or the playwright package) the tests are skipped with a loud
notice, except when the CI environment variable is set: then they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from kb.config import load_settings
from tests.conftest import ROOT, TEST_PASSWORD, TEST_USER, ContentTree, Indexed
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"  # Debian's; never a downloaded browser
ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts"

LONG = """\
## 背景
{title}に取り組んだ組合の事例。電力料金と原材料の高騰が続いた。

## 取組
組合員２２社が原価計算シートを共同で整備し、勉強会を計４回開いた。

### 勉強会
下請法と価格交渉促進月間の仕組みを学んだ。

## 成果
２２社中１８社が取引先と価格改定に合意した。

| 取組の段階 | 参加した組合員の数 | 価格改定に合意した取引先の数 | 改定後の平均単価の上昇率 |
|---|---|---|---|
| 勉強会と原価計算シートの共同整備 | ２２社 | ４２社 | ３．５％ |

## 今後の課題
労務費の上昇分も加味できる改訂版を検討している。
"""

CASES = [
    (
        "aichi-price",
        "鋳物組合の価格転嫁交渉",
        "price-pass-through, productivity",
        "愛知県",
        2023,
        "case",
    ),
    ("gifu-price", "陶磁器組合の価格転嫁", "price-pass-through", "岐阜県", 2024, "case"),
    ("miyagi-succession", "水産加工組合の事業承継", "succession", "宮城県", 2022, "case"),
    ("tokyo-dx", "商店街のキャッシュレス化とDX", "dx", "東京都", 2024, "case"),
    ("osaka-dx-qa", "受発注システムの共同利用に関する質問", "dx", "大阪府", 2021, "qa"),
    ("fukuoka-bcp", "組合員の相互支援によるBCP", "bcp", "福岡県", 2020, "material"),
]


def _chromium_missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium fonts-ipafont-gothic)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _chromium_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"BROWSER TESTS CANNOT RUN IN CI: {missing}")
        message = f"BROWSER TESTS SKIPPED: {missing}"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields its base URL."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def server(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the app serving the fixture cases."""
    tree = ContentTree(tmp_path_factory.mktemp("browser") / "content")
    for cid, title, themes, pref, year, kind in CASES:
        tree.add(
            cid, LONG.format(title=title), title=title, themes=themes, prefecture=pref,
            year=year, kind=kind,
            extra="industry: 製造業\norganization: 〇〇工業協同組合\n"
            "organization_type: 事業協同組合\ntags: [価格交渉, 電力料金]\n",
        )  # fmt: skip
    settings = load_settings(
        data_dir=meili_data, tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None,
        content_dir=tree.root, index_name=f"b{uuid.uuid4().hex[:12]}", meili_timeout_s=60.0,
        edit_url="https://git.example.jp/kb/edit/main/{path}",
    )  # fmt: skip
    ix = Indexed(settings)
    ix.rebuild()
    app = create_app(settings)
    auth = getattr(app.state, "auth", None)
    if auth is not None:  # instructors log in: accounts in a temp dir, never the data dir
        from kb.accounts import AccountStore

        auth.store = AccountStore(tmp_path_factory.mktemp("accounts") / "a.db")
        auth.store.add(TEST_USER, TEST_PASSWORD)
    with serve_in_thread(app) as url:
        yield url
    Indexed(settings).drop()  # a fresh connection: other tests may have restarted the server


def log_in(context: Any, server: str) -> Any:
    """A page of ``context`` logged in as the test instructor (when the app asks for a login)."""
    pg = context.new_page()
    pg.goto(server + "/")
    if "/login" in pg.url:
        pg.fill("#login-name", TEST_USER)
        pg.fill("#login-password", TEST_PASSWORD)
        pg.click("button[type=submit]")
        pg.wait_for_url(server + "/")
    return pg


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    yield log_in(context, server)
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
