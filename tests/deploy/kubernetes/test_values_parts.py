"""The storage, network and cluster fragments of the chart values: each is
accepted by the Zero to JupyterHub chart's own schema once merged over its
defaults, and each follows campushub.yaml. No cluster runs here: the network
policy is checked by evaluating its rules the way the chart renders them
(templates/_helpers-netpol.tpl) and a CNI enforces them."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from campushub.config import ConfigError, loads, validate
from campushub.config.resource_checks import environment_names
from campushub.deploy.kubernetes.images import image_for
from campushub.deploy.kubernetes.render import cluster, network, storage

from .cases import SITE
from .chart import assert_chart_accepts, assert_valid_manifest, helm_merge
from .examples import example
from .pods import quantity

FRAGMENTS = (storage, network, cluster)
EXAMPLES = sorted((Path(__file__).parents[3] / "examples").glob("*/campushub.yaml"))
MIRROR = "10.20.0.15/32"
SHARED_SITE = validate({
    **{k: SITE[k] for k in ("environments", "policies")},
    "kubernetes": {
        "namespace": "jhub", "storage_capacity": "20Gi", "storage_class": "fast-ssd",
        "node_pools": SITE["kubernetes"]["node_pools"],
        "shared_volumes": {
            "course-content": {"mount_path": "/srv/course", "storage_class": "efs-sc", "capacity": "50Gi"},
            "projects": {"mount_path": "/srv/projects", "read_only": False,
                         "nfs": {"server": "files.campus.example", "path": "/exports/projects"}},
            "datasets": {"mount_path": "/srv/data", "existing_claim": "shared-datasets"},
        },
        "network": {"internet": False, "allowed_egress": [
            {"cidr": MIRROR, "ports": [443]},
            {"cidr": "192.168.50.0/24", "ports": [53, 123], "protocol": "UDP"},
            {"cidr": "0.0.0.0/0", "ports": [22]},
        ]},
        "scheduling": {"user_scheduler": False, "placeholders": 5},
        "prepull": {"on_upgrade": False},
    },
    "culling": {"timeout": 7200, "interval": 300, "max_age": 86400, "cull_admins": False},
})
CONFIGS = {"defaults": validate({}), "site": SITE, "shared": SHARED_SITE,
           **{f"example:{p.parent.name}": example(p) for p in EXAMPLES}}


@pytest.mark.parametrize("name", CONFIGS)
def test_the_chart_accepts_each_fragment_and_all_together(name):
    config, together = CONFIGS[name], {}
    for fragment in FRAGMENTS:
        assert_chart_accepts(fragment.values(config))
        together = helm_merge(together, fragment.values(config))
    assert_chart_accepts(together)


# -- network -------------------------------------------------------------

def chart_egress(values: dict) -> list[dict]:
    """The singleuser NetworkPolicy's egress rules as the chart renders them
    from egressAllowRules, followed by the values' own rules."""
    su = helm_merge({"cloudMetadata": {"ip": "169.254.169.254"}}, values["singleuser"])
    policy, meta = su["networkPolicy"], f"{su['cloudMetadata']['ip']}/32"
    flags, private = policy["egressAllowRules"], ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    rules, dns = [], []
    dns += [{"ipBlock": {"cidr": meta}}] if flags["dnsPortsCloudMetadataServer"] else []
    dns += [{"ipBlock": {"cidr": c}} for c in private] if flags["dnsPortsPrivateIPs"] else []
    if dns:
        rules.append({"ports": [{"port": 53, "protocol": p} for p in ("UDP", "TCP")], "to": dns})
    if flags["nonPrivateIPs"]:
        rules.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [*private, meta]}}]})
    if flags["privateIPs"]:
        rules.append({"to": [{"ipBlock": {"cidr": c}} for c in private]})
    if flags["cloudMetadataServer"]:
        rules.append({"to": [{"ipBlock": {"cidr": meta}}]})
    return rules + policy["egress"]


def reachable(values: dict, ip: str, port: int, protocol: str = "TCP") -> bool:
    addr = ipaddress.ip_address(ip)

    def peer_allows(peer):
        block = peer.get("ipBlock")
        return bool(block) and addr in ipaddress.ip_network(block["cidr"]) and not any(
            addr in ipaddress.ip_network(e) for e in block.get("except", []))

    return any(
        ("ports" not in rule or {"port": port, "protocol": protocol} in rule["ports"])
        and any(peer_allows(p) for p in rule["to"])
        for rule in chart_egress(values))


@pytest.mark.parametrize("name", ["defaults", "shared"])
@pytest.mark.parametrize("ip", ["169.254.169.254", "10.0.0.5", "10.96.0.1", "172.16.3.4", "192.168.1.10"])
def test_servers_reach_no_private_address_nor_the_metadata_server(name, ip):
    values = network.values(CONFIGS[name])
    for port in (80, 443, 22, 5432, 8080):
        assert not reachable(values, ip, port), f"{ip}:{port} is reachable"
    assert values["singleuser"]["cloudMetadata"]["blockWithIptables"] is True


def test_the_evaluator_sees_what_the_chart_allows():
    values = network.values(CONFIGS["defaults"])
    assert reachable(values, "151.101.0.223", 443)  # pypi.org: the internet stays open by default
    assert reachable(values, "10.96.0.10", 53, "UDP")  # DNS
    opened = helm_merge(values, {"singleuser": {"networkPolicy": {"egressAllowRules": {"privateIPs": True}}}})
    assert reachable(opened, "10.0.0.5", 80)


def test_configured_egress_is_open_and_nothing_more():
    values = network.values(SHARED_SITE)
    assert reachable(values, "10.20.0.15", 443)
    assert not reachable(values, "10.20.0.15", 80)
    assert not reachable(values, "10.20.0.16", 443)
    assert reachable(values, "192.168.50.7", 123, "UDP")
    assert not reachable(values, "192.168.50.7", 123, "TCP")
    assert reachable(values, "140.82.112.3", 22)  # git over ssh, granted to every address
    assert not reachable(values, "140.82.112.3", 443)  # internet: false
    assert not reachable(values, "169.254.169.254", 22)  # ... but never the metadata server
    assert reachable(values, "10.96.0.10", 53, "UDP")
    named = network.values(validate({"kubernetes": {"network": {"allowed_egress": [{"cidr": "10.0.0.0/8"}]}}}))
    assert reachable(named, "10.1.2.3", 5432)  # a private range named as such is opened
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "singleuser", "namespace": "jhub"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": chart_egress(values)}}
    assert_valid_manifest(policy)


def test_a_closed_internet_names_the_course_repos_to_allow():
    course = {"learners_group": "l", "tutors_group": "t", "repo": "https://git.campus.example/ml101.git"}
    closed = validate({"courses": {"ml101": course}, "kubernetes": {"network": {"internet": False}}})
    assert "https://git.campus.example/ml101.git" in network.notes(closed)[-1]
    assert not any("ml101" in n for n in network.notes(validate({"courses": {"ml101": course}})))


def test_egress_to_the_metadata_server_itself_is_refused():
    config = validate({"kubernetes": {"network": {"allowed_egress": [{"cidr": "169.254.169.254/32"}]}}})
    with pytest.raises(ConfigError) as e:
        network.values(config)
    assert "kubernetes.network.allowed_egress.0.cidr" in str(e.value) and "\n" not in str(e.value)


# -- culler, scheduling, pre-puller ----------------------------------------

def test_the_charts_culler_is_off_for_ours_in_the_hub():
    # the hub runs our culler from the culling section (tests/deploy/kubernetes/test_culling.py)
    for config in (SHARED_SITE, CONFIGS["defaults"]):
        assert cluster.values(config)["cull"] == {"enabled": False}


def test_placeholders_hold_room_for_default_servers():
    scheduling = cluster.values(SHARED_SITE)["scheduling"]
    assert scheduling["userScheduler"]["enabled"] is False
    assert scheduling["podPriority"]["enabled"] is True  # real servers evict placeholders
    placeholder = scheduling["userPlaceholder"]
    assert placeholder["enabled"] and placeholder["replicas"] == 5
    requests = placeholder["resources"]["requests"]
    # a default server: 1 CPU limit, a third guaranteed; 2G of memory, all guaranteed
    assert quantity(requests["cpu"]) == pytest.approx(0.333)
    assert quantity(requests["memory"]) == 2 * 2**30
    none = cluster.values(validate({"kubernetes": {"scheduling": {"placeholders": 0}}}))["scheduling"]
    assert none["userPlaceholder"]["enabled"] is False


@pytest.mark.parametrize("name", CONFIGS)
def test_every_environment_image_is_pulled_ahead(name):
    config = CONFIGS[name]
    pulled = cluster.values(config)["prePuller"]
    wanted = {image_for(config, env, tag) for env, tags in environment_names(config).items() for tag in tags}
    assert {f"{i['name']}:{i['tag']}" for i in pulled["extraImages"].values()} == wanted
    # each becomes an init container "image-pull-<key>" of the chart's pullers
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "puller"},
           "spec": {"initContainers": [{"name": f"image-pull-{k}", "image": f"{i['name']}:{i['tag']}"}
                                       for k, i in pulled["extraImages"].items()],
                    "containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10.1"}]}}
    assert_valid_manifest(pod)


def test_prepull_switches_follow_the_config():
    pulled = cluster.values(SHARED_SITE)["prePuller"]
    assert pulled["hook"]["enabled"] is False and pulled["continuous"]["enabled"] is True


@pytest.mark.parametrize("ref,name,tag", [
    ("registry.example.com/ds:2026.11", "registry.example.com/ds", "2026.11"),
    ("registry.example.com:5000/ds", "registry.example.com:5000/ds", "latest"),
    ("quay.io/pinned@sha256:" + "ab" * 32, "quay.io/pinned@sha256", "ab" * 32),
])
def test_image_references_split_so_the_chart_joins_them_back(ref, name, tag):
    assert cluster.split_reference(ref) == (name, tag)


# -- storage --------------------------------------------------------------

def test_home_is_a_dynamic_claim_per_user_as_configured():
    home = storage.values(SHARED_SITE)["singleuser"]["storage"]
    assert (home["type"], home["capacity"], home["homeMountPath"]) == ("dynamic", "20Gi", "/home/jovyan")
    assert home["dynamic"] == {"storageClass": "fast-ssd", "storageAccessModes": ["ReadWriteOnce"]}
    default = storage.values(CONFIGS["defaults"])["singleuser"]["storage"]
    assert "storageClass" not in default["dynamic"] and "extraVolumes" not in default


def test_shared_volumes_are_mounted_from_readwritemany_claims():
    values = storage.values(SHARED_SITE)["singleuser"]["storage"]
    manifests = storage.manifests(SHARED_SITE)
    for manifest in manifests:
        assert_valid_manifest(manifest)
        assert manifest["spec"]["accessModes"] == ["ReadWriteMany"]
    claims = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "PersistentVolumeClaim"}
    volumes = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "PersistentVolume"}
    mounted = {v["persistentVolumeClaim"]["claimName"] for v in values["extraVolumes"].values()}
    assert mounted == set(claims) | {"shared-datasets"}  # the existing claim is used, not made
    assert claims["campushub-shared-course-content"]["spec"]["storageClassName"] == "efs-sc"
    nfs = claims["campushub-shared-projects"]["spec"]
    assert volumes[nfs["volumeName"]]["spec"]["nfs"] == {"server": "files.campus.example",
                                                         "path": "/exports/projects"}
    assert volumes[nfs["volumeName"]]["spec"]["claimRef"] == {"namespace": "jhub",
                                                              "name": "campushub-shared-projects"}
    modes = {m["mountPath"]: m["readOnly"] for m in values["extraVolumeMounts"].values()}
    assert modes == {"/srv/course": True, "/srv/projects": False, "/srv/data": True}
    assert storage.manifests(CONFIGS["defaults"]) == []
    notes = storage.notes(SHARED_SITE)  # what the README tells the operator to provide
    assert [n.split()[2] for n in notes] == ["course-content", "projects", "datasets"]
    assert "files.campus.example:/exports/projects" in notes[1] and "read-only" in notes[0]


@pytest.mark.parametrize("volume,key", [
    ("{mount_path: /srv/c}", "kubernetes.shared_volumes.c: set exactly one"),
    ("{mount_path: /srv/c, storage_class: efs, existing_claim: x}", "kubernetes.shared_volumes.c: set exactly one"),
    ("{storage_class: efs}", "kubernetes.shared_volumes.c: 'mount_path' is a required"),
    ("{mount_path: srv/c, storage_class: efs}", "kubernetes.shared_volumes.c.mount_path:"),
    ("{mount_path: /srv/c, nfs: {server: files}}", "kubernetes.shared_volumes.c.nfs:"),
    ("{mount_path: /srv/c, storage_class: efs, capacity: lots}", "kubernetes.shared_volumes.c.capacity:"),
    ("{mount_path: /srv/c, storage_class: efs, size: 1Gi}", "kubernetes.shared_volumes.c: unknown key 'size'"),
])
def test_bad_shared_volumes_are_refused_naming_the_key(volume, key):
    with pytest.raises(ConfigError) as e:
        loads(f"kubernetes:\n  shared_volumes:\n    c: {volume}\n", "campushub.yaml")
    assert f"campushub.yaml:3: {key}" in str(e.value) and "\n" not in str(e.value)


def test_two_volumes_on_one_path_and_bad_ranges_are_refused():
    with pytest.raises(ConfigError, match=r"kubernetes\.shared_volumes\.b\.mount_path: /srv/x is already"):
        loads("kubernetes:\n  shared_volumes:\n    a: {mount_path: /srv/x, storage_class: efs}\n"
              "    b: {mount_path: /srv/x, existing_claim: data}\n")
    with pytest.raises(ConfigError, match=r"kubernetes\.network\.allowed_egress\.0\.cidr: '10\.0\.0\.1/8'"):
        loads("kubernetes: {network: {allowed_egress: [{cidr: 10.0.0.1/8}]}}")


@pytest.mark.parametrize("path", ["/home", "/home/jovyan", "/tmp", "/dev/shm", "/usr", "/proc/x"])
def test_a_shared_volume_may_not_hide_the_home_tmp_or_system(path):
    config = validate({"kubernetes": {"shared_volumes": {"c": {"mount_path": path, "storage_class": "efs"}}}})
    with pytest.raises(ConfigError) as e:
        storage.values(config)
    assert str(e.value).startswith("kubernetes.shared_volumes.c.mount_path: ") and "\n" not in str(e.value)
