"""Trusted reverse proxies: whose ``X-Forwarded-For``/``-Proto`` and user header to believe.

``KB_TRUSTED_PROXIES`` lists addresses and networks. A request from one of them may say
which client it carries and whether it came over HTTPS; from anyone else those headers are
ignored, so a client cannot pose as another address (the login throttle counts by address)
or as a logged-in user (``KB_AUTH=proxy``).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.types import Scope

from kb.errors import KbError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TrustedProxies:
    """The networks of ``KB_TRUSTED_PROXIES`` (comma-separated addresses or networks)."""

    def __init__(self, spec: str) -> None:
        self.networks: list[Any] = []
        for item in spec.split(","):
            if item.strip():
                try:
                    self.networks.append(ipaddress.ip_network(item.strip(), strict=False))
                except ValueError as exc:
                    raise KbError(
                        f"KB_TRUSTED_PROXIES: {item.strip()!r} is not an address or network",
                        hint="例: 127.0.0.1,10.0.0.0/8",
                    ) from exc

    def contains(self, value: str) -> bool:
        """Whether ``value`` is an address of a trusted proxy."""
        ip = _ip(value)
        return ip is not None and any(ip in net for net in self.networks)

    def sent(self, scope: Scope) -> bool:
        """Whether the request came straight from a trusted proxy (after ``apply_forwarded``)."""
        return self.contains(scope.get("kb_peer") or "")

    def apply_forwarded(self, scope: Scope) -> None:
        """Believe X-Forwarded-For/-Proto only when the peer is a trusted proxy; the peer
        itself is kept in ``scope["kb_peer"]``."""
        peer = (scope.get("client") or ("", 0))[0]
        scope["kb_peer"] = peer
        if not self.contains(peer):
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
        for hop in reversed(hops):  # the right-most address not of our own proxies
            if not self.contains(hop):
                if _ip(hop) is not None:
                    scope["client"] = (hop, 0)
                break


def _ip(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None
