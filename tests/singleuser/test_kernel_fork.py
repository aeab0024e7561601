"""Kernels forked from a warm zygote (singleuser/kernel_fork.py), driven by jupyter_client itself.

kernel_fork_driver.py runs in the real user environment's python, as an
unprivileged unix user, with CampusHub's files laid as files.py lays them:
it forks the zygote the way the fork server's child does and starts kernels
through jupyter_client's AsyncKernelManager with the `campushub-fork`
provisioner; these tests judge what it saw. (Starting it through a real
server is the spawner's tests' part.)
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from campushub.deploy.local.userenv import ensure_user_env
from campushub.singleuser.files import SERVER_CONFIG, SITE_PACKAGES, server_files

from ..harness import free_port, wait_for

PYTHON = "/usr/bin/python3"
ROOT = Path("/opt/campushub/envs")
LOCK = Path(__file__).resolve().parents[2] / "campushub" / "singleuser" / "environment.lock"
DRIVER = Path(__file__).with_name("kernel_fork_driver.py")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
USER = "nobody"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the kernels as another unix user")


@pytest.fixture(scope="module")
def env() -> Path:
    return ensure_user_env(PYTHON, ROOT, LOCK)


def lay(site: Path) -> None:
    """CampusHub's site-packages files, as a user environment gets them."""
    for path, text in server_files().items():
        if path.startswith(SITE_PACKAGES):
            target = site / path.removeprefix(SITE_PACKAGES)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)


def drive(env: Path, mode: str, user: str | None = None) -> tuple[dict, str]:
    # under /tmp, not pytest's 0700 tmp_path, so the user can reach it
    work = Path(tempfile.mkdtemp(prefix="kernel-fork-"))
    try:
        site, runtime, kernels = work / "site", work / "runtime", work / "jupyter" / "kernels" / "other"
        lay(site)
        shutil.copy(DRIVER, work / DRIVER.name)
        kernels.mkdir(parents=True)
        # another kernelspec of the same python: always exec'd
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [str(env / "bin" / "python"), "-m", "ipykernel", "-f", "{connection_file}"],
            "display_name": "other", "language": "python"}))
        runtime.mkdir(mode=0o700)
        # the user's own ~/.local packages, which kernels of a venv do not see
        (work / "home" / ".local" / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
        os.chmod(work, 0o755)
        if user:
            entry = pwd.getpwnam(user)
            for path in (runtime, *(work / "home").rglob("*"), work / "home"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        report = runtime / "report.json"
        environment = {"PATH": f"{env}/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(work / "home"),
                       "JUPYTER_PATH": str(work / "jupyter"), "JUPYTER_RUNTIME_DIR": str(runtime),
                       "JUPYTER_CONFIG_DIR": str(work / "home" / ".jupyter"),
                       "IPYTHONDIR": str(work / "home" / ".ipython")}
        command = [str(env / "bin" / "python"), "-I", str(work / DRIVER.name), str(site), mode, str(runtime),
                   str(report), os.environ.get("KERNEL_FORK_ROUNDS", "1")]
        if user:
            command = [RUNUSER, "-u", user, "--", *command]
        done = subprocess.run(command, env=environment, cwd=work, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
        return json.loads(report.read_text()), str(runtime)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def seen(env):
    return drive(env, "zygote", USER)


def gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


def test_the_server_takes_the_zygote_and_hides_its_variable(seen):
    result, _ = seen
    assert result["adopted"] is True
    assert result["variable_left"] is None  # kernels and terminals must not inherit a stale fd number
    assert result["forked"]["probe"]["zygote_fd_var"] is None


def test_zygote_keeps_nothing_open_of_the_servers_start(seen):
    result, _ = seen
    fds = result["zygote_fds"]
    assert result["held"] not in fds.values()
    assert fds["0"] == "/dev/null"
    assert len(fds) <= 7, fds  # stdio, its socket, selector, the two ends of its wake-up pipe


def test_python3_kernel_is_forked_and_answers(seen):
    result, _ = seen
    forked, probe = result["forked"], result["forked"]["probe"]
    assert forked["first"] == {"result": "20", "stdout": "", "error": None, "status": "ok"}
    assert forked["provisioner"] == "ForkProvisioner"
    zygote = probe["ppid"]
    assert zygote != result["driver"]  # a child of the zygote, not of the server
    assert probe["sid"] == probe["pid"]  # its own session, so an interrupt reaches only its group
    assert probe["uid"] == pwd.getpwnam(USER).pw_uid
    assert re.fullmatch(rf"ipykernel [0-9a-f-]{{36}} {USER}", probe["cmdline"]), probe["cmdline"]
    assert probe["watches"] == zygote  # ipykernel ends it when the zygote (so the server) is gone


def test_forked_kernel_has_the_launchs_environment_cwd_and_own_random_state(seen):
    result, runtime = seen
    probe = result["forked"]["probe"]
    assert probe["marker"] == "m1"
    assert probe["cwd"] == f"{runtime}/work"
    path = probe["path"]
    # the notebook's folder importable, after the standard library as IPython puts it
    assert "" in path and path.index("") < next(i for i, p in enumerate(path) if p.endswith("site-packages"))
    assert probe["random"] != result["second_random"]
    assert probe["argv"][0] == "-f"
    assert probe["gc"] is True  # the fork server's parent runs without it
    # the venv's kernels never see ~/.local, exec'd or forked, whatever the zygote had
    assert result["zygote_user_site"] is True
    assert probe["user_site"] is False and result["other_spec"]["probe"]["user_site"] is False
    assert probe["locale"] == result["other_spec"]["probe"]["locale"] == ["C.UTF-8", "C", "C"]


def test_interrupt_raises_keyboard_interrupt_and_the_kernel_goes_on(seen):
    result, _ = seen
    assert result["interrupt"] == {"status": "error", "ename": "KeyboardInterrupt"}
    assert result["after_interrupt"] == "42"


def test_restart_forks_a_new_kernel(seen):
    result, _ = seen
    restart = result["restart"]
    assert restart["result"] == "1024"
    assert restart["old_alive"] is False
    assert restart["probe"]["pid"] != result["forked"]["probe"]["pid"]
    assert restart["probe"]["ppid"] == result["forked"]["probe"]["ppid"]


def test_exit_status_is_reported_as_popen_would(seen):
    result, _ = seen
    assert result["exit_status"] == 7
    assert result["signal_status"] == -9


def test_shutdown_leaves_no_process_and_the_zygote_ends_with_the_server(seen):
    result, _ = seen
    assert result["after_shutdown"] == {"alive": False, "has_process": False}
    assert result["zygote_exit"] == 0
    pids = [result["forked"]["probe"]["pid"], result["restart"]["probe"]["pid"], result["forked"]["probe"]["ppid"],
            result["other_spec"]["probe"]["pid"], result["python_env"]["probe"]["pid"]]
    assert all(gone(pid) for pid in pids), [pid for pid in pids if not gone(pid)]


def test_zygote_refuses_anything_but_ipykernel(seen):
    result, _ = seen
    assert result["refused"] == "not `python -m ipykernel_launcher -f {connection_file}`"


def test_other_kernelspec_and_interpreter_variables_are_execd(seen):
    result, _ = seen
    for case in ("other_spec", "python_env"):
        assert result[case]["first"]["result"] == "20"
        assert result[case]["probe"]["ppid"] == result["driver"], case  # LocalProvisioner's Popen
    assert " -m ipykernel -f " in result["other_spec"]["probe"]["cmdline"]


def test_forked_kernel_shares_pages_and_measurements(seen):
    result, _ = seen
    forked, execd = result["forked"]["memory_kb"], result["other_spec"]["memory_kb"]
    print(f"\nstart_kernel to first result: forked {result['forked']['seconds']} s, "
          f"exec'd {result['other_spec']['seconds']} s; rounds: {result['timings']}")
    print(f"kernel memory (kB) and CPU: forked {forked}, exec'd {execd}")
    assert forked["private"] < execd["private"]  # its imports are the zygote's pages


def test_without_a_zygote_or_with_a_dead_one_the_kernel_is_execd(env):
    result, _ = drive(env, "no-zygote")
    plain = result["no_zygote"]
    assert plain["first"]["result"] == "20"
    assert plain["provisioner"] == "ForkProvisioner"
    assert plain["probe"]["ppid"] == result["driver"]
    # a zygote that died (say, killed for memory): this and later kernels are exec'd
    assert result["adopted_dead"] is True
    assert result["dead_zygote"]["first"]["result"] == "20"
    assert result["dead_zygote"]["probe"]["ppid"] == result["driver"]
    assert result["forgotten"] is True


CHOOSE = """
import os, sys
sys.path.insert(0, sys.argv[1])
from traitlets.config import Config
import campushub_kernel_fork
if sys.argv[2] == "zygote":
    os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = str(campushub_kernel_fork.start_zygote())
elif sys.argv[2] != "unset":
    os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = sys.argv[2]
c = Config()
exec(sys.stdin.read(), {"c": c, "get_config": lambda: c})
from jupyter_client.provisioning.factory import KernelProvisionerFactory
found = KernelProvisionerFactory(config=c).provisioners["campushub-fork"].load()
from jupyter_client.provisioning import LocalProvisioner
assert issubclass(found, LocalProvisioner) and found.__module__ == "campushub_kernel_fork.kernel_provisioner"
print(c.KernelProvisionerFactory.get("default_provisioner_name", "local-provisioner"))
"""


@pytest.mark.parametrize(("zygote", "chosen"), [
    ("zygote", "campushub-fork"),
    ("unset", "local-provisioner"),  # Kubernetes, or the exec path: jupyter_client's own
    ("0", "local-provisioner"),  # a number that is not this server's zygote socket
])
def test_server_config_chooses_the_provisioner_found_by_entry_point(env, tmp_path, zygote, chosen):
    lay(tmp_path)
    done = subprocess.run([str(env / "bin" / "python"), "-I", "-c", CHOOSE, str(tmp_path), zygote],
                          input=SERVER_CONFIG, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path),
                               "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == chosen


SERVER = """
import os, sys
sys.path.insert(0, sys.argv[1])
import ipykernel.kernelapp, IPython, campushub_kernel_fork  # the fork server's parent has these
os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = str(campushub_kernel_fork.start_zygote())
sys.argv = ["jupyter-server", "--port=" + sys.argv[2], "--ip=127.0.0.1", "--no-browser", "--allow-root",
            "--IdentityProvider.token=" + sys.argv[3], "--ServerApp.root_dir=" + sys.argv[4]]
from jupyter_server.serverapp import main
sys.exit(main())
"""


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_real_jupyter_server_forks_its_kernels(env, tmp_path):
    """The server config as laid, jupyter_server's MappingKernelManager and its REST API."""
    site, config, home = tmp_path / "site", tmp_path / "config", tmp_path / "home"
    lay(site)
    config.mkdir()
    home.mkdir()
    (config / "jupyter_server_config.py").write_text(SERVER_CONFIG)
    port, token = free_port(), "token-of-this-test"
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 -- the server's, closed with it
    server = subprocess.Popen(
        [str(env / "bin" / "python"), "-I", "-c", SERVER, str(site), str(port), token, str(home)],
        env={"PATH": f"{env}/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home),
             "JUPYTER_CONFIG_PATH": str(config), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")},
        stdout=log, stderr=subprocess.STDOUT)
    log.close()
    api, auth = f"http://127.0.0.1:{port}/api/kernels", {"Authorization": f"token {token}"}
    try:
        wait_for(lambda: requests.get(api, headers=auth, timeout=5).ok, 90, "the Jupyter server")
        kernel = requests.post(api, json={"name": "python3"}, headers=auth, timeout=60).json()["id"]
        line = wait_for(lambda: re.search(rf"Kernel {kernel} forked from the warm zygote \(pid (\d+)\)",
                                          (tmp_path / "server.log").read_text()), 60, "the kernel's start")
        first = int(line.group(1))
        assert parent_of(parent_of(first)) == server.pid  # kernel, zygote, server
        assert requests.post(f"{api}/{kernel}/interrupt", headers=auth, timeout=60).status_code == 204
        assert requests.post(f"{api}/{kernel}/restart", headers=auth, timeout=60).status_code == 200
        wait_for(lambda: gone(first), 30, "the first kernel to end")
        second = int(re.findall(rf"Kernel {kernel} forked from the warm zygote \(pid (\d+)\)",
                                (tmp_path / "server.log").read_text())[-1])
        assert second != first and not gone(second)
        assert requests.delete(f"{api}/{kernel}", headers=auth, timeout=60).status_code == 204
        wait_for(lambda: gone(second), 30, "the kernel to end")
    finally:
        server.terminate()
        server.wait(30)
