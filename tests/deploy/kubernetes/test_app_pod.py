"""An app server's pod, as the hub builds it on Kubernetes (no cluster here:
KubeSpawner builds the pod offline, conftest.py's dummy kubeconfig): the
container runs our app proxy from the image's environment with the app
behind it on the pod's loopback, nothing of jupyterhub-singleuser, and the
same policy (limits) as the person's other servers."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from jupyterhub import orm
from jupyterhub.objects import Hub
from tornado import web

from campushub.config import validate
from campushub.deploy.kubernetes.render.dockerfiles import ENV_PREFIX
from campushub.deploy.kubernetes.spawner import CampusHubKubeSpawner

from .pods import container, pod_manifest, quantity
from .test_manifests import check_schema

pytestmark = pytest.mark.usefixtures("dummy_kubeconfig")
SITE = validate({"policies": {"default": {"cpu": {"min": 0.5, "max": 2, "default": 1},
                                          "memory": {"min": "1G", "max": "4G", "default": "2G"}}}})
APP = {"kind": "streamlit", "path": "projects/churn/app.py", "title": "Churn"}


def build(name: str, options: dict) -> tuple[CampusHubKubeSpawner, dict]:
    async def run():
        user = SimpleNamespace(name="kim", id=1, url="/user/kim/", groups=[], spawners={}, orm_spawners={},
                               admin=False)
        spawner = CampusHubKubeSpawner(_mock=True, user=user, hub=Hub(), namespace="campushub", site_config=SITE,
                                       orm_spawner=orm.Spawner(name=name))  # the server's name; no database
        spawner.check_and_apply(options)
        return spawner, await pod_manifest(spawner)
    return asyncio.run(run())


def test_the_app_pod_runs_the_app_proxy_and_nothing_of_jupyter_server():
    spawner, manifest = build("app-churn", {"campushub_app": APP, "memory": "3G"})
    check_schema(manifest)
    args = container(manifest)["args"]
    python = f"{ENV_PREFIX}/bin/python"
    assert args[:4] == [python, "-I", "-m", "campushub_app_proxy"]
    assert "--server-port=8501" in args and "--unix-socket=True" not in args
    assert not any("bwrap" in a or "jupyterhub-singleuser" in a or "SingleUserNotebookApp" in a for a in args)
    streamlit = args[args.index("streamlit") - 2:]
    assert streamlit[:5] == [python, "-m", "streamlit", "run", "app.py"]
    assert args[args.index("campushub_app_run") + 3:args.index("campushub_app_run") + 5] == ["", "projects/churn"]
    # the policy's limits, as for any server of this person
    assert quantity(container(manifest)["resources"]["limits"]["memory"]) == 3 * 2**30
    # the app is remembered for a restart without options (the hub's home page)
    assert spawner.user_options["campushub_app"] == APP
    assert spawner.get_state()["campushub_app"] == APP


def test_a_server_not_named_app_cannot_carry_an_app():
    with pytest.raises(web.HTTPError) as e:
        build("", {"campushub_app": APP})
    assert e.value.status_code == 400 and "app-<name>" in e.value.jupyterhub_message


def test_an_app_server_needs_app_options():
    with pytest.raises(web.HTTPError) as e:
        build("app-churn", {})
    assert e.value.status_code == 400 and "apps page" in e.value.jupyterhub_message


def test_a_refused_app_names_what_was_wrong():
    with pytest.raises(web.HTTPError) as e:
        build("app-churn", {"campushub_app": {**APP, "path": "../../etc/x.py"}})
    assert e.value.status_code == 400 and "inside your home" in e.value.jupyterhub_message
