"""The private /tmp and /dev/shm on their own, without a hub: what a process
entering them sees, that the host does not, and what a spawn does where
they cannot be made."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from campushub.deploy.local.spawner import private_tmp
from campushub.deploy.local.spawner.server_env import HOME_RUNTIME_DIR, PRIVATE_RUNTIME_DIR

MIB = 2**20
# Children that enter the private mounts run Debian's python: the test venv may
# live under /tmp (a CI checkout), which those mounts replace.
HOST_PYTHON = "/usr/bin/python3"
SHOW = ("import os\nfor p in ('/tmp', '/dev/shm', '/var/tmp', '/run/lock'):\n    s = os.statvfs(p)\n"
        "    print(p, s.f_blocks * s.f_frsize, s.f_files, sorted(os.listdir(p)))")


def _host_mounts() -> str:
    return Path("/proc/self/mountinfo").read_text()


def test_a_process_gets_fresh_capped_tmpfs_and_the_host_keeps_its_own(tmp_path):
    marker = Path("/tmp") / f"campushub-host-file-{tmp_path.name}"
    marker.write_text("the host's")
    before = _host_mounts()
    try:
        options = private_tmp.mount_options(64 * MIB)
        out = subprocess.run([HOST_PYTHON, "-c", SHOW + f"\nopen('/dev/shm/{marker.name}', 'w').write('x')"],
                             preexec_fn=lambda: private_tmp.enter(options), capture_output=True, text=True,
                             check=True).stdout.splitlines()
        places = ("/tmp", "/dev/shm", "/var/tmp", "/run/lock")
        assert out == [f"{path} {64 * MIB} {64 * MIB // 4096} []" for path in places]
        assert _host_mounts() == before  # nothing propagated back
        # System V shared memory and message queues of its own, gone with it
        ipc = subprocess.run([HOST_PYTHON, "-c", "import os; print(os.readlink('/proc/self/ns/ipc'))"],
                             preexec_fn=lambda: private_tmp.enter(options), capture_output=True, text=True,
                             check=True).stdout.strip()
        assert ipc != os.readlink("/proc/self/ns/ipc")
        assert not (Path("/dev/shm") / marker.name).exists()
        assert marker.read_text() == "the host's"
    finally:
        marker.unlink()


def test_inode_cap_is_bounded():
    assert b"nr_inodes=1024," in private_tmp.mount_options(MIB)
    assert f"nr_inodes={private_tmp.MAX_INODES},".encode() in private_tmp.mount_options(2**50)


def test_this_machine_can_make_them():
    private_tmp.check()  # root with CAP_SYS_ADMIN, as `campushub up` runs


class Spawner(SimpleNamespace):
    def language(self):
        return "ja"


@pytest.fixture
def refused(monkeypatch):
    def fail():
        raise private_tmp.PrivateTmpUnavailable("cannot mount a private /tmp: Operation not permitted")
    monkeypatch.setattr(private_tmp, "check", fail)


def test_where_they_cannot_be_made_the_spawn_is_refused_with_a_message(refused):
    spawner = Spawner(allow_unlimited=False, unix_name="jupyter-kim", mem_limit=2**30, log=logging.getLogger())
    with pytest.raises(Exception) as e:
        private_tmp.options_for(spawner)
    assert e.value.status_code == 503
    assert "一時フォルダー" in e.value.jupyterhub_message  # in the person's language
    assert "Operation not permitted" in e.value.log_message


def test_allow_unlimited_starts_with_the_hosts_tmp_and_a_warning(refused, caplog):
    spawner = Spawner(allow_unlimited=True, unix_name="jupyter-kim", mem_limit=2**30, log=logging.getLogger())
    assert private_tmp.options_for(spawner) is None
    assert "jupyter-kim" in caplog.text and "Operation not permitted" in caplog.text


def test_kernel_socket_paths_fit_af_unix_for_the_longest_account_names():
    longest = "/home/" + "j" * 32  # unix_name() never exceeds 32 characters
    tail = "/kernel-" + "0" * 36 + "-ipc-99999"
    assert len(PRIVATE_RUNTIME_DIR + tail) <= 107
    assert len(f"{longest}/{HOME_RUNTIME_DIR}{tail}") <= 107


def test_up_refuses_early_where_they_cannot_be_made(refused):
    from campushub.cli.main import CommandError
    from campushub.cli.up import preflight
    from campushub.config import defaults

    config = defaults()
    with pytest.raises(CommandError) as e:
        preflight(config)
    assert "Operation not permitted" in str(e.value) and "allow_unlimited: true" in str(e.value)
    config["limits"]["allow_unlimited"] = True
    preflight(config)  # the site chose to run without: no error


MQUEUE_PROBE = """
import os, subprocess, sys
from campushub.deploy.local.spawner import private_tmp
options = private_tmp.mount_options(64 * 2**20)
# the learner's side: a queue made through the file system (no mq_open needed)
make = "import os; os.close(os.open('/dev/mqueue/probe', os.O_CREAT | os.O_RDWR))"
made = subprocess.run(['/usr/bin/python3', "-c", make],
                      preexec_fn=lambda: private_tmp.enter(options))
print(made.returncode, sorted(os.listdir('/dev/mqueue')))
for name in os.listdir('/dev/mqueue'):
    os.unlink('/dev/mqueue/' + name)
"""


def test_dev_mqueue_shows_the_servers_own_queues_not_the_hosts():
    # Debian's systemd mounts /dev/mqueue; this machine may not: bwrap (as root, no
    # user namespace, the host's IPC namespace) gives the probe a /dev like systemd's.
    # Before the fix the queue appeared in the host's /dev/mqueue and outlived the server.
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("bubblewrap is needed to give the probe a /dev/mqueue")
    out = subprocess.run([bwrap, "--bind", "/", "/", "--dev", "/dev", "--dir", "/dev/mqueue", "--mqueue", "/dev/mqueue",
                          "--cap-add", "ALL", "--unshare-pid", "--die-with-parent", "--chdir", os.getcwd(),
                          sys.executable, "-c", MQUEUE_PROBE], capture_output=True, text=True, timeout=120)
    assert out.stdout.split("\n")[0] == "0 []", (out.stdout, out.stderr)


LOOK = """
import os
MARKER = os.environ["MARKER"].encode()
mine = theirs = 0
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()
    except OSError:
        continue
    mine += int(pid) == os.getpid()
    theirs += MARKER in cmd
print(mine, theirs)
"""


@pytest.mark.skipif(not private_tmp._PER_MOUNT_PROC, reason="hidepid per mount needs Linux 5.8")
def test_other_accounts_processes_and_their_command_lines_are_out_of_sight(tmp_path):
    marker = f"token-{tmp_path.name}".encode()
    # another account's process (root's here) with a secret in its command line
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", marker.decode()])
    try:
        def learner():
            private_tmp.enter(private_tmp.mount_options(64 * MIB))
            os.setgid(65534)
            os.setuid(65534)
        out = subprocess.run([HOST_PYTHON, "-c", LOOK], preexec_fn=learner, env={"MARKER": marker.decode()},
                             capture_output=True, text=True, check=True).stdout.split()
        assert out == ["1", "0"], out  # before the fix: ["1", "1"], the token in the other's command line
        assert marker in Path(f"/proc/{other.pid}/cmdline").read_bytes()  # the host's /proc is unchanged
    finally:
        other.kill()
        other.wait()
