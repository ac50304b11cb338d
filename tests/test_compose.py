"""docker-compose.yml is accepted by Debian's docker-compose (no Docker engine needed); the app
creates the first admin and never runs as root (issue 15, point 9)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT


def test_compose_file_is_valid():
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose missing in CI (.ci/run installs it)")
        pytest.skip(
            "NO docker-compose: compose validation SKIPPED (apt-get install docker-compose)"
        )
    env = {**os.environ, "MEILI_MASTER_KEY": "compose-test-key-0123456789"}
    out = subprocess.run(
        [exe, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    config = yaml.safe_load(out.stdout)
    assert config["services"]["meilisearch"]["image"] == "getmeili/meilisearch:v1.21"
    # no CA store for Meilisearch to load on every federated search (kb.meili_server)
    meili_env = config["services"]["meilisearch"]["environment"]
    assert meili_env["SSL_CERT_FILE"] == "/dev/null"
    assert meili_env["SSL_CERT_DIR"] == "/nonexistent"
    app_env = config["services"]["app"]["environment"]
    assert app_env["MEILI_URL"] == "http://meilisearch:7700"
    assert "meili-data" in config["volumes"]


def test_compose_requires_a_key():
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("NO docker-compose")
    env = {k: v for k, v in os.environ.items() if k != "MEILI_MASTER_KEY"}
    out = subprocess.run(
        [exe, "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert out.returncode != 0
    assert "MEILI_MASTER_KEY" in out.stderr


def compose_config(*files: str) -> dict[str, Any]:
    exe = shutil.which("docker-compose")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose missing in CI (.ci/run installs it)")
        pytest.skip("NO docker-compose: compose validation SKIPPED")
    args = [exe]
    for name in files:
        args += ["-f", str(ROOT / name)]
    env = {**os.environ, "MEILI_MASTER_KEY": "compose-test-key-0123456789"}
    out = subprocess.run([*args, "config"], capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    config: dict[str, Any] = yaml.safe_load(out.stdout)
    return config


def test_app_creates_the_first_admin_then_indexes_then_serves():
    app = compose_config("docker-compose.yml")["services"]["app"]
    script = app["command"][-1]
    assert app["command"][:2] == ["sh", "-c"]
    steps = [s.strip() for s in script.split(";")]
    assert steps[0] == "kb user ensure-admin || exit 1"  # a bad secret stops the start
    assert steps[1].startswith("kb index ||")  # a content problem does not
    assert steps[2].startswith("exec kb serve --host 0.0.0.0")  # PID 1 gets the stop signal
    assert "KB_ADMIN_PASSWORD_FILE" not in app["environment"]  # by default: printed once


def test_app_never_runs_as_root():
    app = compose_config("docker-compose.yml")["services"]["app"]
    uid, gid = app["user"].split(":")
    assert int(uid) >= 1000 and int(gid) >= 1000
    assert app["cap_drop"] == ["ALL"] and "no-new-privileges:true" in app["security_opt"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] == app["user"]  # the image's own user, the same as compose's
    assert f"chown {app['user']} /srv/kb/data" in dockerfile  # it owns the data volume
    assert dockerfile.index("USER") > dockerfile.index("pip install")


def test_admin_password_from_a_secret_file():
    config = compose_config("docker-compose.yml", "docker-compose.admin-secret.yml")
    app = config["services"]["app"]
    assert app["environment"]["KB_ADMIN_PASSWORD_FILE"] == "/run/secrets/kb_admin_password"
    assert [s["source"] for s in app["secrets"]] == ["kb_admin_password"]
    assert config["secrets"]["kb_admin_password"]["file"].endswith("secrets/kb_admin_password")
    assert app["user"] == "10001:10001"  # the override keeps everything else
