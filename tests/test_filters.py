"""Search filters: request strings checked against the taxonomy, then a Meilisearch filter."""

from __future__ import annotations

import pytest

from kb.errors import QueryError
from kb.filters import parse_filters
from kb.taxonomy import Taxonomy, load_taxonomy
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_taxonomy(CONTENT)


def test_same_field_ors_and_fields_and(tax: Taxonomy) -> None:
    f = parse_filters(["prefecture=愛知県", "prefecture=京都府", "industry=製造業"], tax)
    assert f.expression() == [
        '(prefecture = "愛知県" OR prefecture = "京都府")',
        '(industry = "製造業")',
    ]
    assert f.pairs() == [("prefecture", "愛知県"), ("prefecture", "京都府"), ("industry", "製造業")]


def test_values_become_canonical_and_aliases_are_names(tax: Taxonomy) -> None:
    # a theme by its label (here in full width), by a synonym or by its key
    f = parse_filters(
        ["theme=ＢＣＰ・防災", "pref=愛知県", " themes = bcp ", "theme=事業継続計画"], tax
    )
    assert f.values == {"themes": ["bcp"], "prefecture": ["愛知県"]}  # repeats dropped


def test_years_ranges_and_full_width_digits(tax: Taxonomy) -> None:
    assert parse_filters(["year=2023"], tax).year_range == (2023, 2023)
    assert parse_filters(["year=２０１９..２０２１"], tax).expression() == [
        "year >= 2019",
        "year <= 2021",
    ]
    assert parse_filters(["year=2019-"], tax).year_range == (2019, None)
    assert parse_filters(["year=〜2020"], tax).year_range == (None, 2020)
    # a second year filter widens the range
    assert parse_filters(["year=2019", "year=2022"], tax).year_range == (2019, 2022)
    assert parse_filters(["year=2019..2020"], tax).pairs() == [("year", "2019..2020")]


def test_quotes_in_free_text_values_cannot_break_out(tax: Taxonomy) -> None:
    expr = parse_filters(['tags=a" OR visibility = "internal'], tax).expression()
    assert expr == ['(tags = "a\\" OR visibility = \\"internal")']


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (["colour=red"], "filter", "絞り込み 'colour=red' は使えません"),
        (["prefecture"], "filter", "は使えません"),
        (["industry="], "industry", "値が空です"),
        (["year=昨年"], "year", "年度 '昨年' を読めません"),
        (["visibility=secret"], "visibility", "visibility に 'secret' という値はありません"),
    ],
)
def test_bad_filters_name_the_field(
    tax: Taxonomy, raw: list[str], field: str, message: str
) -> None:
    with pytest.raises(QueryError) as err:
        parse_filters(raw, tax)
    assert err.value.field == field and message in str(err.value)
    assert err.value.hint


def test_a_near_miss_gets_a_suggestion(tax: Taxonomy) -> None:
    with pytest.raises(QueryError, match="もしかして「製造業」"):
        parse_filters(["industry=製造"], tax)
    with pytest.raises(QueryError, match="もしかして「愛知県」"):
        parse_filters(["prefecture=愛知"], tax)
