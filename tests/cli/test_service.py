"""`campushub service install|remove`: the unit runs `up` in the foreground with the site's options."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from campushub.deploy.local.service_unit import UNIT_DIR

from ..inprocess import campushub


@pytest.fixture
def name():
    site = f"t{os.getpid()}"
    yield site
    (UNIT_DIR / f"campushub-{site}.service").unlink(missing_ok=True)


def test_install_writes_a_unit_that_runs_up_and_remove_deletes_it(tmp_path, name):
    config = tmp_path / "site.yaml"
    config.write_text(f"data_dir: {tmp_path}/data\nhub: {{port: 8123}}\n")
    r = campushub("service", "install", "--config", str(config), "--name", name, "--no-start")
    assert r.returncode == 0, r.stderr
    unit = (UNIT_DIR / f"campushub-{name}.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start == (f"ExecStart={sys.executable} -m campushub up --config {config} "
                          f"--data-dir {tmp_path}/data")
    # `up` stops hub and proxy itself; systemd must not kill learners' servers with them
    assert "KillMode=process" in unit and "Restart=on-failure" in unit
    # `systemctl reload` restarts the hub alone, as a second `campushub up` does (cli/up_restart.py)
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit
    assert "WantedBy=multi-user.target" in unit
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify", str(UNIT_DIR / f"campushub-{name}.service")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    r = campushub("service", "remove", "--name", name)
    assert r.returncode == 0 and not (UNIT_DIR / f"campushub-{name}.service").exists()


def test_a_broken_config_is_refused_before_anything_is_written(tmp_path, name):
    config = tmp_path / "site.yaml"
    config.write_text("hub: {port: seventy}\n")
    r = campushub("service", "install", "--config", str(config), "--name", name)
    assert r.returncode == 2 and "hub.port" in r.stderr and "Traceback" not in r.stderr
    assert not (UNIT_DIR / f"campushub-{name}.service").exists()


def test_bad_names_and_missing_units_get_one_line(name):
    r = campushub("service", "install", "--name", "../etc")
    assert r.returncode == 1 and "--name" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = campushub("service", "remove", "--name", name)
    assert r.returncode == 1 and "nothing to remove" in r.stderr
