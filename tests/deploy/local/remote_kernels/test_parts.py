"""The gateway's parts without running it: kernelspecs from profiles, EG's
settings, and the launcher's refusals of accounts that are nobody's to use."""

from __future__ import annotations

import json
import os

import pytest

from campushub.config import loads
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.remote_kernels import account, gateway, kernel_cgroup, kernelspecs, sockets

SITE = """
profiles:
  small: {display_name: "Small", cpu: 1, memory: 1G}
  big: {cpu: 1, memory: 2G}
remote_kernels: {enabled: true, gateway_port: 700, cull_idle_minutes: 30}
"""


def test_one_kernelspec_per_profile_running_the_launcher(tmp_path):
    config = loads(SITE)
    stale = tmp_path / "kernels" / "campushub-gone"
    stale.mkdir(parents=True)
    (tmp_path / "kernels" / "python3").mkdir()  # not ours: left alone
    names = kernelspecs.write(config, tmp_path / "config.json", tmp_path, python="/venv/bin/python")
    assert names == ["campushub-small", "campushub-big"]
    assert sorted(p.name for p in (tmp_path / "kernels").iterdir()) == ["campushub-big", "campushub-small", "python3"]
    spec = json.loads((tmp_path / "kernels" / "campushub-small" / "kernel.json").read_text())
    assert spec["argv"] == ["/venv/bin/python", "-I", "-m", "campushub.deploy.local.remote_kernels.launch",
                            "--config", str(tmp_path / "config.json"), "--profile", "small", "{connection_file}"]
    assert spec["display_name"] == "Small"
    assert spec["metadata"]["process_proxy"]["class_name"] == "campushub_gateway.LocalKernel"


def test_gateway_settings(tmp_path):
    config = loads(SITE)
    settings = gateway.settings(config, Layout(tmp_path), ["campushub-small", "campushub-big"])
    app = settings["EnterpriseGatewayApp"]
    assert (app["ip"], app["port"], app["list_kernels"]) == ("127.0.0.1", 700, True)
    assert settings["MappingKernelManager"] == {"cull_idle_timeout": 1800, "cull_interval": 60, "cull_connected": True}
    assert settings["KernelSpecManager"]["whitelist"] == ["campushub-small", "campushub-big"]
    assert gateway.settings(config, Layout(tmp_path), [], idle=6)["MappingKernelManager"]["cull_interval"] == 1


@pytest.mark.parametrize("prefix, person, words", [
    ("r", "oot", "system account"),  # user_prefix + hub name spelling an existing account (unix_users.py)
    ("daem", "on", "system account"),
    ("jupyter-", "nobody-at-all", "has no unix account"),
    ("jupyter-", "", "no KERNEL_USERNAME"),
    ("jupyter-", None, "no KERNEL_USERNAME"),
])
def test_the_launcher_refuses_accounts_that_are_nobodys_to_use(prefix, person, words):
    config = loads(f"spawner: {{user_prefix: '{prefix}'}}")
    with pytest.raises(account.Refused) as refused:
        account.account(config, person)
    assert words in str(refused.value)


def test_project_gids_are_only_campushub_project_groups():
    # root's group 0 and a name that is no project name never become gids
    assert account.project_gids({account.PROJECTS_VAR: "root,../etc,Bad_Name,"}, "/srv/campushub/projects") == []


def test_a_kernel_s_socket_folder_is_its_person_s_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(sockets, "ROOT", tmp_path / "kernels")
    kernel = "0b5ef02f-d27a-4231-aeac-d04cd6eaeee6"
    sockets.prepare(kernel, 4242, 4243)
    sockets.prepare(kernel, 4242, 4243)  # the same kernel started again
    root, folder = os.stat(tmp_path / "kernels"), os.stat(tmp_path / "kernels" / kernel)
    assert (root.st_uid, root.st_mode & 0o777) == (0, 0o711)
    assert (folder.st_uid, folder.st_gid, folder.st_mode & 0o777) == (4242, 4243, 0o700)
    assert sockets.ip(kernel) == str(tmp_path / "kernels" / kernel / "kernel")
    sockets.remove(kernel)
    assert not (tmp_path / "kernels" / kernel).exists()
    (tmp_path / "kernels" / kernel).symlink_to("/etc")  # not ours to chown
    with pytest.raises(OSError):
        sockets.prepare(kernel, 4242, 4243)
    assert os.stat("/etc").st_uid == 0


class FakeHierarchy:
    """cgroups.py's v2 interface over a plain folder: empty cgroups, removed as folders."""
    version = 2

    def __init__(self, root):
        self.root = root

    def usage(self, name):
        return {"pids": []}

    def remove(self, name):
        (self.root / "campushub" / name).rmdir()


def test_the_sweep_leaves_a_launch_that_just_made_its_cgroup(tmp_path):
    old, new = "0b5ef02f-d27a-4231-aeac-d04cd6eaeee6", "1c3f41c6-fdf6-4d45-942c-92feb5245605"
    for kernel in (old, new):
        (tmp_path / "campushub" / kernel_cgroup.name(kernel)).mkdir(parents=True)
    os.utime(tmp_path / "campushub" / kernel_cgroup.name(old), (0, 0))
    assert kernel_cgroup.sweep(FakeHierarchy(tmp_path)) == [old]
    assert [p.name for p in (tmp_path / "campushub").iterdir()] == [kernel_cgroup.name(new)]
