"""kb.config: environment names, defaults, and ConfigError naming the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import ENV_NAMES, Settings, load_settings
from kb.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    s = load_settings()
    assert s.content_dir == Path("content") and s.data_dir == Path(".data")
    assert s.index_name == "cases" and s.port == 8000 and s.host == "127.0.0.1"
    assert s.meili_url is None and not s.external and s.cases_dir == Path("content/cases")
    assert s.access_log is True and s.search_concurrency == 5


def test_every_field_has_an_upper_case_env_name_and_a_description() -> None:
    assert set(ENV_NAMES) == set(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        assert ENV_NAMES[name].isupper() and field.description, name


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_CONTENT_DIR", "/srv/content")
    monkeypatch.setenv("KB_INDEX", "other")
    monkeypatch.setenv("KB_PORT", "8080")
    monkeypatch.setenv("KB_ACCESS_LOG", "false")
    monkeypatch.setenv("MEILI_URL", "http://search:7700/")
    monkeypatch.setenv("MEILI_MASTER_KEY", "k")
    s = load_settings()
    assert s.content_dir == Path("/srv/content") and s.index_name == "other" and s.port == 8080
    assert s.access_log is False
    assert s.meili_url == "http://search:7700" and s.external


def test_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_INDEX", "from-env")
    assert load_settings(index_name="given").index_name == "given"


def test_blank_meili_url_means_managed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEILI_URL", "  ")
    assert load_settings().meili_url is None


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"KB_PORT": "abc"}, "KB_PORT"),
        ({"KB_PORT": "70000"}, "KB_PORT"),
        ({"KB_PORT": "0"}, "KB_PORT"),
        ({"MEILI_URL": "localhost:7700", "MEILI_MASTER_KEY": "k"}, "MEILI_URL"),
        ({"MEILI_URL": "http://localhost:7700"}, "MEILI_MASTER_KEY"),
        ({"KB_INDEX": "bad name!"}, "KB_INDEX"),
        ({"KB_MAX_FILE_BYTES": "-1"}, "KB_MAX_FILE_BYTES"),
        ({"KB_MEILI_TIMEOUT": "soon"}, "KB_MEILI_TIMEOUT"),
        ({"KB_MEILI_MAX_INDEXING_MEMORY": "lots"}, "KB_MEILI_MAX_INDEXING_MEMORY"),
        ({"KB_ACCESS_LOG": "sometimes"}, "KB_ACCESS_LOG"),
        ({"KB_SEARCH_CONCURRENCY": "-1"}, "KB_SEARCH_CONCURRENCY"),
    ],
)
def test_invalid_values_name_the_key(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], key: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert f"{key}:" in info.value.message
    assert info.value.hint


def test_settings_are_frozen() -> None:
    s = load_settings()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        s.port = 1  # type: ignore[misc]
