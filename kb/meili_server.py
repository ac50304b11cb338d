"""The Meilisearch kb manages for one data dir.

The pinned, sha256-verified binary (kb.meili_binary) runs with its state (database, master key,
pid file, log) under ``settings.data_dir``. The managed server runs in its own session so it
outlives the kb command that started it; ``stop`` ends it. ``ensure`` and ``connection`` return
the external Meilisearch (``MEILI_URL``) instead when one is configured. Talking to a server once
it runs is kb.meili's job.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb import meili  # probes looked up on the module, so tests can patch them there
from kb.config import Settings
from kb.errors import KbError, MeiliSetupError
from kb.meili import Connection
from kb.meili_binary import INSTALL_HINT, find_binary

__all__ = ["connection", "ensure", "start", "status", "stop"]


_PORT_ATTEMPTS = 3
_STOP_WAIT_S = 10.0
_LOG_TAIL_LINES = 20

# Servers started by this process, kept so they can be reaped (no zombies, no ResourceWarning).
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class _Paths:
    meili: Path  # server working dir; holds data.ms, dumps/, snapshots/
    key: Path
    pid: Path
    log: Path
    lock: Path


def _paths(settings: Settings) -> _Paths:
    d = settings.data_dir.expanduser().resolve()
    return _Paths(d / "meili", d / "meili.key", d / "meili.pid", d / "meili.log", d / "meili.lock")


@contextlib.contextmanager
def _locked(p: _Paths) -> Iterator[None]:
    """Serialise start/stop between kb processes sharing a data_dir."""
    p.lock.parent.mkdir(parents=True, exist_ok=True)
    with p.lock.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _master_key(p: _Paths) -> str:
    """Read the master key, creating it (mode 0600, never overwritten) on first use."""
    try:
        fd = os.open(p.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = p.key.read_text(encoding="utf-8").strip()
        if len(key.encode()) < 16:
            raise MeiliSetupError(
                "マスターキーのファイルが空か、16 バイトより短くなっています",
                path=p.key,
                hint="Meilisearch を止めてから、このファイルと隣の meili/ フォルダを削除してください",
            ) from None
        return key
    key = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None  # also reaps it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):  # a zombie is as good as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _is_our_server(pid: int, p: _Paths) -> bool:
    """True if ``pid`` is a live meilisearch using this data_dir's database."""
    if pid <= 0 or not _alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no procfs (macOS): rely on the key check
    except OSError:
        return False
    with contextlib.suppress(ValueError, IndexError):
        db = args[args.index("--db-path") + 1]
        return "meilisearch" in Path(args[0]).name and db == str(p.meili / "data.ms")
    return False


def _current(p: _Paths, *, remove_stale: bool) -> dict[str, Any] | None:
    """The pid file's record if it names our live server; a stale file may be removed."""
    try:
        info = json.loads(p.pid.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        info = None
    ok = (
        isinstance(info, dict)
        and isinstance(info.get("pid"), int)
        and isinstance(info.get("url"), str)
        and _is_our_server(info["pid"], p)
    )
    if not ok:
        if remove_stale:
            p.pid.unlink(missing_ok=True)
        return None
    return info


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(log: Path, offset: int = 0) -> str:
    """The last lines of the log written since ``offset``."""
    try:
        with log.open("rb") as f:
            f.seek(max(offset, f.seek(0, os.SEEK_END) - 64 * 1024))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-_LOG_TAIL_LINES:])


def _terminate(pid: int) -> bool:
    """SIGTERM, wait up to _STOP_WAIT_S, then SIGKILL; True once the process is gone."""
    for sig, wait_s in ((signal.SIGTERM, _STOP_WAIT_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                _children.pop(pid, None)
                return True
            time.sleep(0.05)
    return False


# Meilisearch 1.21 builds an HTTPS client for remote federated search on every federated
# `/multi-search` (kb's ranked searches, kb.ranking) and loads the system's CA store for it:
# about 4 ms of CPU per search, whatever the search (strace: every file of /etc/ssl/certs
# read each time). The managed server makes no outgoing connection (--no-analytics, no
# remotes, no embedders), so it gets an empty store: both variables, or it still reads one.
# docker-compose.yml sets the same for the official image.
NO_CA_STORE = {"SSL_CERT_FILE": os.devnull, "SSL_CERT_DIR": "/nonexistent"}


def _spawn(settings: Settings, p: _Paths, binary: Path, key: str) -> Connection | None:
    """Start one server; None if it lost the race for its port (caller retries)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    for sub in ("dumps", "snapshots"):
        (p.meili / sub).mkdir(parents=True, exist_ok=True)
    cmd = [
        str(binary), "--db-path", str(p.meili / "data.ms"), "--http-addr", f"127.0.0.1:{port}",
        "--env", "production", "--no-analytics", "--log-level", "WARN",  # no line per request
        "--dump-dir", str(p.meili / "dumps"), "--snapshot-dir", str(p.meili / "snapshots"),
        "--max-indexing-memory", settings.meili_max_indexing_memory,
    ]  # fmt: skip
    # Only the child's environment: drop stray MEILI_* settings, pass the key out of sight of
    # `ps`, and keep the log free of colour codes and backtraces.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEILI_")}
    env.update(MEILI_MASTER_KEY=key, NO_COLOR="1", RUST_BACKTRACE="0", RUST_LIB_BACKTRACE="0")
    env.update(NO_CA_STORE)
    with p.log.open("ab") as log:
        offset = log.tell()
        log.write(f"--- kb {time.strftime('%Y-%m-%dT%H:%M:%S')}: {shlex.join(cmd)}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(
                cmd, cwd=p.meili, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise MeiliSetupError(f"{binary} を実行できません: {exc}", hint=INSTALL_HINT) from exc
    _children[proc.pid] = proc
    deadline = time.monotonic() + settings.meili_timeout_s
    while True:
        code = proc.poll()
        if code is not None:
            _children.pop(proc.pid, None)
            tail = _log_tail(p.log, offset)
            if "Address already in use" in tail:
                return None
            raise MeiliSetupError(
                f"Meilisearch が起動中に終了しました（終了コード {code}）。ログの末尾:\n{tail}",
                path=p.log,
            )
        if meili._healthy(url, timeout=0.5) and meili._version(url, key) is not None:
            break
        if time.monotonic() > deadline:
            _terminate(proc.pid)
            raise MeiliSetupError(
                f"Meilisearch が {settings.meili_timeout_s:g} 秒たっても応答しません。"
                f"ログの末尾:\n{_log_tail(p.log, offset)}",
                path=p.log,
                hint="遅いマシンでは KB_MEILI_TIMEOUT を増やしてください",
            )
        time.sleep(0.05)
    record = {"pid": proc.pid, "port": port, "url": url, "binary": str(binary)}
    fd, tmp = tempfile.mkstemp(prefix=".meili.pid-", dir=p.pid.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f)
    os.replace(tmp, p.pid)
    return Connection(url, key, managed=True)


def start(settings: Settings) -> Connection:
    """Start the managed Meilisearch, or return the one already running and healthy."""
    p = _paths(settings)
    with _locked(p):
        key = _master_key(p)
        info = _current(p, remove_stale=True)
        if info is not None:
            if meili._version(info["url"], key) is not None:
                return Connection(info["url"], key, managed=True)
            # Ours but not answering (hung, or started with another key): replace it.
            _terminate(info["pid"])
            p.pid.unlink(missing_ok=True)
        binary = find_binary(settings)
        for _ in range(_PORT_ATTEMPTS):
            conn = _spawn(settings, p, binary, key)
            if conn is not None:
                return conn
    raise MeiliSetupError(
        f"Meilisearch のポートが {_PORT_ATTEMPTS} 回続けて使用中でした", path=p.log
    )


def stop(settings: Settings) -> bool:
    """Stop the managed Meilisearch; True if one was running. No error if none is."""
    p = _paths(settings)
    if not p.pid.exists():
        return False
    with _locked(p):
        info = _current(p, remove_stale=True)
        if info is None:
            return False
        if not _terminate(info["pid"]):
            raise MeiliSetupError(f"Meilisearch（pid {info['pid']}）を停止できません", path=p.pid)
        p.pid.unlink(missing_ok=True)
        return True


def status(settings: Settings) -> dict[str, Any]:
    """running, url, pid, version, managed, binary; never starts anything."""
    if settings.external:
        url = settings.meili_url or ""
        version = meili._version(url, settings.meili_master_key)
        return {"running": version is not None, "url": url, "pid": None,
                "version": version, "managed": False, "binary": None}  # fmt: skip
    p = _paths(settings)
    info = _current(p, remove_stale=False)
    running = info is not None and meili._healthy(info["url"])
    key = p.key.read_text(encoding="utf-8").strip() if running and p.key.exists() else None
    binary: str | None = info.get("binary") if info else None
    if binary is None:
        with contextlib.suppress(KbError):
            binary = str(find_binary(settings))
    return {
        "running": running,
        "url": info["url"] if info else None,
        "pid": info["pid"] if info else None,
        "version": meili._version(info["url"], key) if info and running else None,
        "managed": True,
        "binary": binary,
    }


def ensure(settings: Settings) -> Connection:
    """The Meilisearch to use: the external one as configured, else the managed one."""
    if settings.meili_url is not None:
        return Connection(settings.meili_url, settings.meili_master_key or "", managed=False)
    return start(settings)


def connection(settings: Settings) -> Connection | None:
    """The server to talk to now, without starting one: None if the managed one is down."""
    if settings.meili_url is not None:
        return Connection(settings.meili_url, settings.meili_master_key or "", managed=False)
    p = _paths(settings)
    info = _current(p, remove_stale=False)
    if info is None or not p.key.exists():
        return None
    return Connection(info["url"], p.key.read_text(encoding="utf-8").strip(), managed=True)
