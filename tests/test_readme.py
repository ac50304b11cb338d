"""README.md documents every setting (datasette's habit: undocumented settings fail a test)."""

from __future__ import annotations

import pytest

from kb.config import ENV_NAMES
from tests.conftest import ROOT

README = ROOT / "README.md"


@pytest.mark.parametrize(("field", "env"), sorted(ENV_NAMES.items()))
def test_every_setting_is_documented(field: str, env: str) -> None:
    assert README.is_file(), "README.md is missing"
    documented = env in README.read_text(encoding="utf-8")
    assert documented, f"README.md does not mention {env} (Settings.{field})"


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
