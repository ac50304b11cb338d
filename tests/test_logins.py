"""kb.logins: revoked sessions and failed-login counts in the accounts database."""

from __future__ import annotations

import time
from pathlib import Path

from kb.accounts import AccountStore
from kb.logins import FORGET_AFTER_S, LoginRecords


def records(tmp_path: Path) -> tuple[LoginRecords, AccountStore]:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    return LoginRecords(lambda: store), store


def test_revoked_sessions_until_they_expire(tmp_path: Path) -> None:
    logins, _ = records(tmp_path)
    assert not logins.revoked("abc")
    logins.revoke("abc", time.time() + 60)
    logins.revoke("old", time.time() - 1)  # already past its cookie's lifetime
    assert logins.revoked("abc") and logins.revoked("old")
    logins.revoke("next", time.time() + 60)  # each revocation prunes expired ones
    assert logins.revoked("abc") and not logins.revoked("old")


def test_failures_are_counted_in_one_transaction_and_cleared(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    assert logins.failures("user:a") == (0, 0.0)
    logins.update_failures("user:a", lambda n, until: (n + 1, 123.0))
    logins.update_failures("user:a", lambda n, until: (n + 1, until + 1))
    assert logins.failures("user:a") == (2, 124.0)
    # another process (a second store object on the same file) sees the same count
    other = LoginRecords(lambda: AccountStore(store.path))
    assert other.failures("user:a") == (2, 124.0)
    logins.clear_failures("user:a")
    assert logins.failures("user:a") == (0, 0.0)


def test_untouched_failure_records_are_forgotten(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    logins.update_failures("addr:192.0.2.1", lambda n, u: (n + 1, 0.0))
    with store.database() as db:
        db.execute("UPDATE login_failures SET updated = ?", (time.time() - FORGET_AFTER_S - 1,))
    logins.update_failures("addr:192.0.2.2", lambda n, u: (n + 1, 0.0))
    assert logins.failures("addr:192.0.2.1") == (0, 0.0)
    assert logins.failures("addr:192.0.2.2") == (1, 0.0)


def test_an_existing_accounts_file_gets_the_new_tables(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "accounts.sqlite3"
    with sqlite3.connect(path) as db:  # the file as kb 0.x left it: accounts only
        db.execute("CREATE TABLE accounts (name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
                   " admin INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL)")  # fmt: skip
    store = AccountStore(path)
    logins = LoginRecords(lambda: store)
    logins.revoke("s", time.time() + 5)
    assert logins.revoked("s") and store.all() == []
