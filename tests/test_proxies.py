"""Trusted proxies: forwarded headers believed from them only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kb.errors import KbError
from web.proxies import TrustedProxies


def scope(peer: str, **headers: str) -> dict[str, Any]:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return {"client": (peer, 5000), "scheme": "http", "headers": raw}


def test_addresses_and_networks() -> None:
    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8,::1")
    assert proxies.contains("127.0.0.1") and proxies.contains("10.2.3.4")
    assert proxies.contains("::1")
    assert not proxies.contains("192.168.0.1") and not proxies.contains("not-an-ip")
    assert not TrustedProxies("").contains("127.0.0.1")


def test_a_bad_entry_names_the_setting() -> None:
    with pytest.raises(KbError, match=re.escape("KB_TRUSTED_PROXIES: '10.0.0.0/33'")) as err:
        TrustedProxies("127.0.0.1,10.0.0.0/33")
    assert err.value.hint and "10.0.0.0/8" in err.value.hint


def test_forwarded_headers_from_a_trusted_proxy() -> None:
    s = scope("10.0.0.5", x_forwarded_for="203.0.113.7, 10.0.0.9", x_forwarded_proto="https")
    TrustedProxies("10.0.0.0/8").apply_forwarded(s)
    # the right-most address that is not one of our proxies is the client
    assert s["client"] == ("203.0.113.7", 0) and s["scheme"] == "https"
    assert s["kb_peer"] == "10.0.0.5" and TrustedProxies("10.0.0.0/8").sent(s)


def test_forwarded_headers_from_anyone_else_are_ignored() -> None:
    s = scope("198.51.100.1", x_forwarded_for="10.0.0.1", x_forwarded_proto="https")
    TrustedProxies("10.0.0.0/8").apply_forwarded(s)
    assert s["client"] == ("198.51.100.1", 5000) and s["scheme"] == "http"
    assert s["kb_peer"] == "198.51.100.1" and not TrustedProxies("10.0.0.0/8").sent(s)


def test_a_spoofed_left_hop_does_not_win_and_garbage_is_skipped() -> None:
    s = scope("10.0.0.5", x_forwarded_for="1.2.3.4, 203.0.113.7")
    TrustedProxies("10.0.0.0/8").apply_forwarded(s)
    assert s["client"] == ("203.0.113.7", 0)  # what our proxy saw, not what the client wrote
    s = scope("10.0.0.5", x_forwarded_for="garbage", x_forwarded_proto="ftp")
    TrustedProxies("10.0.0.0/8").apply_forwarded(s)
    assert s["client"] == ("10.0.0.5", 5000) and s["scheme"] == "http"
