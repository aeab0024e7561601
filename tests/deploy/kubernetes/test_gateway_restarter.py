"""EG's kernel restarter as both gateways configure it (attack review 16, round 2, #2), in the real
gateway venv (EG 3.2.3, jupyter_client 6.1.12, as in EG's image): our SteadyRestarter (counting a kernel
that dies soon after its relaunch as dying again in a row) with restart_limit 2, resolved by EG's own
RemoteKernelManager from the configuration each deployment writes. The local gateway's behaviour with a
real dying kernel is tested in tests/remote_kernels/test_front_limits_stack.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from campushub.config import validate
from campushub.deploy.kubernetes.render import gateway as k8s_gateway
from campushub.deploy.local.layout import Layout
from campushub.deploy.local.remote_kernels import gateway as local_gateway
from campushub.deploy.local.remote_kernels import venv

pytestmark = pytest.mark.stack

K8S_APP = Path(k8s_gateway.__file__).parent.parent / k8s_gateway.APP
# gateway_app's k8s module loads the in-cluster API config on import; here there is none
SCRIPT = r"""
import json, runpy, sys
import kubernetes.config
kubernetes.config.load_incluster_config = lambda: None
runpy.run_path(sys.argv[1], run_name="campushub_gateway_under_test")
from enterprise_gateway.services.kernels.remotemanager import RemoteKernelManager
from traitlets.config import Config
km = RemoteKernelManager(config=Config(json.loads(sys.argv[2])))
restarter = km.restarter_class(kernel_manager=km, parent=km)
print(json.dumps({"restarter": type(restarter).__name__, "limit": restarter.restart_limit}))
"""
CONFIG = validate({"profiles": {"small": {"cpu": 1, "memory": "256M"}}, "remote_kernels": {"enabled": True}})


@pytest.mark.parametrize("deployment", ["local", "kubernetes"])
def test_eg_restarts_a_dying_kernel_once_with_our_restarter(deployment, tmp_path):
    if deployment == "local":
        app = local_gateway.APP
        settings = local_gateway.settings({**CONFIG, "remote_kernels": {**CONFIG["remote_kernels"],
                                                                       "gateway_port": 9}},
                                          Layout(tmp_path), ["campushub-small"])
    else:
        app, settings = K8S_APP, k8s_gateway.gateway_config(CONFIG)
    python = venv.ensure_gateway_env(CONFIG) / "bin" / "python"
    done = subprocess.run([str(python), "-I", "-c", SCRIPT, str(app), json.dumps(settings)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"restarter": "SteadyRestarter", "limit": 2}
