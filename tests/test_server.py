"""web.server: kb serve's uvicorn set-up, with several workers on a TCP socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from web.server import APP, _Config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_worker_socket_is_tcp_so_asyncio_sets_nodelay():
    config = _Config(APP, factory=True, host="127.0.0.1", port=_free_port(), workers=2)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
        sock.listen()
        conn = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        # asyncio sets TCP_NODELAY only on sockets whose proto is TCP; accepted ones inherit it
        assert accepted.proto == socket.IPPROTO_TCP
        accepted.close()
        conn.close()
    finally:
        sock.close()


def _serve(settings, *args: str) -> tuple[int, subprocess.Popen[bytes]]:
    port = _free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_CONTENT_DIR": str(settings.content_dir),
        "KB_INDEX": settings.index_name,
        "KB_TOOLS_DIR": str(settings.tools_dir),
    }
    env.pop("MEILI_URL", None)
    env.pop("KB_ACCESS_LOG", None)
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    proc = subprocess.Popen(
        [kb, "serve", "--port", str(port), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # access lines go to stdout
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                assert r.status == 200
                return port, proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("kb serve did not answer /healthz")


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    return out.decode()


def test_kb_serve_with_two_workers_answers_and_logs_requests(make_settings, content):
    content.add("aichi-2023-a", "## 背景\n共同受注。")
    port, proc = _serve(make_settings(content_dir=content.root), "--workers", "2")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert "ログイン" in r.read().decode()
    finally:
        log = _stop(proc)
    assert '"GET /login HTTP/1.1" 200' in log


def test_kb_serve_without_access_log_still_logs_its_start(make_settings, content):
    content.add("aichi-2023-a", "## 背景\n共同受注。")
    port, proc = _serve(make_settings(content_dir=content.root), "--no-access-log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert r.status == 200
    finally:
        log = _stop(proc)
    assert "Uvicorn running" in log or "Application startup complete" in log
    assert "GET /login" not in log and "GET /healthz" not in log
