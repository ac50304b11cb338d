"""The static public site in Chromium (issue 15, point 8): served as files, its pages fetch
nothing from another site (a tracking image in a case is shown as its alt text) and their
Content-Security-Policy meta tag is enforced (a remote image added later is refused)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kb.config import load_settings
from tests.browser.conftest import serve_in_thread
from tests.conftest import ContentTree
from web.site import build_site

pytestmark = pytest.mark.browser

BODY = """\
## 背景
現場の写真 ![現場の様子](https://tracker.example/pixel.gif?case=1) を載せた。
<!-- 活用した支援施策も含めて具体的に書きます。 -->
共同受注の窓口を一本化した。
"""


def test_static_pages_load_nothing_from_elsewhere(
    browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    tree = ContentTree(tmp_path / "content")
    tree.add("tracked", BODY, title="追跡画像のある事例")
    tree.add("plain", "## 背景\n普通の事例。", title="普通の事例", themes="bcp")
    site = tmp_path / "site"
    build_site(load_settings(content_dir=tree.root), site)
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="ja-JP")
    page = context.new_page()
    requests: list[str] = []  # everything the pages asked for
    finished: list[str] = []  # everything that was actually fetched
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfinished", lambda r: finished.append(r.url))
    files = Starlette(routes=[Mount("/", StaticFiles(directory=site, html=True))])
    with serve_in_thread(files) as base:
        for rel in ("index.html", "cases/tracked.html", "themes/bcp.html"):
            page.goto(f"{base}/{rel}")
            page.wait_for_load_state("load")
            # the stylesheet is the site's own and applies under the policy
            assert page.evaluate(
                "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
            ) not in ("", "rgba(0, 0, 0, 0)")
        page.goto(f"{base}/cases/tracked.html")
        text = page.locator("main").inner_text()
        assert "現場の様子" in text and "窓口を一本化した。" in text and "支援施策" not in text
        assert page.locator("img").count() == 0
        page.screenshot(path=str(artifacts / "static-site-tracked.png"), full_page=True)
        assert requests and [u for u in requests if not u.startswith(base + "/")] == []
        violated = page.evaluate(
            """() => new Promise(done => {
                document.addEventListener('securitypolicyviolation',
                    e => done(e.effectiveDirective + ' ' + e.blockedURI));
                const img = document.createElement('img');
                img.src = 'https://tracker.example/late.gif';
                document.body.appendChild(img);
                setTimeout(() => done('not refused'), 5000);
            })"""
        )
        assert violated == "img-src https://tracker.example/late.gif"
    context.close()
    assert finished and [u for u in finished if not u.startswith(base + "/")] == []
