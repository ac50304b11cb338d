"""web.templating: the filters the app's templates and `kb build-site` share."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Environment

from web.templating import configure, japanese_date


def test_japanese_dates() -> None:
    assert japanese_date(date(2024, 3, 15)) == "2024年3月15日"
    assert japanese_date("2024-03-05") == "2024年3月5日"
    assert japanese_date(datetime(2024, 12, 1, 9, 30)) == "2024年12月1日"
    assert japanese_date(None) == "" and japanese_date("") == ""
    assert japanese_date("令和6年") == "令和6年"  # not a date: shown as written


def test_filter_is_registered() -> None:
    env = configure(Environment(autoescape=True))
    assert env.from_string("{{ d | jdate }}").render(d="2023-10-01") == "2023年10月1日"
