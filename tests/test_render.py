"""kb.render: plain text for the index, safe HTML with anchors and a table of contents."""

from __future__ import annotations

import pytest

from kb.render import safe_url, slug, strip_comments, to_html, to_text


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


def test_comments_are_removed_keeping_lines_and_code():
    body = (
        "## 背景\n<!-- 案内の文 -->\n本文<!-- 行内 -->です。\n<!-- 複数行の\n案内 -->\n"
        "`<!-- コード -->` の例\n\n```\n<!-- 囲みの中 -->\n```\n<!-- 閉じていない"
    )
    stripped = strip_comments(body)
    assert stripped.split("\n") == [
        "## 背景", "", "本文です。", "", "", "`<!-- コード -->` の例", "", "```",
        "<!-- 囲みの中 -->", "```", "<!-- 閉じていない",
    ]  # fmt: skip
    blanked = strip_comments(body, blank=True)
    assert (
        len(blanked) == len(body)
        and blanked.split("\n")[2] == "本文" + " " * len("<!-- 行内 -->") + "です。"
    )
    assert strip_comments("コメントなし") == "コメントなし"


def test_comments_reach_neither_text_nor_html():
    body = "## 取組\n\n<!-- 活用した支援施策も含めて具体的に書きます。 -->\n窓口を一本化した。"
    assert to_text(body) == "取組\n窓口を一本化した。"
    html = to_html(body).html
    assert "支援施策" not in html and "&lt;!--" not in html and "窓口を一本化した。" in html


def test_images_off_shows_alt_text_and_fetches_nothing():
    body = "図 ![追跡 *画像*](https://tracker.example/p.gif?u=1) と ![図](fig.png)"
    html = to_html(body, images=False).html
    assert "<img" not in html and "tracker.example" not in html
    assert html.strip() == "<p>図 追跡 画像 と 図</p>"
    assert 'src="https://tracker.example/p.gif?u=1"' in to_html(body).html  # internal pages
