"""What the live test needs, and one line saying what is missing.

The opt-in variable is the same as tests/deploy/kubernetes/test_cluster.py's:
a KUBECONFIG alone is not enough, since a developer's may point at a
production cluster, where a test release does not belong.
"""

from __future__ import annotations

import asyncio
import os
import shutil

OPT_IN = "CAMPUSHUB_K8S_TEST"
TOOLS = ("helm", "kubectl")
REACH_TIMEOUT = 10  # seconds: a cluster that is there answers /version at once


def kubeconfig_files(environ=os.environ) -> list[str]:
    return [p for p in environ.get("KUBECONFIG", "").split(os.pathsep) if p and os.path.isfile(p)]


def missing(environ=os.environ, which=shutil.which, reach=None) -> list[str]:
    """What stops the live test from running here, empty when nothing does.
    The cluster is only asked when everything else is in place."""
    gaps = []
    if environ.get(OPT_IN) != "1":
        gaps.append(f"{OPT_IN}=1")
    if not kubeconfig_files(environ):
        value = environ.get("KUBECONFIG")
        gaps.append(f"KUBECONFIG naming a kubeconfig file (now {value!r})" if value else "KUBECONFIG")
    gaps += [f"{tool} on PATH" for tool in TOOLS if not which(tool)]
    if not gaps:
        error = (reach or reachable)(kubeconfig_files(environ)[0])
        if error:
            gaps.append(f"a reachable cluster ({error})")
    return gaps


def require_cluster(environ=os.environ) -> str:
    """The kubeconfig of the cluster to test on, or one skip naming everything missing."""
    import pytest

    gaps = missing(environ)
    if gaps:
        pytest.skip(skip_reason(gaps))
    return kubeconfig_files(environ)[0]


def skip_reason(gaps: list[str]) -> str:
    return ("live Kubernetes test (tests/live_k8s/README.md) needs " + ", ".join(gaps)
            + "; nothing was installed")


def reachable(kubeconfig: str) -> str | None:
    """None when the cluster's API server answers, else why not in a few words."""
    from kubernetes_asyncio import client
    from kubernetes_asyncio import config as kube_config

    async def ask() -> None:
        configuration = client.Configuration()
        await kube_config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
        async with client.ApiClient(configuration) as api:
            await client.VersionApi(api).get_code(_request_timeout=REACH_TIMEOUT)

    try:
        asyncio.run(asyncio.wait_for(ask(), REACH_TIMEOUT + 5))
    except Exception as e:  # any failure means the same: no cluster to test on
        return f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else 'no answer'}"
    return None
