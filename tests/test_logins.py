"""kb.logins: sessions and failed-login counts in the accounts database."""

from __future__ import annotations

import time
from pathlib import Path

from kb.accounts import AccountStore
from kb.logins import FORGET_AFTER_S, LoginRecords

PASSWORD = "correct horse battery staple"


def records(tmp_path: Path) -> tuple[LoginRecords, AccountStore]:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    return LoginRecords(lambda: store), store


def test_a_session_lives_while_its_row_and_account_exist(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    store.add("yamada", PASSWORD, admin=True)
    assert logins.live("s1") is None
    logins.open_session("s1", "yamada", time.time() + 60, agent="UA", address="192.0.2.1")
    logins.open_session("old", "yamada", time.time() - 1)  # already past its lifetime
    live = logins.live("s1")
    assert live is not None and live.name == "yamada" and live.admin
    assert logins.live("old") is None
    logins.open_session("s2", "yamada", time.time() + 60)  # each login prunes expired ones
    with store.database(write=False) as db:
        assert db.execute("SELECT count(*) FROM sessions WHERE sid = 'old'").fetchone()[0] == 0
    assert [s.sid for s in logins.sessions("yamada")] == ["s2", "s1"]  # most recent first
    first = logins.sessions("yamada")[1]
    assert (first.agent, first.address) == ("UA", "192.0.2.1")
    assert first.handle != first.sid and len(first.handle) == 20
    logins.end_session("s1")
    assert logins.live("s1") is None and logins.live("s2") is not None


def test_end_sessions_keeps_the_one_asked(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    store.add("a", PASSWORD)
    store.add("b", PASSWORD)
    for sid, name in [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b")]:
        logins.open_session(sid, name, time.time() + 60)
    assert logins.end_sessions("a", keep="a2") == 2
    assert [s.sid for s in logins.sessions("a")] == ["a2"]
    assert logins.live("b1") is not None  # another account's sessions stay


def test_password_change_and_removal_end_the_accounts_sessions(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    store.add("a", PASSWORD)
    store.add("b", PASSWORD)
    logins.open_session("a1", "a", time.time() + 60)
    logins.open_session("a2", "a", time.time() + 60)
    logins.open_session("b1", "b", time.time() + 60)
    assert store.passwd("a", "another long password") == 2
    assert logins.sessions("a") == [] and logins.live("b1") is not None
    assert store.remove("b") == 1
    assert logins.live("b1") is None


def test_a_new_account_does_not_inherit_sessions_under_its_name(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    store.add("a", PASSWORD)
    logins.open_session("a1", "a", time.time() + 60)
    with store.database() as db:  # the account deleted by hand, its session row left behind
        db.execute("DELETE FROM accounts WHERE name = 'a'")
    assert logins.live("a1") is None
    store.add("a", PASSWORD)  # someone else gets the name
    assert logins.live("a1") is None


def test_touch_records_last_seen(tmp_path: Path) -> None:
    logins, store = records(tmp_path)
    store.add("a", PASSWORD)
    logins.open_session("a1", "a", time.time() + 60)
    with store.database() as db:
        db.execute("UPDATE sessions SET seen = 1000")
    logins.touch("a1")
    assert logins.sessions("a")[0].seen > time.time() - 60


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
        db.execute("INSERT INTO accounts VALUES ('a', 'x', 0, '2024-01-01')")
    store = AccountStore(path)
    logins = LoginRecords(lambda: store)
    logins.open_session("s", "a", time.time() + 5)
    assert logins.live("s") is not None and [a.name for a in store.all()] == ["a"]
