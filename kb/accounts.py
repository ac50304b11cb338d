"""Instructor accounts: a small SQLite store under ``settings.data_dir``.

Passwords are hashed with argon2id (argon2-cffi); the plain password is never
stored or logged. Every change is one SQLite transaction (atomic: a crash leaves
the old or the new state, never half of it). The file is created with mode 0600.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kb.config import Settings
from kb.errors import KbError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
_HASHER = PasswordHasher()
# Verified against when the account does not exist, so both cases cost the same time.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL DEFAULT (datetime('now'))
);
-- kb.logins: the sessions of logged-in users (a cookie is good only while its row exists)
-- and failed logins (shared by every app worker using this file)
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    seen REAL NOT NULL,
    expires REAL NOT NULL,
    agent TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sessions_by_name ON sessions (name);
-- kb.tokens: API tokens for scripts (only the SHA-256 digest of each)
CREATE TABLE IF NOT EXISTS api_tokens (
    name TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    expires REAL
);
CREATE TABLE IF NOT EXISTS login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    until REAL NOT NULL,
    updated REAL NOT NULL
);
"""


class AccountError(KbError):
    """An account operation that cannot be done as asked."""

    status_code = 400
    code = "account_error"


@dataclass(frozen=True)
class Account:
    name: str
    admin: bool
    created: str


def check_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name or ""):
        raise AccountError(
            f"ユーザー名 {name!r} は使えません",
            field="name",
            hint="半角英数字で始まり、英数字と . _ @ - だけの 64 文字以内にしてください",
        )
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"パスワードは {MIN_PASSWORD}〜{MAX_PASSWORD} 文字にしてください",
            field="password",
            hint="長めの文を使うと覚えやすく安全です",
        )
    return password


_READERS = itertools.count()  # every reader connection opened gets the next number


class AccountStore:
    """The account database at ``data_dir/accounts.sqlite3``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    @classmethod
    def for_settings(cls, settings: Settings) -> AccountStore:
        return cls(settings.data_dir.expanduser().resolve() / "accounts.sqlite3")

    @contextlib.contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        if not write:  # one SELECT: atomic by itself, no write lock taken
            try:
                yield self._reader()
            except sqlite3.Error as exc:
                broken = getattr(self._local, "reader", None)
                self._local.reader = None  # the next read opens a fresh connection
                if broken is not None:
                    broken[1].close()
                raise AccountError(f"アカウントファイルのエラー: {exc}", path=self.path) from exc
            return
        conn = self._open()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise AccountError(f"アカウントファイルのエラー: {exc}", path=self.path) from exc
        finally:
            conn.close()

    def _reader(self) -> sqlite3.Connection:
        """This thread's kept-open connection for reads (every request checks its account);
        opened again when the file was replaced or removed."""
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            inode = None
        cached = getattr(self._local, "reader", None)
        if cached is not None and inode is not None and cached[0] == inode:
            return cached[1]
        if cached is not None:
            cached[1].close()
        conn = self._open()
        self._local.reader = (os.stat(self.path).st_ino, conn)
        self._local.serial = next(_READERS)
        return conn

    def version(self) -> tuple[int, int]:
        """A value that changes whenever a write to the file has been committed, by any
        connection of any process, since it was last asked (SQLite's ``data_version``, read
        on this thread's reader; a reopened reader counts as a change)."""
        with self._db(write=False) as db:
            (changes,) = db.execute("PRAGMA data_version").fetchone()
        return self._local.serial, int(changes)

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
                os.close(fd)
            conn = sqlite3.connect(
                self.path, timeout=10, isolation_level=None, check_same_thread=False
            )
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise AccountError(
                f"アカウントファイルを開けません: {exc}",
                path=self.path,
                hint="KB_DATA_DIR のフォルダに書き込めるか確認してください",
            ) from exc
        return conn

    def database(self, write: bool = True) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """The database for other records kept in this file (kb.logins): one transaction
        when ``write``, else this thread's kept-open reader."""
        return self._db(write)

    # -- queries ------------------------------------------------------------------
    def all(self) -> list[Account]:
        with self._db(write=False) as db:
            rows = db.execute("SELECT name, admin, created FROM accounts ORDER BY name").fetchall()
        return [Account(r[0], bool(r[1]), r[2]) for r in rows]

    def get(self, name: str) -> Account | None:
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT name, admin, created FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        return Account(row[0], bool(row[1]), row[2]) if row else None

    def count(self) -> int:
        with self._db(write=False) as db:
            return int(db.execute("SELECT count(*) FROM accounts").fetchone()[0])

    def verify(self, name: str, password: str) -> Account | None:
        """The account if ``password`` is right; None otherwise (same cost either way)."""
        if len(password) > MAX_PASSWORD:
            return None
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT name, hash, admin, created FROM accounts WHERE name = ?", (name,)
            ).fetchone()
        try:
            _HASHER.verify(row[1] if row else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(row[1]):
            with self._db() as db:
                db.execute(
                    "UPDATE accounts SET hash = ? WHERE name = ?", (_HASHER.hash(password), name)
                )
        return Account(row[0], bool(row[2]), row[3])

    # -- changes ------------------------------------------------------------------
    def add(self, name: str, password: str, *, admin: bool = False) -> Account:
        check_name(name)
        digest = _HASHER.hash(check_password(password))
        with self._db() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError(
                    f"ユーザー {name} はすでにあります",
                    field="name",
                    hint="パスワードを変えるには `kb user passwd` を使います",
                )
            db.execute(
                "INSERT INTO accounts (name, hash, admin) VALUES (?, ?, ?)",
                (name, digest, int(admin)),
            )
            _end_sessions(db, name)  # none can be left, but a new account starts with none
        account = self.get(name)
        assert account is not None
        return account

    def passwd(self, name: str, password: str) -> int:
        """Set a new password and end every session of the account (a stolen cookie stops
        working at once); returns the number of sessions ended."""
        digest = _HASHER.hash(check_password(password))
        with self._db() as db:
            cur = db.execute("UPDATE accounts SET hash = ? WHERE name = ?", (digest, name))
            if cur.rowcount == 0:
                raise unknown_account(name)
            return _end_sessions(db, name)

    def remove(self, name: str) -> int:
        """Delete the account and its sessions; returns the number of sessions ended."""
        with self._db() as db:
            row = db.execute("SELECT admin FROM accounts WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise unknown_account(name)
            admins = db.execute("SELECT count(*) FROM accounts WHERE admin = 1").fetchone()[0]
            if row[0] and admins == 1:
                raise AccountError(
                    f"ユーザー {name} は最後の管理者なので削除できません",
                    field="name",
                    hint="先に別の管理者を `kb user add NAME --admin` で作ってください",
                )
            db.execute("DELETE FROM accounts WHERE name = ?", (name,))
            return _end_sessions(db, name)

    def ensure_admin(self, name: str = "admin", password: str | None = None) -> str | None:
        """Create ``name`` as admin when no account exists yet, with ``password`` or a
        random one.

        Returns the password (to be shown once if it was made here), or None when
        accounts already exist.
        """
        password = check_password(password) if password is not None else secrets.token_urlsafe(15)
        digest = _HASHER.hash(password)
        with self._db() as db:
            if db.execute("SELECT count(*) FROM accounts").fetchone()[0]:
                return None
            db.execute(
                "INSERT INTO accounts (name, hash, admin) VALUES (?, ?, 1)",
                (check_name(name), digest),
            )
        return password


def _end_sessions(db: sqlite3.Connection, name: str) -> int:
    """In the caller's transaction: the account's sessions (kb.logins) end with the change."""
    cur = db.execute("DELETE FROM sessions WHERE name = ? AND expires > ?", (name, time.time()))
    db.execute("DELETE FROM sessions WHERE name = ?", (name,))
    return int(cur.rowcount)


def unknown_account(name: str) -> AccountError:
    err = AccountError(
        f"ユーザー {name} はありません", field="name", hint="`kb user list` で一覧を確認できます"
    )
    err.status_code = 404
    return err
