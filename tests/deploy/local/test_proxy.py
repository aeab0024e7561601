"""configurable-http-proxy, really installed from npm (once; later runs reuse /opt/campushub-test)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from campushub.deploy.local.errors import InstallError
from campushub.deploy.local.proxy import CHP_VERSION, ensure_proxy, proxy_bin_for

ROOT = Path("/opt/campushub-test")


@pytest.fixture(scope="session")
def chp() -> Path:
    return ensure_proxy(ROOT)


def test_proxy_binary_runs_and_is_the_pinned_version(chp):
    assert chp == proxy_bin_for(ROOT)
    out = subprocess.run([chp, "--version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == CHP_VERSION
    package = json.loads((chp.parents[1] / "configurable-http-proxy" / "package.json").read_text())
    assert package["version"] == CHP_VERSION


def test_second_call_does_not_run_npm(chp):
    lockfile = chp.parents[2] / "package-lock.json"
    before = lockfile.stat().st_mtime_ns
    messages: list[str] = []
    assert ensure_proxy(ROOT, progress=messages.append) == chp
    assert lockfile.stat().st_mtime_ns == before
    assert not any("installing" in m for m in messages), messages


def test_prefix_is_versioned_and_0755(chp):
    prefix = chp.parents[2]
    assert prefix.name == f"chp-{CHP_VERSION}"
    assert stat.S_IMODE(prefix.stat().st_mode) == 0o755


def test_missing_npm_is_an_install_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm here
    with pytest.raises(InstallError, match="npm"):
        ensure_proxy(tmp_path)
    assert not (tmp_path / f"chp-{CHP_VERSION}").exists()
