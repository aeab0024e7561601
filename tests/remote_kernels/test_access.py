"""What a kernel start may carry (access.py): the client's env is rebuilt from
an allowlist, KERNEL_USERNAME is always the person, and the deployment adds its
own (locally the person's projects; on Kubernetes the kernel pod's volumes and
sizes from deploy/kubernetes/remote_kernels.py), never what the client sent."""

from __future__ import annotations

import json

import pytest

from campushub.config import loads
from campushub.hub.policy.choose import PolicyError
from campushub.remote_kernels import access

FORGED = {"KERNEL_USERNAME": "root", "KERNEL_ID": "00000000-0000-4000-8000-000000000000", "KERNEL_UID": "0",
          "KERNEL_VOLUMES": '[{"name": "x", "hostPath": {"path": "/"}}]', "KERNEL_NAMESPACE": "kube-system",
          "KERNEL_IMAGE": "evil", "KERNEL_CAMPUSHUB_PROJECTS": "p-other", "PATH": "/tmp", "LD_PRELOAD": "/tmp/x.so"}


def site(**over) -> dict:
    """A validated site configuration (defaults filled in, as the front reads it)."""
    return loads(json.dumps({
        "profiles": {"small": {"cpu": 1, "memory": "1G"}, "staff": {"cpu": 1, "memory": "1G", "groups": ["staff"]},
                     "huge": {"cpu": 1, "memory": "1T"}},
        "remote_kernels": {"enabled": True, "groups": ["rk"]},
        "policies": {"default": {"memory": {"min": "256M", "max": "4G"}}}, **over}))


def test_the_client_s_env_is_rebuilt_and_the_username_is_the_person():
    env = access.kernel_env({**FORGED, "KERNEL_WORKING_DIR": "/home/a/notebooks", "KERNEL_LAUNCH_TIMEOUT": "40"},
                            "alice", {"KERNEL_CAMPUSHUB_PROJECTS": "p-one", "KERNEL_USERNAME": "mallory"})
    assert env == {"KERNEL_WORKING_DIR": "/home/a/notebooks", "KERNEL_LAUNCH_TIMEOUT": "40",
                   "KERNEL_CAMPUSHUB_PROJECTS": "p-one", "KERNEL_USERNAME": "alice"}


@pytest.mark.parametrize("value", ["relative", "/home/a/../b", "//etc", "/", "/a/./b", "/a\0b", 7, None,
                                   "/" + "a" * 5000])
def test_a_working_dir_of_the_wrong_shape_is_dropped(value):
    assert "KERNEL_WORKING_DIR" not in access.kernel_env({"KERNEL_WORKING_DIR": value}, "alice")


@pytest.mark.parametrize(("value", "kept"), [("40", "40"), ("99999", None), ("9000", "600"), ("-1", None),
                                             ("4e1", None)])
def test_the_launch_timeout_is_a_bounded_number(value, kept):
    assert access.kernel_env({"KERNEL_LAUNCH_TIMEOUT": value}, "alice").get("KERNEL_LAUNCH_TIMEOUT") == kept


@pytest.mark.parametrize("sent", [None, [], "KERNEL_USERNAME=bob", {"KERNEL_USERNAME": ["bob"]}])
def test_an_env_that_is_no_object_gives_only_the_username(sent):
    assert access.kernel_env(sent, "alice") == {"KERNEL_USERNAME": "alice"}


def test_profiles_follow_groups_and_policy():
    config = site()
    assert access.kernelspecs(config, ["rk"]) == ["campushub-small"]  # huge: more than the policy allows
    assert access.kernelspecs(config, ["rk", "staff"]) == ["campushub-small", "campushub-staff"]
    assert access.kernelspecs(config, ["staff"]) == []  # not in remote_kernels.groups
    assert access.kernelspecs(site(remote_kernels={"enabled": False}), ["rk"]) == []


def test_locally_the_deployment_adds_the_person_s_projects():
    env = access.deployment_env(site(), "local", "alice", "campushub-small", ["rk"], ["p-one", "p-two"])
    assert env == {"KERNEL_CAMPUSHUB_PROJECTS": "p-one,p-two"}


def test_on_kubernetes_the_kernel_pod_gets_the_person_s_volumes_not_the_client_s():
    config = site()
    extra = access.deployment_env(config, "kubernetes", "alice", "campushub-small", ["rk"], ["p-one"])
    env = access.kernel_env(FORGED, "alice", extra)
    assert env["KERNEL_USERNAME"] == "alice" and env["KERNEL_NAMESPACE"] == config["kubernetes"]["namespace"]
    assert env["KERNEL_IMAGE"] != "evil" and env["KERNEL_UID"] != "0" and "KERNEL_ID" not in env
    claims = [v.get("persistentVolumeClaim", {}).get("claimName") for v in json.loads(env["KERNEL_VOLUMES"])]
    assert not any("hostPath" in v for v in json.loads(env["KERNEL_VOLUMES"]))
    assert any(c and "alice" in c for c in claims), claims
    assert all(k.startswith("KERNEL_") for k in env)
    with pytest.raises(PolicyError):
        access.deployment_env(config, "kubernetes", "alice", "campushub-huge", ["rk"], [])


@pytest.mark.parametrize(("spelled", "sent"), [("*bob", '"*bob"'), ("alice", "alice"), ("alice", '"mallory"'),
                                               ("alice", None)])
def test_the_deployment_may_quote_the_person_s_name_but_not_change_it(spelled, sent):
    extra = {} if sent is None else {"KERNEL_USERNAME": sent}
    expected = sent if sent in (spelled, json.dumps(spelled)) else spelled
    assert access.kernel_env({"KERNEL_USERNAME": "root"}, spelled, extra)["KERNEL_USERNAME"] == expected


def test_a_relayed_kernelspec_keeps_what_jupyterlab_shows_and_drops_the_launcher():
    from campushub.remote_kernels.kernelspecs import public

    model = {"name": "campushub-small", "resources": {"logo-64x64": "/kernelspecs/campushub-small/logo-64x64.png"},
             "spec": {"argv": ["/venv/bin/python", "-m", "launch", "--config", "/var/lib/campushub/x.json"],
                      "env": {"SECRET": "x"}, "display_name": "Small", "language": "python",
                      "metadata": {"process_proxy": {"class_name": "campushub_gateway.LocalKernel"},
                                   "debugger": False}}}
    shown = public(model)
    assert shown["spec"] == {"argv": [], "env": {}, "display_name": "Small", "language": "python",
                             "metadata": {"debugger": False}}
    assert shown["resources"] == model["resources"] and model["spec"]["argv"][0] == "/venv/bin/python"  # a copy
    assert public(None) is None and public({"spec": "odd"}) == {"spec": "odd"}
