"""Login records kept next to the accounts, shared by every app worker using the file.

- Revoked sessions: logging out records the session's id until its cookie would have
  expired, so a copied cookie stops working at once, not hours later.
- Failed logins per key (``user:NAME``, ``addr:IP``) for the throttle in web.throttle: a
  burst spread over several workers is counted once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kb.accounts import AccountStore

# Failure records untouched for this long are dropped (a lock never lasts longer).
FORGET_AFTER_S = 24 * 3600.0


class LoginRecords:
    def __init__(self, store: Callable[[], AccountStore]) -> None:
        # a callable: the app's store may be replaced (tests give each app its own)
        self._store = store

    # -- sessions -----------------------------------------------------------------------
    def revoke(self, sid: str, expires: float) -> None:
        with self._store().database() as db:
            db.execute("DELETE FROM revoked_sessions WHERE expires < ?", (time.time(),))
            db.execute("INSERT OR REPLACE INTO revoked_sessions VALUES (?, ?)", (sid, expires))

    def revoked(self, sid: str) -> bool:
        with self._store().database(write=False) as db:
            row = db.execute("SELECT 1 FROM revoked_sessions WHERE sid = ?", (sid,)).fetchone()
        return row is not None

    # -- failed logins ------------------------------------------------------------------
    def failures(self, key: str) -> tuple[int, float]:
        """(failures so far, locked until as a Unix time) for ``key``."""
        with self._store().database(write=False) as db:
            row = db.execute(
                "SELECT failures, until FROM login_failures WHERE key = ?", (key,)
            ).fetchone()
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def update_failures(self, key: str, change: Callable[[int, float], tuple[int, float]]) -> None:
        """Apply ``change`` to the record of ``key`` in one transaction (no lost updates
        when two workers count a failure at the same moment)."""
        now = time.time()
        with self._store().database() as db:  # its errors come out as AccountError
            row = db.execute(
                "SELECT failures, until FROM login_failures WHERE key = ?", (key,)
            ).fetchone()
            failures, until = change(*((int(row[0]), float(row[1])) if row else (0, 0.0)))
            db.execute(
                "INSERT OR REPLACE INTO login_failures VALUES (?, ?, ?, ?)",
                (key, failures, until, now),
            )
            db.execute("DELETE FROM login_failures WHERE updated < ?", (now - FORGET_AFTER_S,))

    def clear_failures(self, key: str) -> None:
        with self._store().database() as db:
            db.execute("DELETE FROM login_failures WHERE key = ?", (key,))
