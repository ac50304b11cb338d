"""API tokens: made once and shown once, stored as digests, sent as Bearer to /api/ routes
only; a revoked, expired or wrong token is a 401 in the one JSON error shape."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kb.accounts import AccountError, AccountStore
from kb.cli import main
from kb.tokens import PREFIX, TokenStore, digest
from tests.conftest import ContentTree, Indexed, session_settings, temp_accounts
from web.app import create_app

ERROR_KEYS = {"code", "message", "path", "line", "field", "hint"}


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "accounts.sqlite3")


def test_only_the_digest_is_stored(store: AccountStore) -> None:
    tokens = TokenStore(lambda: store)
    token, secret = tokens.create("ci-bot", days=30)
    assert secret.startswith(PREFIX) and len(secret) >= 40
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT name, digest FROM api_tokens").fetchall()
    assert rows == [("ci-bot", digest(secret))]
    assert secret not in store.path.read_bytes().decode("latin-1")
    assert tokens.verify(secret) == token and not token.expired
    assert tokens.verify(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert tokens.verify("not-a-token") is None


def test_names_are_unique_and_revoking_ends_a_token(store: AccountStore) -> None:
    tokens = TokenStore(lambda: store)
    _, secret = tokens.create("ci-bot")
    with pytest.raises(AccountError, match="すでにあります"):
        tokens.create("ci-bot")
    tokens.revoke("ci-bot")
    assert tokens.verify(secret) is None and tokens.all() == []
    with pytest.raises(AccountError, match="ありません"):
        tokens.revoke("ci-bot")
    with pytest.raises(AccountError, match="1〜3650 日"):
        tokens.create("x", days=0)


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    env = {"KB_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    made = runner.invoke(main, ["token", "create", "ci-bot", "--expires", "30"], env=env)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()  # stdout holds the token alone: TOKEN=$(kb token create …)
    assert secret.startswith(PREFIX) and "\n" not in secret
    assert "今回しか表示しません" in made.stderr and "まで有効" in made.stderr
    listed = runner.invoke(main, ["token", "list"], env=env)
    header, row = listed.stdout.splitlines()
    assert header.split() == ["名前", "作成日時", "有効期限", "状態"]
    assert row.startswith("ci-bot") and row.endswith("有効") and secret not in listed.output
    assert runner.invoke(main, ["token", "revoke", "ci-bot"], env=env).exit_code == 0
    gone = runner.invoke(main, ["token", "revoke", "ci-bot"], env=env)
    assert gone.exit_code == 1 and "トークン ci-bot はありません" in gone.output


@pytest.fixture(scope="module")
def app_and_tokens(
    meili_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, TokenStore]]:
    tree = ContentTree(tmp_path_factory.mktemp("tokens") / "content")
    tree.add("aichi-bcp", "## 背景\n事業継続計画を策定した。", themes="bcp", year=2022)
    ix = Indexed(session_settings(meili_data, tree.root))
    ix.rebuild()
    app = create_app(ix.settings)
    temp_accounts(app)
    with TestClient(app) as client:  # no session: only the token speaks for it
        yield client, app.state.auth.tokens
    ix.drop()


def test_bearer_token_opens_the_api(app_and_tokens: tuple[TestClient, TokenStore]) -> None:
    client, tokens = app_and_tokens
    _, secret = tokens.create("reader")
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/search?q=BCP").status_code == 401  # nothing sent
    found = client.get("/api/search?q=BCP", headers=auth)
    assert found.status_code == 200
    hit = found.json()["hits"][0]
    assert hit["themes"] == ["bcp"] and hit["theme_labels"] == ["BCP・防災"]
    case = client.get("/api/cases/aichi-bcp", headers=auth).json()
    assert case["id"] == "aichi-bcp" and case["theme_labels"] == ["BCP・防災"]
    # a POST with a token needs no CSRF token: no cookie speaks for the caller
    checked = client.post("/api/new/validate", json={"title": "x"}, headers=auth)
    assert checked.status_code == 200 and checked.json()["ok"] is False
    tokens.revoke("reader")


def test_the_forms_do_not_take_a_token(app_and_tokens: tuple[TestClient, TokenStore]) -> None:
    client, tokens = app_and_tokens
    _, secret = tokens.create("form-poster")
    auth = {"Authorization": f"Bearer {secret}"}
    page = client.get("/new", headers=auth, follow_redirects=False)
    assert page.status_code == 303 and "/login" in page.headers["location"]
    posted = client.post("/new", data={"title": "x"}, headers=auth)
    assert posted.status_code == 403  # the form's CSRF rule still holds
    tokens.revoke("form-poster")


@pytest.mark.parametrize("case", ["wrong", "revoked", "expired"])
def test_bad_tokens_get_401_in_the_error_shape(
    app_and_tokens: tuple[TestClient, TokenStore], case: str
) -> None:
    client, tokens = app_and_tokens
    token, secret = tokens.create(f"t-{case}", days=1)
    if case == "wrong":
        secret = PREFIX + "x" * 43
    elif case == "revoked":
        tokens.revoke(token.name)
    else:
        with tokens._store().database() as db:
            db.execute(
                "UPDATE api_tokens SET expires = ? WHERE name = ?", (time.time() - 1, token.name)
            )
    response = client.get("/api/search", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error", "status"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == "unauthorized"
    expected = "有効期限が切れています" if case == "expired" else "正しくないか、取り消されています"
    assert expected in body["error"]["message"]
    if case != "revoked":
        tokens.revoke(token.name)
