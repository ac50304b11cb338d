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


def test_kb_serve_with_two_workers_answers(make_settings, content):
    content.add("aichi-2023-a", "## 背景\n共同受注。")
    settings = make_settings(content_dir=content.root)
    port = _free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_CONTENT_DIR": str(settings.content_dir),
        "KB_INDEX": settings.index_name,
        "KB_TOOLS_DIR": str(settings.tools_dir),
    }
    env.pop("MEILI_URL", None)
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    proc = subprocess.Popen(
        [kb, "serve", "--workers", "2", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert "ログイン" in r.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
