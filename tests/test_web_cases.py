"""Case pages, attachments and theme pages through the app."""

from __future__ import annotations

import pytest

from tests.conftest import authed
from web.app import create_app

LONG_BODY = """\
## 背景
電力料金が上がった。<script>alert(1)</script>

## 取組
[危険](javascript:alert(1)) と [資料](attachments/memo.txt) と ![図](attachments/fig.png)

### 勉強会
計４回開催した。

## 成果
合意した。
"""


@pytest.fixture
def app_for(content, indexed, make_settings):
    def build(**overrides):
        content.write("cases/aichi/attachments/memo.txt", "メモ\n")
        content.write("cases/aichi/attachments/fig.png", b"\x89PNG\r\n\x1a\n")
        content.write("cases/aichi/attachments/secret.txt", "not listed\n")
        content.add(
            "price",
            LONG_BODY,
            title="鋳物組合の価格転嫁",
            themes="price-pass-through, productivity",
            extra="industry: 製造業\norganization: 〇〇鋳物工業協同組合\norganization_type: 事業協同組合\n"
            "programs: [中小企業組合等活路開拓事業]\ntags: [電力料金, 価格交渉]\npublished: 2024-03-15\n"
            "attachments: [attachments/memo.txt, attachments/fig.png]\n",
        )
        (content.root / "cases/price.md").rename(content.root / "cases/aichi/price.md")
        content.add(
            "other",
            "## 背景\n電力料金の価格転嫁。",
            title="電力料金の交渉",
            themes="price-pass-through",
            prefecture="宮城県",
            year=2021,
        )
        content.add("short", "## 背景\n短い。", title="短い事例", themes="dx", kind="qa")
        ix = indexed()
        settings = make_settings(
            content_dir=content.root, index_name=ix.settings.index_name, **overrides
        )
        return authed(create_app(settings))

    return build


@pytest.fixture
def client(app_for):
    with app_for(edit_url="https://git.example.jp/kb/edit/main/{path}") as c:
        yield c


def test_case_page_renders_body_safely_with_toc(client):
    res = client.get("/cases/price")
    assert res.status_code == 200
    html = res.text
    assert '<h1 id="case-title">鋳物組合の価格転嫁</h1>' in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert 'href="javascript' not in html and "[危険](javascript:alert(1))" in html
    assert '<nav class="toc no-print"' in html and '<ul><li><a href="#勉強会">' in html
    assert '<h3 id="勉強会">' in html


def test_short_case_has_no_toc(client):
    html = client.get("/cases/short").text
    assert 'class="toc' not in html and "質疑応答" in html


def test_metadata_values_link_to_searches(client):
    html = client.get("/cases/price").text
    assert 'href="/?filter=prefecture%3D%E6%84%9B%E7%9F%A5%E7%9C%8C">愛知県</a>' in html
    assert 'href="/?filter=industry%3D%E8%A3%BD%E9%80%A0%E6%A5%AD">製造業</a>' in html
    assert 'href="/?filter=year%3D2023">2023年度</a>' in html
    assert 'href="/themes/productivity">生産性向上</a>' in html
    assert ">中小企業組合等活路開拓事業</a>" in html and ">電力料金</a>" in html
    assert 'href="/?filter=organization_type' in html and "〇〇鋳物工業協同組合" in html
    assert "2024年3月15日" in html and "2024-03-15" not in html


def test_attachments_listed_and_downloadable(client):
    html = client.get("/cases/price").text
    assert 'href="/cases/price/attachments/attachments/memo.txt" download>memo.txt</a>' in html
    assert "（テキスト、7 B）" in html and "PNG 画像" in html
    assert 'src="/cases/price/attachments/attachments/fig.png"' in html  # image in the body
    res = client.get("/cases/price/attachments/attachments/memo.txt")
    assert res.status_code == 200 and res.text == "メモ\n"
    assert res.headers["content-type"] == "text/plain; charset=utf-8"
    assert "attachment" in res.headers["content-disposition"]


@pytest.mark.parametrize(
    "rel",
    [
        "attachments/secret.txt",  # in the folder but not in the front matter
        "attachments/../price.md",
        "../../taxonomy.yml",
        "..%2F..%2Ftaxonomy.yml",
        "%2Fetc%2Fpasswd",
        "attachments/missing.txt",
    ],
)
def test_attachment_route_serves_only_listed_files(client, rel):
    res = client.get(f"/cases/price/attachments/{rel}", headers={"accept": "text/html"})
    assert res.status_code == 404
    assert "見つかりません" in res.text


def test_attachment_of_unknown_case_is_404(client):
    assert client.get("/cases/nope/attachments/attachments/memo.txt").status_code == 404


def test_related_cases_never_itself(client):
    html = client.get("/cases/price").text
    related = html.split('id="related-title"')[1]
    assert 'href="/cases/other"' in related and 'href="/cases/price"' not in related


def test_edit_link_from_setting(client):
    html = client.get("/cases/price").text
    assert 'href="https://git.example.jp/kb/edit/main/content/cases/aichi/price.md"' in html
    assert "この事例を編集" in html


def test_edit_link_hidden_without_setting(app_for):
    with app_for(edit_url="") as c:
        assert "この事例を編集" not in c.get("/cases/price").text


def test_print_stylesheet_hides_navigation(client):
    html = client.get("/cases/price").text
    assert '<link rel="stylesheet" href="/static/print.css" media="print">' in html
    css = client.get("/static/print.css").text
    assert ".site-header" in css and ".no-print" in css and "display: none" in css


@pytest.mark.parametrize("case_id", ["nope", "UPPER", "a..b", "x" * 300])
def test_unknown_case_is_japanese_404(client, case_id):
    res = client.get(f"/cases/{case_id}", headers={"accept": "text/html"})
    assert res.status_code == 404
    assert "事例が見つかりません" in res.text and "<html" in res.text


def test_theme_page(client):
    res = client.get("/themes/price-pass-through")
    assert res.status_code == 200
    html = res.text
    assert '<h1 id="theme-title">価格転嫁</h1>' in html
    assert "このテーマの事例 2 件" in html
    assert html.index('href="/cases/price"') < html.index('href="/cases/other"')  # newest first
    assert "事業協同組合" in html and "宮城県" in html
    assert 'href="/?filter=themes%3Dprice-pass-through&amp;filter=prefecture%3D' in html


def test_theme_page_accepts_label_and_404s_unknown(client):
    assert client.get("/themes/価格転嫁").status_code == 200
    res = client.get("/themes/space", headers={"accept": "text/html"})
    assert res.status_code == 404 and "テーマ「space」はありません" in res.text


def test_theme_index_lists_every_theme_with_counts(client):
    res = client.get("/themes")
    assert res.status_code == 200
    html = res.text
    assert 'href="/themes/price-pass-through"><span class="tile-label">価格転嫁</span>' in html
    assert '<span class="tile-count">2<span class="unit"> 件</span>' in html  # 価格転嫁
    assert 'href="/themes/invoice"' in html  # themes without cases are listed too (0 件)
    assert 'href="/themes">テーマ一覧</a>' in client.get("/themes/dx").text  # breadcrumb


def test_case_opened_from_a_search_marks_its_words_and_links_back(client):
    params = [
        ("q", "電力料金 勉強会 -交渉"),
        ("filter", "themes=price-pass-through"),
        ("page", "2"),
    ]
    html = client.get("/cases/price", params=params).text
    assert "<mark>電力料金</mark>が上がった" in html and "計４回<mark>" not in html
    assert '<h3 id="勉強会"><mark>勉強会</mark></h3>' in html or "<mark>勉強会</mark></h3>" in html
    assert "<mark>交渉</mark>" not in html  # an excluded word is not marked
    back = (
        'href="/?q=%E9%9B%BB%E5%8A%9B%E6%96%99%E9%87%91+%E5%8B%89%E5%BC%B7%E4%BC%9A+-%E4%BA%A4%E6%B8%89'
        '&amp;filter=themes%3Dprice-pass-through&amp;page=2#results"'
    )
    assert back in html and "に戻る</a>" in html
    # without a search: the plain breadcrumb and no marks
    plain = client.get("/cases/price").text
    assert "<mark>" not in plain and 'href="/?filter=kind%3Dcase"' in plain


def test_marks_never_open_markup(client):
    for q in ["<script>alert(1)</script>", "href", '"><img src=x>', "&amp;", "mark", "h3"]:
        html = client.get("/cases/price", params={"q": q}).text
        assert "<script>alert(1)</script>" not in html.split("</header>", 1)[1]
        assert "<img src=x>" not in html
        assert "<<mark>" not in html and "<mark>h3</mark>" not in html
        assert 'href="<mark>' not in html


def test_result_links_carry_the_search(client):
    html = client.get("/", params={"q": "電力料金", "filter": "themes=price-pass-through"}).text
    assert (
        'href="/cases/price?q=%E9%9B%BB%E5%8A%9B%E6%96%99%E9%87%91'
        '&amp;filter=themes%3Dprice-pass-through"' in html
    )


def test_favicon_at_the_root_for_everyone(app_for):
    from fastapi.testclient import TestClient

    anonymous = TestClient(create_app(app_for().app.state.services.settings))
    res = anonymous.get("/favicon.ico")
    assert res.status_code == 200 and res.headers["content-type"] == "image/x-icon"
    assert res.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "no-store" not in res.headers.get("cache-control", "")
    svg = anonymous.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.text.startswith("<svg")
