"""Remote kernels in a release (render/remote_kernels.py, render/gateway.py):
Enterprise Gateway and the remote-kernels front as objects valid for the
Kubernetes versions the chart runs on, values the chart's schema accepts,
kernelspecs using EG's KubernetesProcessProxy with our pod template beside
its launcher, EG's token from the Secret only, and the network paths: the
front to EG, kernels back to EG's response port, nobody else.

No cluster here: kubernetes-validate and the chart's schema stand in."""

from __future__ import annotations

import asyncio
import json

from campushub.config import load, validate
from campushub.deploy.kubernetes.hub_config import _service_urls
from campushub.deploy.kubernetes.remote_kernels import kernel_env
from campushub.deploy.kubernetes.render import gateway, readme
from campushub.deploy.kubernetes.render.network import PRIVATE
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.service_place import REMOTE_KERNELS

from .chart import assert_chart_accepts, assert_valid_manifest
from .chart_spawner import release_config, spawner
from .service_objects import env_values, service_container, service_objects


def _config(enabled: bool = True, **section) -> dict:
    return validate({
        "profiles": {"small": {"cpu": 1, "memory": "2G", "display_name": "Python (1 CPU)"},
                     "big": {"cpu": 1, "memory": "2G", "environment": "ds:old"}},
        "environments": {"ds": {"versions": {"2026.10": {}, "2026.11": {}},
                                "tags": {"stable": "2026.11", "old": "2026.10"}}},
        "remote_kernels": {"enabled": enabled, "cull_idle_minutes": 45, **section},
        "kubernetes": {"namespace": "campus", "images": {"registry": "registry.example.org/campus"}},
    })


def _gateway_objects(config: dict) -> dict[str, dict]:
    return {(m["kind"], m["metadata"]["name"]): m for m in render(config).manifests
            if m["metadata"]["name"].startswith(("campushub-gateway", "campushub-kernel"))}


def test_objects_are_valid_and_values_accepted_by_the_chart():
    rendered = render(_config())
    ours = [m for m in rendered.manifests
            if m["metadata"]["name"].startswith(("campushub-gateway", "campushub-kernel", REMOTE_KERNELS.name))]
    assert {(m["kind"], m["metadata"]["name"]) for m in ours} >= {
        ("Deployment", "campushub-gateway"), ("Service", "campushub-gateway"), ("Role", "campushub-gateway"),
        ("RoleBinding", "campushub-gateway"), ("ServiceAccount", "campushub-gateway"),
        ("ServiceAccount", "campushub-kernel"), ("ConfigMap", "campushub-gateway-config"),
        ("NetworkPolicy", "campushub-gateway"), ("NetworkPolicy", "campushub-kernels"),
        ("Deployment", REMOTE_KERNELS.name), ("PersistentVolumeClaim", REMOTE_KERNELS.name)}
    for manifest in ours:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)
    assert rendered.values["hub"]["services"]["remote-kernels"] == {"url": "http://campushub-remote-kernels:8080"}
    assert any("remote-kernels-gateway-token" in n for n in rendered.notes)


def test_off_renders_nothing_of_it():
    rendered = render(_config(enabled=False))
    assert not _gateway_objects(_config(enabled=False))
    assert not [m for m in rendered.manifests if m["metadata"]["name"].startswith(REMOTE_KERNELS.name)]
    assert "remote-kernels" not in rendered.values["hub"].get("services", {})
    assert "remote-kernels" not in _service_urls(_config(enabled=False))


def test_the_front_talks_to_eg_with_the_token_from_the_secret_and_builds_kubernetes_kernels():
    config = _config()
    objects = service_objects(config, REMOTE_KERNELS.name)
    env = env_values(service_container(objects))
    assert env["CAMPUSHUB_REMOTE_KERNELS_BACKEND"] == "kubernetes"
    assert env["CAMPUSHUB_REMOTE_KERNELS_GATEWAY_URL"] == "http://campushub-gateway:8888"
    secret = {"secretKeyRef": {"name": config["kubernetes"]["secret_name"], "key": "remote-kernels-gateway-token"}}
    assert env["CAMPUSHUB_REMOTE_KERNELS_GATEWAY_TOKEN"] == secret
    assert env["CAMPUSHUB_REMOTE_KERNELS_DB_URL"].startswith("sqlite:////var/lib/campushub-remote-kernels/")
    assert service_container(objects)["command"] == ["python3", "-m", "campushub.remote_kernels.service"]
    eg = _gateway_objects(config)[("Deployment", "campushub-gateway")]
    (container,) = eg["spec"]["template"]["spec"]["containers"]
    assert env_values(container)["EG_AUTH_TOKEN"] == secret
    # the hub gives servers the front's address (CAMPUSHUB_GATEWAY_URL, hub/services.py)
    assert _service_urls(config)["remote-kernels"] == "http://campushub-remote-kernels:8080"


def test_kernelspecs_use_the_kubernetes_process_proxy_with_our_template_beside_its_launcher():
    config = _config()
    objects = _gateway_objects(config)
    data = objects[("ConfigMap", "campushub-gateway-config")]["data"]
    small = json.loads(data["campushub-small.json"])
    assert small["display_name"] == "Python (1 CPU)"
    # EG's KubernetesProcessProxy, through gateway_app.py (its response port: test_gateway_response_port.py)
    assert small["metadata"]["process_proxy"]["class_name"] == "campushub_k8s_gateway.KernelPod"
    launcher = small["argv"][1]
    assert launcher.endswith("/launch_kubernetes.py")
    big = json.loads(data["campushub-big.json"])
    assert ":ds-2026.10-" in big["metadata"]["process_proxy"]["config"]["image_name"]  # its environment's image
    deployment = objects[("Deployment", "campushub-gateway")]["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in deployment["containers"][0]["volumeMounts"]}
    # launch_kubernetes.py loads kernel-pod.yaml.j2 from its own folder
    template = mounts[launcher.rsplit("/", 1)[0] + "/kernel-pod.yaml.j2"]
    volumes = {v["name"]: v for v in deployment["volumes"]}
    (item,) = volumes[template["name"]]["configMap"]["items"]
    assert data[item["key"]] == gateway.template() and template["subPath"] == item["path"]
    # the kernelspecs sit where JUPYTER_PATH points, one folder per profile
    env = env_values(deployment["containers"][0])
    config_items = {i["path"] for i in volumes["config"]["configMap"]["items"]}
    assert {f"data/kernels/campushub-{p}/kernel.json" for p in ("small", "big")} <= config_items
    assert env["JUPYTER_PATH"] == mounts[env["JUPYTER_CONFIG_DIR"]]["mountPath"] + "/data"


def test_eg_runs_through_our_app_mounted_from_the_config_map():
    objects = _gateway_objects(_config())
    data = objects[("ConfigMap", "campushub-gateway-config")]["data"]
    deployment = objects[("Deployment", "campushub-gateway")]["spec"]["template"]["spec"]
    (container,) = deployment["containers"]
    python, isolated, path = container["command"]
    assert (python, isolated) == ("python", "-I")  # the image's python, the one `jupyter enterprisegateway` runs
    mount = next(m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    (item,) = [i for i in next(v for v in deployment["volumes"] if v["name"] == mount["name"])["configMap"]["items"]
               if path == f"{mount['mountPath']}/{i['path']}"]
    assert data[item["key"]] == gateway.app()
    assert "class Responses(ResponseManager)" in data[item["key"]]


def test_eg_runs_only_our_kernelspecs_culls_as_configured_and_takes_nothing_else_from_a_request():
    data = _gateway_objects(_config())[("ConfigMap", "campushub-gateway-config")]["data"]
    settings = json.loads(data["jupyter_enterprise_gateway_config.json"])
    # EG's image has other kernelspecs (python3 would run code inside EG's own pod)
    specs = settings["KernelSpecManager"]
    assert specs["whitelist"] == ["campushub-small", "campushub-big"]
    # the whitelist filters listings only (jupyter_client 6): a start finds python3 (ipykernel's, inside
    # EG's pod) unless a kernelspec of that name comes first in the search: JUPYTER_PATH's folder
    deployment = _gateway_objects(_config())[("Deployment", "campushub-gateway")]["spec"]["template"]["spec"]
    config_volume = next(v for v in deployment["volumes"] if v["name"] == "config")
    listed = {i["path"]: data[i["key"]] for i in config_volume["configMap"]["items"]}
    config_dir = next(m["mountPath"] for m in deployment["containers"][0]["volumeMounts"] if m["name"] == "config")
    kernels = env_values(deployment["containers"][0])["JUPYTER_PATH"] + "/kernels/"
    in_folder = {p.split("/")[-2]: json.loads(text) for p, text in listed.items()
                 if f"{config_dir}/{p}".startswith(kernels)}
    assert set(in_folder) == {"python3", "campushub-small", "campushub-big"}
    assert in_folder["python3"]["argv"] == ["/bin/false"]
    culling = settings["RemoteMappingKernelManager"]
    assert culling["cull_idle_timeout"] == 45 * 60
    # an idle kernel is culled even with a tab open on it; one running a cell is not
    assert culling["cull_connected"] is True and culling["cull_busy"] is False
    assert settings["EnterpriseGatewayApp"]["client_envs"] == [] == settings["EnterpriseGatewayApp"]["inherited_envs"]
    assert settings["EnterpriseGatewayApp"]["list_kernels"] is True
    assert settings["KernelSessionManager"]["enable_persistence"] is True


def test_eg_may_manage_pods_in_its_namespace_and_nothing_more():
    objects = _gateway_objects(_config())
    (rule,) = objects[("Role", "campushub-gateway")]["rules"]
    assert rule["resources"] == ["pods"] and "namespaces" not in json.dumps(list(objects.values()))
    assert not [k for k, _ in objects if k in ("ClusterRole", "ClusterRoleBinding")]
    env = env_values(objects[("Deployment", "campushub-gateway")]["spec"]["template"]["spec"]["containers"][0])
    assert env["EG_SHARED_NAMESPACE"] == "True" and env["EG_NAMESPACE"] == "campus"
    assert objects[("ServiceAccount", "campushub-kernel")]["automountServiceAccountToken"] is False
    assert env["EG_DEFAULT_KERNEL_SERVICE_ACCOUNT_NAME"] == "campushub-kernel"


def test_only_the_front_reaches_eg_and_only_eg_reaches_kernels():
    config = _config()
    objects = _gateway_objects(config)
    front_labels = service_objects(config, REMOTE_KERNELS.name)["Deployment"]["spec"]["template"]["metadata"]["labels"]
    eg_policy = objects[("NetworkPolicy", "campushub-gateway")]["spec"]
    api, response = eg_policy["ingress"]
    assert api["ports"] == [{"protocol": "TCP", "port": 8888}]
    assert api["from"][0]["podSelector"]["matchLabels"].items() <= front_labels.items()
    assert response["ports"] == [{"protocol": "TCP", "port": 8877}]
    assert response["from"][0]["podSelector"]["matchLabels"] == gateway.KERNEL_LABELS
    kernels = objects[("NetworkPolicy", "campushub-kernels")]["spec"]
    assert kernels["policyTypes"] == ["Ingress", "Egress"]
    assert kernels["ingress"] == [{"from": [{"podSelector": {"matchLabels": gateway.LABELS}}]}]
    # as servers: the internet (kubernetes.network.internet, on by default) but no private address, which
    # only DNS may reach; and EG's response port
    blocks = [(peer["ipBlock"], rule.get("ports")) for rule in kernels["egress"] for peer in rule["to"]
              if "ipBlock" in peer]
    assert ({"cidr": "0.0.0.0/0", "except": [*map(str, PRIVATE), *_more()]}, None) in [
        ({"cidr": b["cidr"], "except": b.get("except")}, ports) for b, ports in blocks]
    for block, ports in blocks:
        if block["cidr"] in map(str, PRIVATE):
            assert {p["port"] for p in ports} == {53}
    assert {"to": [{"podSelector": {"matchLabels": gateway.LABELS}}],
            "ports": [{"protocol": "TCP", "port": 8877}]} in kernels["egress"]


def _more() -> list[str]:
    # the rest of what a wide range leaves closed (render/network.py)
    return ["100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8", "169.254.169.254/32", "168.63.129.16/32"]


def test_tokens_come_from_secrets_only():
    """Neither EG's token nor the front's is ever a value in the release."""
    for manifest in render(_config()).manifests:
        if manifest["kind"] != "Deployment":
            continue
        for container in manifest["spec"]["template"]["spec"]["containers"]:
            for entry in container["env"]:
                if "TOKEN" in entry["name"]:
                    assert set(entry) == {"name", "valueFrom"}, entry
                    assert "secretKeyRef" in entry["valueFrom"]


def test_homes_are_made_readwritemany_so_kernels_and_servers_mount_them_from_any_node():
    def modes(enabled: bool) -> list[str]:
        return render(_config(enabled=enabled)).values["singleuser"]["storage"]["dynamic"]["storageAccessModes"]

    assert modes(True) == ["ReadWriteMany"]
    assert modes(False) == ["ReadWriteOnce"]  # unchanged without remote kernels
    assert any("must offer ReadWriteMany" in n for n in render(_config()).notes)


def test_the_readme_puts_the_gateway_token_into_the_secret_with_the_others():
    lines = readme.env_file_lines(_config())
    assert [line.split("=")[0] for line in lines if line.startswith("remote-kernels")] == [gateway.TOKEN_KEY]
    assert not [line for line in readme.env_file_lines(_config(enabled=False)) if line.startswith("remote-kernels")]


def test_servers_of_people_given_remote_kernels_get_the_fronts_address(dummy_kubeconfig):
    """A release's hub (the chart's part, then ours: chart_spawner.py) hands CAMPUSHUB_GATEWAY_URL, the
    front's Service behind the proxy's prefix, to the servers of remote_kernels.groups only."""
    config = validate({**_config(groups=["ml"]), "hub": {"base_url": "/jh/"}})
    c = release_config(config)

    async def env_of(groups: list[str]) -> dict:
        return spawner(config, c, "kim", groups).get_env()

    member, other = asyncio.run(env_of(["ml"])), asyncio.run(env_of(["ml101"]))
    assert member["CAMPUSHUB_GATEWAY_URL"] == "http://campushub-remote-kernels:8080/jh/services/remote-kernels/"
    assert "CAMPUSHUB_GATEWAY_URL" not in other
    # the proxy's route and the front's token: the chart's hub.services entry, registered by our config
    (entry,) = [s for s in c.JupyterHub.services if s["name"] == "remote-kernels"]
    assert entry["url"] == "http://campushub-remote-kernels:8080" and entry["api_token"]


def test_the_front_in_its_pod_builds_the_same_kernels_as_the_renderer_sees(tmp_path):
    """The front reads the site file of its ConfigMap, which has no lock files beside it: the image of a
    profile's environment must come out the same as where the release was rendered."""
    config = _config()
    site = service_objects(config, REMOTE_KERNELS.name)["ConfigMap"]["data"]["campushub.yaml"]
    (tmp_path / "campushub.yaml").write_text(site)
    mounted = load(tmp_path / "campushub.yaml")
    for profile in ("small", "big"):
        assert kernel_env(mounted, "kim", profile, [], []) == kernel_env(config, "kim", profile, [], [])
    assert ":ds-2026.10-" in kernel_env(mounted, "kim", "big", [], [])["KERNEL_IMAGE"]
