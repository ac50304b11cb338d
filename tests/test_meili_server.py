"""kb.meili_server against the real Meilisearch binary (mocks only to inject failures)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb import meili, meili_server
from kb.config import Settings, load_settings
from kb.errors import MeiliSetupError
from tests.test_meili import BINARY, NO_BINARY, _settings


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings for a managed server in tmp_path; whatever was started is stopped afterwards."""
    if BINARY is None:
        pytest.skip(NO_BINARY)
    s = _settings(tmp_path)
    yield s
    meili_server.stop(s)
    for pid in list(meili_server._children):  # safety net: never leave a server behind
        meili_server._terminate(pid)


def _pid_record(s: Settings) -> dict[str, object]:
    data = json.loads((s.data_dir / "meili.pid").read_text())
    assert isinstance(data, dict)
    return data


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _write_pid(s: Settings, pid: int, port: int = 1) -> None:
    s.data_dir.mkdir(parents=True, exist_ok=True)
    record = {"pid": pid, "port": port, "url": f"http://127.0.0.1:{port}", "binary": "x"}
    (s.data_dir / "meili.pid").write_text(json.dumps(record))


def test_start_is_healthy_and_key_is_private_and_reused(settings: Settings) -> None:
    conn = meili_server.start(settings)
    assert conn.managed and conn.url.startswith("http://127.0.0.1:")
    assert meili._healthy(conn.url)
    key_file = settings.data_dir / "meili.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == conn.key and len(conn.key) >= 32
    assert conn.key not in (settings.data_dir / "meili.log").read_text()
    assert set(_pid_record(settings)) == {"pid", "port", "url", "binary"}

    assert meili_server.stop(settings)
    again = meili_server.start(settings)
    assert again.key == conn.key
    assert meili._version(again.url, again.key) is not None


def test_managed_server_limits_its_indexing_memory(settings: Settings) -> None:
    s = settings.model_copy(update={"meili_max_indexing_memory": "512MiB"})
    meili_server.start(s)
    pid = _pid_record(s)["pid"]
    args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert args[args.index(b"--max-indexing-memory") + 1] == b"512MiB"
    assert meili_server.stop(s)


def test_managed_server_has_an_empty_ca_store_and_still_federates(settings: Settings) -> None:
    """Meilisearch loads the CA store on every federated search (about 4 ms of CPU each):
    the managed server gets none, and federated searches (kb's ranked results) still work."""
    conn = meili_server.start(settings)
    pid = _pid_record(settings)["pid"]
    environ = dict(
        item.split(b"=", 1)
        for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        if b"=" in item
    )
    assert environ[b"SSL_CERT_FILE"] == os.devnull.encode()
    assert not Path(environ[b"SSL_CERT_DIR"].decode()).exists()
    client = meili.client(conn, 30)
    task = client.index("fed").add_documents([{"id": "a", "t": "組合"}, {"id": "b", "t": "支援"}])
    client.wait_for_task(task.task_uid)
    body = {
        "federation": {"limit": 5},
        "queries": [
            {"indexUid": "fed", "q": "組合", "federationOptions": {"weight": 1.0}},
            {"indexUid": "fed", "q": "支援", "federationOptions": {"weight": 0.5}},
        ],
    }
    merged: dict[str, Any] = client.multi_search(body["queries"], body["federation"])
    assert [h["id"] for h in merged["hits"]] == ["a", "b"]


def test_start_twice_returns_the_running_server(settings: Settings) -> None:
    first = meili_server.start(settings)
    pid = _pid_record(settings)["pid"]
    assert meili_server.start(settings) == first
    assert meili_server.ensure(settings) == first
    assert _pid_record(settings)["pid"] == pid


def test_server_outlives_the_process_that_started_it(settings: Settings) -> None:
    code = (
        "from kb import meili_server; from kb.config import load_settings; "
        f"print(meili_server.start(load_settings(data_dir={str(settings.data_dir)!r}, "
        f"tools_dir={str(settings.tools_dir)!r}, meili_url=None, meili_master_key=None)).url)"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(meili_server.__file__).parents[1]))
    if settings.meili_bin is not None:
        env["MEILI_BIN"] = str(settings.meili_bin)
    url = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert meili_server.status(settings)["running"]
    assert meili_server.start(settings).url == url  # reused, not restarted
    pid = _pid_record(settings)["pid"]
    assert isinstance(pid, int) and pid not in meili_server._children
    assert meili_server.stop(settings)  # not our child: stopped by pid
    assert not meili_server._alive(pid)


def test_concurrent_starts_share_one_server(settings: Settings) -> None:
    urls: list[str] = []
    threads = [
        threading.Thread(target=lambda: urls.append(meili_server.start(settings).url))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(urls) == 3 and len(set(urls)) == 1


def test_stop_stops_and_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    meili_server.start(settings)
    pid = _pid_record(settings)["pid"]
    assert isinstance(pid, int)
    assert meili_server.stop(settings) is True
    assert not meili_server._alive(pid)
    assert not (settings.data_dir / "meili.pid").exists()
    assert meili_server.stop(settings) is False
    never = _settings(tmp_path / "never")
    assert meili_server.stop(never) is False
    assert not never.data_dir.exists()


@pytest.mark.parametrize("kind", ["dead", "not-meilisearch", "corrupt"])
def test_stale_pid_file_is_replaced(settings: Settings, kind: str) -> None:
    pid = _dead_pid() if kind == "dead" else os.getpid()
    _write_pid(settings, pid)
    if kind == "corrupt":
        (settings.data_dir / "meili.pid").write_text("{not json")
    assert meili_server.status(settings)["running"] is False
    conn = meili_server.start(settings)
    assert meili._healthy(conn.url)
    new_pid = _pid_record(settings)["pid"]
    assert new_pid not in (pid, os.getpid())
    assert meili_server.stop(settings)  # and the test process is still here to assert it


def test_pid_file_naming_another_data_dirs_server_is_stale(
    settings: Settings, tmp_path: Path
) -> None:
    other = _settings(tmp_path / "other")
    try:
        other_conn = meili_server.start(other)
        record = _pid_record(other)
        _write_pid(settings, int(str(record["pid"])), port=int(str(record["port"])))
        conn = meili_server.start(settings)
        assert conn.url != other_conn.url and conn.key != other_conn.key
        assert meili._healthy(other_conn.url)  # the other server was left alone
    finally:
        meili_server.stop(other)


def test_taken_port_is_retried(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    real = meili_server._free_port
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        taken = held.getsockname()[1]
        ports = iter([taken])
        monkeypatch.setattr(meili_server, "_free_port", lambda: next(ports, None) or real())
        conn = meili_server.start(settings)
    assert not conn.url.endswith(f":{taken}")
    assert meili._healthy(conn.url)
    assert "Address already in use" in (settings.data_dir / "meili.log").read_text()


def test_port_always_taken_gives_up(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        monkeypatch.setattr(meili_server, "_free_port", lambda: held.getsockname()[1])
        with pytest.raises(MeiliSetupError, match="3 回続けて使用中"):
            meili_server.start(settings)
    assert not (settings.data_dir / "meili.pid").exists()


def test_status_before_and_after(settings: Settings) -> None:
    before = meili_server.status(settings)
    assert before["running"] is False and before["pid"] is None and before["managed"] is True
    assert before["binary"] == str(BINARY)
    conn = meili_server.start(settings)
    after = meili_server.status(settings)
    assert after["running"] is True and after["url"] == conn.url
    assert after["pid"] == _pid_record(settings)["pid"]
    assert isinstance(after["version"], str) and after["version"]
    meili_server.stop(settings)
    assert meili_server.status(settings)["running"] is False


def test_external_mode_starts_nothing(tmp_path: Path) -> None:
    s = load_settings(
        meili_url="http://127.0.0.1:9/", meili_master_key="x" * 16, data_dir=tmp_path / "d"
    )
    assert meili_server.ensure(s) == meili.Connection("http://127.0.0.1:9", "x" * 16, managed=False)
    st = meili_server.status(s)
    assert st["running"] is False and st["managed"] is False and st["url"] == "http://127.0.0.1:9"
    assert not s.data_dir.exists()
