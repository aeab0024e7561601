"""A data dir another account made cannot steer `up` or `down`: planted pid
files are not signalled and `up` refuses the folder (the attack: a learner
creates /tmp/site-b, the admin later runs `up`/`down --data-dir /tmp/site-b`,
and root SIGTERMs then SIGKILLs whatever process the learner's hub.pid names)."""

import os
import subprocess

import pytest

from campushub.cli.main import CommandError
from campushub.cli.supervise import Lifetime
from campushub.deploy.local import pids
from campushub.deploy.local.layout import Layout

from ..harness import campushub

NOBODY = 65534  # another account: any non-root uid will do


@pytest.fixture
def victim():
    proc = subprocess.Popen(["sleep", "600"])
    yield proc
    proc.kill()
    proc.wait()


def _plant(data_dir, pid: int) -> None:
    run = data_dir / "run"
    run.mkdir(parents=True)
    for name in ("hub", "proxy"):
        (run / f"{name}.pid").write_text(f"{pid} {pids.start_time(pid)}\n")
        os.chown(run / f"{name}.pid", NOBODY, NOBODY)
    for d in (data_dir, run):
        os.chown(d, NOBODY, NOBODY)


def test_down_does_not_signal_a_process_named_by_a_planted_pid_file(tmp_path, victim):
    data_dir = tmp_path / "site"
    _plant(data_dir, victim.pid)
    result = campushub("down", "--data-dir", str(data_dir))
    assert result.returncode in (0, 3), result.stderr
    assert victim.poll() is None  # before the fix: killed by root


def test_up_refuses_a_data_dir_owned_by_another_account(tmp_path, victim):
    data_dir = tmp_path / "site"
    _plant(data_dir, victim.pid)
    with pytest.raises(CommandError) as e:
        with Lifetime(Layout(data_dir)):
            pass
    assert str(data_dir) in str(e.value) and "another account" in str(e.value)
    assert victim.poll() is None
    assert not (data_dir / "run" / "up.pid").exists()


def test_own_pid_files_still_work(tmp_path, victim):
    path = tmp_path / "x.pid"
    pids.write(path, victim.pid)
    assert pids.read(path) == victim.pid
    os.chown(path, NOBODY, NOBODY)
    assert pids.read(path) is None
