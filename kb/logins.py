"""Login records kept next to the accounts, shared by every app worker using the file.

- Sessions: every login adds a row (its random id, the account, when it started, was last
  seen and expires, the browser and address it came from). A session cookie is good only
  while its row exists, so logging out, ending a session from the sessions page, changing
  the password or removing the account (kb.accounts deletes the rows in the same
  transaction) stops every copy of its cookie at once, in every worker.
- Failed logins per key (``user:NAME``, ``addr:IP``) for the throttle in web.throttle: a
  burst spread over several workers is counted once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from kb.accounts import AccountStore

# Failure records untouched for this long are dropped (a lock never lasts longer).
FORGET_AFTER_S = 24 * 3600.0
AGENT_MAX = 300  # characters of User-Agent kept


@dataclass(frozen=True)
class Session:
    """One login as the sessions page lists it (times are Unix times)."""

    sid: str
    name: str
    created: float
    seen: float
    expires: float
    agent: str
    address: str

    @property
    def handle(self) -> str:
        """A name for this session in pages and forms: not its id, which works like a key."""
        return hashlib.sha256(b"kb-session-handle\0" + self.sid.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class LiveSession:
    """What a request needs to know about its session: whose, and when it was last seen."""

    name: str
    admin: bool
    expires: float
    seen: float


_COLUMNS = "sid, name, created, seen, expires, agent, address"


class LoginRecords:
    def __init__(self, store: Callable[[], AccountStore]) -> None:
        # a callable: the app's store may be replaced (tests give each app its own)
        self._store = store

    # -- sessions -----------------------------------------------------------------------
    def open_session(
        self, sid: str, name: str, expires: float, *, agent: str = "", address: str = ""
    ) -> None:
        now = time.time()
        with self._store().database() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            db.execute(
                f"INSERT INTO sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sid, name, now, now, expires, agent[:AGENT_MAX], address[:100]),
            )

    def live(self, sid: str) -> LiveSession | None:
        """The session ``sid`` with its account, if both still exist and it has not expired."""
        with self._store().database(write=False) as db:
            row = db.execute(
                "SELECT s.name, a.admin, s.expires, s.seen FROM sessions s"
                " JOIN accounts a ON a.name = s.name WHERE s.sid = ? AND s.expires > ?",
                (sid, time.time()),
            ).fetchone()
        return LiveSession(row[0], bool(row[1]), float(row[2]), float(row[3])) if row else None

    def touch(self, sid: str) -> None:
        """Record that ``sid`` was used now (the web app does this every few minutes at most:
        each write makes every worker check its sessions again)."""
        with self._store().database() as db:
            db.execute("UPDATE sessions SET seen = ? WHERE sid = ?", (time.time(), sid))

    def sessions(self, name: str) -> list[Session]:
        """The account's sessions that have not expired, most recently used first."""
        with self._store().database(write=False) as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM sessions WHERE name = ? AND expires > ?"
                " ORDER BY seen DESC, created DESC",
                (name, time.time()),
            ).fetchall()
        return [Session(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def end_session(self, sid: str) -> None:
        with self._store().database() as db:
            db.execute("DELETE FROM sessions WHERE sid = ?", (sid,))

    def end_sessions(self, name: str, *, keep: str | None = None) -> int:
        """End every session of ``name`` (except ``keep``); the number ended."""
        with self._store().database() as db:
            cur = db.execute("DELETE FROM sessions WHERE name = ? AND sid != ?", (name, keep or ""))
            return int(cur.rowcount)

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
