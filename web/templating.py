"""What the app's templates and `kb build-site`'s share: filters and the environment's setup.

``jdate`` writes dates the Japanese way (2024-03-15 → 2024年3月15日) everywhere a date is
shown; values that are not dates are shown as they are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment


def japanese_date(value: Any) -> str:
    """2024-03-15 (a date, a datetime or ISO text) → 2024年3月15日; None → ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def configure(env: Environment) -> Environment:
    env.filters["jdate"] = japanese_date
    return env
