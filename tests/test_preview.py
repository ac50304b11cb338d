"""kb preview: the rendered file with its kb check findings, and a version that changes on save."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from kb.config import load_settings
from kb.preview import create_preview_app


def test_preview_renders_and_reports_findings(content):
    path = content.add(
        "aichi-2023-preview",
        "## 背景\n**太字**の本文。<script>alert(1)</script>\n## 取組\nx\n## 成果\nx\n## 今後の課題\nx",
        prefecture="愛知",
    )
    app = create_preview_app(load_settings(content_dir=content.root), path)
    client = TestClient(app)
    page = client.get("/")
    assert page.status_code == 200
    assert "<strong>太字</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text  # raw HTML is shown as text
    assert "もしかして「愛知県」" in page.text  # the same message as kb check
    assert 'src="/preview.js"' in page.text


def test_preview_version_changes_on_save(content):
    path = content.add("aichi-2023-preview", "## 背景\n本文。")
    client = TestClient(create_preview_app(load_settings(content_dir=content.root), path))
    before = client.get("/version").json()["version"]
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8") + "\n追記。\n", encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    after = client.get("/version").json()["version"]
    assert before != after
    assert "追記" in client.get("/").text
    assert "location.reload" in client.get("/preview.js").text


def test_preview_of_removed_file_says_so(content):
    path = content.add("aichi-2023-preview", "## 背景\n本文。")
    client = TestClient(create_preview_app(load_settings(content_dir=content.root), path))
    path.unlink()
    page = client.get("/")
    assert page.status_code == 404 and "ファイルがありません" in page.text


def test_preview_leaves_out_html_comments(content):
    path = content.add("aichi-2023-preview", "## 背景\n<!-- 案内の文を書きます。 -->\n本文。")
    page = TestClient(create_preview_app(load_settings(content_dir=content.root), path)).get("/")
    assert "本文。" in page.text and "案内の文" not in page.text and "&lt;!--" not in page.text
