"""The help portal in a release (render/help.py through render/hub_service.py,
the help image of render/images.py): its Deployment, Service, ConfigMap and
NetworkPolicy valid for the oldest and newest Kubernetes the chart runs on,
values the chart's schema accepts, no claim, a locked-down pod, the proxy
and the hub let in and user servers not, the image's Dockerfile copying the
portal to the folder the pod is told to serve, and nothing of it when
help.enabled is false. No cluster and no build here: kubernetes-validate,
the chart's schema and dockerfile-parse stand in (the built portal is
test_render_help_site.py's)."""

from __future__ import annotations

import asyncio
import io
from types import SimpleNamespace

import pytest
from dockerfile_parse import DockerfileParser
from jupyterhub.objects import Hub
from traitlets.config import Config

from campushub.config import ConfigError, validate
from campushub.deploy.kubernetes import hub_config
from campushub.deploy.kubernetes.render import help as help_fragment
from campushub.deploy.kubernetes.render import hub, images, monitoring
from campushub.deploy.kubernetes.render.values import render
from campushub.deploy.kubernetes.service_place import HELP, running

from .chart import assert_chart_accepts, assert_valid_manifest
from .service_objects import env_values, service_container, service_objects

REGISTRY = "registry.example.org/campus"


def _config(**section) -> dict:
    return validate({"help": section, "hub": {"base_url": "/campus/"},
                     "kubernetes": {"images": {"registry": REGISTRY}}})


def _objects(config: dict) -> dict[str, dict]:
    return service_objects(config, HELP.name)


def test_objects_are_valid_and_values_accepted_by_the_chart():
    rendered = render(_config())
    ours = [m for m in rendered.manifests if m["metadata"]["name"].startswith(HELP.name)]
    assert {m["kind"] for m in ours} == {"Deployment", "Service", "NetworkPolicy", "ConfigMap"}  # no claim
    for manifest in ours:
        assert_valid_manifest(manifest)
    assert_chart_accepts(rendered.values)
    assert any("help portal" in n for n in rendered.notes)


def test_the_names_agree_and_the_hub_finds_it():
    config = _config()
    objects, values = _objects(config), render(config).values
    selector = objects["Deployment"]["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/component"] == "help"
    assert selector.items() <= objects["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
    assert objects["Service"]["spec"]["selector"] == selector
    (port,) = objects["Service"]["spec"]["ports"]
    container = service_container(objects)
    assert port["port"] == port["targetPort"] == container["ports"][0]["containerPort"] == 8080
    # the hub's entry (the proxy's route, the chart's token) and hub_config's service_urls are the Service
    assert values["hub"]["services"]["help"] == {"url": f"http://{objects['Service']['metadata']['name']}:8080"}
    assert HELP in running(config) and HELP.url() == values["hub"]["services"]["help"]["url"]
    env = env_values(container)
    assert env["JUPYTERHUB_API_TOKEN"] == {"secretKeyRef": {"name": "hub", "key": "hub.services.help.apiToken"}}
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == "/campus/services/help/"
    assert env["JUPYTERHUB_CLIENT_ID"] == "service-help"
    assert env["CAMPUSHUB_HELP_SITE"] == images.HELP_SITE
    assert container["command"] == ["python3", "-m", "campushub.help.service"]
    assert container["image"] == images.help_image(config)


def test_no_claim_and_a_locked_down_pod():
    objects = _objects(_config())
    assert "PersistentVolumeClaim" not in objects
    spec, container = objects["Deployment"]["spec"]["template"]["spec"], service_container(objects)
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}
    assert not any("persistentVolumeClaim" in v for v in spec["volumes"])
    env = env_values(container)
    # the only writable places are the scratch volume's; the cookie secret's folder is one the service makes
    assert env["HOME"] == env["TMPDIR"] == help_fragment.DATA
    assert env["CAMPUSHUB_HELP_DIR"] == f"{help_fragment.DATA}/service"
    assert {m["name"]: m["mountPath"] for m in container["volumeMounts"]}["data"] == help_fragment.DATA
    assert not any(e["name"].endswith("_DB_URL") for e in container["env"])
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 1000
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]} and "privileged" not in security
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False and "serviceAccountName" not in spec
    limits = container["resources"]["limits"]
    assert limits["memory"] == "256Mi" and limits["cpu"] == "500m"
    # stateless: the new pod answers before the old one goes
    assert objects["Deployment"]["spec"]["strategy"]["type"] == "RollingUpdate"


def test_only_the_proxy_and_the_hub_reach_it():
    config = _config()
    objects, values = _objects(config), render(config).values
    policy = objects["NetworkPolicy"]
    selector = objects["Deployment"]["spec"]["selector"]["matchLabels"]
    assert policy["spec"]["podSelector"]["matchLabels"] == selector
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    (rule,) = policy["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchExpressions": [
        {"key": "component", "operator": "In", "values": ["hub", "proxy"]}]}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    to_help = {"to": [{"podSelector": {"matchLabels": selector}}], "ports": [{"protocol": "TCP", "port": 8080}]}
    assert to_help in values["hub"]["networkPolicy"]["egress"]
    assert to_help in values["proxy"]["chp"]["networkPolicy"]["egress"]
    # user servers (learner code) get no way to it
    assert not any(r.get("to") == to_help["to"] for r in values["singleuser"]["networkPolicy"]["egress"])
    # static pages, no metrics page: Prometheus is not pointed at it
    assert "annotations" not in objects["Service"]["metadata"]
    scrapers = next(m for m in render(config).manifests if m["metadata"]["name"] == monitoring.NAME)
    assert "help" not in scrapers["spec"]["podSelector"]["matchExpressions"][0]["values"]
    # the pod reaches the hub's API (OAuth): the chart's hub policy lets in pods with this label
    assert objects["Deployment"]["spec"]["template"]["metadata"]["labels"]["hub.jupyter.org/network-access-hub"] \
        == "true"


def test_the_dockerfile_copies_the_portal_where_the_pod_serves_it():
    config = _config()
    build = images.help_build(config)
    parser = DockerfileParser(fileobj=io.BytesIO(build.dockerfile.encode()))
    assert parser.parent_images == [images.hub_image(config)]  # CampusHub and its help service
    (copy,) = [i["value"].split() for i in parser.structure if i["instruction"] == "COPY"]
    source, target = copy
    assert source.rstrip("/") == build.generated == "site"
    assert target.rstrip("/") == env_values(service_container(_objects(config)))["CAMPUSHUB_HELP_SITE"]
    assert [i["value"] for i in parser.structure if i["instruction"] == "USER"][-1] == "jovyan"
    refs = [b.ref for b in images.builds(config)]
    assert build.ref in refs and refs.index(images.hub_image(config)) < refs.index(build.ref)
    assert build.ref.startswith(f"{REGISTRY}/campushub-hub:help-")
    # (the hub image's tag is a digest of this checkout: compared within one listing)
    assert any(c.startswith(f"docker build --tag {REGISTRY}/campushub-hub:help-") and c.endswith(" help")
               for c in images.build_commands(config, "."))


def test_the_image_tag_follows_the_organisations_pages(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "nav.yml").write_text("- vpn.md\n")
    (pages / "vpn.md").write_text("# VPN\n\nConnect first.\n")
    config = _config(pages_dir=str(pages))
    first = images.help_image(config)
    unrelated = validate({**config, "analytics": {"enabled": False}})
    assert images.help_image(unrelated) == first != images.help_image(_config())
    (pages / "vpn.ja.md").write_text("# VPN\n\n最初に接続します。\n")
    second = images.help_image(config)
    assert second != first
    titled = validate({**config, "help": {**config["help"], "title": {"en": "Our campus"}}})
    assert images.help_image(titled) not in (first, second)
    note = " ".join(render(config).notes)
    assert str(pages) in note and "render again" in note


def test_a_missing_pages_folder_is_one_line_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as e:
        render(_config(pages_dir=str(tmp_path / "nowhere")))
    assert e.value.key == "help.pages_dir" and "\n" not in str(e.value)


def test_off_renders_nothing_of_it():
    config = _config(enabled=False)
    rendered = render(config)
    assert not _objects(config)
    assert "help" not in rendered.values["hub"].get("services", {})
    assert HELP not in running(config)
    assert "help" not in [b.context for b in images.builds(config)]
    assert not any("help" in n.lower() for n in rendered.notes)
    selector = {"matchLabels": {"app.kubernetes.io/part-of": "campushub", "app.kubernetes.io/component": "help"}}
    for section in (rendered.values["hub"], rendered.values["proxy"]["chp"]):
        assert not any(r.get("to") == [{"podSelector": selector}] for r in section["networkPolicy"]["egress"])


def _release_hub(config: dict, tmp_path) -> Config:
    """The hub's configuration as the pod makes it: the chart's services from hub.services, each with the
    token the chart generates (its jupyterhub_config.py), then ours from the mounted site file."""
    path = tmp_path / "campushub.yaml"
    path.write_text(hub.site_file(config))
    c = Config()
    c.JupyterHub.services = [{"name": name, **entry, "api_token": f"chart-made-{name}"}
                             for name, entry in render(config).values["hub"].get("services", {}).items()]
    hub_config.apply_from_file(c, path, {})
    return c


async def _server_env(c: Config) -> dict:
    # KubeSpawner makes its API client on the running loop
    from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

    user = SimpleNamespace(name="learner", id=1, url="/user/learner/", groups=[], admin=False)
    return CampusHubKubeSpawner(config=c, _mock=True, user=user, hub=Hub()).get_env()


def test_the_release_hub_announces_it_and_links_it(tmp_path, dummy_kubeconfig):
    c = _release_hub(_config(), tmp_path)
    (entry,) = [s for s in c.JupyterHub.services if s["name"] == "help"]
    assert entry["url"] == HELP.url() and entry["api_token"] == "chart-made-help"
    assert entry["oauth_no_confirm"] is True  # people arrive logged in to the hub: no consent page
    (user,) = [r for r in c.JupyterHub.load_roles if r["name"] == "user"]
    assert "access:services!service=help" in user["scopes"]
    # the nav bar's Help link and the spawn/error pages' links (hub/templates), in the person's language
    links = c.JupyterHub.template_vars["campushub_help"]
    assert links.url("ja") == "/campus/services/help/ja/"
    assert links.url("en", links.MEMORY) == "/campus/services/help/learners/memory/"
    # servers' memory warning links the memory page (a public path: servers never call the service)
    env = asyncio.run(_server_env(c))
    assert "/campus/services/help/learners/memory/" in env["CAMPUSHUB_MEMORY_WARNING"]


def test_the_release_hub_without_it_links_nothing(tmp_path, dummy_kubeconfig):
    c = _release_hub(_config(enabled=False), tmp_path)
    assert "help" not in [s["name"] for s in c.JupyterHub.services]
    assert "campushub_help" not in c.JupyterHub.template_vars
    env = asyncio.run(_server_env(c))
    assert "/services/help/" not in env["CAMPUSHUB_MEMORY_WARNING"]
