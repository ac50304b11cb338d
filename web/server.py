"""Run the web app under uvicorn for `kb serve`: one process, or several workers.

With several workers uvicorn binds the listening socket itself, without a protocol
number; asyncio then does not set TCP_NODELAY on accepted connections, and every
response waits about 40 ms for a delayed ACK (Nagle's algorithm). The socket is
handed back told it is TCP, so the workers answer as fast as a single process.
"""

from __future__ import annotations

import errno
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from kb.errors import KbError

APP = "web.app:create_app"


class PortError(KbError):
    """The address to listen on is taken or not ours to use."""

    code = "port_error"


def check_port(host: str, port: int, setting: str = "KB_PORT") -> None:
    """Refuse early, in Japanese, when ``host:port`` cannot be listened on (uvicorn would end
    in its own English bind error after Meilisearch was started)."""
    try:
        socket.create_server((host, port)).close()  # SO_REUSEADDR, as uvicorn binds
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortError(
                f"ポート {port} は使用中です。{setting} で変更できます",
                hint=f"例: {setting}={port + 1}"
                if setting.startswith("KB_")
                else f"例: {setting} {port + 1}",
            ) from exc
        raise PortError(
            f"{host}:{port} で待ち受けできません（{exc.strerror or exc}）",
            hint="KB_HOST と KB_PORT を確認してください",
        ) from exc


class _Config(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
            tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
            tcp.set_inheritable(True)
            return tcp
        return sock


def run(host: str, port: int, workers: int = 1, *, access_log: bool = True) -> None:
    config = _Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # web/auth.py applies X-Forwarded-* from KB_TRUSTED_PROXIES only
        log_level="info",
        access_log=access_log,
    )
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
