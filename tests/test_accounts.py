"""kb.accounts and `kb user …`: argon2 hashes, atomic SQLite store, the CLI."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.accounts import AccountError, AccountStore
from kb.cli import main


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore(tmp_path / "data" / "accounts.sqlite3")


def test_add_verify_and_hash_is_argon2(store: AccountStore) -> None:
    store.add("yamada", "correct horse battery", admin=True)
    account = store.verify("yamada", "correct horse battery")
    assert account is not None and account.admin and account.name == "yamada"
    assert store.verify("yamada", "wrong password!") is None
    assert store.verify("nobody", "correct horse battery") is None
    with sqlite3.connect(store.path) as db:
        (digest,) = db.execute("SELECT hash FROM accounts").fetchone()
    assert digest.startswith("$argon2id$") and "correct horse" not in digest


def test_store_file_is_private(store: AccountStore) -> None:
    store.add("yamada", "correct horse battery")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_duplicate_bad_name_short_password(store: AccountStore) -> None:
    store.add("yamada", "correct horse battery")
    with pytest.raises(AccountError, match="すでにあります"):
        store.add("yamada", "another password")
    with pytest.raises(AccountError, match="ユーザー名"):
        store.add("../etc", "correct horse battery")
    with pytest.raises(AccountError, match="8"):
        store.add("suzuki", "short")
    assert [a.name for a in store.all()] == ["yamada"]


def test_passwd_and_remove(store: AccountStore) -> None:
    store.add("root", "correct horse battery", admin=True)
    store.add("yamada", "correct horse battery")
    store.passwd("yamada", "new password here")
    assert store.verify("yamada", "correct horse battery") is None
    assert store.verify("yamada", "new password here") is not None
    store.remove("yamada")
    assert store.get("yamada") is None
    with pytest.raises(AccountError, match="ありません") as err:
        store.remove("yamada")
    assert err.value.status_code == 404
    with pytest.raises(AccountError, match="最後の管理者"):
        store.remove("root")


def test_failed_change_leaves_store_unchanged(store: AccountStore) -> None:
    store.add("yamada", "correct horse battery")
    with pytest.raises(AccountError):
        store.passwd("nobody", "new password here")
    assert store.verify("yamada", "correct horse battery") is not None


def test_ensure_admin_only_on_empty_store(store: AccountStore) -> None:
    password = store.ensure_admin()
    assert password and len(password) >= 16
    assert store.verify("admin", password) is not None
    assert store.ensure_admin() is None
    assert len(store.all()) == 1


@pytest.fixture
def runner_env(tmp_path: Path) -> dict[str, str]:
    return {"KB_DATA_DIR": str(tmp_path / "data")}


def test_cli_add_list_passwd_remove(runner_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    add = runner.invoke(main, ["user", "add", "yamada", "--admin", "--password-stdin"],
                        input="correct horse battery\n", env=runner_env)  # fmt: skip
    assert add.exit_code == 0, add.output
    assert "yamada" in add.output and "管理者" in add.output
    prompted = runner.invoke(main, ["user", "add", "suzuki"],
                             input="long enough pw\nlong enough pw\n", env=runner_env)  # fmt: skip
    assert prompted.exit_code == 0, prompted.output
    mismatch = runner.invoke(main, ["user", "add", "tanaka"],
                             input="long enough pw\ndifferent pw!!\n", env=runner_env)  # fmt: skip
    assert mismatch.exit_code != 0
    assert "2 回の入力が一致しません" in mismatch.output
    listed = runner.invoke(main, ["user", "list"], env=runner_env)
    assert listed.exit_code == 0
    header, *rows = listed.output.splitlines()
    assert header.split() == ["ユーザー名", "権限", "作成日時（UTC）"]
    assert [r.split()[:2] for r in rows] == [["suzuki", "指導員"], ["yamada", "管理者"]]
    assert "tanaka" not in listed.output
    passwd = runner.invoke(main, ["user", "passwd", "suzuki", "--password-stdin"],
                           input="changed password\n", env=runner_env)  # fmt: skip
    assert passwd.exit_code == 0, passwd.output
    store = AccountStore(tmp_path / "data" / "accounts.sqlite3")
    assert store.verify("suzuki", "changed password") is not None
    removed = runner.invoke(main, ["user", "remove", "suzuki", "--yes"], env=runner_env)
    assert removed.exit_code == 0 and store.get("suzuki") is None
    missing = runner.invoke(main, ["user", "passwd", "nobody"], env=runner_env)
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_cli_short_password_is_refused(runner_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["user", "add", "yamada", "--password-stdin"],
                                input="short\n", env=runner_env)  # fmt: skip
    assert result.exit_code == 1 and "8" in result.output


def test_cli_ensure_admin_prints_password_once(runner_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["user", "ensure-admin"], env=runner_env)
    assert first.exit_code == 0 and "admin" in first.output
    password = first.output.splitlines()[1].strip()
    assert AccountStore(tmp_path / "data" / "accounts.sqlite3").verify("admin", password)
    second = runner.invoke(main, ["user", "ensure-admin"], env=runner_env)
    assert second.exit_code == 0 and second.output == ""


def test_version_changes_with_every_committed_write(store: AccountStore) -> None:
    store.add("yamada", "correct horse battery")
    before = store.version()
    assert store.version() == before  # reads change nothing
    store.get("yamada")
    assert store.version() == before
    other = AccountStore(store.path)  # another worker's store: its own connections
    other.add("suzuki", "correct horse battery")
    after = store.version()
    assert after != before
    with sqlite3.connect(store.path) as db:  # any process writing the file counts
        db.execute("DELETE FROM accounts WHERE name = 'suzuki'")
    assert store.version() != after


def test_cli_ensure_admin_takes_the_password_from_a_file(
    runner_env: dict[str, str], tmp_path: Path
) -> None:
    secret = tmp_path / "kb_admin_password"
    secret.write_text("from the secret store\n", encoding="utf-8")
    env = {**runner_env, "KB_ADMIN_PASSWORD_FILE": str(secret)}
    first = CliRunner().invoke(main, ["user", "ensure-admin"], env=env)
    assert first.exit_code == 0, first.output
    assert "KB_ADMIN_PASSWORD_FILE" in first.output and "from the secret" not in first.output
    store = AccountStore(tmp_path / "data" / "accounts.sqlite3")
    assert store.verify("admin", "from the secret store") is not None
    assert CliRunner().invoke(main, ["user", "ensure-admin"], env=env).output == ""


def test_cli_ensure_admin_refuses_a_bad_password_file(
    runner_env: dict[str, str], tmp_path: Path
) -> None:
    short = tmp_path / "short"
    short.write_text("short\n", encoding="utf-8")
    for path in (short, tmp_path / "missing"):
        env = {**runner_env, "KB_ADMIN_PASSWORD_FILE": str(path)}
        result = CliRunner().invoke(main, ["user", "ensure-admin"], env=env)
        assert result.exit_code == 1 and "KB_ADMIN_PASSWORD_FILE" in result.output
        assert str(path) in result.output and "Traceback" not in result.output
    assert AccountStore(tmp_path / "data" / "accounts.sqlite3").all() == []
    empty = {**runner_env, "KB_ADMIN_PASSWORD_FILE": ""}  # compose passes an empty value
    assert CliRunner().invoke(main, ["user", "ensure-admin"], env=empty).exit_code == 0
