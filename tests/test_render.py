"""kb.render: plain text for the index, safe HTML with anchors and a table of contents."""

from __future__ import annotations

import pytest

from kb.render import safe_url, slug, to_html, to_text


def test_to_text_drops_markup():
    assert to_text("## 背景\n**太字**と[リンク](https://e.jp)。") == "背景\n太字とリンク。"


def test_raw_html_is_shown_as_text():
    html = to_html("<script>alert(1)</script>\n\n本文 <b>x</b>").html
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JavaScript:alert(1)", "java%0ascript:alert(1)", " vbscript:x",
     "data:text/html,<script>", "DATA:image/svg+xml,x"],
)  # fmt: skip
def test_unsafe_urls_never_become_links(url):
    assert not safe_url(url)
    html = to_html(f"[x]({url}) ![i]({url})").html
    assert 'href="javascript' not in html.lower() and "data:" not in html.lower().split(">")[0]
    assert "<a " not in html and "<img" not in html


def test_safe_links_and_images_kept_external_links_get_rel():
    html = to_html("[中央会](https://www.chuokai.or.jp/) [相対](other.md) ![図](fig.png)").html
    assert (
        '<a href="https://www.chuokai.or.jp/" rel="noopener noreferrer nofollow">中央会</a>' in html
    )
    assert '<a href="other.md">相対</a>' in html
    assert '<img src="fig.png" alt="図" loading="lazy" />' in html


def test_rewrite_maps_attachment_urls():
    html = to_html(
        "![図](attachments/a.png)", lambda u: "/dl/" + u if u.startswith("att") else None
    )
    assert 'src="/dl/attachments/a.png"' in html.html


def test_rewrite_cannot_smuggle_unsafe_url():
    html = to_html("[x](a.txt)", lambda u: "javascript:alert(1)").html
    assert 'href="#"' in html


def test_heading_anchors_unique_and_toc():
    rendered = to_html("# 題\n## 背景\n本文\n## 背景\n### 取組 その1\n#### 細目\n")
    assert '<h2 id="背景">背景</h2>' in rendered.html
    assert '<h2 id="背景-2">背景</h2>' in rendered.html
    assert '<h3 id="取組-その1">' in rendered.html
    assert [(h.level, h.anchor) for h in rendered.toc] == [
        (2, "背景"),
        (2, "背景-2"),
        (3, "取組-その1"),
    ]
    assert rendered.long


def test_toc_tree_nests_subsections_under_their_section():
    rendered = to_html("### 前書き\n## 背景\n## 取組\n### その1\n### その2\n## 成果\n")
    tree = [(h.anchor, [s.anchor for s in subs]) for h, subs in rendered.toc_tree]
    assert tree == [("前書き", []), ("背景", []), ("取組", ["その1", "その2"]), ("成果", [])]


def test_short_cases_have_no_toc():
    assert not to_html("## 背景\n本文\n## 成果\n本文").long


def test_slug():
    assert slug(" 今後の 課題！ ") == "今後の-課題"
    assert slug("Q&A") == "q-a"
    assert to_html("## ！！\n").toc[0].anchor == "section-1"


def test_tables_render():
    html = to_html("| 項目 | 値 |\n|---|---|\n| 組合員 | 22 |").html
    assert "<table>" in html and "<td>組合員</td>" in html
