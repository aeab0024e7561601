"""The Kubernetes hub configuration applied to a bare traitlets Config(), as
a Zero to JupyterHub hub's extraConfig applies it: no hub and no cluster run
(the spawner is built with KubeSpawner's _mock and a kubeconfig naming no
cluster, since none can run here)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import jupyterhub
import pytest
from jupyterhub.app import JupyterHub
from jupyterhub.objects import Hub
from jupyterhub.proxy import ConfigurableHTTPProxy
from traitlets.config import Config
from traitlets.utils.importstring import import_item

from campushub.config import ConfigError, load
from campushub.deploy.kubernetes import hub_config
from campushub.hub.settings import I18N_EXTENSION, TEMPLATES

from ..hub_sites import AUTH, CLASSES, ORIGIN, SETTING, authenticator, named_server_limit, site

REPO = Path(__file__).resolve().parents[3]


def applied(kind: str, environ: dict | None = None, c: Config | None = None, **extra) -> Config:
    c = c or Config()
    hub_config.apply(c, site(kind, kubernetes={}, **extra), environ or {})
    return c


@pytest.mark.parametrize("kind", sorted(AUTH))
def test_every_auth_type_gets_its_authenticator_and_settings(kind):
    c = applied(kind)
    assert c.JupyterHub.spawner_class == "campushub.deploy.kubernetes.spawner.CampusHubKubeSpawner"
    assert c.JupyterHub.authenticator_class == CLASSES[kind]
    trait, value = SETTING[kind]
    assert c[CLASSES[kind].rsplit(".", 1)[1]][trait] == value
    assert c.Authenticator.admin_users == {"root-admin"}
    if kind == "native":  # its own groups: a hook; and it needs the hub's database to be built
        assert callable(c.CampusHubAuthenticator.post_auth_hook)
    else:
        a = authenticator(c)
        assert getattr(a, trait) == value and a.admin_users == {"root-admin"} and a.admin_groups == {"staff"}
    assert c.JupyterHub.template_vars["native_accounts"] is (kind == "native")


def test_roles_services_pages_embedding_and_named_servers():
    c = applied("oidc", {"CAMPUSHUB_CLI_TOKEN": "cli-token-from-secret", "OTHER": "x"})
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["campushub-admin-groups"]["groups"] == ["staff"]
    assert roles["tutor-ml101"]["groups"] == ["ml101-tutors"]
    assert "access:servers!group=ml101-learners" in roles["tutor-ml101"]["scopes"]
    assert roles["campushub-operator"]["services"] == ["campushub-cli"]
    assert c.JupyterHub.services[0] == {"name": "campushub-cli", "api_token": "cli-token-from-secret"}
    # and the idle culler the hub runs itself (tests/deploy/kubernetes/test_culling.py)
    assert [s["name"] for s in c.JupyterHub.services[1:]] == ["campushub-idle-culler"]
    assert c.JupyterHub.template_paths[0] == TEMPLATES and (Path(TEMPLATES) / "page.html").is_file()
    assert I18N_EXTENSION in c.JupyterHub.jinja_environment_options["extensions"]
    csp = c.JupyterHub.tornado_settings["headers"]["Content-Security-Policy"]
    assert csp == f"frame-ancestors 'self' {ORIGIN}"
    assert c.JupyterHub.tornado_settings["cookie_options"]["samesite"] == "None"
    assert "CAMPUSHUB_TORNADO_SETTINGS" in c.CampusHubKubeSpawner.environment.get_value({})  # what servers get: below
    assert c.JupyterHub.allow_named_servers is True
    # named servers besides the default one: max_servers - 1
    # plus apps.max_per_person (3 by default): apps are named servers with their own budget
    assert named_server_limit(c) == 0 + 3 and named_server_limit(c, "researchers") == 2 + 3


def test_without_tokens_no_service_is_announced():
    c = applied("native", culling={"enabled": False})  # the culler, run by the hub, needs no token
    assert c.JupyterHub.services == []
    assert "campushub-operator" not in {r["name"] for r in c.JupyterHub.load_roles}


def chart_config() -> Config:
    """What Z2JH 4.4.0's jupyterhub_config.py has set before extraConfig runs."""
    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.JupyterHub.db_url = "postgresql://chart-db/jupyterhub"
    c.ConfigurableHTTPProxy.api_url = "http://proxy-api:8001"
    c.ConfigurableHTTPProxy.should_start = False
    c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 0}
    c.JupyterHub.services = [{"name": "jupyterhub-idle-culler", "command": ["python3", "-m", "jupyterhub_idle_culler"]}]
    c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "scopes": ["list:users"],
                                "services": ["jupyterhub-idle-culler"]}]
    c.KubeSpawner.environment = {"FROM_CHART": "1"}
    return c


def test_the_charts_proxy_database_culler_and_settings_are_kept(dummy_kubeconfig):
    config = site("ldap", kubernetes={})
    c = chart_config()
    hub_config.apply(c, config, {"CAMPUSHUB_API_TOKEN": "automation"})
    assert c.JupyterHub.db_url == "postgresql://chart-db/jupyterhub"
    assert c.ConfigurableHTTPProxy.api_url == "http://proxy-api:8001"
    # JupyterHub's default proxy class, able to leave out the proxy's activity: the chart's settings still apply
    assert issubclass(import_item(c.JupyterHub.proxy_class), ConfigurableHTTPProxy)
    assert c.JupyterHub.tornado_settings["slow_spawn_timeout"] == 0
    assert "headers" in c.JupyterHub.tornado_settings
    assert [s["name"] for s in c.JupyterHub.services] == ["jupyterhub-idle-culler", "campushub-automation",
                                                          "campushub-idle-culler"]
    assert {"jupyterhub-idle-culler", "campushub-operator"} <= {r["name"] for r in c.JupyterHub.load_roles}
    site_config, env = asyncio.run(_spawner_env(c))
    assert site_config == config
    assert env["FROM_CHART"] == "1"
    server = json.loads(env["CAMPUSHUB_TORNADO_SETTINGS"])
    assert server["headers"]["Content-Security-Policy"] == f"frame-ancestors 'self' {ORIGIN}"
    assert server["xsrf_cookie_kwargs"]["samesite"] == "None"


async def _spawner_env(c: Config):
    """The spawner JupyterHub would build from `c`, and the environment a server would get."""
    from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

    user = SimpleNamespace(name="learner", id=1, url="/user/learner/", groups=[], admin=False)
    spawner = CampusHubKubeSpawner(config=c, _mock=True, user=user, hub=Hub())
    return spawner.site_config, spawner.get_env()


def test_a_service_the_chart_already_runs_keeps_its_token():
    c = chart_config()
    c.JupyterHub.services.append({"name": "campushub-cli", "api_token": "chart-made"})
    hub_config.apply(c, site("native", kubernetes={}), {"CAMPUSHUB_CLI_TOKEN": "from-env"})
    cli = [s for s in c.JupyterHub.services if s["name"] == "campushub-cli"]
    assert cli == [{"name": "campushub-cli", "api_token": "chart-made"}]


def test_apply_from_file_takes_secrets_from_the_environment(tmp_path):
    path = tmp_path / "campushub.yaml"
    oidc = {k: v for k, v in AUTH["oidc"].items() if k != "client_secret"}
    path.write_text(json.dumps({"kubernetes": {}, "hub": {"public_url": "https://hub.example.org"},
                                "auth": {"type": "oidc", "oidc": oidc}}))
    c = Config()
    env = {"CAMPUSHUB_OIDC_CLIENT_SECRET": "from-secret", "CAMPUSHUB_HUB_DB_URL": "postgresql://db/hub"}
    config = hub_config.apply_from_file(c, path, env)
    assert config["auth"]["oidc"]["client_secret"] == "from-secret"
    assert authenticator(c).client_secret == "from-secret"
    assert c.JupyterHub.db_url == "postgresql://db/hub"


def test_apply_from_file_names_key_and_line_of_a_bad_setting(tmp_path):
    path = tmp_path / "campushub.yaml"
    path.write_text("kubernetes: {}\nauth:\n  type: ldap\n  ldap:\n    user_search_base: dc=x\n")
    c = Config()
    with pytest.raises(ConfigError, match=r"campushub.yaml:4: auth.ldap.server_address: auth.type is ldap"):
        hub_config.apply_from_file(c, path, {})
    assert "authenticator_class" not in c.JupyterHub


@pytest.mark.parametrize("make", [lambda p: None, Path.mkdir], ids=["missing", "a directory"])
def test_a_site_file_missing_in_the_hub_pod_says_where_it_comes_from(tmp_path, make):
    path = tmp_path / "campushub.yaml"
    make(path)
    c = Config()
    with pytest.raises(ConfigError) as e:
        hub_config.apply_from_file(c, path, {})
    message = str(e.value)
    # the hub pod has no --config: the file comes from the release's values
    assert message.startswith(f"{path}: ") and "\n" not in message and "--config" not in message
    assert "campushub k8s render" in message and "helm upgrade" in message
    assert "authenticator_class" not in c.JupyterHub
    with pytest.raises(ConfigError, match="to --config"):  # the CLI's wording stays the CLI's
        load(path)


@pytest.mark.parametrize("kind", sorted(AUTH))
def test_only_traits_jupyterhub_declares_are_set(kind):
    c = applied(kind, {"CAMPUSHUB_CLI_TOKEN": "t"})
    assert set(c.JupyterHub) <= set(JupyterHub.class_trait_names(config=True))


JH55_CHECK = """
import sys
from traitlets.config import Config
import jupyterhub
from jupyterhub.app import JupyterHub
sys.path.insert(0, sys.argv[1])
from tests.deploy.hub_sites import AUTH, site
from campushub.deploy.kubernetes import hub_config
assert jupyterhub.__version__.startswith("5.5"), jupyterhub.__version__
for kind in AUTH:
    c = Config()
    hub_config.apply(c, site(kind, kubernetes={}), {"CAMPUSHUB_CLI_TOKEN": "t"})
    unknown = set(c.JupyterHub) - set(JupyterHub.class_trait_names(config=True))
    assert not unknown, (kind, unknown)
    if kind != "native":  # native needs the hub's database to be built
        module, name = c.JupyterHub.authenticator_class.rsplit(".", 1)
        getattr(__import__(module, fromlist=[name]), name)(config=c)
print("ok", jupyterhub.__version__)
"""


def test_the_same_configuration_loads_into_jupyterhub_55():
    # The chart's hub runs JupyterHub 5.5; tests/hub/test_jupyterhub55.py builds a venv with it.
    if jupyterhub.__version__.startswith("5.5"):  # that test's run of this file inside the venv
        pytest.skip("running on JupyterHub 5.5: the tests above check the same in this process")
    venvs = sorted(Path("/opt/campushub-test").glob("jh55-*/.complete"), key=os.path.getmtime)
    if not venvs:
        pytest.skip("no JupyterHub 5.5 venv yet (tests/hub/test_jupyterhub55.py builds one)")
    python = venvs[-1].parent / "bin" / "python"
    # this checkout's campushub first on the path, JupyterHub 5.5 and the auth libraries from the venv
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([str(python), "-c", JH55_CHECK, str(REPO)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.startswith("ok 5.5"), run.stderr[-2000:]
