"""API tokens for scripts: ``Authorization: Bearer kbt_…`` on the internal JSON API.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once when it is made and
stored only as its SHA-256 digest, in the accounts file next to the accounts (kb.accounts).
A slow password hash (argon2) protects guessable passwords; a 256-bit random token cannot be
guessed, so a fast hash loses nothing and keeps every API request cheap (argon2 costs tens
of milliseconds per call). The digest is looked up by its index and compared again with
``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from kb.accounts import AccountError, AccountStore, check_name

PREFIX = "kbt_"
MAX_DAYS = 3650
_MAX_LENGTH = 200


@dataclass(frozen=True)
class Token:
    name: str
    created: float  # Unix time
    expires: float | None  # None: until revoked

    @property
    def expired(self) -> bool:
        return self.expires is not None and time.time() >= self.expires


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class TokenStore:
    """The ``api_tokens`` table of the accounts file."""

    def __init__(self, store: Callable[[], AccountStore]) -> None:
        self._store = store  # a callable: the app's store may be replaced (tests)

    def create(self, name: str, days: int | None = None) -> tuple[Token, str]:
        """A new token named ``name``; returns it with its secret (never stored)."""
        check_name(name)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise AccountError(
                f"有効期限は 1〜{MAX_DAYS} 日で指定してください", field="expires",
                hint="省略すると、取り消すまで有効です",
            )  # fmt: skip
        secret = PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        token = Token(name, now, now + days * 86400 if days else None)
        with self._store().database() as db:
            if db.execute("SELECT 1 FROM api_tokens WHERE name = ?", (name,)).fetchone():
                raise AccountError(
                    f"トークン {name} はすでにあります", field="name",
                    hint=f"作り直すには先に `kb token revoke {name}` で取り消してください",
                )  # fmt: skip
            db.execute(
                "INSERT INTO api_tokens (name, digest, created, expires) VALUES (?, ?, ?, ?)",
                (name, digest(secret), token.created, token.expires),
            )
        return token, secret

    def all(self) -> list[Token]:
        with self._store().database(write=False) as db:
            rows = db.execute(
                "SELECT name, created, expires FROM api_tokens ORDER BY name"
            ).fetchall()
        return [Token(r[0], float(r[1]), r[2]) for r in rows]

    def revoke(self, name: str) -> None:
        with self._store().database() as db:
            if db.execute("DELETE FROM api_tokens WHERE name = ?", (name,)).rowcount == 0:
                err = AccountError(f"トークン {name} はありません", field="name",
                                   hint="`kb token list` で一覧を確認できます")  # fmt: skip
                err.status_code = 404
                raise err

    def verify(self, secret: str) -> Token | None:
        """The token ``secret`` belongs to (perhaps expired), or None for an unknown or
        revoked one."""
        if not secret.startswith(PREFIX) or len(secret) > _MAX_LENGTH:
            return None
        wanted = digest(secret)
        with self._store().database(write=False) as db:
            row = db.execute(
                "SELECT name, digest, created, expires FROM api_tokens WHERE digest = ?", (wanted,)
            ).fetchone()
        if row is None or not hmac.compare_digest(str(row[1]), wanted):
            return None
        return Token(row[0], float(row[2]), row[3])
